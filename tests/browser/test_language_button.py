"""The language switcher's button stays on one line on every screen: the public pages, the delegation's, the admin."""

import pytest
from playwright.sync_api import expect

from delegations.models import Delegation
from delegations.services import delegation_issue_token
from tests.browser.conftest import PASSWORD, SCREENSHOTS
from tests.browser.test_pages import NO_HORIZONTAL_SCROLL, submit, switch_language

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1366)
BUTTON = "form.language-switcher button[type=submit]"
# The button's height against one line of its text (its line height, padding and borders), and how many lines
# its text is laid out on.
ONE_LINE = """button => {
    const style = getComputedStyle(button);
    const px = name => parseFloat(style[name]);
    const range = document.createRange();
    range.selectNodeContents(button);
    const rects = [...range.getClientRects()];
    const lines = new Set(rects.map(rect => Math.round(rect.top)));
    // "line-height: normal" has no number: one line is then as high as the text's own box.
    const lineHeight = isNaN(px("lineHeight")) ? rects[0].height : px("lineHeight");
    return {
        height: button.getBoundingClientRect().height,
        oneLine: lineHeight + px("paddingTop") + px("paddingBottom") + px("borderTopWidth") + px("borderBottomWidth"),
        lines: lines.size,
        text: button.textContent.trim(),
    };
}"""


@pytest.fixture
def places(seeded_live):
    """The pages with a language switcher: the programme, the delegation's page, the admin's sign-in and index."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("organizer", "organizer@example.org", PASSWORD)
    token = delegation_issue_token(delegation=Delegation.objects.get(ceremony=seeded_live, country="VN"))
    return {"programme": "/", "delegation": f"/d/{token}/", "admin-login": "/admin/login/", "admin": "/admin/"}


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_language_button_never_wraps(browser, live_server, places, language):
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
        page = context.new_page()
        try:
            page.goto(live_server.url + "/")
            if language != "en":
                switch_language(page, language)
            for name, path in places.items():
                if name == "admin":
                    page.fill("#id_username", "organizer")
                    page.fill("#id_password", PASSWORD)
                    submit(page, page.locator("input[type=submit]"))
                page.goto(live_server.url + path)
                button = page.locator(BUTTON)
                expect(button).to_be_visible()
                expect(button).to_have_text("Đổi ngôn ngữ" if language == "vi" else "Change language")
                SCREENSHOTS.mkdir(exist_ok=True)
                page.screenshot(path=SCREENSHOTS / f"language-button-{language}-{width}-{name}.png")
                measured = button.evaluate(ONE_LINE)
                where = f"{name} at {width} px in {language}"
                assert measured["lines"] == 1, f"the language button wraps on {where}: {measured}"
                assert abs(measured["height"] - measured["oneLine"]) <= 1, (
                    f"the language button wraps on {where}: {measured}"
                )
                # The list beside it, on the same line.
                select = page.locator("form.language-switcher select").bounding_box()
                box = button.bounding_box()
                assert abs((select["y"] + select["height"] / 2) - (box["y"] + box["height"] / 2)) <= 2, where
                assert box["x"] + box["width"] <= width, f"the language button is cut off on {where}"
                assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{where} scrolls sideways"
        finally:
            context.close()


# Each part of the header inside the header's own box, and the site's name in lines of more than a word.
HEADER_FITS = """() => {
    const header = document.querySelector("#header").getBoundingClientRect();
    const parts = ["#site-name", "#ceremony-dates", "form.language-switcher button[type=submit]"];
    const outside = parts.filter(selector => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.left < header.left - 0.5 || box.right > header.right + 0.5;
    });
    return {outside, nameWidth: document.querySelector("#site-name").getBoundingClientRect().width};
}"""


@pytest.mark.parametrize("width", [390, 1366])
def test_the_sign_in_header_shows_the_site_name_whole_beside_the_switcher(browser, live_server, places, width):
    """The sign-in box is narrow at every width: its header stacks the name, the dates and the switcher."""
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/admin/login/")
        measured = page.evaluate(HEADER_FITS)
        assert measured["outside"] == [], f"cut off by the sign-in box at {width} px: {measured}"
        assert measured["nameWidth"] >= 250, f"the site's name is squeezed to {measured['nameWidth']} px"
    finally:
        context.close()
