"""The admin in a real browser: private links (the page link first, each copied with one press), and times."""

import pytest
from playwright.sync_api import expect

from delegations.models import Delegation
from tests.browser.test_pages import submit

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
