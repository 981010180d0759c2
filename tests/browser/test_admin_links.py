"""The admin in a real browser: private links (the page link first, each copied with one press), and times."""

import re

import pytest
from playwright.sync_api import expect

from delegations.models import Delegation
from tests.browser.admin_tabs import DESKTOP, FITS, PAGE_FITS, RIGHT_EDGES, admin_screens, admin_tab
from tests.browser.conftest import PHONE
from tests.browser.test_pages import submit
from tests.factories import DelegationFactory

pytestmark = pytest.mark.browser


def test_new_access_links_are_copied_with_one_press(page, live_server, logged_in, shot):
    delegation = Delegation.objects.order_by("pk").first()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/admin/delegations/delegation/")
    page.locator(f'input[name="_selected_action"][value="{delegation.pk}"]').check()
    page.select_option("select[name=action]", "issue_access_links")
    submit(page, page.locator("button[name=index]"))
    submit(page, page.locator("input[type=submit]"))

    page_link = page.locator("code.page-link").first.inner_text()
    button = page.locator("button.copy-link").first
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Copied")
    shot()
    assert page.evaluate("navigator.clipboard.readText()") == page_link
    page.goto(page_link)
    expect(page.locator("h1")).to_contain_text(delegation.name)
    assert logged_in == []


def test_an_organizer_abroad_sees_no_server_time_note_under_the_times(page, live_server, logged_in):
    # The page's browser is on Paris time; the ceremony's times are Hanoi's, named in the header.
    page.goto(live_server.url + "/admin/ceremony/scheduleitem/add/")
    expect(page.locator("#id_starts_at_0")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.locator(".timezonewarning").count() > 0  # Django adds its note; the planner hides it
    expect(page.locator(".timezonewarning").first).to_be_hidden()
    expect(page.locator("#site-name, #header").first).to_contain_text("times in Asia/Ho_Chi_Minh, UTC+07:00")


@pytest.fixture
def unbreakable_tokens(monkeypatch):
    """Tokens without a hyphen, as about one in four real ones is: nowhere for a browser to break the address."""
    from ceremony import tokens

    issued = iter(range(1, 100))
    monkeypatch.setattr(tokens.secrets, "token_urlsafe", lambda _bytes: f"{next(issued):02d}".rjust(43, "W"))


@pytest.mark.parametrize(("screen", "language"), admin_screens())
def test_new_access_links_show_every_column_on_the_screen(
    browser, live_server, seeded_live, unbreakable_tokens, request, screen, language
):
    for code, name in [("VC", "Saint Vincent and the Grenadines"), ("LA", "Lao People's Democratic Republic")]:
        DelegationFactory(ceremony=seeded_live, country=code, name=name)
    with admin_tab(browser, live_server, request, screen=screen, language=language) as page:
        page.goto(live_server.url + "/admin/delegations/delegation/")
        page.locator("#action-toggle").check()
        page.select_option("select[name=action]", "issue_access_links")
        submit(page, page.locator("button[name=index]"))
        submit(page, page.locator("input[type=submit]"))

        links = page.locator("table.issued-links tbody tr")
        expect(links).to_have_count(3)
        assert page.evaluate(PAGE_FITS), "the new links are wider than the window"
        width = DESKTOP["viewport"]["width"] if screen == "desktop" else PHONE["viewport"]["width"]
        assert max(page.locator("table.issued-links th, table.issued-links td").evaluate_all(RIGHT_EDGES)) <= width
        for address in page.locator("table.issued-links code, table.issued-links .webcal-link").all():
            assert address.evaluate(FITS), address.inner_text()
        webcal = links.first.locator(".webcal-link")
        expect(webcal).to_have_attribute("href", re.compile(r"^webcal://.*/d/W+\d\d/calendar\.ics$"))
        expect(links.first.locator("button.copy-link")).to_have_count(3)
        if screen == "desktop":
            for heading in page.locator("table.issued-links thead th").all():
                expect(heading).to_be_in_viewport(ratio=1)
        assert page.csp_violations == []


@pytest.mark.parametrize(("screen", "language"), admin_screens())
def test_an_issued_page_link_is_copied_and_opens_the_delegations_page(
    browser, live_server, seeded_live, request, screen, language
):
    """The organizer sends the page link (not the calendar's): copied with one press, it opens the delegation's page."""
    from django.utils import translation

    viet_nam = Delegation.objects.get(ceremony=seeded_live, country="VN")
    with translation.override(language):
        name = viet_nam.localized("name")
    with admin_tab(browser, live_server, request, screen=screen, language=language) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        page.goto(live_server.url + "/admin/delegations/delegation/")
        page.locator(f'input[name="_selected_action"][value="{viet_nam.pk}"]').check()
        page.select_option("select[name=action]", "issue_access_links")
        submit(page, page.locator("button[name=index]"))
        submit(page, page.locator("input[type=submit]"))

        row = page.locator("table.issued-links tbody tr").first
        page_link = row.locator("code.page-link").inner_text()
        assert re.fullmatch(rf"{re.escape(live_server.url)}/d/[\w-]+/", page_link), page_link
        codes = [code.inner_text() for code in row.locator("code").all()]
        assert codes[0] == page_link and codes[1].endswith("/calendar.ics"), codes  # the page first, then the feed
        button = row.locator("button.copy-link").first
        button.click()
        assert page.evaluate("navigator.clipboard.readText()") == page_link

        page.goto(page.evaluate("navigator.clipboard.readText()"))
        expect(page.locator("h1")).to_have_text(name)
        expect(page.locator("html")).to_have_attribute("lang", language)
