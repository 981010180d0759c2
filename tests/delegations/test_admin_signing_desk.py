"""The protocol desk in the admin: signing actions, the run-sheet and its CSV, "next up", the signatories'
list and its actions, and conflict warnings when saving."""

import csv
import datetime as dt
import io
import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_countries import countries

from ceremony.enums import ItemKind, ItemStatus
from ceremony.models import Ceremony, ScheduleItem
from delegations.enums import Rank, VerificationStatus
from delegations.models import Delegation, FullPowers, Signatory
from tests.adminpages import (
    add_inline_row,
    admin_url,
    changelist_rows,
    form_values,
    page_text,
    plain,
    run_action,
    shown_messages,
)
from tests.factories import (
    CeremonyFactory,
    DelegateFactory,
    DelegationFactory,
    FullPowersFactory,
    RoomFactory,
    ScheduleItemFactory,
    hanoi,
)


@pytest.fixture
def ceremony(db):
    return CeremonyFactory(
        is_current=True,
        slug="hanoi",
        name="Hanoi signing",
        host_country="VN",
        drawn_letter="M",
        signing_starts_at=hanoi(25, 10, 30),
        signing_slot_minutes=3,
        signing_room=RoomFactory(name="Signing Hall"),
    )


def signing(ceremony, code, name, rank=Rank.HEAD_OF_STATE, signatory="", **powers):
    delegation = DelegationFactory(ceremony=ceremony, country=code, name=name, intends_to_sign=True)
    person = DelegateFactory(delegation=delegation, is_signatory=True, rank=rank, name=signatory or f"Head of {name}")
    if powers:
        FullPowersFactory(signatory=person, **powers)
    return delegation


@pytest.fixture
def delegations(ceremony):
    return [
        signing(ceremony, "VN", "Viet Nam", signatory="Luong Cuong"),
        signing(ceremony, "AF", "Afghanistan", Rank.AMBASSADOR, copy_received_on=dt.date(2025, 10, 1)),
        signing(ceremony, "MX", "Mexico", Rank.FOREIGN_MINISTER),
        signing(ceremony, "ZA", "South Africa", Rank.DEPUTY_MINISTER),
    ]


def generate(client, ceremony):
    """Press "Generate" on the ceremony's signing desk and confirm."""
    return client.post(reverse("admin:ceremony_ceremony_signing_generate", args=[ceremony.pk]), follow=True)


# --- The steps, as the signing desk takes them (their confirmations: tests/delegations/test_admin_desk.py) ------------


def test_generating_reports_the_slots_then_the_conflicts_in_one_message(admin_client, ceremony, delegations):
    response = generate(admin_client, ceremony)

    assert shown_messages(response) == [
        (
            # The slots' signatories whose full powers are not verified yet: new conflicts, said after the report.
            "warning",
            "4 delegations in the order of signing; slots: 4 new, 0 moved, 0 unchanged, 0 cancelled. "
            "Conflicts: 0 before, 2 after. New: full powers not verified (2). See them on the dashboard",
        ),
    ]
    assert list(Delegation.objects.order_by("signing_order").values_list("name", flat=True)) == [
        "Viet Nam",
        "Mexico",
        "South Africa",
        "Afghanistan",
    ]

    again = generate(admin_client, ceremony)
    assert "slots: 0 new, 0 moved, 4 unchanged, 0 cancelled." in shown_messages(again)[0][1]


def test_generating_refused_changes_nothing(admin_client, ceremony, delegations):
    DelegationFactory(ceremony=ceremony, country="KE", name="Kenya", intends_to_sign=True)

    response = generate(admin_client, ceremony)

    assert shown_messages(response) == [
        (
            "error",
            "Nothing was changed. These delegations intend to sign but have no signatory: Kenya.",
        )
    ]
    assert not ScheduleItem.objects.exists()


def test_the_drawn_letter_is_changed_only_by_a_new_draw(admin_client, ceremony):
    url = admin_url(Ceremony, "change", ceremony.pk)
    page = admin_client.get(url)
    values = form_values(page)

    assert "drawn_letter" not in values  # shown, not a field to change
    assert re.search(r'<div class="readonly">M</div>', page_text(page))
    assert admin_client.post(url, {**values, "drawn_letter": "A"}).status_code == 302
    ceremony.refresh_from_db()
    assert ceremony.drawn_letter == "M"


