"""The signing desk in a real browser, as Protocol uses it: from the ceremony's page to the desk, draw the letter,
generate the order, move a delegation, and clear it (turned back once at the question, then confirmed), on a
desktop and on a phone, in English and in Vietnamese."""

import pytest
from playwright.sync_api import expect

from ceremony.enums import ItemStatus
from ceremony.models import ScheduleItem
from delegations.enums import Rank, VerificationStatus
from delegations.models import Delegation
from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, SCREENSHOTS
from tests.browser.test_pages import NO_HORIZONTAL_SCROLL, submit, switch_language
from tests.factories import DelegateFactory, DelegationFactory, FullPowersFactory

pytestmark = pytest.mark.browser


# What each language's pages say at each step (the rest is found by the page's classes, not its words).
WORDS = {
    "en": {
        "desk": "Signing desk",
        "no_letter": "No letter drawn yet",
        "generated": "Generated",
        "clear_asks": "4 slots are cancelled; their delegations see them cancelled on their pages and in their "
        "calendars.",
        "moved": "{name} now signs in place 3.",
    },
    "vi": {
        "desk": "Bàn điều phối lễ ký",
        "no_letter": "Chưa bốc thăm chữ cái",
        "generated": "Đã lập",
        "clear_asks": "4 khung giờ ký bị hủy; các đoàn thấy khung giờ của mình bị hủy trên trang và trong lịch của "
        "đoàn.",
        "moved": "{name} nay ký ở vị trí thứ 3.",
    },
}


@pytest.fixture
def signing_delegations(seeded_live):
    """Viet Nam (seeded, the host, with its seeded signatory, whose full powers are verified here) and three more
    delegations, each with its head of state as signatory."""
    viet_nam = Delegation.objects.get(ceremony=seeded_live, country="VN")
    FullPowersFactory(
        signatory=viet_nam.members.get(is_signatory=True), verification_status=VerificationStatus.VERIFIED
    )
    for code, name in [("AF", "Afghanistan"), ("MX", "Mexico"), ("ZA", "South Africa")]:
        delegation = DelegationFactory(ceremony=seeded_live, country=code, name=name, intends_to_sign=True)
        DelegateFactory(delegation=delegation, is_signatory=True, rank=Rank.HEAD_OF_STATE, name=f"Head of {name}")
    return seeded_live


@pytest.fixture(params=[("desktop", "en"), ("phone", "en"), ("desktop", "vi"), ("phone", "vi")], ids="-".join)
def organizer_tab(request, browser, live_server, signing_delegations):
    """A tab of an administrator signed in, at 1,366 px or 390 px, in English or Vietnamese; yields (page, words,
    the CSP violations reported)."""
    from django.contrib.auth import get_user_model

    size, language = request.param
    get_user_model().objects.create_superuser("organizer", "organizer@example.org", PASSWORD)
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP), locale="en-GB", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        if language != "en":
            page.goto(live_server.url + "/")
            switch_language(page, language)  # the header's button: its cookie carries the choice into the admin
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "organizer")
        page.fill("#id_password", PASSWORD)
        submit(page, page.locator("input[type=submit]"))
        expect(page.locator("html")).to_have_attribute("lang", language)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.shot = lambda step: page.screenshot(
            path=SCREENSHOTS / f"signing-desk-{size}-{language}--{step}.png", full_page=True
        )
        yield page, WORDS[language], violations
        page.shot("end")
    finally:
        context.close()


def places():
    return list(Delegation.objects.exclude(signing_order=None).order_by("signing_order").values_list("name", flat=True))


def confirm(page):
    submit(page, page.locator("input.desk-confirm"))


def test_the_signing_desk_from_draw_to_clear(organizer_tab, live_server, signing_delegations):
    page, words, violations = organizer_tab
    ceremony = signing_delegations

    # From the ceremony's page to its desk.
    page.goto(f"{live_server.url}/admin/ceremony/ceremony/{ceremony.pk}/change/")
    page.locator("a.signing-desk-link").click()
    expect(page.locator("h1")).to_have_text(words["desk"])
    expect(page.locator("#desk-state")).to_contain_text(words["no_letter"])
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the desk scrolls sideways"

    # Draw: nothing to undo yet, so no question.
    submit(page, page.locator("button.desk-draw"))
    ceremony.refresh_from_db()
    expect(page.locator(".desk-letter b")).to_have_text(ceremony.drawn_letter)

    # Generate: asked, then done.
    page.locator("a.desk-generate").click()
    expect(page.locator("#desk-consequences li")).to_have_count(1)
    confirm(page)
    expect(page.locator("#desk-state")).to_contain_text(words["generated"])
    expect(page.locator("table.desk-table tbody tr")).to_have_count(4)
    assert places()[0] == "Viet Nam"
    page.shot("generated")

    # Move the second one place down: asked (with the new places and times), then done.
    second, third = places()[1:3]
    page.locator("table.desk-table tbody tr").nth(1).locator("a.move-down").click()
    expect(page.locator("table.desk-changes tbody tr")).to_have_count(2)
    page.shot("move-asked")
    confirm(page)
    expect(page.locator(".messagelist")).to_contain_text(words["moved"].format(name=second))
    assert places()[1:3] == [third, second]

    # Clear: turned back once at the question, nothing changes; then confirmed.
    page.locator("a.desk-clear").click()
    expect(page.locator("#desk-consequences")).to_contain_text(words["clear_asks"])
    page.shot("clear-asked")
    page.locator("a.cancel-link").click()
    expect(page.locator("table.desk-table tbody tr")).to_have_count(4)
    assert len(places()) == 4 and not ScheduleItem.objects.filter(status=ItemStatus.CANCELLED, kind="signing").exists()
    page.locator("a.desk-clear").click()
    confirm(page)
    expect(page.locator("#desk-state")).to_contain_text(words["no_letter"])
    expect(page.locator("table.desk-table")).to_have_count(0)
    assert places() == [] and ScheduleItem.objects.filter(status=ItemStatus.CANCELLED, kind="signing").count() == 4

    # Every step is on the desk, with its person.
    expect(page.locator(".desk-steps li")).to_have_count(4)
    expect(page.locator(".desk-steps li").first).to_contain_text("organizer")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the desk scrolls sideways"
    assert violations == []
