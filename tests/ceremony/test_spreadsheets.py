"""Spreadsheets in the admin: export, edit, import again; bad sheets refused whole; roles and history respected."""

import csv
import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from django.contrib.admin import site
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import CharField, TextField
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from import_export.admin import ExportMixin

from ceremony.admin_spreadsheets import SpreadsheetMixin
from ceremony.enums import ItemKind, ItemStatus
from ceremony.models import Ceremony, ScheduleItem
from ceremony.sheet_files import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, CSVFormat, XLSXFormat
from ceremony.sheet_import import IMPORT_REASON
from delegations.enums import ClearanceStatus, DelegationStatus, Rank
from delegations.models import Delegate, Delegation, Invitation
from tests.adminpages import admin_url, form_values, page_text, plain, shown_messages
from tests.factories import DelegateFactory, ScheduleItemFactory, StateFactory, hanoi

CSV, XLSX = "0", "1"  # the formats' places in the admin's list


def organizer(client, group):
    user = get_user_model().objects.create_user(f"{group.lower()}-officer", password="unused-pw-123", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def export_sheet(client, model, query=""):
    """Press "Export" on the changelist (with its filters in ``query``), choose CSV: the rows as dicts."""
    url = admin_url(model, "export") + query
    response = client.post(url, {**form_values(client.get(url)), "format": CSV})
    assert response.status_code == 200, page_text(response)
    return response, list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def as_csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def import_sheet(client, model, content, name="sheet.csv", file_format=CSV):
    """Upload on the import page; if the preview shows no error, confirm. Returns (preview, result or None)."""
    upload = SimpleUploadedFile(name, content)
    preview = client.post(admin_url(model, "import"), {"import_file": upload, "format": file_format})
    values = form_values(preview)
    if "import_file_name" not in values:
        return preview, None
    return preview, client.post(admin_url(model, "process_import"), values, follow=True)


def row_errors(response):
    """What the preview says is wrong, as "field: message" lines."""
    text = page_text(response)
    errors = [
        f"{plain(label)}: {plain(message)}"
        for label, messages in re.findall(
            r'<span class="validation-error-field-label">(.*?)</span>\s*<ul>(.*?)</ul>', text, re.S
        )
        for message in re.findall(r"<li>(.*?)</li>", messages, re.S)
    ]
    errors += [plain(m) for m in re.findall(r'<div class="import-error-display-message">(.*?)</div>', text, re.S)]
    errors += [plain(m) for m in re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', text, re.S)]
    return errors


# --- The programme ------------------------------------------------------------------------------------------------


def test_programme_export_writes_ceremony_time_with_offset_and_keys(admin_client, world):
    world.items.opening.supporting_agencies.add(world.mofa, world.mps)

    response, rows = export_sheet(admin_client, ScheduleItem)

    assert response["Content-Type"] == "text/csv"
    opening = next(row for row in rows if row["uid"] == "opening")
    assert opening == {
        "uid": "opening",
        "ceremony": world.ceremony.slug,
        "kind": "side_event",
        "title": "Opening, speeches; and\nwelcome",
        "title_vi": "Khai mạc",
        "starts_at": "2025-10-25 09:00+07:00",
        "ends_at": "2025-10-25 10:30+07:00",
        "room": world.room.key,
        "lead_agency": "mps",
        "supporting_agencies": "mofa, mps",
        "visibility": "public",
        "status": "confirmed",
        "description": "Line one\nLine two",
        "description_vi": "",
        "sequence": "0",
    }
    assert len(rows) == ScheduleItem.objects.count()


def test_programme_export_follows_the_changelist_filters(admin_client, world):
    _response, rows = export_sheet(admin_client, ScheduleItem, "?status__exact=cancelled")

    assert [row["uid"] for row in rows] == ["closing"]


@pytest.mark.parametrize("model", [ScheduleItem, Delegation, Delegate])
def test_the_export_form_starts_on_xlsx_and_a_plain_press_downloads_a_workbook(admin_client, world, model):
    url = admin_url(model, "export")
    page = admin_client.get(url)

    assert re.search(r'<option value="(\d+)" selected>xlsx</option>', page_text(page))
    response = admin_client.post(url, form_values(page))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_export_escapes_cells_a_spreadsheet_would_run_as_formulae(admin_client, world):
    world.alpha.hotel = '=HYPERLINK("http://evil.example","Click")'
    world.alpha.save()

    _response, rows = export_sheet(admin_client, Delegation)

    hotel = next(row["hotel"] for row in rows if row["country"] == "FR")
    assert not hotel.startswith("=")
    assert "HYPERLINK" in hotel


def test_importing_an_unchanged_export_changes_nothing_and_writes_no_history(admin_client, world):
    _response, rows = export_sheet(admin_client, ScheduleItem)
    history_before = ScheduleItem.history.count()
    stamp = Ceremony.objects.get().feeds_changed_at

    preview, result = import_sheet(admin_client, ScheduleItem, as_csv(rows))

    assert result is not None, row_errors(preview)
    assert ScheduleItem.history.count() == history_before
    assert Ceremony.objects.get().feeds_changed_at == stamp
    assert "7 skipped" in " ".join(text for _level, text in shown_messages(result))


def test_importing_a_moved_session_raises_its_sequence_and_names_the_importer(admin_client, admin_user, world):
    _response, rows = export_sheet(admin_client, ScheduleItem)
    opening = next(row for row in rows if row["uid"] == "opening")
    opening.update(starts_at="2025-10-25 09:30", ends_at="2025-10-25 11:00")  # no offset: ceremony time
    opening["title"] = "Opening, moved"

    _preview, result = import_sheet(admin_client, ScheduleItem, as_csv(rows))

    assert shown_messages(result) == [
        ("success", "Import finished: 0 new, 1 updated, 0 deleted and 6 skipped schedule items.")
    ]
    item = ScheduleItem.objects.get(uid="opening")
    assert (item.starts_at, item.ends_at, item.title) == (hanoi(25, 9, 30), hanoi(25, 11), "Opening, moved")
    assert item.sequence == 1
    latest = item.history.first()
    assert (latest.history_user, latest.history_change_reason) == (admin_user, IMPORT_REASON)


def test_import_reads_excel_date_cells_in_ceremony_time(admin_client, world):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["uid", "title", "kind", "starts_at", "ends_at", "room", "visibility", "status"])
    sheet.append(["", "Bilateral FR–JP", "bilateral", dt.datetime(2025, 10, 25, 15), dt.datetime(2025, 10, 25, 15, 30),  # noqa: DTZ001 - what a spreadsheet cell holds
                  world.room.key, "internal", "tentative"])  # fmt: skip
    content = io.BytesIO()
    book.save(content)

    preview, result = import_sheet(admin_client, ScheduleItem, content.getvalue(), "sheet.xlsx", XLSX)

    assert result is not None, row_errors(preview)
    item = ScheduleItem.objects.get(title="Bilateral FR–JP")
    assert (item.starts_at, item.ends_at, item.ceremony) == (hanoi(25, 15), hanoi(25, 15, 30), world.ceremony)
    assert item.uid  # a new item gets its UID for life


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("starts_at", "25/10/2025 9h", "starts_at: “25/10/2025 9h” is not a time: write 2025-10-25 09:00"),
        ("ends_at", "2025-10-25 08:00+07:00", "ends_at: The end must be after the start."),
        ("room", "nowhere", "room: No room has the key “nowhere”."),
        ("lead_agency", "cia", "lead_agency: No agency has the code “cia”."),
        ("supporting_agencies", "mofa, unknown", "supporting_agencies: No agency has the code “unknown”."),
        ("status", "maybe", "status: Value 'maybe' is not a valid choice."),
        ("ceremony", "nowhere-2030", "ceremony: No ceremony has the slug “nowhere-2030”."),
    ],
)
def test_a_bad_row_refuses_the_whole_sheet_with_the_reason(admin_client, world, column, value, error):
    _response, rows = export_sheet(admin_client, ScheduleItem)
    for row in rows:
        row["title"] = row["title"] + " (edited)"  # every row changes: nothing of it may land
    next(row for row in rows if row["uid"] == "opening")[column] = value
    history_before = ScheduleItem.history.count()

    preview, result = import_sheet(admin_client, ScheduleItem, as_csv(rows))

    assert result is None
    assert any(line.startswith(error) for line in row_errors(preview)), row_errors(preview)
    assert not ScheduleItem.objects.filter(title__endswith="(edited)").exists()
    assert ScheduleItem.history.count() == history_before


