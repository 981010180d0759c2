"""Private links issued in the admin, in a real browser: the page link first, each copied with one press."""

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
