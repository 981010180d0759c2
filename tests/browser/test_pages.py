"""The public and delegation pages in a real browser on a phone: layout, forms, language, privacy."""

import re

import pytest
from playwright.sync_api import expect

from ceremony.enums import ItemKind, ItemStatus, Visibility
from ceremony.models import Agency, Room
from delegations.models import Delegation
from delegations.services import delegation_issue_token
from tests.factories import ScheduleItemFactory, hanoi

pytestmark = pytest.mark.browser

OPENING = "#item-hanoi-2025-opening"
OPENING_TITLE_VI = "Khai mạc Lễ mở ký và các bài phát biểu khai mạc"
DAY_25, DAY_26 = "#day-20251025", "#day-20251026"
NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
UNKNOWN_TOKEN = "A" * 43  # the shape of a real token (43 URL-safe characters), but nobody's


def submit(page, button):
    """Click a form's submit button and wait for the server's answer to the POST."""
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        button.click()
    response = answer.value
    page.wait_for_load_state()
    # A 403 here once came from "Referrer-Policy: no-referrer", which makes browsers post "Origin: null".
    assert response.status in (200, 302), f"POST {response.url} answered {response.status}"
    return response


def switch_language(page, code):
    """Use the switcher in the header, as a visitor would (its button's label is not asserted: it gets translated)."""
    page.select_option("#language", code)
    submit(page, page.locator("form.language-switcher button[type=submit]"))
    expect(page.locator("html")).to_have_attribute("lang", code)


@pytest.fixture
def viet_nam(seeded_live):
    """Viet Nam's seeded delegation (signs first) with a fresh access token, as ``(delegation, token)``."""
    delegation = Delegation.objects.get(ceremony=seeded_live, country="VN")
    return delegation, delegation_issue_token(delegation=delegation)


def test_programme_on_a_phone(page, live_server, seeded_live, shot):
    response = page.goto(live_server.url + "/?day=all")
    assert response.status == 200

    expect(page.locator(DAY_25)).to_contain_text("25 October 2025")
    expect(page.locator(DAY_26)).to_contain_text("26 October 2025")
    expect(page.locator(f"{OPENING} .item-time")).to_have_text("09:00–10:30")
    expect(page.locator(".zone-note")).to_contain_text("Asia/Ho_Chi_Minh, UTC+07:00")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the programme scrolls sideways on a phone"
    shot()

    page.locator("#day-tabs a[href='/?day=2025-10-26']").click()
    expect(page).to_have_url(re.compile(r"[?&]day=2025-10-26(&|$)"))
    expect(page.locator(DAY_25)).to_have_count(0)
    expect(page.locator(DAY_26)).to_be_visible()
    expect(page.locator("main section h2[id^='day-']")).to_have_count(1)
    expect(page.locator("#day-tabs a[aria-current=page]")).to_have_attribute("href", "/?day=2025-10-26")
    expect(page.locator(OPENING)).to_have_count(0)
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    shot("filtered")


def test_switching_to_vietnamese_and_back(page, live_server, seeded_live, shot):
    page.goto(live_server.url + "/?day=2025-10-25")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(f"{OPENING} .item-title")).to_have_text("Opening of the signing ceremony and opening speeches")

    switch_language(page, "vi")
    expect(page.locator(f"{OPENING} .item-title")).to_have_text(OPENING_TITLE_VI)
    expect(page.locator("main h1")).to_have_text(
        "Lễ mở ký và Hội nghị cấp cao Công ước của Liên hợp quốc về chống tội phạm mạng"
    )
    expect(page).to_have_url(re.compile(r"/\?day=2025-10-25$"))  # the switcher keeps the page and its filter
    expect(page.locator("#language")).to_have_value("vi")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the Vietnamese programme scrolls sideways on a phone"
    shot()

    page.goto(live_server.url + "/about/")  # the choice is remembered on the next page
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.goto(live_server.url + "/?day=2025-10-25")

    switch_language(page, "en")
    expect(page.locator(f"{OPENING} .item-title")).to_have_text("Opening of the signing ceremony and opening speeches")
    expect(page.locator("#language")).to_have_value("en")


@pytest.fixture
def signing_slot(seeded_live, viet_nam):
    """Viet Nam's own signing slot: invited to Viet Nam only, on 25 October in the Signing Hall."""
    slot = ScheduleItemFactory(
        ceremony=seeded_live, uid="hanoi-2025-signing-vn", kind=ItemKind.SIGNING, visibility=Visibility.INVITED,
        status=ItemStatus.CONFIRMED, title="Signing: Viet Nam", title_vi="Ký: Việt Nam",
        starts_at=hanoi(25, 10, 30), ends_at=hanoi(25, 10, 35),
        room=Room.objects.get(key="ncc-signing"), lead_agency=Agency.objects.get(code="mofa"),
    )  # fmt: skip
    slot.invited_delegations.set([viet_nam[0]])
    return slot