def test_an_oversized_file_is_refused_before_it_is_read(admin_client, world):
    content = b"uid,title\n" + b"x," + b"y" * MAX_IMPORT_BYTES + b"\n"

    preview, result = import_sheet(admin_client, ScheduleItem, content)

    assert result is None
    assert row_errors(preview) == ["This file is 2.0\xa0MB; import files of at most 2.0\xa0MB (split the sheet)."]


def test_an_import_that_double_books_a_room_says_so_with_the_conflicts_before_and_after(admin_client, world):
    _response, rows = export_sheet(admin_client, ScheduleItem)
    opening = next(row for row in rows if row["uid"] == "opening")
    clash = {**opening, "uid": "press-briefing", "title": "Press briefing"}

    _preview, result = import_sheet(admin_client, ScheduleItem, as_csv([clash]))

    messages = shown_messages(result)
    assert "1 new" in messages[0][1]
    assert messages[-1] == (
        "warning",
        "Conflicts: 0 before, 1 after. New: room double-booked (1). See them on the dashboard",
    )


# --- Delegations and their members ----------------------------------------------------------------------------------


def test_delegations_import_adds_by_country_and_updates_by_country(admin_client, world):
    StateFactory(country="KE", name="Kenya")
    sheet = as_csv(
        [
            {"country": "ke", "name": "", "kind": "member_state", "status": "confirmed", "intends_to_sign": "yes",
             "hotel": "Sofitel Legend Metropole", "arrival_at": "2025-10-24 18:40", "departure_at": ""},
            {"country": "FR", "name": "", "kind": "member_state", "status": "confirmed", "intends_to_sign": "0",
             "hotel": "Hotel du Parc", "arrival_at": "2025-10-24 07:15+02:00", "departure_at": ""},
        ]
    )  # fmt: skip

    preview, result = import_sheet(admin_client, Delegation, sheet)

    assert result is not None, row_errors(preview)
    kenya = Delegation.objects.get(country="KE")
    assert (kenya.name, kenya.ceremony, kenya.intends_to_sign) == ("Kenya", world.ceremony, True)
    assert kenya.arrival_at == dt.datetime(2025, 10, 24, 11, 40, tzinfo=dt.UTC)
    france = Delegation.objects.get(country="FR")
    assert france.pk == world.alpha.pk
    assert (france.status, france.hotel) == (DelegationStatus.CONFIRMED, "Hotel du Parc")
    assert france.arrival_at == dt.datetime(2025, 10, 24, 5, 15, tzinfo=dt.UTC)  # its own offset kept


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"country": "XX"}, "country: Value 'XX' is not a valid choice."),
        ({"intends_to_sign": "perhaps"}, "intends_to_sign: “perhaps” is neither yes nor no (write 1 or 0)."),
        ({"departure_at": "2025-10-20 10:00"}, "departure_at: Departure must be after arrival."),
        ({"contact_email": "not an address"}, "contact_email: Enter a valid email address."),
    ],
)
def test_delegations_import_refusals(admin_client, world, changes, error):
    row = {"country": "DE", "name": "", "kind": "member_state", "status": "invited", "intends_to_sign": "1",
           "arrival_at": "2025-10-24 10:00", "departure_at": "", "contact_email": ""}  # fmt: skip
    row.update(changes)

    preview, result = import_sheet(admin_client, Delegation, as_csv([row]))

    assert result is None
    assert error in row_errors(preview), row_errors(preview)
    assert Delegation.objects.count() == 2


