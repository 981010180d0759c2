"""The admin's spreadsheet pages in a real browser, under the planner's Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from ceremony.models import ScheduleItem
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
    preview = page.locator("table.import-preview tbody tr")
    expect(preview).to_have_count(1)
    expect(preview).to_contain_text("Update")
    expect(preview.locator("ins")).to_have_text("(revised)")  # the change, marked
    shot("preview")

    submit(page, page.locator("input[name=confirm]"))
    expect(page.locator(".messagelist")).to_contain_text("1 updated")
    assert ScheduleItem.objects.get(uid="hanoi-2025-opening").title == "Opening of the signing ceremony (revised)"
    assert logged_in == []
