"""The admin's big lists on a 1,366 px screen: every column in view, nothing to scroll sideways, in both languages."""

import pytest
from playwright.sync_api import expect

from planner.demo import generate_demo
from tests.browser.admin_tabs import FITS, PAGE_FITS, RIGHT_EDGE, RIGHT_EDGES, admin_tab

pytestmark = pytest.mark.browser

# Each list and the headings an organizer reads it for, in English and Vietnamese.
LISTS = {
    "scheduleitem": (
        "/admin/ceremony/scheduleitem/",
        {"en": ["Status", "Visibility", "Revision"], "vi": ["Trạng thái", "Phạm vi hiển thị", "Số lần sửa đổi"]},
    ),
    "delegation": (
        "/admin/delegations/delegation/",
        {"en": ["Status", "Arrival", "Hotel"], "vi": ["Trạng thái", "Thời gian đến", "Khách sạn"]},
    ),
    "delegate": (
        "/admin/delegations/delegate/",
        {"en": ["Accreditation", "Security clearance"], "vi": ["Cấp thẻ tham dự", "Thẩm tra an ninh"]},
    ),
}


@pytest.fixture
def demo_live(seeded_live):
    """The seeded ceremony with synthetic items, delegations and members, as a ceremony a week out has them."""
    generate_demo(ceremony=seeded_live, items=40, delegations=20)
    return seeded_live


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("name", LISTS)
def test_a_big_list_shows_every_column_on_a_laptop(browser, live_server, demo_live, request, name, language):
    url, wanted = LISTS[name]
    with admin_tab(browser, live_server, request, screen="desktop", language=language) as page:
        page.goto(live_server.url + url)
        results = page.locator("#changelist .results")
        expect(results.locator("tbody tr").first).to_be_visible()

        assert results.evaluate(FITS), f"the {name} list scrolls sideways"
        assert page.evaluate(PAGE_FITS)
        headings = page.locator("#result_list thead th")
        assert max(headings.evaluate_all(RIGHT_EDGES)) <= results.evaluate(RIGHT_EDGE) <= 1366
        for heading in wanted[language]:
            expect(headings.filter(has_text=heading).first).to_be_in_viewport(ratio=1)
        assert page.csp_violations == []
