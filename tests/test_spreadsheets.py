"""Spreadsheets in the admin: export, edit, import again; bad sheets refused whole; roles and history respected."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from ceremony.enums import ItemKind, ItemStatus
from ceremony.models import Ceremony, ScheduleItem
from ceremony.spreadsheets import IMPORT_REASON, MAX_IMPORT_BYTES
from delegations.enums import ClearanceStatus, DelegationStatus, Rank
from delegations.models import Delegate, Delegation
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
    sheet.append(["", "Bilateral FR–JP", "bilateral", dt.datetime(2025, 10, 25, 15), dt.datetime(2025, 10, 25, 15, 30),
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
    assert row_errors(preview) == ["This file is 1.0\xa0MB; import files of at most 1.0\xa0MB (split the sheet)."]


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
    assert "Non field specific: Your role may not add delegations; this row matches none that exists." in errors
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
    assert row_errors(preview) == [f"Non field specific: {refusal}", f"kind: {refusal}", f"kind: {refusal}"]
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
        ("France\x00", "name: Remove U+0000 (null): this field takes one line of text."),
        ("Fran\x0bce", "name: Remove U+000B (vertical tab): this field takes one line of text."),
    ],
)
def test_delegations_import_refuses_control_characters(admin_client, world, cell, message):
    row = {"country": "", "name": cell, "kind": "igo", "status": "invited", "intends_to_sign": "0"}

    preview, result = import_sheet(admin_client, Delegation, as_csv([row]))

    assert result is None
    assert message in row_errors(preview), row_errors(preview)
    assert Delegation.objects.count() == 2