def test_delegates_import_adds_members_and_refuses_a_second_head(admin_client, world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", is_head=True)
    rows = [
        {"delegation": world.alpha.name, "name": "Paul Durand", "rank": "ambassador", "is_head": "0",
         "is_signatory": "1", "email": "paul@example.org"},
        {"delegation": world.beta.name, "name": "Sato Aiko", "rank": "Minister for Foreign Affairs", "is_head": "1",
         "is_signatory": "1", "email": ""},
    ]  # fmt: skip

    preview, result = import_sheet(admin_client, Delegate, as_csv(rows))

    assert result is not None, row_errors(preview)
    assert set(Delegate.objects.values_list("delegation__name", "name", "is_head")) == {
        (world.alpha.name, "Jeanne Martin", True),
        (world.alpha.name, "Paul Durand", False),
        (world.beta.name, "Sato Aiko", True),
    }

    rows[0]["is_head"] = "1"
    preview, result = import_sheet(admin_client, Delegate, as_csv(rows))
    assert result is None
    assert any("head" in line.lower() for line in row_errors(preview)), row_errors(preview)
    assert not Delegate.objects.get(name="Paul Durand").is_head


def test_delegates_import_names_an_unknown_delegation(admin_client, world):
    rows = [{"delegation": "Atlantis", "name": "Nobody", "rank": "other", "is_head": "0", "is_signatory": "0"}]

    preview, result = import_sheet(admin_client, Delegate, as_csv(rows))

    assert result is None
    assert "delegation: No delegation is named “Atlantis” at this ceremony." in row_errors(preview)


# --- Roles ----------------------------------------------------------------------------------------------------------


def test_logistics_imports_arrivals_and_hotels(client, world):
    user = organizer(client, "Logistics")
    _response, rows = export_sheet(client, Delegation)
    for row in rows:
        row["hotel"] = f"Hotel for {row['name']}"

    preview, result = import_sheet(client, Delegation, as_csv(rows))

    assert result is not None, row_errors(preview)
    world.alpha.refresh_from_db()
    assert world.alpha.hotel == f"Hotel for {world.alpha.name}"
    assert world.alpha.history.first().history_user == user


def test_logistics_may_not_rename_a_delegation_or_add_one_by_sheet(client, world):
    organizer(client, "Logistics")
    _response, rows = export_sheet(client, Delegation)
    rows[0]["intends_to_sign"] = "1" if rows[0]["intends_to_sign"] == "0" else "0"
    rows.append({**rows[0], "country": "DE", "name": ""})

    preview, result = import_sheet(client, Delegation, as_csv(rows))

    assert result is None
    errors = row_errors(preview)
    assert "intends_to_sign: Your role may not change this field." in errors
    assert "the row: Your role may not add delegations; this row matches none that exists." in errors
    assert not Delegation.objects.filter(country="DE").exists()


def test_logistics_imports_transport_items_only(client, world):
    shuttle = ScheduleItemFactory(
        ceremony=world.ceremony, uid="shuttle", kind=ItemKind.TRANSPORT, starts_at=hanoi(25, 18), ends_at=hanoi(25, 19)
    )
    organizer(client, "Logistics")
    _response, rows = export_sheet(client, ScheduleItem)
    by_uid = {row["uid"]: row for row in rows}
    by_uid["shuttle"]["title"] = "Shuttle to the Metropole"

    # The other items come back unchanged: they are skipped, not refused.
    preview, result = import_sheet(client, ScheduleItem, as_csv(rows))
    assert result is not None, row_errors(preview)
    assert ScheduleItem.objects.get(pk=shuttle.pk).title == "Shuttle to the Metropole"

    by_uid["opening"]["title"] = "Opening"
    by_uid["shuttle"]["kind"] = "plenary"
    new = {**by_uid["briefing"], "uid": "", "title": "Extra plenary", "kind": "plenary"}
    preview, result = import_sheet(client, ScheduleItem, as_csv([*rows, new]))

    assert result is None
    refusal = "Your role may add and change only items of these kinds: transport."
    assert row_errors(preview) == [f"the row: {refusal}", f"kind: {refusal}", f"kind: {refusal}"]
    assert ScheduleItem.objects.get(uid="opening").title == "Opening, speeches; and\nwelcome"
    assert ScheduleItem.objects.get(pk=shuttle.pk).kind == ItemKind.TRANSPORT
    assert not ScheduleItem.objects.filter(title="Extra plenary").exists()


def test_security_imports_clearances_but_protocol_may_not(client, world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR)
    organizer(client, "Security")
    _response, rows = export_sheet(client, Delegate)
    rows[0]["clearance_status"] = ClearanceStatus.CLEARED

    preview, result = import_sheet(client, Delegate, as_csv(rows))
    assert result is not None, row_errors(preview)
    assert Delegate.objects.get().clearance_status == ClearanceStatus.CLEARED

    client.logout()
    organizer(client, "Protocol")
    rows[0]["clearance_status"] = ClearanceStatus.REFUSED
    preview, result = import_sheet(client, Delegate, as_csv(rows))
    assert result is None
    assert "clearance_status: Your role may not change this field." in row_errors(preview)
    assert Delegate.objects.get().clearance_status == ClearanceStatus.CLEARED


def test_viewer_exports_but_may_not_import(client, world):
    organizer(client, "Viewer")

    changelist = page_text(client.get(admin_url(Delegation, "changelist")))
    _response, rows = export_sheet(client, Delegation)

    assert ">Export</a>" in changelist
    assert ">Import</a>" not in changelist
    assert len(rows) == 2
    assert client.get(admin_url(Delegation, "import")).status_code == 403
    assert client.post(admin_url(Delegation, "process_import"), {}).status_code == 403


def test_import_pages_need_a_login(client, world):
    response = client.get(admin_url(ScheduleItem, "import"))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- Cost ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 40])
def test_programme_export_query_count_does_not_grow_with_items(admin_client, world, extra, django_assert_num_queries):
    for n in range(extra):
        item = ScheduleItemFactory(ceremony=world.ceremony, room=world.room, lead_agency=world.mps, title=f"S{n}")
        item.supporting_agencies.add(world.mofa)
    url = admin_url(ScheduleItem, "export")
    values = {**form_values(admin_client.get(url)), "format": CSV}

    # Session and user, the changelist's filters and count, the items with room, agency and ceremony,
    # their supporting agencies: the same whatever the number of items.
    with django_assert_num_queries(8):
        response = admin_client.post(url, values)

    assert len(list(csv.DictReader(io.StringIO(response.content.decode())))) == 7 + extra


def test_cancelled_status_round_trips(admin_client, world):
    _response, rows = export_sheet(admin_client, ScheduleItem)
    next(row for row in rows if row["uid"] == "briefing")["status"] = ItemStatus.CANCELLED

    _preview, result = import_sheet(admin_client, ScheduleItem, as_csv(rows))

    assert result is not None
    briefing = ScheduleItem.objects.get(uid="briefing")
    assert (briefing.status, briefing.sequence) == (ItemStatus.CANCELLED, 1)


def test_choice_cells_take_the_code_or_the_label_in_either_language(db):
    from django.utils import translation

    from ceremony.spreadsheets import ChoicesWidget

    rank = ChoicesWidget(Delegate._meta.get_field("rank"))
    with translation.override("vi"):
        vietnamese = str(Rank.FOREIGN_MINISTER.label)

    assert vietnamese != str(Rank.FOREIGN_MINISTER.label)  # the catalogue translates it
    assert rank.clean(vietnamese.upper()) == rank.clean(" Minister for foreign affairs ") == "foreign_minister"
    assert rank.clean("FOREIGN_MINISTER") == "foreign_minister"
    assert rank.clean("chancellor") == "chancellor"  # left for the model's "not a valid choice"


