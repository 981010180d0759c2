"""The admin's spreadsheet pages in a real browser, under the planner's Content-Security-Policy."""

import csv
import io

import pytest
from playwright.sync_api import expect

from ceremony.models import ScheduleItem
from ceremony.spreadsheets import ScheduleItemResource
from tests.browser.admin_tabs import PAGE_FITS, RIGHT_EDGES, SCREENS, admin_screens, admin_tab
from tests.browser.test_pages import submit

pytestmark = pytest.mark.browser


def test_export_page_select_all_works_under_the_csp(page, live_server, logged_in, shot):
    page.goto(live_server.url + "/admin/ceremony/scheduleitem/export/")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]')
    expect(fields.first).to_be_checked()

    page.locator(".select-toggle").uncheck()
    assert not any(box.is_checked() for box in fields.all())
    page.locator(".select-toggle").check()
    assert all(box.is_checked() for box in fields.all())
    shot()

    page.select_option("#id_format", label="csv")
    with page.expect_download() as download:
        page.locator("input[type=submit]").click()
    assert download.value.suggested_filename.endswith(".csv")
    # The package's own inline onchange on the box is blocked (and reported); ours does the work, and
    # nothing else is blocked.
    assert all(text.startswith("Executing inline event handler") for text in logged_in), logged_in


def test_import_previews_then_confirms(page, live_server, logged_in, tmp_path, shot):
    sheet = tmp_path / "programme.csv"
    sheet.write_text("uid,title\nhanoi-2025-opening,Opening of the signing ceremony (revised)\n", encoding="utf-8")

    page.goto(live_server.url + "/admin/ceremony/scheduleitem/import/")
    page.set_input_files("#id_import_file", str(sheet))
    expect(page.locator("#id_format")).to_have_value("0")  # guessed from the file's name by the package's script
    submit(page, page.locator("input[type=submit][value=Submit]"))
    preview = page.locator("table.import-changes tbody tr")
    expect(preview).to_have_count(1)
    expect(preview).to_contain_text("Changed")
    expect(preview.locator("del")).to_have_text("Opening of the signing ceremony and opening speeches")  # old → new
    expect(preview.locator("ins")).to_have_text("Opening of the signing ceremony (revised)")
    shot("preview")

    submit(page, page.locator("input[name=confirm]"))
    expect(page.locator(".messagelist")).to_contain_text("1 updated")
    assert ScheduleItem.objects.get(uid="hanoi-2025-opening").title == "Opening of the signing ceremony (revised)"
    assert logged_in == []


def programme_sheet(path, *, bad_row):
    """The seeded programme as its export writes it, with the opening moved, a new item, and (if ``bad_row``) the
    closing ending before it starts; the other rows as they are. Returns the number of unchanged rows."""
    rows = list(csv.DictReader(io.StringIO(ScheduleItemResource().export().csv)))
    opening = next(row for row in rows if row["uid"] == "hanoi-2025-opening")
    opening["starts_at"] = "2025-10-25 09:15+07:00"
    new = {**opening, "uid": "", "title": "Briefing for liaison officers", "title_vi": "", "description": ""}
    new.update(starts_at="2025-10-24 16:00", ends_at="2025-10-24 17:00", description_vi="", kind="briefing")
    if bad_row:
        closing = next(row for row in rows if row["uid"] == "hanoi-2025-closing")
        closing["ends_at"] = closing["starts_at"].replace("2025-10-26", "2025-10-25")
    with path.open("w", encoding="utf-8", newline="") as sheet:
        writer = csv.DictWriter(sheet, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, new])
    return len(rows) - 1 - bad_row


COUNTS = (
    "(items) => Object.fromEntries(items.map((li) => [li.className.split(' ')[0], li.querySelector('b').textContent]))"
)
SAYS = {
    "en": {
        "invalid": "1 row with errors",
        "new": "1 new row",
        "changed": "Changed",
        "hidden": "unchanged rows are not",
    },
    "vi": {"invalid": "1 dòng có lỗi", "new": "1 dòng mới", "changed": "Đã thay đổi", "hidden": "dòng không đổi không"},
}


@pytest.mark.parametrize(("screen", "language"), admin_screens())
def test_the_import_preview_leads_with_the_counts_and_hides_unchanged_rows(
    browser, live_server, seeded_live, request, tmp_path, screen, language
):
    says = SAYS[language]
    sheet = tmp_path / "programme.csv"
    with admin_tab(browser, live_server, request, screen=screen, language=language) as page:
        unchanged = programme_sheet(sheet, bad_row=True)
        page.goto(live_server.url + "/admin/ceremony/scheduleitem/import/")
        page.set_input_files("#id_import_file", str(sheet))
        submit(page, page.locator("input[type=submit]"))

        # The error row first: counted, then named with its row and column; nothing to confirm.
        counts = page.locator(".import-counts li")
        assert counts.evaluate_all(COUNTS) == {
            "count-new": "1",
            "count-update": "1",
            "count-skip": str(unchanged),
            "count-invalid": "1",
        }
        expect(page.locator(".import-counts .count-invalid")).to_have_text(says["invalid"])
        expect(page.locator(".import-invalid-row")).to_have_count(1)
        expect(page.locator(".import-invalid-row")).to_contain_text("ends_at")
        expect(page.locator(".import-invalid-row")).to_be_in_viewport()
        expect(page.locator("input[name=confirm]")).to_have_count(0)
        page.shot("errors")
        assert page.evaluate(PAGE_FITS), "the preview is wider than the window"

        # The corrected sheet: the new and the changed rows only, the others counted.
        unchanged = programme_sheet(sheet, bad_row=False)
        page.set_input_files("#id_import_file", str(sheet))
        submit(page, page.locator("input[type=submit]"))
        assert counts.evaluate_all(COUNTS) == {
            "count-new": "1",
            "count-update": "1",
            "count-skip": str(unchanged),
            "count-invalid": "0",
        }
        expect(page.locator(".import-counts .count-new")).to_have_text(says["new"])
        expect(page.locator(".import-counts")).to_be_in_viewport()
        rows = page.locator("table.import-changes tbody tr")
        expect(rows).to_have_count(2)
        changed = rows.filter(has_text=says["changed"])
        expect(changed.locator("li")).to_have_count(1)  # only the cell that changes
        expect(changed.locator("del")).to_have_text("2025-10-25 09:00+07:00")
        expect(changed.locator("ins")).to_have_text("2025-10-25 09:15+07:00")
        expect(page.locator("table.import-changes")).not_to_contain_text("Closing")  # unchanged: not listed
        expect(page.locator(".help", has_text=says["hidden"])).to_contain_text(str(unchanged))
        assert page.evaluate(PAGE_FITS), "the preview is wider than the window"
        edges = page.locator("table.import-changes th, table.import-changes td").evaluate_all(RIGHT_EDGES)
        assert max(edges) <= SCREENS[screen]["viewport"]["width"]

        page.shot("preview")
        submit(page, page.locator("input[name=confirm]"))
        expect(page.locator(".messagelist li").first).to_contain_text("1")
        assert ScheduleItem.objects.filter(title="Briefing for liaison officers").count() == 1
        assert page.csp_violations == []
