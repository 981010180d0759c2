"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

Nothing is downloaded: Playwright's own browsers are never installed, the tests launch
``/usr/bin/chromium`` (``apt-get install chromium``) and are skipped, with the reason, without it.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# A phone held upright (an iPhone 12–15 sized screen).
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}  # the commonest laptop screen
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"  # git-ignored
_SCREENSHOTS_KEY = pytest.StashKey()


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real browser (Debian's chromium) against the live server")


@pytest.fixture(scope="package")
def browser():
    """One headless chromium for all the browser tests.

    Package-scoped rather than session-scoped, on purpose: Playwright's sync API keeps an asyncio
    event loop marked as *running* in the main thread from ``start()`` until ``stop()``. pytest-django
    runs more tests after these transactional ones (tests/ceremony/test_sequence.py, tests/planner/test_backups.py,
    test_ical.py, ...); with a session-scoped browser they would run under that loop too, and either
    hit Django's SynchronousOnlyOperation ("You cannot call this from an async context") or need
    DJANGO_ALLOW_ASYNC_UNSAFE for the whole run, which switches the check off for every test (and
    asyncio.run() or async_to_sync() would refuse to run at all). The package scope stops Playwright
    right after the last test of ``tests/browser``.

    While it runs, the ORM would refuse to work in these tests: the test's own queries (seeding, the
    database checks after a submitted form) and pytest-django's flush of the transactional database
    after each test all run in the main thread, under that loop. Doing all the database work before
    the page starts is not possible (the checks and the flush come after), so DJANGO_ALLOW_ASYNC_UNSAFE
    is set here, only while Playwright runs, and restored when it stops. That is safe: nothing here is
    really asynchronous; the loop only carries Playwright's messages, and the live server answers
    requests in its own thread.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); browser tests need it")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def seeded_live(live_server):
    """The live server's database after `manage.py seed_ceremony`: the Hanoi ceremony, its programme, Viet Nam.

    ``live_server`` brings pytest-django's transactional database (the server's thread must see the
    rows, so they are committed; the database is flushed after the test). The ``seeded`` fixture of
    tests/conftest.py uses the non-transactional ``db`` and would be invisible to the server.
    """
    from ceremony.models import Ceremony
    from planner.seeding import seed_ceremony

    seed_ceremony()
    return Ceremony.objects.get(slug="hanoi-2025")


class Screenshots:
    """Full-page screenshots in tests/browser/screenshots/: ``<test name>.png``, and ``<test name>--<step>.png``."""

    def __init__(self, page, name):
        self.page, self.name, self.taken = page, name, False

    def __call__(self, step=None):
        SCREENSHOTS.mkdir(exist_ok=True)
        filename = f"{self.name}--{step}.png" if step else f"{self.name}.png"
        self.page.screenshot(path=SCREENSHOTS / filename, full_page=True)
        self.taken = self.taken or step is None


@pytest.fixture
def page(browser, request):
    """A fresh phone-sized tab (own cookies) in English; its screenshot is saved even when the test fails."""
    context = browser.new_context(
        **PHONE,
        locale="en-GB",
        # Another zone than Hanoi's on purpose: the pages must show (and read) Hanoi times whatever the phone's zone.
        timezone_id="Europe/Paris",
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    screenshots = request.node.stash[_SCREENSHOTS_KEY] = Screenshots(tab, request.node.name)
    try:
        yield tab
    finally:
        try:
            if not screenshots.taken:
                screenshots()
        finally:
            context.close()


@pytest.fixture
def shot(page, request):
    """``shot()`` saves the test's full-page screenshot now; ``shot("step")`` an extra one for that step."""
    return request.node.stash[_SCREENSHOTS_KEY]


PASSWORD = "a-long-test-password-for-the-browser"


@pytest.fixture
def logged_in(page, live_server, seeded_live):
    """An administrator signed in through the login form; returns the list of CSP violations the console reports."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("organizer", "organizer@example.org", PASSWORD)
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "organizer")
    page.fill("#id_password", PASSWORD)
    from tests.browser.test_pages import submit

    submit(page, page.locator("input[type=submit]"))
    return violations
