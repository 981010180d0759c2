"""An organizer's tab on the admin at a given screen size and language, for the browser tests of wide admin pages.

``admin_tab`` signs in an administrator through the login form, after choosing the language with the switcher in the
public pages' header, as an organizer would; the tab keeps the list of Content-Security-Policy violations reported.
"""

import contextlib

import pytest

from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, Screenshots
from tests.browser.test_pages import submit, switch_language

SCREENS = {"desktop": DESKTOP, "phone": PHONE}

# Whether anything of the page or of the element lies beyond the right edge of the window (or of the element's box).
PAGE_FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
FITS = "(element) => element.scrollWidth <= element.clientWidth"
# The right edge of an element, or of each of several, to compare with the window's width.
RIGHT_EDGE = "(element) => Math.floor(element.getBoundingClientRect().right)"
RIGHT_EDGES = "(elements) => elements.map((element) => Math.floor(element.getBoundingClientRect().right))"


@contextlib.contextmanager
def admin_tab(browser, live_server, request, *, screen, language):
    """A fresh tab of ``screen`` ("desktop" or "phone") signed in to the admin in ``language`` ("en" or "vi")."""
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username="organizer").exists():
        get_user_model().objects.create_superuser("organizer", "organizer@example.org", PASSWORD)
    context = browser.new_context(**SCREENS[screen], locale="en-GB", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.shot = Screenshots(tab, request.node.name)  # tab.shot("step") saves a full-page screenshot of that step
    tab.csp_violations = []
    tab.on(
        "console",
        lambda message: tab.csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        tab.goto(live_server.url + "/")
        if language != "en":
            switch_language(tab, language)
        tab.goto(live_server.url + "/admin/login/")
        tab.fill("#id_username", "organizer")
        tab.fill("#id_password", PASSWORD)
        submit(tab, tab.locator("input[type=submit]"))
        yield tab
    finally:
        try:
            tab.shot()
        finally:
            context.close()


def admin_screens():
    """Each screen in each language, as pytest parameters."""
    return [
        pytest.param(screen, language, id=f"{screen}-{language}")
        for screen in ("desktop", "phone")
        for language in ("en", "vi")
    ]
