"""Saving a moved item in the admin: one message, what was saved first, then the conflicts it made or cleared."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from ceremony.models import ScheduleItem
from tests.browser.admin_tabs import admin_screens, admin_tab
from tests.browser.test_pages import submit

pytestmark = pytest.mark.browser


def texts(language):
    with translation.override(language):
        return {
            "changed": gettext("The {name} “{obj}” was changed successfully.").split("{name}")[0].strip(),
            "now": gettext("Conflicts now:"),
            "rule": gettext("room double-booked"),
            "fix": gettext("fix"),
            "cleared": gettext("Cleared by this change:"),
        }


def save_at(page, live_server, item, time):
    page.goto(f"{live_server.url}/admin/ceremony/scheduleitem/{item.pk}/change/")
    page.fill("#id_starts_at_1", time)
    submit(page, page.locator("input[name=_save]"))
    messages = page.locator("ul.messagelist > li")
    expect(messages).to_have_count(1)  # one message, not one per conflict
    return messages.first


@pytest.mark.parametrize(("screen", "language"), admin_screens())
def test_a_moved_item_says_what_was_saved_then_its_conflicts_in_one_message(
    browser, live_server, seeded_live, request, screen, language
):
    photo = ScheduleItem.objects.get(uid="hanoi-2025-group-photo")  # 08:45–09:00 in the foyer
    words = texts(language)
    with admin_tab(browser, live_server, request, screen=screen, language=language) as page:
        # 08:30: into the official welcome (08:00–08:45), in the same room.
        message = save_at(page, live_server, photo, "08:30")
        text = message.inner_text()
        assert text.startswith(words["changed"]), text  # what was saved comes first
        assert text.index(words["changed"]) < text.index(words["now"])
        group = message.locator("li", has_text=words["rule"][1:])  # capitalised in the message
        expect(group).to_have_count(1)
        expect(group).to_contain_text(f"{words['rule'][1:]} (1)")
        fix = group.get_by_role("link", name=words["fix"])
        expect(fix).to_have_count(1)
        page.shot("conflict")

        # Back to 08:45: the message says what the save cleared.
        message = save_at(page, live_server, photo, "08:45")
        text = message.inner_text()
        assert text.startswith(words["changed"]), text
        assert words["now"] not in text
        assert words["cleared"] in text and f"{words['rule'][1:]} (1)" in text, text