def test_generating_the_order_ends_with_the_conflicts_before_and_after(admin_client, ceremony, delegations):
    # A rehearsal booked in the signing hall when the first slots will be.
    ScheduleItemFactory(
        ceremony=ceremony,
        room=ceremony.signing_room,
        title="Rehearsal",
        starts_at=hanoi(25, 10),
        ends_at=hanoi(25, 10, 35),
    )

    messages = shown_messages(generate(admin_client, ceremony))

    assert messages[-1][0] == "warning"
    assert messages[-1][1].endswith(
        "Conflicts: 0 before, 4 after. New: full powers not verified (2), room double-booked (2). "
        "See them on the dashboard"
    )


def test_ceremony_change_page_shows_signing_settings_and_links(admin_client, ceremony):
    response = admin_client.get(admin_url(Ceremony, "change", ceremony.pk))
    values = form_values(response)

    assert (values["host_country"], values["signing_slot_minutes"]) == ("VN", "3")  # the letter: read-only, below
    assert f"/admin/ceremony/ceremony/{ceremony.pk}/run-sheet/" in page_text(response)


# --- Run-sheet, CSV, next up ----------------------------------------------------------------------------------------


def run_sheet_rows(response):
    body = re.search(r'<table class="run-sheet-table">.*?<tbody>(.*?)</tbody>', page_text(response), re.S)[1]
    cells = re.compile(r'<td class="(place|slot|delegation|signatory|full-powers|table)">(.*?)</td>', re.S)
    return [
        {name: " ".join(plain(text.replace("<br>", " ")).split()) for name, text in cells.findall(row)}
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_run_sheet_lists_the_signing_in_order(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)

    response = admin_client.get(reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk]))

    assert response.status_code == 200
    assert "English alphabetical order from the letter M, drawn by lot; the host first." in page_text(response)
    assert "Times in Asia/Ho_Chi_Minh, UTC+07:00." in page_text(response)
    assert run_sheet_rows(response) == [
        {
            "place": "1",
            "slot": "Sat 25 Oct, 10:30–10:33",
            "delegation": "Viet Nam",
            "signatory": "Luong Cuong head of state",
            "full-powers": "not needed",
            "table": "Signing Hall",
        },
        {
            "place": "2",
            "slot": "Sat 25 Oct, 10:33–10:36",
            "delegation": "Mexico",
            "signatory": "Head of Mexico minister for foreign affairs",
            "full-powers": "not needed",
            "table": "Signing Hall",
        },
        {
            "place": "3",
            "slot": "Sat 25 Oct, 10:36–10:39",
            "delegation": "South Africa",
            "signatory": "Head of South Africa deputy minister",
            "full-powers": "missing",
            "table": "Signing Hall",
        },
        {
            "place": "4",
            "slot": "Sat 25 Oct, 10:39–10:42",
            "delegation": "Afghanistan",
            "signatory": "Head of Afghanistan ambassador or permanent representative",
            "full-powers": "copy received",
            "table": "Signing Hall",
        },
    ]