# --- Dates far from the ceremony: a row error, never a 500 ----------------------------------------------------------

WINDOW_ERROR = "Enter a time within a year of the ceremony: from 25 October 2024 to 26 October 2026."


@pytest.mark.parametrize(
    ("arrival", "departure", "column"),
    [
        ("0001-01-01 00:00", "", "arrival_at"),
        ("", "9999-12-31 23:59", "departure_at"),
        ("2019-06-01 10:00", "2031-06-01 10:00", "arrival_at"),
    ],
)
def test_delegations_import_refuses_a_stay_far_from_the_ceremony(admin_client, world, arrival, departure, column):
    row = {"country": "FR", "name": "France", "kind": "member_state", "status": "invited", "intends_to_sign": "0",
           "arrival_at": arrival, "departure_at": departure, "hotel": "Changed"}  # fmt: skip

    preview, result = import_sheet(admin_client, Delegation, as_csv([row]))

    assert result is None
    assert f"{column}: {WINDOW_ERROR}" in row_errors(preview), row_errors(preview)
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == ""


@pytest.mark.parametrize("starts", ["0001-01-01 09:00", "9999-12-31 09:00+07:00", "2052-10-25 09:00"])
def test_programme_import_refuses_an_item_far_from_the_ceremony(admin_client, world, starts):
    _response, rows = export_sheet(admin_client, ScheduleItem)
    next(row for row in rows if row["uid"] == "opening")["starts_at"] = starts

    preview, result = import_sheet(admin_client, ScheduleItem, as_csv(rows))

    assert result is None
    assert f"starts_at: {WINDOW_ERROR}" in row_errors(preview), row_errors(preview)
    assert ScheduleItem.objects.get(uid="opening").starts_at == hanoi(25, 9)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (
            "France\x00",
            "This file contains NUL bytes, so it is not CSV text in UTF-8 (a sheet saved as “Unicode text” is "
            "UTF-16): save it as “CSV UTF-8”.",
        ),
        ("Fran\x0bce", "name: Remove U+000B (vertical tab): this field takes one line of text."),
    ],
)
def test_delegations_import_refuses_control_characters(admin_client, world, cell, message):
    row = {"country": "", "name": cell, "kind": "igo", "status": "invited", "intends_to_sign": "0"}

    preview, result = import_sheet(admin_client, Delegation, as_csv([row]))

    assert result is None
    assert message in row_errors(preview), row_errors(preview)
    assert Delegation.objects.count() == 2


# --- Cell safety: no export runs a formula, and every export comes back exactly ----------------------------------

PAYLOADS = [
    "==cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-1+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_models():
    """Every model whose admin offers export and import (any future one too)."""
    return [model for model, model_admin in site._registry.items() if isinstance(model_admin, SpreadsheetMixin)]


def typed_text_fields(model):
    """The text fields of ``model`` that an organizer or a delegation types, and that would take the payloads."""
    typed = []
    for field in model._meta.concrete_fields:
        if not isinstance(field, CharField | TextField) or field.choices or not field.editable:
            continue
        try:
            field.run_validators(PAYLOADS[0])
        except ValidationError:
            continue  # a UID or an email address: the payloads cannot be typed there
        typed.append(field.name)
    return typed


def plant_payloads(model):
    """Every typed text field of every object holds a payload, written past validation as old rows may be."""
    fields = typed_text_fields(model)
    assert fields
    for n, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True)):
        values = {name: f"{PAYLOADS[(n + i) % len(PAYLOADS)]} {pk}" for i, name in enumerate(fields)}
        model.objects.filter(pk=pk).update(**values)


def planted_texts(model):
    return {text for row in model.objects.values_list(*typed_text_fields(model)) for text in row}


def exported(client, model, file_format, query=""):
    url = admin_url(model, "export") + query
    response = client.post(url, {**form_values(client.get(url)), "format": file_format})
    assert response.status_code == 200, page_text(response)
    return response.content


def csv_cells(content):
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for cell in row]


def xlsx_cells(content):
    return [cell for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows() for cell in row]


@pytest.fixture
def planted(world):
    """The world with members, a signing order, and a payload in every typed text field."""
    for delegation, order in ((world.alpha, 1), (world.beta, 2)):
        Delegation.objects.filter(pk=delegation.pk).update(signing_order=order, intends_to_sign=True)
        DelegateFactory(delegation=delegation, is_head=True, is_signatory=True, rank=Rank.AMBASSADOR)
        DelegateFactory(delegation=delegation)
    for model in spreadsheet_models():
        plant_payloads(model)
    return world


def test_every_export_in_the_admin_uses_the_planners_formats():
    exporting = [model_admin for model_admin in site._registry.values() if isinstance(model_admin, ExportMixin)]

    assert len(exporting) == 3  # the programme, the delegations and the delegates
    assert all(isinstance(model_admin, SpreadsheetMixin) for model_admin in exporting)
    assert {tuple(model_admin.get_export_formats()) for model_admin in exporting} == {(CSVFormat, XLSXFormat)}


@pytest.mark.parametrize("model", spreadsheet_models(), ids=lambda model: model._meta.model_name)
def test_csv_export_runs_no_formula_and_imports_back_unchanged(admin_client, planted, model):
    content = exported(admin_client, model, CSV)
    history_before = model.history.count()

    cells = csv_cells(content)
    assert [cell for cell in cells if cell.startswith(TRIGGERS)] == []
    assert {f"'{text}" for text in planted_texts(model)} <= set(cells)

    preview, result = import_sheet(admin_client, model, content)
    assert result is not None, row_errors(preview)
    count, things = model.objects.count(), model._meta.verbose_name_plural
    assert shown_messages(result) == [
        ("success", f"Import finished: 0 new, 0 updated, 0 deleted and {count} skipped {things}.")
    ]
    assert model.history.count() == history_before