def test_delegation_page(page, live_server, viet_nam, signing_slot, shot):
    delegation, token = viet_nam
    slot = signing_slot
    response = page.goto(f"{live_server.url}/d/{token}/")
    assert response.status == 200
    assert response.headers["referrer-policy"] == "same-origin"

    assert delegation.name == "Viet Nam"
    expect(page.locator("main h1")).to_have_text(delegation.name)
    signing = page.locator("#signing-slot")
    expect(signing).to_have_count(1)
    expect(signing.locator("h2")).to_have_text("Your signing slot")
    expect(signing).to_contain_text("10:30–10:35")
    expect(signing).to_contain_text("Signing Hall")
    expect(signing).to_contain_text("position 1")
    expect(page.locator(f"#item-{slot.uid}")).to_have_class(re.compile(r"\bitem-signing-own\b"))

    subscribe = page.locator("a[href^='webcal://']")
    expect(subscribe).to_have_count(1)
    assert subscribe.get_attribute("href").endswith(f"/d/{token}/calendar.ics")
    qr = page.locator("figure.qr > svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 100, "the QR code is too small to scan"
    assert box["x"] + box["width"] <= 390
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the delegation page scrolls sideways on a phone"
    shot()


def test_edit_form_refuses_then_saves(page, live_server, seeded_live, viet_nam, shot):
    delegation, token = viet_nam
    page_url = f"{live_server.url}/d/{token}/"
    assert delegation.hotel == ""
    assert list(delegation.members.values_list("name", flat=True)) == ["Lương Tam Quang"]  # seeded, signs
    page.goto(page_url + "edit/")

    # Departure before arrival, a broken address, and a new member in the empty extra form.
    page.fill("#id_hotel", "Hilton Hanoi Opera")
    page.fill("#id_arrival_at", "2025-10-24T10:00")
    page.fill("#id_departure_at", "2025-10-23T18:00")
    page.fill("#id_contact_email", "protocol-at-mofa")
    page.fill("#id_members-1-name", "Nguyễn Văn Nam")
    page.fill("#id_members-1-position", "Deputy Minister of Foreign Affairs")
    shot("filled")
    submit(page, page.locator("main form button[type=submit]"))

    expect(page.locator("#id_departure_at")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("main")).to_contain_text("Departure must be after arrival.")
    expect(page.locator("#id_contact_email")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("main")).to_contain_text("Enter a valid email address.")
    expect(page.locator(".alert-danger")).to_contain_text("Nothing was saved")
    expect(page).to_have_url(page_url + "edit/")
    # What was typed is kept for the correction.
    expect(page.locator("#id_arrival_at")).to_have_value("2025-10-24T10:00")
    expect(page.locator("#id_members-1-name")).to_have_value("Nguyễn Văn Nam")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the form with errors scrolls sideways on a phone"
    shot("errors")

    delegation.refresh_from_db()
    assert (delegation.hotel, delegation.arrival_at, delegation.departure_at) == ("", None, None)
    assert delegation.contact_email != "protocol-at-mofa"
    assert delegation.members.count() == 1

    page.fill("#id_departure_at", "2025-10-27T15:30")
    page.fill("#id_contact_email", "protocol@mofa.gov.vn")
    submit(page, page.locator("main form button[type=submit]"))

    expect(page).to_have_url(page_url)
    expect(page.locator(".alert-success")).to_contain_text("Saved. The protocol team sees your changes.")
    stay = page.locator("section[aria-labelledby='stay-heading']")
    expect(stay).to_contain_text("Hilton Hanoi Opera")
    expect(stay).to_contain_text("24 October 2025, 10:00")  # Hanoi time, though the phone is set to Paris
    expect(page.locator("section[aria-labelledby='members-heading']")).to_contain_text("Nguyễn Văn Nam")
    shot()

    delegation.refresh_from_db()
    assert delegation.hotel == "Hilton Hanoi Opera"
    assert delegation.arrival_at == hanoi(24, 10)
    assert delegation.departure_at == hanoi(27, 15, 30)
    assert delegation.contact_email == "protocol@mofa.gov.vn"
    assert [(m.name, m.position) for m in delegation.members.order_by("pk")] == [
        ("Lương Tam Quang", "Minister of Public Security"),
        ("Nguyễn Văn Nam", "Deputy Minister of Foreign Affairs"),
    ]


def test_unknown_token_shows_the_friendly_404(page, live_server, seeded_live, viet_nam, shot):
    # Viet Nam has a real token; the one asked for is nobody's, or not even shaped like one.
    for path in (f"/d/{UNKNOWN_TOKEN}/", f"/d/{UNKNOWN_TOKEN}/edit/", "/d/not-a-token/"):
        response = page.goto(live_server.url + path)
        assert response.status == 404, path
        assert response.headers["referrer-policy"] == "same-origin"
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("main h1")).not_to_be_empty()
        expect(page.locator("main a[href='/']")).to_have_count(1)
        body = page.locator("body").inner_text()
        assert "Viet Nam" not in body
        for leak in ("#signing-slot", "#schedule-heading", "#stay-heading", "#members-heading", "#feed-url", "svg"):
            expect(page.locator(leak)).to_have_count(0)
        expect(page.locator("a[href^='webcal:'], a[href*='calendar.ics'], a[href*='/edit/']")).to_have_count(0)
        expect(page.locator("form[method=post]:not(.language-switcher)")).to_have_count(0)
        if path == f"/d/{UNKNOWN_TOKEN}/":
            assert page.evaluate(NO_HORIZONTAL_SCROLL)
            shot()

    page.locator("main a[href='/']").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(OPENING)).to_be_visible()


def test_switching_language_on_the_delegation_page(page, live_server, viet_nam, signing_slot, shot):
    _, token = viet_nam
    page.goto(f"{live_server.url}/d/{token}/")
    expect(page.locator(f"#item-{signing_slot.uid} .item-title")).to_have_text("Signing: Viet Nam")

    switch_language(page, "vi")
    expect(page).to_have_url(f"{live_server.url}/d/{token}/")
    expect(page.locator(f"#item-{signing_slot.uid} .item-title")).to_have_text("Ký: Việt Nam")
    expect(page.locator(f"{OPENING} .item-title")).to_have_text(OPENING_TITLE_VI)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the Vietnamese delegation page scrolls sideways on a phone"
    shot()