def test_run_sheet_csv(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)

    response = admin_client.get(reverse("admin:ceremony_ceremony_run_sheet_csv", args=[ceremony.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="run-sheet-hanoi.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "place",
        "starts",
        "ends",
        "time zone",
        "delegation",
        "signatory",
        "rank",
        "full powers",
        "room",
        "slot status",
        "signed",
    ]
    assert rows[3] == [
        "3",
        "2025-10-25 10:36",
        "10:39",
        "Asia/Ho_Chi_Minh",
        "South Africa",
        "Head of South Africa",
        "deputy minister",
        "missing",
        "Signing Hall",
        "tentative",
        "",
    ]
    assert len(rows) == 5


def test_next_up_shows_current_and_advances(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)
    url = reverse("admin:ceremony_ceremony_next_up", args=[ceremony.pk])

    text = plain(page_text(admin_client.get(url, {"at": 3})))

    assert "Place 3 of 4" in text
    assert "South Africa" in text and "Full powers: missing" in text
    page = page_text(admin_client.get(url, {"at": 3}))
    assert 'href="?at=4"' in page and 'href="?at=2"' in page
    last = page_text(admin_client.get(url, {"at": 99}))
    assert "Place 4 of 4" in plain(last) and "?at=5" not in last


def next_up_at(client, ceremony, now):
    url = reverse("admin:ceremony_ceremony_next_up", args=[ceremony.pk])
    with mock.patch("django.utils.timezone.now", return_value=now):
        return " ".join(plain(page_text(client.get(url))).split())


def test_next_up_defaults_to_first_slot_not_over(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)  # slots of 3 minutes from 10:30

    assert "Place 1 of 4" in next_up_at(admin_client, ceremony, hanoi(25, 9))
    text = next_up_at(admin_client, ceremony, hanoi(25, 10, 34))
    assert "Place 2 of 4" in text and "Mexico" in text


def test_next_up_says_the_signing_is_over_once_every_slot_has_ended(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)

    text = next_up_at(admin_client, ceremony, hanoi(25, 10, 42))

    assert "The signing is over. Every slot has ended: 4 places in the order of signing." in text
    assert "Place 1 of 4" not in text and "Viet Nam" not in text
    assert "?at=4" in page_text(
        admin_client.get(reverse("admin:ceremony_ceremony_next_up", args=[ceremony.pk]))
    )  # today the 2025 slots are long over too; "Back" opens the last place


def test_move_in_run_sheet_reorders_and_retimes(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)
    afghanistan = delegations[1]
    url = reverse("admin:ceremony_ceremony_signing_move", args=[ceremony.pk])

    response = admin_client.post(url, {"delegation": afghanistan.pk, "position": 2}, follow=True)
    sheet = admin_client.get(reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk]))

    assert shown_messages(response) == [
        ("success", "Afghanistan now signs in place 2. Conflicts: 2 before, 2 after. See them on the dashboard")
    ]
    assert [row["delegation"] for row in run_sheet_rows(sheet)] == [
        "Viet Nam",
        "Afghanistan",
        "Mexico",
        "South Africa",
    ]
    refused = admin_client.post(url, {"delegation": afghanistan.pk, "position": 1}, follow=True)
    assert shown_messages(refused) == [("error", "Afghanistan: The host signs first; it cannot be moved, nor passed.")]
    chosen_nothing = admin_client.get(url, follow=True)  # a move asks first; with nothing to move, it says so
    assert shown_messages(chosen_nothing) == [("error", "Choose a delegation of this ceremony.")]


def organizer(client, group):
    user = get_user_model().objects.create_user(f"{group.lower()}-officer", password="unused-pw-123", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def signing_places():
    return list(Delegation.objects.exclude(signing_order=None).order_by("signing_order").values_list("name", flat=True))


def test_logistics_cannot_move_a_delegation_in_the_order_of_signing(client, admin_client, ceremony, delegations):
    generate(admin_client, ceremony)
    slots_before = list(ScheduleItem.objects.order_by("uid").values_list("uid", "starts_at", "sequence"))
    organizer(client, "Logistics")
    url = reverse("admin:ceremony_ceremony_signing_move", args=[ceremony.pk])

    response = client.post(url, {"delegation": delegations[1].pk, "position": 2})
    sheet = client.get(reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk]))

    assert response.status_code == 403
    assert signing_places() == ["Viet Nam", "Mexico", "South Africa", "Afghanistan"]
    assert list(ScheduleItem.objects.order_by("uid").values_list("uid", "starts_at", "sequence")) == slots_before
    assert sheet.status_code == 200 and len(run_sheet_rows(sheet)) == 4  # may read the run-sheet, not reorder it
    assert "move to place" not in page_text(sheet) and "signing-move" not in page_text(sheet)


