"""The signing, recorded, in the admin: "Signed" and "Deferred" on the next-up page, the run-sheet's outcomes, the
correction with its reason, and the depositary's export."""

import csv
import datetime as dt
import io
from unittest import mock

import openpyxl
import pytest
from django.urls import reverse

from delegations.enums import Rank, SignatureOutcome, VerificationStatus
from delegations.models import Signature
from tests.adminpages import page_text, shown_messages
from tests.delegations.test_admin_signing_desk import generate, organizer, signing
from tests.factories import CeremonyFactory, RoomFactory, hanoi

NOW = hanoi(25, 10, 31, 5)


@pytest.fixture(autouse=True)
def _now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


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


@pytest.fixture
def delegations(ceremony, admin_client):
    made = [
        signing(ceremony, "VN", "Viet Nam", signatory="Luong Cuong"),
        signing(
            ceremony,
            "AF",
            "Afghanistan",
            Rank.AMBASSADOR,
            signatory="Amina Noor",
            copy_received_on=dt.date(2025, 10, 1),
        ),
        signing(ceremony, "MX", "Mexico", Rank.FOREIGN_MINISTER, signatory="Juan Ramos"),
    ]
    generate(admin_client, ceremony)  # Viet Nam, Mexico, Afghanistan (from the letter M)
    return made


def next_up(client, ceremony, **query):
    return client.get(reverse("admin:ceremony_ceremony_next_up", args=[ceremony.pk]), query)


def mark(client, ceremony, delegation, outcome="signed", **data):
    return client.post(
        reverse("admin:ceremony_ceremony_mark", args=[ceremony.pk]),
        {"delegation": delegation.pk, "outcome": outcome, **data},
        follow=True,
    )


def test_protocol_marks_signed_and_the_next_delegation_is_called(client, ceremony, delegations):
    lan = organizer(client, "Protocol")
    viet_nam = delegations[0]
    page = next_up(client, ceremony)
    text = page_text(page)
    assert "Place 1 of 3" in text
    assert page.context["mark_form"]["signed_at"].value() == "2025-10-25 10:31:05"
    assert page.context["mark_form"]["signatory"].value() == viet_nam.members.get().pk

    done = mark(client, ceremony, viet_nam, signed_at="2025-10-25 10:31:05", signatory=viet_nam.members.get().pk)

    assert shown_messages(done) == [
        ("success", "Viet Nam signed at 10:31:05 (Asia/Ho_Chi_Minh), by Luong Cuong."),
    ]
    assert "Place 2 of 3" in page_text(done)  # Mexico is called
    assert "Mexico" in page_text(done).split("Then")[0]
    record = Signature.objects.get()
    assert (record.outcome, record.signed_at, record.signatory.name, record.recorded_by) == (
        SignatureOutcome.SIGNED,
        NOW,
        "Luong Cuong",
        lan,
    )
    assert "1 place has signed so far." in page_text(done)


def test_deferred_delegation_comes_back_after_the_others(client, ceremony, delegations):
    organizer(client, "Protocol")
    viet_nam, afghanistan, mexico = delegations
    mark(client, ceremony, viet_nam)
    deferred = mark(client, ceremony, mexico, outcome="deferred", notes="Minister delayed")
    assert shown_messages(deferred) == [("success", "Mexico deferred: it is called again after the others.")]
    afghanistan.members.get().full_powers.__class__.objects.filter(signatory__delegation=afghanistan).update(
        verification_status=VerificationStatus.VERIFIED
    )
    assert "Place 3 of 3" in page_text(next_up(client, ceremony))  # Afghanistan
    mark(client, ceremony, afghanistan)
    assert "Place 2 of 3" in page_text(next_up(client, ceremony))  # Mexico, back at the end
    everyone = mark(client, ceremony, mexico)
    assert "Every place has signed: 3 places in the order of signing." in page_text(everyone)


