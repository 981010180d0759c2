"""The delegate's tasks in a real browser, on a phone and on a desktop, in English and Vietnamese: declining and
coming back without losing the signing place, and a page that opens with what is the delegation's own."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from ceremony.enums import ItemKind, ItemStatus, Visibility
from ceremony.models import Agency, Room, ScheduleItem
from delegations.enums import DelegationStatus
from delegations.models import Delegation, SigningSlot
from delegations.services import delegation_issue_token
from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, SCREENSHOTS
from tests.browser.test_pages import NO_HORIZONTAL_SCROLL, submit, switch_language
from tests.factories import DelegationFactory, ScheduleItemFactory, hanoi

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": DESKTOP}
TEXTS = {
    "en": {
        "no": "No, we will not attend",
        "yes": "Yes, we will attend",
        "warning": "Nothing is saved yet: confirm below that your delegation gives up its place.",
        "what_no_does": "Choosing “No” gives up your delegation's place in the order of signing",
        "gives_up": "Your delegation gives up its place 1 in the order of signing and its signing slot",
        "back": "Your delegation has its place 1 in the order of signing and its signing slot back.",
        "slot": "Your signing slot",
        "recently": "Recently moved or cancelled",
    },
    "vi": {
        "no": "Không, chúng tôi sẽ không tham dự",
        "yes": "Có, chúng tôi sẽ tham dự",
        "warning": "Chưa có gì được lưu: xin xác nhận bên dưới rằng đoàn của quý vị từ bỏ vị trí của mình.",
        "what_no_does": "Chọn “Không” nghĩa là đoàn của quý vị từ bỏ vị trí trong thứ tự ký",
        "gives_up": "Đoàn của quý vị từ bỏ vị trí 1 trong thứ tự ký và khung giờ ký",
        "back": "Đoàn của quý vị đã được nhận lại vị trí 1 trong thứ tự ký và khung giờ ký.",
        "slot": "Khung giờ ký của đoàn",
        "recently": "Mới được dời lịch hoặc hủy",
    },
}


@pytest.fixture(params=["phone", "desktop"])
def tab(browser, request):
    """A fresh tab (own cookies) at a phone's or a desktop's size, set to Paris time: pages must show Hanoi's."""
    context = browser.new_context(**SIZES[request.param], locale="en-GB", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.size = request.param
    try:
        yield page
    finally:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{request.node.name}.png", full_page=True)
        context.close()


@pytest.fixture
def viet_nam_signs(seeded_live):
    """Viet Nam (the host, first in the order) with its signing slot linked as the order makes it, Mexico second;
    returns (delegation, token, slot)."""
    delegation = Delegation.objects.get(ceremony=seeded_live, country="VN")
    delegation.status, delegation.intends_to_sign, delegation.signing_order = DelegationStatus.CONFIRMED, True, 1
    delegation.save()
    DelegationFactory(ceremony=seeded_live, country="MX", name="Mexico", intends_to_sign=True, signing_order=2)
    slot = ScheduleItemFactory(
        ceremony=seeded_live, uid=f"signing-hanoi-2025-{delegation.pk}", kind=ItemKind.SIGNING,
        visibility=Visibility.INVITED, status=ItemStatus.CONFIRMED, title="Signature: Viet Nam",
        title_vi="Ký Công ước: Viet Nam", starts_at=hanoi(25, 10, 30), ends_at=hanoi(25, 10, 35),
        room=Room.objects.get(key="ncc-signing"), lead_agency=Agency.objects.get(code="mofa"),
    )  # fmt: skip
    slot.invited_delegations.set([delegation])
    SigningSlot.objects.create(delegation=delegation, item=slot)
    return delegation, delegation_issue_token(delegation=delegation), slot


def open_in(tab, url, language):
    tab.goto(url)
    if language == "vi":
        switch_language(tab, "vi")


def attendance(tab, label):
    tab.get_by_label(label, exact=True).check()


@pytest.mark.parametrize("language", ["en", "vi"])
def test_decline_then_come_back(tab, browser, live_server, viet_nam_signs, language):
    delegation, token, slot = viet_nam_signs
    texts = TEXTS[language]
    edit = f"{live_server.url}/d/{token}/edit/"
    open_in(tab, edit, language)

    # The form says what "No" does before anything is sent.
    expect(tab.locator("main")).to_contain_text(texts["what_no_does"])
    tab.fill("#id_hotel", "Daewoo Hotel")
    attendance(tab, texts["no"])
    submit(tab, tab.locator("main form button[type=submit]"))

    # Nothing saved: a warning, the consequences, a box to tick; what was typed is still there.
    expect(tab).to_have_url(edit)
    expect(tab.locator(".alert-warning")).to_contain_text(texts["warning"])
    expect(tab.locator("main")).to_contain_text(texts["gives_up"])
    confirm = tab.locator("#id_give_up_place")
    expect(confirm).to_be_visible()
    expect(tab.locator("#id_hotel")).to_have_value("Daewoo Hotel")
    assert tab.evaluate(NO_HORIZONTAL_SCROLL), "the confirmation scrolls sideways"
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(
        path=SCREENSHOTS / f"test_decline_then_come_back[{tab.size}-{language}]--confirm.png", full_page=True
    )
    slot.refresh_from_db()
    assert (slot.status, Delegation.objects.get(pk=delegation.pk).signing_order) == (ItemStatus.CONFIRMED, 1)

    confirm.check()
    submit(tab, tab.locator("main form button[type=submit]"))
    expect(tab).to_have_url(f"{live_server.url}/d/{token}/")
    expect(tab.locator("#signing-slot")).to_have_count(0)
    slot.refresh_from_db()
    assert (slot.status, slot.sequence) == (ItemStatus.CANCELLED, 1)
    assert Delegation.objects.get(pk=delegation.pk).hotel == "Daewoo Hotel"

    # An organizer sees it on the dashboard at once.
    get_user_model().objects.create_superuser("organizer", "organizer@example.org", PASSWORD)
    organizer = browser.new_context(**SIZES[tab.size], locale="en-GB", timezone_id="Europe/Paris")
    try:
        admin = organizer.new_page()
        admin.goto(live_server.url + "/admin/login/")
        admin.fill("#id_username", "organizer")
        admin.fill("#id_password", PASSWORD)
        submit(admin, admin.locator("input[type=submit]"))
        expect(admin.locator("#withdrawals")).to_contain_text("1 delegation withdrew from the signing")
        expect(admin.locator("ul.withdrawals")).to_contain_text("Viet Nam — declined")
        admin.locator("ul.withdrawals a", has_text="Viet Nam").click()
        expect(admin).to_have_url(f"{live_server.url}/admin/delegations/delegation/{delegation.pk}/change/")
    finally:
        organizer.close()

    # Coming back before Protocol reallocates: the same place and slot.
    tab.goto(edit)
    attendance(tab, texts["yes"])
    submit(tab, tab.locator("main form button[type=submit]"))
    expect(tab).to_have_url(f"{live_server.url}/d/{token}/")
    expect(tab.locator(".alert-success").last).to_have_text(texts["back"])
    expect(tab.locator("#signing-slot h2")).to_have_text(texts["slot"])
    expect(tab.locator("#signing-slot")).to_contain_text("10:30–10:35")
    slot.refresh_from_db()
    assert (slot.uid, slot.status, slot.sequence) == (f"signing-hanoi-2025-{delegation.pk}", ItemStatus.CONFIRMED, 2)
    assert Delegation.objects.get(pk=delegation.pk).signing_order == 1


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_page_opens_with_what_is_the_delegations_own(tab, live_server, viet_nam_signs, language):
    _delegation, token, _slot = viet_nam_signs
    # Published days ago; the opening then moved half an hour.
    ScheduleItem.history.model.objects.update(history_date=hanoi(20, 9))
    opening = ScheduleItem.objects.get(uid="hanoi-2025-opening")
    opening.starts_at, opening.ends_at = hanoi(25, 9, 30), hanoi(25, 11)
    opening.save()
    url = f"{live_server.url}/d/{token}/"
    violations = []
    tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    open_in(tab, url, language)
    texts = TEXTS[language]

    height = tab.viewport_size["height"]
    top = {name: tab.locator(sel).bounding_box()["y"] for name, sel in {
        "slot": "#signing-slot", "changed": "#changed-heading", "stay": "#stay-heading", "edit": "#edit-link",
        "invited": "#invited-heading", "subscribe": "#subscribe-heading", "programme": "#schedule-heading",
    }.items()}  # fmt: skip
    assert list(top) == sorted(top, key=top.get), top
    assert top["slot"] < height, "the signing slot is not on the first screen"
    assert top["subscribe"] < 3 * height, "subscribing is more than three screens down"
    days = tab.locator("details.programme-day")
    expect(days).to_have_count(2)
    expect(tab.locator("details.programme-day[open]")).to_have_count(0)
    expect(tab.locator("#item-hanoi-2025-opening")).to_be_hidden()  # folded until the day is opened
    tab.locator("#change-hanoi-2025-opening a").click()  # the link to a changed item opens its day
    expect(tab.locator("#item-hanoi-2025-opening")).to_be_visible()
    expect(days.first).to_have_attribute("open", "")
    days.last.locator("summary").click()  # a day opens without any script too: <details>
    expect(tab.locator("details.programme-day[open]")).to_have_count(2)
    assert tab.evaluate(NO_HORIZONTAL_SCROLL), "the delegation's page scrolls sideways"

    # What changed: old → new, still there after a reload, gone once marked as read.
    changed = tab.locator("#changed")
    expect(changed.locator("h2")).to_have_text(texts["recently"])
    expect(changed.locator("#change-hanoi-2025-opening")).to_contain_text("09:00–10:30 → ")
    expect(changed.locator("#change-hanoi-2025-opening")).to_contain_text("09:30–11:00")
    tab.reload()
    expect(tab.locator("#change-hanoi-2025-opening")).to_be_visible()
    submit(tab, changed.locator("button[type=submit]"))
    expect(tab).to_have_url(url)
    expect(tab.locator("#changed")).to_have_count(0)
    tab.reload()
    expect(tab.locator("#changed")).to_have_count(0)
    assert violations == []