def test_protocol_can_move_a_delegation_in_the_order_of_signing(client, admin_client, ceremony, delegations):
    generate(admin_client, ceremony)
    organizer(client, "Protocol")
    url = reverse("admin:ceremony_ceremony_signing_move", args=[ceremony.pk])

    sheet = client.get(reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk]))
    response = client.post(url, {"delegation": delegations[1].pk, "position": 2}, follow=True)

    assert "move to place" in page_text(sheet)
    assert shown_messages(response)[0][1].startswith("Afghanistan now signs in place 2.")
    assert signing_places() == ["Viet Nam", "Afghanistan", "Mexico", "South Africa"]


def test_logistics_posting_generate_changes_nothing(client, ceremony, delegations):
    organizer(client, "Logistics")

    response = generate(client, ceremony)

    assert response.status_code == 403
    assert signing_places() == []
    assert not ScheduleItem.objects.exists()


def test_generating_again_after_a_move_by_hand_warns_that_the_move_is_undone(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)
    url = reverse("admin:ceremony_ceremony_signing_move", args=[ceremony.pk])
    admin_client.post(url, {"delegation": delegations[1].pk, "position": 2}, follow=True)  # reads its message

    response = generate(admin_client, ceremony)

    assert shown_messages(response)[0] == (
        "warning",
        "1 delegation changed its place in the order of signing; "
        "places moved by hand are undone when the order is generated again.",
    )
    assert delegations[1].name == "Afghanistan"
    assert Delegation.objects.get(pk=delegations[1].pk).signing_order == 4


def test_generating_again_after_registering_a_delegation_warns_nothing(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)
    signing(ceremony, "NG", "Nigeria")  # from M: after Mexico; South Africa and Afghanistan shift down

    response = generate(admin_client, ceremony)

    assert shown_messages(response) == [
        (
            "success",
            "5 delegations in the order of signing; slots: 1 new, 2 moved, 2 unchanged, 0 cancelled. "
            "Conflicts: 2 before, 2 after. See them on the dashboard",
        )
    ]


def test_run_sheet_pages_need_staff(client, ceremony):
    url = reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def more_signing(ceremony, numbers):
    codes = [code for code, _name in countries if code not in {"VN", "AF", "MX", "ZA"}]
    for n in numbers:
        signing(ceremony, codes[n], f"Country {n:03d}", Rank.AMBASSADOR, copy_received_on=dt.date(2025, 10, 1))


def run_sheet_queries(client, ceremony):
    generate(client, ceremony)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk]))
    return len(queries), len(run_sheet_rows(response))


# Session, user, the ceremony, the header's ceremony; delegations in order with their slots, their signatories, what
# happened at the table (delegations.signatures): 7.
def test_run_sheet_queries_do_not_grow_with_rows(admin_client, ceremony, delegations):
    more_signing(ceremony, range(2))
    small, rows = run_sheet_queries(admin_client, ceremony)
    assert rows == 6
    more_signing(ceremony, range(2, 30))
    large, rows = run_sheet_queries(admin_client, ceremony)
    assert rows == 34

    assert small == large == 7


# --- Signatories and their full powers ------------------------------------------------------------------------------


def test_signatories_needing_attention(admin_client, ceremony, delegations):
    signing(
        ceremony,
        "KE",
        "Kenya",
        Rank.SENIOR_OFFICIAL,
        verification_status="verified",
        copy_received_on=dt.date(2025, 10, 1),
    )

    response = admin_client.get(admin_url(Signatory, "changelist"), {"full_powers_state": "attention"})

    assert [(row["delegation"], row["full_powers_state"]) for row in changelist_rows(response)] == [
        ("Afghanistan", "copy received"),
        ("South Africa", "missing"),
    ]


def test_signatory_actions_record_receipt_and_verification(admin_client, ceremony, delegations):
    admin_user = get_user_model().objects.get(username="admin")
    south_africa, mexico = (
        Signatory.objects.get(delegation__name="South Africa"),
        Signatory.objects.get(delegation__name="Mexico"),
    )

    received = run_action(admin_client, Signatory, "record_copy_received", [south_africa, mexico])
    verified = run_action(admin_client, Signatory, "mark_verified", [south_africa])

    assert shown_messages(received) == [
        ("success", "Copy of the full powers of 1 signatory recorded."),
        ("warning", "1 signatory needs no full powers and was skipped."),
    ]
    assert shown_messages(verified) == [("success", "Full powers of 1 signatory marked verified.")]
    powers = FullPowers.objects.get(signatory=south_africa)
    assert (powers.verification_status, powers.verified_by) == (VerificationStatus.VERIFIED, admin_user)
    assert not FullPowers.objects.filter(signatory=mexico).exists()


