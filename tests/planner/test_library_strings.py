"""The libraries' strings the planner shows are in our Vietnamese catalogue (planner/library_strings.py), and win."""

import re
from pathlib import Path

import django.contrib.admin
import import_export
import pytest
from django.utils import translation
from django_countries.fields import Country

from ceremony.models import ScheduleItem
from planner import library_strings
from tests.planner.test_translations import po_entries

# django-import-export's own list of its strings (any of its catalogues lists them all; it has no Vietnamese one).
LIBRARY_PO = Path(import_export.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_the_listed_strings_are_import_exports_own_and_none_it_shows_is_missing():
    library = {entry["msgid"] for entry in po_entries(LIBRARY_PO)}
    listed = {*library_strings.IMPORT_EXPORT, "Export %(len)s selected item."}  # and IMPORT_EXPORT_PLURAL
    assert listed - library == set()  # a msgid that is not the library's exactly translates nothing
    assert library - listed - set(library_strings.IMPORT_EXPORT_UNSHOWN) == set()


def test_the_listed_admin_strings_are_djangos_and_with_them_its_vietnamese_is_complete():
    admin = Path(django.contrib.admin.__file__).parent / "locale"
    source = {entry["msgid"] for entry in po_entries(admin / "en" / "LC_MESSAGES" / "django.po")}
    vietnamese = {
        entry["msgid"]
        for entry in po_entries(admin / "vi" / "LC_MESSAGES" / "django.po")
        if (entry.get("msgstr") or entry.get("msgstr[0]")) and "fuzzy" not in entry["flags"]
    }
    listed = {*library_strings.DJANGO_ADMIN, "entry"}  # and DJANGO_ADMIN_PLURAL
    assert listed - source == set()
    assert source - vietnamese - listed == set()


@pytest.mark.parametrize(
    "msgid", [*library_strings.IMPORT_EXPORT, *library_strings.DJANGO_ADMIN, *library_strings.COUNTRIES]
)
def test_each_listed_string_has_its_vietnamese(msgid):
    with translation.override("vi"):
        assert translation.gettext(msgid) != msgid


def test_countries_its_catalogue_leaves_in_english_have_their_vietnamese_names():
    with translation.override("vi"):
        assert [str(Country(code).name) for code in ("CI", "GE", "TL", "FR")] == [
            "Bờ Biển Ngà",
            "Gruzia",
            "Đông Timor",
            "Pháp",
        ]


def visible(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_import_page_in_vietnamese(admin_client, world):
    admin_client.cookies["django_language"] = "vi"
    response = admin_client.get("/admin/ceremony/scheduleitem/import/")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<input type="submit" class="default" value="Gửi">' in text
    assert '<label for="id_import_file">Tệp cần nhập:</label>' in text
    assert '<label for="id_format">Định dạng:</label>' in text
    assert "Sẽ nhập các trường sau:" in visible(response)
    assert "Submit" not in text


def test_the_import_preview_in_vietnamese(admin_client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin_client.cookies["django_language"] = "vi"
    sheet = SimpleUploadedFile("programme.csv", b"uid,title\nopening,Opening (revised)\n", content_type="text/csv")
    response = admin_client.post("/admin/ceremony/scheduleitem/import/", {"import_file": sheet, "format": "0"})
    assert response.status_code == 200
    text = response.content.decode()
    assert '<input type="submit" class="default" name="confirm" value="Xác nhận nhập">' in text
    assert '<th scope="col">Dòng</th>' in text  # the library's "Row", in the planner's preview
    assert "Confirm import" not in text
    assert ScheduleItem.objects.get(uid="opening").title != "Opening (revised)"  # a preview writes nothing


def test_the_admins_own_hidden_headers_and_skip_link_in_vietnamese(admin_client, world):
    admin_client.cookies["django_language"] = "vi"
    text = admin_client.get("/admin/ceremony/scheduleitem/").content.decode()
    assert "Chuyển đến nội dung chính" in text
    assert '<th scope="col">Tên loại dữ liệu</th>' in text
    assert '<nav aria-label="Đường dẫn điều hướng">' in text
    for english in ("Skip to main content", "Model name", "Add link", "Breadcrumbs", "Toggle theme"):
        assert english not in text


def test_the_export_page_and_list_buttons_in_vietnamese(admin_client, world):
    admin_client.cookies["django_language"] = "vi"
    response = admin_client.get("/admin/ceremony/scheduleitem/export/")
    assert response.status_code == 200
    assert '<input type="submit" class="default" value="Gửi">' in response.content.decode()
    assert "Sẽ xuất các trường sau:" in visible(response)
    assert "Chọn tất cả" in visible(response)

    changelist = admin_client.get("/admin/ceremony/scheduleitem/").content.decode()
    assert re.search(r"<a href='/admin/ceremony/scheduleitem/import/' class=\"import_link\">Nhập</a>", changelist)
    assert re.search(r'<a href="/admin/ceremony/scheduleitem/export/[^"]*" class="export_link">Xuất</a>', changelist)
