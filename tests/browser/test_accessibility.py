"""axe-core on every public page, the delegation's page and form, and the admin, in both languages, phone and desktop.

Each test walks the pages as one visitor would (the language chosen once with the button, the organizer signed in
through the login form) and collects what axe-core finds on each page, so one run names every page's problems.
"""

from unittest import mock

import pytest
from playwright.sync_api import expect

from ceremony.enums import ItemKind, ItemStatus, Visibility
from ceremony.models import Agency, Room, ScheduleItem
from delegations.enums import DelegationStatus
from delegations.models import Delegation, SigningSlot
from delegations.services import delegation_issue_token
from tests.browser.axe import axe_check
from tests.browser.conftest import DESKTOP, PASSWORD, PHONE
from tests.browser.test_pages import submit, switch_language
from tests.factories import DelegateFactory, ScheduleItemFactory, hanoi

pytestmark = pytest.mark.browser

SIZES = {"390px": PHONE, "1366px": DESKTOP}


@pytest.fixture
def ceremony_day(seeded_live):
    """Viet Nam with a stay (so the dashboard draws its chart), a member, its signing slot and place, an item moved
    since it was published (so its page shows what changed), and an access token."""
    from django.contrib.auth import get_user_model

    viet_nam = Delegation.objects.get(ceremony=seeded_live, country="VN")
    viet_nam.arrival_at, viet_nam.departure_at = hanoi(24, 10), hanoi(27, 15)
    viet_nam.status, viet_nam.intends_to_sign, viet_nam.signing_order = DelegationStatus.CONFIRMED, True, 1
    viet_nam.save()
    DelegateFactory(delegation=viet_nam, name="Nguyễn Văn Nam", position="Deputy Minister of Foreign Affairs")
    slot = ScheduleItemFactory(
        ceremony=seeded_live, uid="hanoi-2025-signing-vn", kind=ItemKind.SIGNING, visibility=Visibility.INVITED,
        status=ItemStatus.CONFIRMED, title="Signing: Viet Nam", title_vi="Ký: Việt Nam",
        starts_at=hanoi(25, 10, 30), ends_at=hanoi(25, 10, 35),
        room=Room.objects.get(key="ncc-signing"), lead_agency=Agency.objects.get(code="mofa"),
    )  # fmt: skip
    slot.invited_delegations.set([viet_nam])
    SigningSlot.objects.create(delegation=viet_nam, item=slot)
    closing = ScheduleItem.objects.get(uid="hanoi-2025-closing")
    closing.starts_at, closing.ends_at = hanoi(26, 11, 45), hanoi(26, 12, 15)
    closing.save()  # moved: listed under "what changed", old → new
    get_user_model().objects.create_superuser("organizer", "organizer@example.org", PASSWORD)
    return delegation_issue_token(delegation=viet_nam)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "vi"])
def test_no_serious_accessibility_problem_on_any_page(browser, live_server, ceremony_day, language, size):
    token = ceremony_day
    opening = ScheduleItem.objects.get(uid="hanoi-2025-opening")
    viet_nam = Delegation.objects.get(country="VN")
    context = browser.new_context(**SIZES[size], locale="en-GB", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []

    def check(path, what):
        response = page.goto(live_server.url + path)
        assert response.status in (200, 404), f"{path} answered {response.status}"
        expect(page.locator("html")).to_have_attribute("lang", language)
        try:
            axe_check(page, what=f"{what} ({language}, {size})")
        except AssertionError as problem:
            problems.append(str(problem))

    try:
        page.goto(live_server.url + "/")
        if language != "en":
            switch_language(page, language)
        check("/", "the programme")
        check("/?day=2025-10-26&kind=plenary", "the programme, filtered")
        check("/?tz=America/New_York", "the programme in another time zone")
        with mock.patch("django.utils.timezone.now", return_value=hanoi(25, 9, 30)):
            check("/?day=2025-10-25", "the programme during the ceremony (now and next)")
        check("/about/", "About the Convention")
        check("/no-such-page/", "the 404 page")
        check(f"/d/{token}/", "the delegation's page")
        expect(page.locator("#changed")).to_be_visible()  # the page was checked with its "what changed" box
        check(f"/d/{token}/edit/", "the delegation's form")
        page.locator("input[name=attendance][value=declined]").check()
        submit(page, page.locator("main form button[type=submit]"))
        expect(page.locator("#id_give_up_place")).to_be_visible()
        try:
            axe_check(page, what=f"the delegation's form asking to confirm declining ({language}, {size})")
        except AssertionError as problem:
            problems.append(str(problem))
        check("/admin/login/", "the admin's sign-in page")
        page.fill("#id_username", "organizer")
        page.fill("#id_password", PASSWORD)
        submit(page, page.locator("input[type=submit]"))
        check("/admin/", "the admin's dashboard")
        check("/admin/ceremony/scheduleitem/", "the list of schedule items")
        check("/admin/ceremony/scheduleitem/?status__exact=confirmed", "the list of schedule items, filtered")
        check(f"/admin/ceremony/scheduleitem/{opening.pk}/change/", "an item's change form")
        check("/admin/ceremony/scheduleitem/add/", "a new item's form (its lists empty)")
        check(f"/admin/delegations/delegation/{viet_nam.pk}/change/", "a delegation's change form, with its members")
        check("/admin/ceremony/scheduleitem/export/", "the export page")
        check(f"/admin/ceremony/ceremony/{opening.ceremony_id}/signing-desk/", "the signing desk")
        check(f"/admin/ceremony/ceremony/{opening.ceremony_id}/run-sheet/", "the run-sheet of the signing")
    finally:
        context.close()
    assert not problems, "\n\n".join(problems)
