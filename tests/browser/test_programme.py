"""The public programme in a real browser, on a phone and a desktop, in English and Vietnamese: day tabs, search
as you type (and with the button when JavaScript is off), the reader's time zone, now and next, the calendar box."""

import re
from unittest import mock
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Screenshots
from tests.browser.test_pages import NO_HORIZONTAL_SCROLL
from tests.factories import hanoi

pytestmark = pytest.mark.browser

SCREENS = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"en": "en-GB", "vi": "vi-VN"}
READERS = [("phone", "en"), ("phone", "vi"), ("desktop", "en"), ("desktop", "vi")]
DAY_25, DAY_26 = "/?day=2025-10-25", "/?day=2025-10-26"
FITS = "(element) => element.scrollWidth <= element.clientWidth"
TOKYO = re.compile(r"[?&]tz=Asia(/|%2F)Tokyo(&|$)")  # a form or a script writes the slash as %2F, the page's links as /
TEXT = {
    "en": {
        "press": "press",
        "copied": "Copied",
        "your_zone": "Show times in your zone (Europe/Paris)",
        "home": "Show Hanoi time",
        "hanoi": "09:00–10:30 Hanoi time",
        "now": "Happening now",
        "next": "Next",
        "google": "Google Calendar",
        "paste": "Paste the address and choose “Add calendar”.",
    },
    "vi": {
        "press": "họp báo",  # the press conference's Vietnamese title
        "copied": "Đã sao chép",
        "your_zone": "Hiển thị giờ theo múi giờ của quý vị (Europe/Paris)",
        "home": "Hiển thị giờ Hà Nội",
        "hanoi": "09:00–10:30 giờ Hà Nội",
        "now": "Đang diễn ra",
        "next": "Tiếp theo",
        "google": "Google Lịch (Google Calendar)",
        "paste": "Dán địa chỉ và chọn “Thêm lịch”.",
    },
}