@pytest.mark.parametrize("model", spreadsheet_models(), ids=lambda model: model._meta.model_name)
def test_xlsx_export_writes_text_never_formulas_and_imports_back_unchanged(admin_client, planted, model):
    content = exported(admin_client, model, XLSX)
    history_before = model.history.count()

    cells = xlsx_cells(content)
    assert {cell.data_type for cell in cells if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS)} == {
        "s"
    }
    assert "f" not in {cell.data_type for cell in cells}
    assert planted_texts(model) <= {cell.value for cell in cells}

    preview, result = import_sheet(admin_client, model, content, "sheet.xlsx", XLSX)
    assert result is not None, row_errors(preview)
    count, things = model.objects.count(), model._meta.verbose_name_plural
    assert shown_messages(result) == [
        ("success", f"Import finished: 0 new, 0 updated, 0 deleted and {count} skipped {things}.")
    ]
    assert model.history.count() == history_before


def test_run_sheet_csv_runs_no_formula(admin_client, planted):
    Delegation.objects.filter(pk=planted.alpha.pk).update(name='=HYPERLINK("http://evil.example/","x")')

    response = admin_client.get(reverse("admin:ceremony_ceremony_run_sheet_csv", args=[planted.ceremony.pk]))

    rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
    assert len(rows) == 3
    assert [cell for row in rows for cell in row if cell.startswith(TRIGGERS)] == []
    assert rows[1][4] == '\'=HYPERLINK("http://evil.example/","x")'
    assert rows[2][5].startswith("'")  # the signatory's name, a payload


def test_formula_like_text_comes_back_exactly_from_a_csv_export(admin_client, world):
    ScheduleItem.objects.filter(uid="opening").update(title="=1+1", title_vi="'=x", description="''")
    ScheduleItem.objects.filter(uid="briefing").update(title="-5", title_vi="'abc", description="'")
    content = exported(admin_client, ScheduleItem, CSV)
    opening = next(row for row in csv.DictReader(io.StringIO(content.decode())) if row["uid"] == "opening")
    assert (opening["title"], opening["title_vi"], opening["description"]) == ("'=1+1", "''=x", "''")

    preview, result = import_sheet(admin_client, ScheduleItem, content)

    assert result is not None, row_errors(preview)
    assert "0 updated" in shown_messages(result)[0][1]
    assert ScheduleItem.objects.filter(uid="opening", title="=1+1", title_vi="'=x", description="''").exists()
    assert ScheduleItem.objects.filter(uid="briefing", title="-5", title_vi="'abc", description="'").exists()


def test_carriage_returns_come_back_exactly_from_an_xlsx_export(admin_client, world):
    # A browser sends a textarea's lines with CR LF; XML readers would turn a CR into a LF.
    ScheduleItem.objects.filter(uid="opening").update(description="Line one\r\nLine two _x000D_ \r")
    content = exported(admin_client, ScheduleItem, XLSX)

    preview, result = import_sheet(admin_client, ScheduleItem, content, "sheet.xlsx", XLSX)

    assert result is not None, row_errors(preview)
    assert "0 updated" in shown_messages(result)[0][1]
    assert ScheduleItem.objects.get(uid="opening").description == "Line one\r\nLine two _x000D_ \r"


def test_exports_never_fail_on_control_characters_in_stored_text(admin_client, world):
    # Old rows, from before control characters were refused, may hold any of them (PostgreSQL no NUL).
    first = 1 if connection.vendor == "postgresql" else 0
    controls = "".join(chr(code) for code in range(first, 32)) + "\x7f"
    member = DelegateFactory(delegation=world.alpha)
    Delegate.objects.filter(pk=member.pk).update(name=f"Jeanne{controls}Martin", position="\vAdviser")

    xlsx = exported(admin_client, Delegate, XLSX)
    as_csv_text = exported(admin_client, Delegate, CSV)

    # XML holds tab, newline and DEL; openpyxl leaves Office's escape of the carriage return as it is.
    kept = {"\t": "\t", "\n": "\n", "\r": "_x000D_", "\x7f": "\x7f"}
    replaced = "".join(kept.get(character, "\ufffd") for character in controls)
    row = [cell.value for cell in xlsx_cells(xlsx)[11:22]]
    assert row[2:4] == [f"Jeanne{replaced}Martin", "\ufffdAdviser"]
    exported_row = next(csv.DictReader(io.StringIO(as_csv_text.decode(), newline="")))
    assert (exported_row["name"], exported_row["position"]) == (f"Jeanne{controls}Martin", "\vAdviser")


# --- Bad files: a message on the import page, never a traceback or a 500 -----------------------------------------