def test_mark_refused_without_verified_full_powers_says_why(client, ceremony, delegations):
    organizer(client, "Protocol")
    refused = mark(client, ceremony, delegations[1])
    assert shown_messages(refused) == [
        (
            "error",
            "Afghanistan: Amina Noor (ambassador or permanent representative) needs verified full powers to sign, "
            "and their full powers are copy received: verify them first.",
        )
    ]
    assert "Place 3 of 3" in page_text(refused)  # still Afghanistan's turn
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("signed_at", "error"),
    [
        ("yesterday", "Write the time as 2025-10-25 10:31:05, or 10:31:05 for today (Asia/Ho_Chi_Minh)."),
        ("2025-13-45 99:00:00", "Write the time as 2025-10-25 10:31:05, or 10:31:05 for today (Asia/Ho_Chi_Minh)."),
    ],
)
def test_mark_with_a_bad_time_is_refused_clearly(client, ceremony, delegations, signed_at, error):
    organizer(client, "Protocol")
    refused = mark(client, ceremony, delegations[0], signed_at=signed_at)
    assert shown_messages(refused) == [("error", f"Signed at (Asia/Ho_Chi_Minh): {error}")]
    assert not Signature.objects.exists()


def test_mark_takes_a_time_alone_as_today_and_refuses_an_unknown_delegation(client, ceremony, delegations):
    organizer(client, "Protocol")
    mark(client, ceremony, delegations[0], signed_at="10:29:59")
    assert Signature.objects.get().signed_at == hanoi(25, 10, 29, 59)
    nobody = client.post(reverse("admin:ceremony_ceremony_mark", args=[ceremony.pk]), {"delegation": "x"}, follow=True)
    assert shown_messages(nobody) == [("error", "Choose a delegation of this ceremony.")]


@pytest.mark.parametrize("group", ["Viewer", "Security", "Logistics"])
def test_others_read_the_next_up_page_but_may_not_mark(client, ceremony, delegations, group):
    organizer(client, group)
    page = next_up(client, ceremony)
    assert page.status_code == 200
    assert page.context["mark_form"] is None
    assert "Signed" not in [b.strip() for b in page_text(page).split("\n")]
    response = client.post(reverse("admin:ceremony_ceremony_mark", args=[ceremony.pk]), {"delegation": 1})
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_mark_is_post_only(client, ceremony, delegations):
    organizer(client, "Protocol")
    assert client.get(reverse("admin:ceremony_ceremony_mark", args=[ceremony.pk])).status_code == 405


def test_run_sheet_shows_each_outcome_and_time_with_a_correct_link(client, ceremony, delegations):
    organizer(client, "Protocol")
    viet_nam, _afghanistan, mexico = delegations
    mark(client, ceremony, viet_nam)
    mark(client, ceremony, mexico, outcome="deferred")
    sheet = client.get(reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk]))
    text = page_text(sheet)
    assert "signed at 10:31:05 by Luong Cuong" in text
    assert "deferred" in text
    correct = reverse("admin:ceremony_ceremony_signature_correct", args=[ceremony.pk, Signature.objects.first().pk])
    assert correct in sheet.content.decode()
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("admin:ceremony_ceremony_run_sheet_csv", args=[ceremony.pk])).content.decode()
            )
        )
    )
    assert [(row[4], row[10]) for row in csv_rows[1:]] == [
        ("Viet Nam", "2025-10-25 10:31:05"),
        ("Mexico", "deferred"),
        ("Afghanistan", ""),
    ]