def test_signatory_inline_verification_records_who(admin_client, ceremony, delegations):
    afghan = Signatory.objects.get(delegation__name="Afghanistan")
    url = admin_url(Signatory, "change", afghan.pk)
    values = form_values(admin_client.get(url))
    values["full_powers-0-verification_status"] = "verified"

    response = admin_client.post(url, values)

    assert response.status_code == 302
    powers = FullPowers.objects.get(signatory=afghan)
    assert (powers.verification_status, powers.verified_by.username) == ("verified", "admin")
    assert afghan.history.count() == 2  # the save went through the concrete model, so history recorded it


VERIFY_FIRST = (
    "Full powers can be verified only once a copy was received or the original presented: enter that date first."
)


def test_signatory_inline_refuses_verified_with_nothing_received(admin_client, ceremony, delegations):
    south_africa = Signatory.objects.get(delegation__name="South Africa")  # no full powers record yet
    url = admin_url(Signatory, "change", south_africa.pk)
    values = form_values(admin_client.get(url))
    add_inline_row(values, "full_powers", issuing_authority="President", verification_status="verified")

    response = admin_client.post(url, values)

    assert response.status_code == 200
    assert VERIFY_FIRST in plain(page_text(response))
    assert not FullPowers.objects.filter(signatory=south_africa).exists()


def test_full_powers_admin_refuses_verified_with_nothing_received(admin_client, ceremony, delegations):
    afghan = Signatory.objects.get(delegation__name="Afghanistan")
    powers = FullPowers.objects.get(signatory=afghan)
    url = admin_url(FullPowers, "change", powers.pk)
    values = form_values(admin_client.get(url))
    values.update({"copy_received_on": "", "verification_status": "verified"})

    response = admin_client.post(url, values)

    assert response.status_code == 200
    assert VERIFY_FIRST in plain(page_text(response))
    powers.refresh_from_db()
    assert (powers.verification_status, powers.copy_received_on, powers.verified_by) == (
        "pending",
        dt.date(2025, 10, 1),
        None,
    )


# --- Conflict warnings when saving ----------------------------------------------------------------------------------


def test_saving_item_warns_about_its_conflicts(admin_client, ceremony):
    room = RoomFactory(name="Bilateral Room 1")
    ScheduleItemFactory(
        ceremony=ceremony, room=room, title="France–Japan", starts_at=hanoi(25, 14), ends_at=hanoi(25, 15)
    )
    other = ScheduleItemFactory(
        ceremony=ceremony, room=room, title="Kenya–Brazil", starts_at=hanoi(25, 16), ends_at=hanoi(25, 17)
    )
    url = admin_url(ScheduleItem, "change", other.pk)
    values = form_values(admin_client.get(url))
    values["starts_at_0"], values["starts_at_1"] = "2025-10-25", "14:30:00"

    response = admin_client.post(url, values, follow=True)

    # One message: what was saved, then the conflicts it is part of, by rule with a count and a link.
    assert shown_messages(response) == [
        (
            "warning",
            "The schedule item “Kenya–Brazil” was changed successfully. Conflicts now: Room double-booked (1): "
            "Bilateral Room 1 is booked for both “France–Japan” and “Kenya–Brazil”. "
            "Sat 25 Oct 2025, 14:30–15:00 (Asia/Ho_Chi_Minh) — fix",
        )
    ]
    assert f'<a href="/admin/ceremony/scheduleitem/{other.pk}/change/">fix</a>' in page_text(response)