def xlsx_of(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


def zipped(parts):
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return content.getvalue()


def bomb():
    """A valid workbook of one row whose sheet unpacks to 25 MB of spaces: about 25 kB as a file."""
    with zipfile.ZipFile(io.BytesIO(xlsx_of([["uid", "title"], ["opening", "Opening"]]))) as small:
        parts = {name: small.read(name) for name in small.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"</worksheet>", b" " * 25_000_000 + b"</worksheet>")
    return zipped(parts)


TOO_MANY = MAX_IMPORT_ROWS + 1
BAD_FILES = {
    "latin-1": (
        "sheet.csv",
        CSV,
        "uid,title\nopening,Caf\xe9\n".encode("latin-1"),
        "This file is not text in UTF-8 (byte 22 is not)",
    ),
    "nul": ("sheet.csv", CSV, b"uid,title\nopening,Open\x00ing\n", "This file contains NUL bytes"),
    "utf-16": ("sheet.csv", CSV, "uid,title\nopening,Opening\n".encode("utf-16"), "This file contains NUL bytes"),
    "garbage": ("sheet.csv", CSV, bytes(range(128, 256)) * 4, "This file is not text in UTF-8"),
    "xlsx as csv": (
        "sheet.xlsx",
        CSV,
        xlsx_of([["uid"], ["opening"]]),
        "This is an Excel workbook or another zip file",
    ),
    "not a zip": ("sheet.xlsx", XLSX, b"uid,title\nopening,Opening\n", "This is not an Excel workbook (.xlsx)"),
    "zip, not xlsx": ("sheet.xlsx", XLSX, zipped({"notes.txt": b"hello"}), "This zip file is not an Excel workbook"),
    "damaged xlsx": ("sheet.xlsx", XLSX, zipped({"xl/workbook.xml": b"<oops"}), "This Excel workbook cannot be read"),
    "bomb": ("sheet.xlsx", XLSX, bomb, "This workbook unpacks to 23.9\xa0MB; import workbooks of at most 10.0\xa0MB"),
    "rows csv": (
        "sheet.csv",
        CSV,
        lambda: b"uid,title\n" + b"".join(b"x%d,T\n" % n for n in range(TOO_MANY)),
        "This sheet has more than 5,000 rows",
    ),
    "rows xlsx": (
        "sheet.xlsx",
        XLSX,
        lambda: xlsx_of([["uid", "title"]] + [[f"x{n}", "T"] for n in range(TOO_MANY)]),
        "This sheet has more than 5,000 rows",
    ),
    "empty": ("sheet.csv", CSV, b"", "The submitted file is empty."),
    "blank": ("sheet.csv", CSV, b"\r\n ,\r\n", "The sheet is empty."),
    "header only": ("sheet.csv", CSV, b"uid,title\r\n", "No valid data to import."),
    "stray cell": (
        "sheet.csv",
        CSV,
        b"uid,title\nopening,Opening,oops\n",
        "Row 1 has a value in column 3, which the first row does not name.",
    ),
    "unknown column": (
        "sheet.csv",
        CSV,
        b"uid,titel\nopening,Opening\n",
        "Unknown columns: titel. The columns are: uid, ceremony, kind",
    ),
    "no key column": ("sheet.csv", CSV, b"title\nOpening\n", "The sheet needs the columns that find each row: uid."),
    "column twice": ("sheet.csv", CSV, b"uid,title,title\nopening,A,B\n", "These columns appear twice: title."),
}


@pytest.mark.parametrize(("name", "file_format", "content", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_gets_a_message_and_changes_nothing(admin_client, world, name, file_format, content, message):
    content = content() if callable(content) else content  # the large ones are built when needed
    history_before = ScheduleItem.history.count()

    preview, result = import_sheet(admin_client, ScheduleItem, content, name, file_format)

    assert preview.status_code == 200
    assert result is None
    assert any(line.startswith(message) for line in row_errors(preview)), row_errors(preview)
    assert "Traceback" not in page_text(preview)
    assert (ScheduleItem.objects.count(), ScheduleItem.history.count()) == (7, history_before)


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("0001-01-01 00:00", f"starts_at: {WINDOW_ERROR}"),
        ("9999-12-31 23:00-12:00", f"starts_at: {WINDOW_ERROR}"),
        (dt.time(9, 30), "starts_at: “09:30:00” is not a time"),
        (True, "starts_at: “True” is not a time"),
    ],
)
def test_a_cell_no_widget_foresaw_is_the_rows_error(admin_client, world, starts_at, message):
    content = xlsx_of([["uid", "starts_at"], ["opening", starts_at]])

    preview, result = import_sheet(admin_client, ScheduleItem, content, "sheet.xlsx", XLSX)

    assert preview.status_code == 200
    assert result is None
    assert any(line.startswith(message) for line in row_errors(preview)), row_errors(preview)
    assert "Traceback" not in page_text(preview)


def test_the_import_page_states_its_limits(admin_client, world):
    page = plain(page_text(admin_client.get(admin_url(ScheduleItem, "import"))))

    assert (
        "Import at most 5,000 rows, from a file of at most 2.0\xa0MB "
        "(CSV in UTF-8, or an Excel workbook of at most 10.0\xa0MB once unpacked)."
    ) in page


# --- Across rows: what no single row shows ----------------------------------------------------------------------


def test_a_key_given_twice_is_refused(admin_client, world):
    rows = [
        {"delegation": world.alpha.name, "name": "Paul Durand", "rank": "ambassador", "is_head": "0"},
        {"delegation": world.beta.name, "name": "Sato Aiko", "rank": "ambassador", "is_head": "0"},
        {"delegation": world.alpha.name, "name": "Paul Durand", "rank": "adviser", "is_head": "0"},
    ]

    preview, result = import_sheet(admin_client, Delegate, as_csv(rows))

    assert result is None
    assert row_errors(preview) == ["the row: Row 1 is about the same delegate; each may appear once in a sheet."]
    assert not Delegate.objects.exists()


def test_rows_without_a_key_are_each_their_own_error(admin_client, world):
    rows = [{"country": "", "name": "", "kind": "igo"}, {"country": "", "name": "", "kind": "igo"}]

    preview, result = import_sheet(admin_client, Delegation, as_csv(rows))

    assert result is None
    assert row_errors(preview) == ["name: An organization needs a name."] * 2


def test_a_sheet_may_hand_the_headship_over_but_not_give_two_heads(admin_client, world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", is_head=True)
    rows = [  # the new head first: the sheet is judged as a whole, not row by row
        {"delegation": world.alpha.name, "name": "Paul Durand", "is_head": "1"},
        {"delegation": world.alpha.name, "name": "Jeanne Martin", "is_head": "0"},
    ]

    preview, result = import_sheet(admin_client, Delegate, as_csv(rows))

    assert result is not None, row_errors(preview)
    assert set(Delegate.objects.values_list("name", "is_head")) == {("Paul Durand", True), ("Jeanne Martin", False)}

    rows = [
        {"delegation": world.beta.name, "name": "Sato Aiko", "is_head": "1"},
        {"delegation": world.beta.name, "name": "Tanaka Ken", "is_head": "1"},
    ]
    preview, result = import_sheet(admin_client, Delegate, as_csv(rows))
    assert result is None
    assert row_errors(preview) == ["is_head: This delegation already has a head of delegation."]
    assert not Delegate.objects.filter(delegation=world.beta).exists()


def test_a_delegation_may_not_take_the_name_of_another(admin_client, world):
    rows = [{"country": "FR", "name": world.beta.name, "kind": "member_state"}]

    preview, result = import_sheet(admin_client, Delegation, as_csv(rows))

    assert result is None
    assert row_errors(preview) == ["name: A delegation of this name is already registered for this ceremony."]


def test_a_sheet_that_became_wrong_since_its_preview_is_refused_at_the_confirm(admin_client, world):
    rows = [{"delegation": world.beta.name, "name": "Sato Aiko", "rank": "ambassador", "is_head": "1"}]
    preview = admin_client.post(
        admin_url(Delegate, "import"), {"import_file": SimpleUploadedFile("s.csv", as_csv(rows)), "format": CSV}
    )
    DelegateFactory(delegation=world.beta, name="Tanaka Ken", is_head=True)  # meanwhile, in the admin

    confirmed = admin_client.post(admin_url(Delegate, "process_import"), form_values(preview))

    assert confirmed.status_code == 200
    assert row_errors(confirmed) == ["is_head: This delegation already has a head of delegation."]
    assert not Delegate.objects.filter(name="Sato Aiko").exists()


def test_confirming_twice_imports_once_and_says_so(admin_client, world):
    rows = [{"delegation": world.alpha.name, "name": "Paul Durand", "rank": "ambassador", "is_head": "0"}]
    preview = admin_client.post(
        admin_url(Delegate, "import"), {"import_file": SimpleUploadedFile("s.csv", as_csv(rows)), "format": CSV}
    )
    admin_client.post(admin_url(Delegate, "process_import"), form_values(preview), follow=True)

    again = admin_client.post(admin_url(Delegate, "process_import"), form_values(preview), follow=True)

    assert again.status_code == 200
    assert shown_messages(again) == [
        ("error", "This import was confirmed already or has expired: upload the file again.")
    ]
    assert Delegate.objects.filter(name="Paul Durand").count() == 1


def test_an_imported_change_keeps_the_items_agencies_in_its_history_and_its_invitations(admin_client, world):
    world.items.alpha_slot.supporting_agencies.add(world.mofa)
    _response, rows = export_sheet(admin_client, ScheduleItem)
    slot = next(row for row in rows if row["uid"] == "alpha-slot")
    slot.update(title="France signs", supporting_agencies="mps")

    _preview, result = import_sheet(admin_client, ScheduleItem, as_csv([slot]))

    assert "1 updated" in shown_messages(result)[0][1]
    latest = ScheduleItem.objects.get(uid="alpha-slot").history.first()
    assert latest.title == "France signs"
    assert [a.agency.code for a in latest.supporting_agencies.all()] == ["mps"]
    assert list(ScheduleItem.objects.get(uid="alpha-slot").invited_delegations.all()) == [world.alpha]
    assert [(h.delegation, h.history_type) for h in Invitation.history.filter(item__uid="alpha-slot")] == [
        (world.alpha, "+")
    ]


# --- Preview and confirm: reads only, then one short transaction -------------------------------------------------


def test_the_preview_only_reads(admin_client, world):
    ScheduleItem.objects.filter(uid="opening").update(title="Opening")  # a title is one line (ceremony.text)
    _response, rows = export_sheet(admin_client, ScheduleItem)
    for row in rows:
        row["title"] += " (edited)"
    stamp = Ceremony.objects.get().feeds_changed_at
    upload = SimpleUploadedFile("sheet.csv", as_csv(rows))

    with CaptureQueriesContext(connection) as queries:
        preview = admin_client.post(admin_url(ScheduleItem, "import"), {"import_file": upload, "format": CSV})

    assert "import_file_name" in form_values(preview)
    assert preview_counts(preview) == {"new": 0, "update": 7, "skip": 0, "invalid": 0}
    assert {query["sql"].split()[0] for query in queries.captured_queries} == {"SELECT"}  # no savepoint either
    assert Ceremony.objects.get().feeds_changed_at == stamp


def preview_counts(response):
    """The counts the preview opens with, by kind of row."""
    listed = re.search(r'<ul class="import-counts">(.*?)</ul>', page_text(response), re.S)[1]
    return {kind: int(count) for kind, count in re.findall(r'<li class="count-(\w+)[^"]*"><b>(\d+)</b>', listed)}


def preview_rows(response):
    """The rows the preview lists: (row number, "New" or "Changed" and the row's name, [cell lines])."""
    text = page_text(response)
    table = re.search(r'<table class="import-changes".*?<tbody>(.*?)</tbody>', text, re.S)
    rows = re.findall(r'<tr class="import-\w+">(.*?)</tr>', table[1] if table else "", re.S)
    return [
        (
            int(plain(re.search(r'<td class="row-number">(.*?)</td>', row, re.S)[1])),
            " ".join(plain(re.search(r'<th scope="row">(.*?)</th>', row, re.S)[1]).split()),
            [" ".join(plain(cell).split()) for cell in re.findall(r"<li[^>]*>(.*?)</li>", row, re.S)],
        )
        for row in rows
    ]


def mixed_sheet(client, *, bad_row=False):
    """The programme's export with one item moved and one new item (and one bad time if ``bad_row``)."""
    ScheduleItem.objects.filter(uid="opening").update(title="Opening")  # a title is one line (ceremony.text)
    _response, rows = export_sheet(client, ScheduleItem)
    opening = next(row for row in rows if row["uid"] == "opening")
    opening.update(starts_at="2025-10-25 09:30", visibility="delegations")
    if bad_row:
        next(row for row in rows if row["uid"] == "briefing")["starts_at"] = "25/10/2025 9h"
    new = {**opening, "uid": "", "title": "Press briefing", "title_vi": "", "description": "", "description_vi": ""}
    new.update(starts_at="2025-10-26 15:00", ends_at="2025-10-26 15:30", supporting_agencies="", room="")
    return as_csv([*rows, new])


def test_the_preview_opens_with_the_counts_and_lists_only_new_and_changed_rows(admin_client, world):
    sheet = mixed_sheet(admin_client)
    preview = admin_client.post(
        admin_url(ScheduleItem, "import"), {"import_file": SimpleUploadedFile("s.csv", sheet), "format": CSV}
    )

    text = page_text(preview)
    assert preview_counts(preview) == {"new": 1, "update": 1, "skip": 6, "invalid": 0}
    assert "1 new row 1 changed row 6 unchanged rows 0 rows with errors" in " ".join(plain(text).split())
    assert text.index('class="import-counts"') < text.index('name="confirm"') < text.index('class="import-changes"')
    number = {row["uid"]: n for n, row in enumerate(csv.DictReader(io.StringIO(sheet.decode())), start=1)}
    changed, new = preview_rows(preview)
    assert changed == (
        number["opening"],
        "Changed Opening",
        ["Starts at: 2025-10-25 09:00+07:00 → 2025-10-25 09:30+07:00", "Visibility: public → all delegations"],
    )
    opening = ScheduleItem.objects.get(uid="opening")
    assert new[:2] == (8, "New Press briefing")
    assert re.fullmatch(r"UID: [0-9a-f-]{36}", new[2][0])  # the new item's UID for life, given now
    assert new[2][1:] == [
        "Ceremony: " + world.ceremony.slug,
        "Kind: " + opening.get_kind_display(),
        "Title (English): Press briefing",
        "Starts at: 2025-10-26 15:00+07:00",
        "Ends at: 2025-10-26 15:30+07:00",
        "Lead agency: mps",
        "Visibility: all delegations",
        "Status: " + opening.get_status_display(),
    ]
    assert "6 unchanged rows are not listed." in plain(text)
    assert "Briefing" not in " ".join(name for _n, name, _cells in preview_rows(preview))


def test_the_preview_in_vietnamese_names_cells_and_choices_in_vietnamese(admin_client, world):
    sheet = mixed_sheet(admin_client)
    preview = admin_client.post(
        admin_url(ScheduleItem, "import"),
        {"import_file": SimpleUploadedFile("s.csv", sheet), "format": CSV},
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    assert "1 dòng mới 1 dòng thay đổi 6 dòng không đổi 0 dòng có lỗi" in " ".join(plain(page_text(preview)).split())
    changed = preview_rows(preview)[0]
    assert changed[1] == "Đã thay đổi Khai mạc"  # the item by its Vietnamese title
    assert changed[2][1] == "Phạm vi hiển thị: công khai → tất cả các đoàn"


def test_a_preview_with_an_error_counts_it_first_and_names_it(admin_client, world):
    preview = admin_client.post(
        admin_url(ScheduleItem, "import"),
        {"import_file": SimpleUploadedFile("s.csv", mixed_sheet(admin_client, bad_row=True)), "format": CSV},
    )

    text = page_text(preview)
    assert preview_counts(preview) == {"new": 1, "update": 1, "skip": 5, "invalid": 1}
    assert "import_file_name" not in form_values(preview)  # nothing to confirm
    assert "Nothing was imported: correct the rows below in the sheet, then upload it again." in plain(text)
    assert row_errors(preview) == [
        "starts_at: “25/10/2025 9h” is not a time: write 2025-10-25 09:00 (ceremony time) or 2025-10-25 09:00+07:00."
    ]
    assert (
        text.index('class="import-counts"') < text.index('class="import-invalid"') < text.index('id="id_import_file"')
    )


def test_the_confirm_takes_the_ceremony_first(admin_client, world):
    _response, rows = export_sheet(admin_client, Delegation)
    for row in rows:
        row["hotel"] = "Hotel Metropole"
    preview = admin_client.post(
        admin_url(Delegation, "import"), {"import_file": SimpleUploadedFile("s.csv", as_csv(rows)), "format": CSV}
    )
    stamp = Ceremony.objects.get().feeds_changed_at

    with CaptureQueriesContext(connection) as queries:
        admin_client.post(admin_url(Delegation, "process_import"), form_values(preview))

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes[0].startswith('UPDATE "ceremony_ceremony" SET "feeds_changed_at"')
    assert Ceremony.objects.get().feeds_changed_at > stamp
    assert set(Delegation.objects.values_list("hotel", flat=True)) == {"Hotel Metropole"}


def sheet_of_size(client, model, extra, world):
    """An export of ``model`` with ``extra`` more rows than the world has, every row changed."""
    ScheduleItem.objects.filter(uid="opening").update(title="Opening")  # a title is one line (ceremony.text)
    for n in range(extra):
        if model is ScheduleItem:
            item = ScheduleItemFactory(ceremony=world.ceremony, room=world.room, lead_agency=world.mps)
            item.supporting_agencies.add(world.mofa)
        else:
            DelegateFactory(delegation=world.alpha if n % 2 else world.beta)
    _response, rows = export_sheet(client, model)
    for row in rows:
        if model is ScheduleItem:
            status = {"confirmed": "tentative", "tentative": "confirmed"}.get(row["status"], row["status"])
            row.update(title=row["title"] + " *", status=status)
        else:
            row["position"] += " *"
    return as_csv(rows)


@pytest.mark.parametrize("model", [ScheduleItem, Delegate], ids=["programme", "delegates"])
@pytest.mark.parametrize("extra", [2, 40])
def test_import_query_counts_do_not_grow_with_rows(admin_client, world, model, extra, django_assert_num_queries):
    DelegateFactory.create_batch(2, delegation=world.alpha)
    sheet = sheet_of_size(admin_client, model, extra, world)
    upload = SimpleUploadedFile("sheet.csv", sheet)
    preview_queries, confirm_queries = {ScheduleItem: (10, 32), Delegate: (6, 21)}[model]

    # Session, user and permissions; each key column's objects; the stored rows (and their agencies).
    with django_assert_num_queries(preview_queries):
        preview = admin_client.post(admin_url(model, "import"), {"import_file": upload, "format": CSV})
    # The same reads again; then, in one transaction (a savepoint in tests): the ceremony, the stored
    # sequences, a bulk update per set of changed columns, the history with its agencies (invitations, which the
    # import leaves alone, keep their own history); the moved items' open change notices, and the new ones;
    # and the admin's log; then the current ceremony and its conflicts before and after (four queries each).
    ContentType.objects.clear_cache()  # else whether the log looks its content type up depends on earlier tests
    with django_assert_num_queries(confirm_queries):
        response = admin_client.post(admin_url(model, "process_import"), form_values(preview))

    assert response.status_code == 302
    assert model.objects.filter(
        **{"title__endswith" if model is ScheduleItem else "position__endswith": " *"}
    ).count() == (model.objects.count())


@pytest.mark.parametrize("separator", [";", ","])
def test_a_separator_in_text_never_starts_a_cell_that_runs(admin_client, world, separator):
    DelegateFactory(
        delegation=world.alpha, name=f"Nguyen{separator}=cmd|' /C calc'!A0", position=f"x{separator}@SUM(1)"
    )
    response = admin_client.post(
        admin_url(Delegate, "export"), {**form_values(admin_client.get(admin_url(Delegate, "export"))), "format": CSV}
    )

    text = response.content.decode("utf-8-sig")
    # Read as a spreadsheet program would, set to "," or to ";" (as Vietnamese regional settings are).
    for delimiter in (",", ";"):
        cells = [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
        assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))], cells
    row = next(row for row in csv.DictReader(io.StringIO(text)) if row["name"].startswith("Nguyen"))
    assert row["name"] == f"Nguyen{separator}'=cmd|' /C calc'!A0"

    # And the sheet imports back exactly: nothing changed, nothing to import.
    preview, result = import_sheet(admin_client, Delegate, text.encode())
    assert result is not None, row_errors(preview)
    assert Delegate.objects.filter(name=f"Nguyen{separator}=cmd|' /C calc'!A0").count() == 1


def test_a_header_of_thousands_of_columns_is_refused_at_once(admin_client, world):
    header = ",".join(f"c{n}" for n in range(40_000)).encode() + b"\n"

    preview, result = import_sheet(admin_client, Delegate, header + b"x\n")

    assert result is None
    assert "This sheet has more than 100 columns." in row_errors(preview)