def test_correcting_a_mark_needs_a_reason_and_is_recorded(client, ceremony, delegations):
    lan = organizer(client, "Protocol")
    viet_nam = delegations[0]
    mark(client, ceremony, viet_nam)
    record = Signature.objects.get()
    url = reverse("admin:ceremony_ceremony_signature_correct", args=[ceremony.pk, record.pk])
    form = client.get(url)
    assert form.status_code == 200
    data = {"outcome": "signed", "signed_at": "2025-10-25 10:13:05", "signatory": viet_nam.members.get().pk}
    no_reason = client.post(url, data)
    assert no_reason.status_code == 200
    assert no_reason.context["form"].errors == {"reason": ["This field is required."]}
    done = client.post(url, {**data, "reason": "Typed 10:31 for 10:13"}, follow=True)
    assert shown_messages(done) == [("success", "The record of Viet Nam was corrected.")]
    record.refresh_from_db()
    assert record.signed_at == hanoi(25, 10, 13, 5)
    latest = record.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (lan, "Typed 10:31 for 10:13")
    assert "Typed 10:31 for 10:13" in page_text(client.get(url))


def test_viewer_reads_a_correction_page_but_may_not_post(client, ceremony, delegations, admin_client):
    mark(admin_client, ceremony, delegations[0])
    organizer(client, "Viewer")
    url = reverse("admin:ceremony_ceremony_signature_correct", args=[ceremony.pk, Signature.objects.get().pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"outcome": "deferred", "reason": "x"}).status_code == 403
    assert Signature.objects.get().outcome == SignatureOutcome.SIGNED


def test_export_lists_the_signatures_in_the_order_signed_formula_safe(client, ceremony, delegations, admin_client):
    viet_nam, _afghanistan, mexico = delegations
    mexico_head = mexico.members.get()
    mexico_head.name, mexico_head.position = "=Juan Ramos", "Secretary of Foreign Affairs"
    mexico_head.save()
    mark(admin_client, ceremony, mexico, signed_at="2025-10-25 10:20:00")
    mark(admin_client, ceremony, viet_nam, signed_at="2025-10-25 10:25:30")
    organizer(client, "Viewer")
    response = client.get(reverse("admin:ceremony_ceremony_signatures_csv", args=[ceremony.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="signatures-hanoi.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "order", "state or organization", "kind", "signatory", "title", "signed at (UTC)",
            "signed at (Asia/Ho_Chi_Minh)", "authority", "full powers issued by", "full powers issued on",
            "full powers verified by",
        ],
        ["1", "Mexico", "member state", "'=Juan Ramos", "Secretary of Foreign Affairs", "2025-10-25 03:20:00",
         "2025-10-25 10:20:00", "no full powers needed", "", "", ""],
        ["2", "Viet Nam", "member state", "Luong Cuong", "head of state", "2025-10-25 03:25:30",
         "2025-10-25 10:25:30", "no full powers needed", "", "", ""],
    ]  # fmt: skip
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("admin:ceremony_ceremony_signatures_xlsx", args=[ceremony.pk])).content)
    )
    cells = [[cell.value for cell in row] for row in book.active.iter_rows(min_row=2)]
    assert [row[:4] for row in cells] == [
        [1, "Mexico", "member state", "=Juan Ramos"],
        [2, "Viet Nam", "member state", "Luong Cuong"],
    ]
    assert book.active["D2"].data_type == "s"


def test_export_names_the_verified_full_powers(client, ceremony, delegations, admin_client):
    afghanistan = delegations[1]
    powers = afghanistan.members.get().full_powers
    powers.issued_on, powers.verification_status = dt.date(2025, 9, 30), VerificationStatus.VERIFIED
    powers.verified_by = organizer(client, "Protocol")
    powers.save()
    mark(client, ceremony, afghanistan)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("admin:ceremony_ceremony_signatures_csv", args=[ceremony.pk])).content.decode()
            )
        )
    )
    assert rows[1][7:] == ["verified full powers", "Minister for Foreign Affairs", "2025-09-30", "protocol-officer"]


@pytest.mark.parametrize("group", ["Security", "Logistics"])
def test_export_is_for_protocol_and_viewer_only(client, ceremony, delegations, group):
    organizer(client, group)
    for name in ("signatures_csv", "signatures_xlsx"):
        assert client.get(reverse(f"admin:ceremony_ceremony_{name}", args=[ceremony.pk])).status_code == 403