@pytest.fixture
def open_programme(browser, live_server, seeded_live, request):
    """``open_programme(screen, language, javascript=True)``: a fresh tab of that size and language (its browser's
    own, as a visitor's browser sends it), on Paris time, at the programme; its screenshot is kept."""
    contexts = []

    def opener(screen, language, *, javascript=True, path="/", zone="Europe/Paris"):
        context = browser.new_context(
            **SCREENS[screen], locale=LOCALES[language], timezone_id=zone, java_script_enabled=javascript
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.shot = Screenshots(page, request.node.name)
        page.csp_violations = []  # the scripts are static files the Content-Security-Policy allows; nothing inline
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        response = page.goto(live_server.url + path)
        assert response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        return page

    yield opener
    for context in contexts:
        context.close()


def item_ids(page):
    return [
        item.get_attribute("id").removeprefix("item-")
        for item in page.locator("#programme-results li[id^='item-']").all()
    ]


def current_tab(page):
    return page.locator("#day-tabs a[aria-current=page]")


@pytest.mark.parametrize(("screen", "language"), READERS)
def test_day_tabs_and_search_as_you_type(open_programme, screen, language):
    page = open_programme(screen, language)

    # After the ceremony the programme opens on its first day.
    expect(current_tab(page)).to_have_attribute("href", DAY_25)
    expect(current_tab(page)).to_have_count(1)
    assert item_ids(page) == [
        "hanoi-2025-opening",
        "hanoi-2025-signing",
        "hanoi-2025-side-events",
        "hanoi-2025-plenary-1",
    ]
    expect(page.locator("#filter-submit")).to_be_hidden()  # with JavaScript, nothing to press
    # Every tab in view, in either language: none hides beyond the edge of a phone.
    assert page.locator("#day-tabs").evaluate(FITS), page.locator("#day-tabs").inner_text()

    page.locator(f"#day-tabs a[href='{DAY_26}']").click()
    expect(page).to_have_url(re.compile(r"/\?day=2025-10-26$"))
    expect(current_tab(page)).to_have_attribute("href", DAY_26)
    assert item_ids(page) == [
        "hanoi-2025-plenary-2",
        "hanoi-2025-signing-day-2",
        "hanoi-2025-closing",
        "hanoi-2025-press-conference",
    ]

    search = page.locator("#filter-q")
    search.press_sequentially(TEXT[language]["press"], delay=40)
    expect(page).to_have_url(re.compile(r"[?&]" + re.escape(urlencode({"q": TEXT[language]["press"]})) + "(&|$)"))
    expect(page.locator("#programme-results li[id^='item-']")).to_have_count(1)
    assert item_ids(page) == ["hanoi-2025-press-conference"]
    expect(search).to_be_focused()  # the results changed under the reader's fingers, the box kept its focus
    expect(page.locator("#day-tabs a[href*='day=2025-10-25']")).to_contain_text("(0)")  # the tabs count the search

    search.fill("")
    expect(page.locator("#programme-results li[id^='item-']")).to_have_count(4)
    page.select_option("#filter-kind", "closing")
    expect(page).to_have_url(re.compile(r"/\?day=2025-10-26&kind=closing$"))
    expect(page.locator("#programme-results li[id^='item-']")).to_have_count(1)
    assert item_ids(page) == ["hanoi-2025-closing"]
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the programme scrolls sideways"
    page.shot()

    page.reload()  # the address kept the choice
    assert item_ids(page) == ["hanoi-2025-closing"]
    expect(page.locator("#filter-kind")).to_have_value("closing")
    assert page.csp_violations == []


@pytest.mark.parametrize(("screen", "language"), READERS)
def test_tabs_search_and_zone_without_javascript(open_programme, screen, language):
    page = open_programme(screen, language, javascript=False)

    page.locator(f"#day-tabs a[href='{DAY_26}']").click()
    expect(current_tab(page)).to_have_attribute("href", DAY_26)
    page.fill("#filter-q", TEXT[language]["press"])
    page.select_option("#filter-tz", "Asia/Tokyo")
    assert item_ids(page) == [
        "hanoi-2025-plenary-2",
        "hanoi-2025-signing-day-2",
        "hanoi-2025-closing",
        "hanoi-2025-press-conference",
    ]

    page.locator("#filter-submit").click()
    page.wait_for_url(TOKYO)
    assert item_ids(page) == ["hanoi-2025-press-conference"]
    expect(page.locator("#item-hanoi-2025-press-conference time")).to_have_text("16:00–17:00")
    expect(page.locator("#item-hanoi-2025-press-conference .home-time")).to_contain_text("14:00–15:00")
    expect(page.locator(".zone-note")).to_contain_text("Asia/Tokyo, UTC+09:00")
    expect(page.locator("[data-tz-link]")).to_have_count(0)
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the programme scrolls sideways"
    page.shot()

    # The tabs keep the search and the zone.
    page.locator("#day-tabs a[href*='day=2025-10-25']").click()
    expect(current_tab(page)).to_have_attribute("href", re.compile(r"day=2025-10-25.*tz=Asia/Tokyo"))
    expect(page.locator("#filter-q")).to_have_value(TEXT[language]["press"])
    assert item_ids(page) == []


@pytest.mark.parametrize(("screen", "language"), READERS)
def test_switching_to_the_readers_zone_and_back(open_programme, screen, language):
    page = open_programme(screen, language)
    opening = page.locator("#item-hanoi-2025-opening")
    expect(opening.locator("time")).to_have_text("09:00–10:30")

    offer = page.locator("[data-tz-link]")
    expect(offer).to_have_text(TEXT[language]["your_zone"])  # the browser says it is on Paris time
    offer.click()
    expect(page).to_have_url(re.compile(r"[?&]tz=Europe(/|%2F)Paris(&|$)"))
    expect(opening.locator("time")).to_have_text("04:00–05:30")
    expect(opening.locator(".home-time")).to_have_text(TEXT[language]["hanoi"])
    expect(page.locator(".zone-note")).to_contain_text("Europe/Paris, UTC+02:00")
    expect(page.locator(".zone-note")).to_contain_text("Asia/Ho_Chi_Minh, UTC+07:00")

    page.select_option("#filter-tz", "Asia/Tokyo")  # applies at once
    expect(page).to_have_url(TOKYO)
    expect(opening.locator("time")).to_have_text("11:00–12:30")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the programme scrolls sideways"
    page.shot()

    page.get_by_role("link", name=TEXT[language]["home"]).click()
    expect(opening.locator("time")).to_have_text("09:00–10:30")
    expect(opening.locator(".home-time")).to_have_count(0)
    assert page.csp_violations == []


def test_a_reader_on_hanoi_time_under_another_name_is_offered_no_switch(open_programme):
    """Asia/Saigon is Hanoi's clock under its old name: "Show times in your zone (Asia/Saigon)" would change nothing."""
    page = open_programme("desktop", "en", zone="Asia/Saigon")
    expect(page.locator("#item-hanoi-2025-opening time")).to_have_text("09:00–10:30")
    expect(page.locator("[data-tz-link]")).to_be_hidden()


@pytest.mark.parametrize(("screen", "language"), READERS)
def test_copying_the_calendar_address_and_the_steps_per_app(open_programme, live_server, screen, language):
    page = open_programme(screen, language)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    address = live_server.url + "/programme.ics" + ("?lang=vi" if language == "vi" else "")

    expect(page.locator("#subscribe a[href^='webcal://']")).to_have_attribute(
        "href", re.compile(r"^webcal://.*/programme\.ics")
    )
    expect(page.locator("#programme-feed-url")).to_have_value(address)
    copy = page.locator("#copy-feed-url")
    copy.click()
    expect(copy).to_have_text(TEXT[language]["copied"])
    assert page.evaluate("navigator.clipboard.readText()") == address

    steps = page.locator("#subscribe details").filter(has_text=TEXT[language]["google"])
    expect(steps.get_by_text(TEXT[language]["paste"])).to_be_hidden()
    steps.locator("summary").click()
    expect(steps.get_by_text(TEXT[language]["paste"])).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the calendar box scrolls sideways"
    page.shot()


@pytest.mark.parametrize(("screen", "language"), [("phone", "en"), ("desktop", "vi")])
def test_now_and_next_during_the_ceremony(open_programme, screen, language):
    with mock.patch("django.utils.timezone.now", return_value=hanoi(25, 9, 30)):
        page = open_programme(screen, language, path="/?day=2025-10-26")
        now = page.locator("#item-hanoi-2025-opening")
        expect(page.locator("#now-heading")).to_have_text(TEXT[language]["now"])
        page.locator("#jump-to-now").click()
        expect(page).to_have_url(re.compile(r"/\?day=2025-10-25&page=1#item-hanoi-2025-opening$"))
        expect(now.locator(".badge-now")).to_have_text(TEXT[language]["now"])
        expect(page.locator("#item-hanoi-2025-signing .badge-next")).to_have_text(TEXT[language]["next"])
        expect(now).to_be_in_viewport()
        page.shot()