def test_saving_delegation_warns_about_signing_before_arrival(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)
    mexico = delegations[2]
    url = admin_url(Delegation, "change", mexico.pk)
    values = form_values(admin_client.get(url))
    values["arrival_at_0"], values["arrival_at_1"] = "2025-10-25", "12:00:00"

    response = admin_client.post(url, values, follow=True)

    assert shown_messages(response) == [
        (
            "warning",
            "The delegation “Mexico” was changed successfully. Conflicts now: Signing before arrival (1): "
            "Mexico signs before it arrives (Sat 25 Oct, 12:00). Sat 25 Oct 2025, 10:33–10:36 (Asia/Ho_Chi_Minh) — fix",
        )
    ]


def test_a_save_that_makes_several_conflicts_of_a_rule_says_so_once_with_the_count(admin_client, ceremony):
    room = RoomFactory(name="Bilateral Room 1")
    for title, hour in (("France–Japan", 14), ("Kenya–Brazil", 15)):
        ScheduleItemFactory(
            ceremony=ceremony, room=room, title=title, starts_at=hanoi(25, hour), ends_at=hanoi(25, hour + 1)
        )
    moved = ScheduleItemFactory(
        ceremony=ceremony, room=room, title="Chile–Peru", starts_at=hanoi(25, 18), ends_at=hanoi(25, 19)
    )
    url = admin_url(ScheduleItem, "change", moved.pk)
    values = form_values(admin_client.get(url))
    values["starts_at_0"], values["starts_at_1"] = "2025-10-25", "14:30:00"
    values["ends_at_0"], values["ends_at_1"] = "2025-10-25", "15:30:00"

    [(level, text)] = shown_messages(admin_client.post(url, values, follow=True))

    assert level == "warning"
    assert text.count("Room double-booked (2):") == 1
    assert text.count("— fix") == 2


def test_a_save_that_clears_conflicts_says_which(admin_client, ceremony):
    room = RoomFactory(name="Bilateral Room 1")
    ScheduleItemFactory(
        ceremony=ceremony, room=room, title="France–Japan", starts_at=hanoi(25, 14), ends_at=hanoi(25, 15)
    )
    clash = ScheduleItemFactory(
        ceremony=ceremony, room=room, title="Kenya–Brazil", starts_at=hanoi(25, 14, 30), ends_at=hanoi(25, 15, 30)
    )
    url = admin_url(ScheduleItem, "change", clash.pk)
    values = form_values(admin_client.get(url))
    values["starts_at_0"], values["starts_at_1"] = "2025-10-25", "16:00:00"
    values["ends_at_0"], values["ends_at_1"] = "2025-10-25", "17:00:00"

    assert shown_messages(admin_client.post(url, values, follow=True)) == [
        (
            "success",
            "The schedule item “Kenya–Brazil” was changed successfully. Cleared by this change: room double-booked (1)",
        )
    ]


def test_saving_without_conflicts_warns_nothing(admin_client, ceremony):
    item = ScheduleItemFactory(ceremony=ceremony, kind=ItemKind.PLENARY, status=ItemStatus.CONFIRMED)
    url = admin_url(ScheduleItem, "change", item.pk)

    response = admin_client.post(url, form_values(admin_client.get(url)), follow=True)

    assert [level for level, _text in shown_messages(response)] == ["success"]


def test_saving_a_delegation_that_no_longer_signs_cancels_its_slot(admin_client, ceremony, delegations):
    generate(admin_client, ceremony)
    mexico = delegations[2]
    url = admin_url(Delegation, "change", mexico.pk)
    values = form_values(admin_client.get(url))
    values.pop("intends_to_sign")

    response = admin_client.post(url, values, follow=True)

    assert [level for level, _text in shown_messages(response)] == ["success"]  # no conflict left behind
    slot = ScheduleItem.objects.get(uid=f"signing-hanoi-{mexico.pk}")
    assert (slot.status, slot.sequence) == (ItemStatus.CANCELLED, 1)
    sheet = admin_client.get(reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk]))
    assert [row["delegation"] for row in run_sheet_rows(sheet)] == ["Viet Nam", "South Africa", "Afghanistan"]
    latest = Delegation.objects.get(pk=mexico.pk).history.first()
    assert (latest.signing_order, latest.history_user.username) == (None, "admin")
