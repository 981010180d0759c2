"""The order of signing, its slots and their regeneration."""

import datetime as dt

import pytest

from ceremony.enums import ItemKind, ItemStatus, SigningOrderRule, Visibility
from ceremony.models import ScheduleItem
from delegations import signing
from delegations.enums import DelegationStatus, Rank
from delegations.models import Delegation
from delegations.signing import (
    SigningError,
    delegation_move_in_order,
    signing_draw_letter,
    signing_generate,
    signing_order,
    signing_order_clear,
    signing_withdraw,
)
from tests.factories import (
    CeremonyFactory,
    DelegateFactory,
    DelegationFactory,
    RoomFactory,
    hanoi,
)

# --- The order of signing -------------------------------------------------------------------------------------------

NAMES = {
    "ZW": "Zimbabwe",
    "CI": "Côte d'Ivoire",
    "AF": "Afghanistan",
    "TR": "Türkiye",
    "EC": "Ecuador",
    "MX": "Mexico",
    "BO": "Bolivia (Plurinational State of)",
    "VN": "Viet Nam",
}


@pytest.fixture
def ceremony(db):
    return CeremonyFactory(host_country="VN", drawn_letter="C", slug="hanoi")


@pytest.fixture
def signing_room(db):
    return RoomFactory(name="Signing Hall")


def delegation_with_signatory(ceremony, code, name=None, rank=Rank.HEAD_OF_STATE, **extra):
    delegation = DelegationFactory(
        ceremony=ceremony, country=code, name=name or NAMES[code], intends_to_sign=True, **extra
    )
    DelegateFactory(delegation=delegation, is_signatory=True, rank=rank, name=f"Signatory of {delegation.name}")
    return delegation


@pytest.fixture
def eight(ceremony):
    """Eight delegations (Viet Nam the host), registered in the order of NAMES."""
    return [delegation_with_signatory(ceremony, code) for code in NAMES]


def names(delegations):
    return [d.name for d in delegations]


@pytest.mark.parametrize(
    ("letter", "expected"),
    [
        (
            "A",
            [
                "Afghanistan",
                "Bolivia (Plurinational State of)",
                "Côte d'Ivoire",
                "Ecuador",
                "Mexico",
                "Türkiye",
                "Zimbabwe",
            ],
        ),
        (
            "C",
            [
                "Côte d'Ivoire",
                "Ecuador",
                "Mexico",
                "Türkiye",
                "Zimbabwe",
                "Afghanistan",
                "Bolivia (Plurinational State of)",
            ],
        ),
        (
            "D",
            [
                "Ecuador",
                "Mexico",
                "Türkiye",
                "Zimbabwe",
                "Afghanistan",
                "Bolivia (Plurinational State of)",
                "Côte d'Ivoire",
            ],
        ),
        (
            "T",
            [
                "Türkiye",
                "Zimbabwe",
                "Afghanistan",
                "Bolivia (Plurinational State of)",
                "Côte d'Ivoire",
                "Ecuador",
                "Mexico",
            ],
        ),
        (
            "Z",
            [
                "Zimbabwe",
                "Afghanistan",
                "Bolivia (Plurinational State of)",
                "Côte d'Ivoire",
                "Ecuador",
                "Mexico",
                "Türkiye",
            ],
        ),
    ],
)
def test_signing_order_alphabetical_from_drawn_letter_with_host_first(ceremony, eight, letter, expected):
    ceremony.drawn_letter = letter

    assert names(signing_order(ceremony=ceremony, delegations=eight)) == ["Viet Nam", *expected]


def test_signing_order_files_viet_nam_under_v_when_not_host(ceremony, eight):
    ceremony.host_country, ceremony.drawn_letter = "", "U"

    assert names(signing_order(ceremony=ceremony, delegations=eight))[:3] == ["Viet Nam", "Zimbabwe", "Afghanistan"]


def test_signing_order_by_registration_with_host_first(ceremony, eight):
    ceremony.signing_order_rule = SigningOrderRule.REGISTRATION

    assert names(signing_order(ceremony=ceremony, delegations=eight)) == [
        "Viet Nam",
        "Zimbabwe",
        "Côte d'Ivoire",
        "Afghanistan",
        "Türkiye",
        "Ecuador",
        "Mexico",
        "Bolivia (Plurinational State of)",
    ]


@pytest.mark.parametrize("letter", ["", "4", "ä", "AB"])
def test_signing_order_refuses_a_drawn_letter_that_is_not_a_letter(ceremony, eight, letter):
    ceremony.drawn_letter = letter

    with pytest.raises(SigningError):
        signing_order(ceremony=ceremony, delegations=eight)


# --- Generating the slots -------------------------------------------------------------------------------------------


def generate(ceremony, room, start=None, minutes=5):
    return signing_generate(ceremony=ceremony, starts_at=start or hanoi(25, 10, 30), slot_minutes=minutes, room=room)


def slots(ceremony):
    return list(
        ScheduleItem.objects.filter(kind=ItemKind.SIGNING, ceremony=ceremony)
        .order_by("starts_at", "uid")
        .values_list("uid", "title", "starts_at", "status", "sequence")
    )


@pytest.fixture
def three(ceremony):
    return {code: delegation_with_signatory(ceremony, code) for code in ["VN", "MX", "AF"]}


def test_signing_generate_numbers_delegations_and_makes_invited_slots(ceremony, signing_room, three):
    report = generate(ceremony, signing_room)

    assert names(report.order) == ["Viet Nam", "Mexico", "Afghanistan"]  # from C, wrapping round to A
    assert (report.slots.created, report.slots.moved, report.slots.cancelled) == (3, 0, 0)
    vn, mx, af = three["VN"], three["MX"], three["AF"]
    assert dict(Delegation.objects.values_list("name", "signing_order")) == {
        "Viet Nam": 1,
        "Mexico": 2,
        "Afghanistan": 3,
    }
    assert slots(ceremony) == [
        (f"signing-hanoi-{vn.pk}", "Signature: Viet Nam", hanoi(25, 10, 30), ItemStatus.TENTATIVE, 0),
        (f"signing-hanoi-{mx.pk}", "Signature: Mexico", hanoi(25, 10, 35), ItemStatus.TENTATIVE, 0),
        (f"signing-hanoi-{af.pk}", "Signature: Afghanistan", hanoi(25, 10, 40), ItemStatus.TENTATIVE, 0),
    ]
    for delegation in three.values():
        slot = ScheduleItem.objects.get(uid=f"signing-hanoi-{delegation.pk}")
        assert list(slot.invited_delegations.all()) == [delegation]
        assert (slot.visibility, slot.room, slot.ends_at - slot.starts_at) == (
            Visibility.INVITED,
            signing_room,
            dt.timedelta(minutes=5),
        )
    ceremony.refresh_from_db()
    assert (ceremony.signing_starts_at, ceremony.signing_slot_minutes, ceremony.signing_room) == (
        hanoi(25, 10, 30),
        5,
        signing_room,
    )


def test_signing_generate_in_vietnamese_keeps_the_english_order_and_titles_slots_in_both(ceremony, signing_room):
    from django.utils import translation

    for code, name in [("VN", "Viet Nam"), ("JP", "Japan"), ("DE", "Germany"), ("FR", "France")]:
        delegation_with_signatory(ceremony, code, name=name)

    with translation.override("vi"):  # an organizer using the admin in Vietnamese
        report = generate(ceremony, signing_room)

    # From C by the UN short names; by the Vietnamese names it would be Đức, Nhật Bản, Pháp.
    assert names(report.order) == ["Viet Nam", "France", "Germany", "Japan"]
    assert list(
        ScheduleItem.objects.filter(kind=ItemKind.SIGNING).order_by("starts_at").values_list("title", "title_vi")
    ) == [
        ("Signature: Viet Nam", "Ký Công ước: Việt Nam"),
        ("Signature: France", "Ký Công ước: Pháp"),
        ("Signature: Germany", "Ký Công ước: Đức"),
        ("Signature: Japan", "Ký Công ước: Nhật Bản"),
    ]


def test_signing_generate_skips_declined_and_non_signing_delegations(ceremony, signing_room, three):
    delegation_with_signatory(ceremony, "EC", status=DelegationStatus.DECLINED)
    DelegationFactory(ceremony=ceremony, country="TR", name="Türkiye", intends_to_sign=False)

    report = generate(ceremony, signing_room)

    assert names(report.order) == ["Viet Nam", "Mexico", "Afghanistan"]
    assert Delegation.objects.filter(signing_order__isnull=True).count() == 2


def test_signing_generate_twice_changes_nothing(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    before = slots(ceremony)

    report = generate(ceremony, signing_room)

    assert (report.slots.created, report.slots.moved, report.slots.unchanged, report.slots.cancelled) == (0, 0, 3, 0)
    assert slots(ceremony) == before


def test_signing_regenerate_keeps_uids_and_moves_later_slots(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    ecuador = delegation_with_signatory(ceremony, "EC")  # from C: Ecuador comes before Mexico

    report = generate(ceremony, signing_room)

    assert (report.slots.created, report.slots.moved, report.slots.unchanged) == (1, 2, 1)
    vn, mx, af = three["VN"], three["MX"], three["AF"]
    assert slots(ceremony) == [
        (f"signing-hanoi-{vn.pk}", "Signature: Viet Nam", hanoi(25, 10, 30), ItemStatus.TENTATIVE, 0),
        (f"signing-hanoi-{ecuador.pk}", "Signature: Ecuador", hanoi(25, 10, 35), ItemStatus.TENTATIVE, 0),
        (f"signing-hanoi-{mx.pk}", "Signature: Mexico", hanoi(25, 10, 40), ItemStatus.TENTATIVE, 1),
        (f"signing-hanoi-{af.pk}", "Signature: Afghanistan", hanoi(25, 10, 45), ItemStatus.TENTATIVE, 1),
    ]


def test_signing_regenerate_cancels_withdrawn_slot_and_restores_it_on_return(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    mexico.intends_to_sign = False
    mexico.save()

    report = generate(ceremony, signing_room)

    assert report.slots.cancelled == 1
    slot = ScheduleItem.objects.get(uid=f"signing-hanoi-{mexico.pk}")
    assert (slot.status, slot.sequence) == (ItemStatus.CANCELLED, 1)
    mexico.refresh_from_db()
    assert mexico.signing_order is None
    assert ScheduleItem.objects.get(uid=f"signing-hanoi-{three['AF'].pk}").starts_at == hanoi(25, 10, 35)

    mexico.intends_to_sign = True
    mexico.save()
    generate(ceremony, signing_room)

    slot.refresh_from_db()
    assert (slot.status, slot.sequence, slot.starts_at) == (ItemStatus.TENTATIVE, 2, hanoi(25, 10, 35))
    assert ScheduleItem.objects.filter(kind=ItemKind.SIGNING).count() == 3


@pytest.mark.parametrize("change", [{"status": DelegationStatus.DECLINED}, {"intends_to_sign": False}])
def test_signing_withdraw_cancels_the_slot_and_clears_the_place(ceremony, signing_room, three, change):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    Delegation.objects.filter(pk=mexico.pk).update(**change)
    mexico.refresh_from_db()

    assert signing_withdraw(delegation=mexico) == 1

    vn, mx, af = three["VN"], three["MX"], three["AF"]
    assert slots(ceremony) == [
        (f"signing-hanoi-{vn.pk}", "Signature: Viet Nam", hanoi(25, 10, 30), ItemStatus.TENTATIVE, 0),
        (f"signing-hanoi-{mx.pk}", "Signature: Mexico", hanoi(25, 10, 35), ItemStatus.CANCELLED, 1),
        (f"signing-hanoi-{af.pk}", "Signature: Afghanistan", hanoi(25, 10, 40), ItemStatus.TENTATIVE, 0),
    ]
    assert dict(Delegation.objects.values_list("name", "signing_order")) == {
        "Viet Nam": 1,
        "Mexico": None,
        "Afghanistan": 3,
    }
    latest = Delegation.objects.get(pk=mexico.pk).history.first()
    assert (latest.signing_order, latest.history_change_reason) == (None, "withdrew from the signing")
    assert signing_withdraw(delegation=mexico) == 0  # twice: nothing more to do
    assert slots(ceremony)[1][3:] == (ItemStatus.CANCELLED, 1)


def test_signing_withdraw_leaves_a_delegation_that_still_signs_alone(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    before = slots(ceremony)

    assert signing_withdraw(delegation=three["MX"]) == 0

    assert slots(ceremony) == before
    assert Delegation.objects.get(pk=three["MX"].pk).signing_order == 2


def test_spreadsheet_import_withdrawing_a_delegation_cancels_its_slot(ceremony, signing_room, three):
    from import_export.formats.base_formats import CSV

    from delegations.spreadsheets import DelegationResource

    ceremony.is_current = True
    ceremony.save()
    generate(ceremony, signing_room)
    sheet = "ceremony,country,name,kind,status,intends_to_sign\nhanoi,MX,Mexico,member_state,declined,1\n"

    result = DelegationResource().import_data(CSV().create_dataset(sheet), dry_run=False, use_transactions=True)

    assert not result.has_errors() and not result.has_validation_errors()
    mexico = Delegation.objects.get(pk=three["MX"].pk)
    assert (mexico.status, mexico.signing_order) == (DelegationStatus.DECLINED, None)
    assert ScheduleItem.objects.get(uid=f"signing-hanoi-{mexico.pk}").status == ItemStatus.CANCELLED


def test_signing_regenerate_with_a_later_start_moves_every_slot(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    uids = [uid for uid, *_rest in slots(ceremony)]

    report = generate(ceremony, signing_room, start=hanoi(26, 9))

    assert (report.slots.moved, report.slots.unchanged) == (3, 0)
    # The same three items, moved (their sequence raised), so calendars update them instead of adding others.
    assert [(uid, start, seq) for uid, _t, start, _s, seq in slots(ceremony)] == [
        (uids[0], hanoi(26, 9), 1),
        (uids[1], hanoi(26, 9, 5), 1),
        (uids[2], hanoi(26, 9, 10), 1),
    ]
    assert ScheduleItem.objects.filter(kind=ItemKind.SIGNING).count() == 3


# --- Refusals: clear errors, nothing half-done ----------------------------------------------------------------------


def assert_nothing_written(ceremony):
    assert not ScheduleItem.objects.filter(ceremony=ceremony).exists()
    assert not Delegation.objects.filter(ceremony=ceremony, signing_order__isnull=False).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"minutes": 0}, "A signing slot must last at least one minute (got 0)."),
        ({"minutes": -5}, "A signing slot must last at least one minute (got -5)."),
        (
            {"start": hanoi(24, 23, 59)},
            "The signing cannot start at 2025-10-24 23:59: the ceremony runs from 2025-10-25 to 2025-10-26.",
        ),
        (
            {"start": hanoi(27, 0)},
            "The signing cannot start at 2025-10-27 00:00: the ceremony runs from 2025-10-25 to 2025-10-26.",
        ),
        ({"start": hanoi(26, 23, 50)}, "3 slots of 5 minutes from 2025-10-26 23:50 end after the ceremony's last day."),
        ({"start": dt.datetime(2025, 10, 25, 10, 30)}, "Give the start of the signing as a time with its zone."),  # noqa: DTZ001 - a naive time, which must be refused
        ({"room": None}, "Choose the room of the signing table."),
    ],
    ids=["zero-minutes", "negative-minutes", "day-before", "day-after", "runs-over", "naive-start", "no-room"],
)
def test_signing_generate_refuses_bad_settings(ceremony, signing_room, three, change, message):
    arguments = {"ceremony": ceremony, "starts_at": hanoi(25, 10, 30), "slot_minutes": 5, "room": signing_room}
    arguments.update({{"minutes": "slot_minutes", "start": "starts_at"}.get(k, k): v for k, v in change.items()})

    with pytest.raises(SigningError) as error:
        signing_generate(**arguments)

    assert error.value.messages == [message]
    assert_nothing_written(ceremony)


def test_signing_generate_refuses_withdrawn_room(ceremony, three):
    room = RoomFactory(name="Old Hall", is_available=False)

    with pytest.raises(SigningError) as error:
        generate(ceremony, room)

    assert error.value.messages == ["The room Old Hall is withdrawn; choose another for the signing."]
    assert_nothing_written(ceremony)


@pytest.mark.parametrize(
    ("letter", "message"),
    [
        ("", "Draw the letter by lot first: the alphabetical order of signing starts at it."),
        ("4", "The drawn letter “4” is not a letter from A to Z."),
        ("é", "The drawn letter “é” is not a letter from A to Z."),
    ],
)
def test_signing_generate_refuses_missing_or_bad_letter(ceremony, signing_room, three, letter, message):
    ceremony.drawn_letter = letter

    with pytest.raises(SigningError) as error:
        generate(ceremony, signing_room)

    assert error.value.messages == [message]
    assert_nothing_written(ceremony)


def test_signing_generate_refuses_delegations_without_or_with_several_signatories(ceremony, signing_room, three):
    DelegationFactory(ceremony=ceremony, country="EC", name="Ecuador", intends_to_sign=True)
    DelegationFactory(ceremony=ceremony, country="AO", name="Angola", intends_to_sign=True)
    DelegateFactory(delegation=three["MX"], is_signatory=True, name="Second signatory")

    with pytest.raises(SigningError) as error:
        generate(ceremony, signing_room)

    assert error.value.messages == [
        "These delegations intend to sign but have no signatory: Angola, Ecuador.",
        "These delegations have more than one signatory: Mexico.",
    ]
    assert_nothing_written(ceremony)


def test_signing_generate_failing_regeneration_keeps_the_previous_order(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    before = slots(ceremony)
    DelegationFactory(ceremony=ceremony, country="EC", name="Ecuador", intends_to_sign=True)

    with pytest.raises(SigningError):
        generate(ceremony, signing_room, start=hanoi(26, 9))

    assert slots(ceremony) == before
    assert dict(Delegation.objects.exclude(signing_order=None).values_list("name", "signing_order")) == {
        "Viet Nam": 1,
        "Mexico": 2,
        "Afghanistan": 3,
    }


def test_ceremony_refuses_zero_slot_minutes_in_database(ceremony):
    from django.db import IntegrityError, transaction

    ceremony.signing_slot_minutes = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        ceremony.save()


# --- The letter, moving by hand, clearing ---------------------------------------------------------------------------


def test_signing_draw_letter_stores_a_letter_and_refuses_to_redraw(db, monkeypatch):
    ceremony = CeremonyFactory(drawn_letter="")
    monkeypatch.setattr(signing.secrets, "choice", lambda letters: letters[12])

    assert signing_draw_letter(ceremony=ceremony) == "M"
    ceremony.refresh_from_db()
    assert ceremony.drawn_letter == "M"

    with pytest.raises(SigningError) as error:
        signing_draw_letter(ceremony=ceremony)
    assert error.value.messages == ["The letter M is already drawn; clear the order of signing to draw again."]


def test_signing_order_clear_cancels_slots_and_allows_a_new_draw(ceremony, signing_room, three):
    generate(ceremony, signing_room)

    assert signing_order_clear(ceremony=ceremony) == 3

    ceremony.refresh_from_db()
    assert ceremony.drawn_letter == ""
    assert set(ScheduleItem.objects.values_list("status", flat=True)) == {ItemStatus.CANCELLED}
    assert not Delegation.objects.exclude(signing_order=None).exists()
    assert signing_draw_letter(ceremony=ceremony) in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_signing_order_clear_leaves_a_history_entry_on_each_delegation(ceremony, signing_room, three):
    generate(ceremony, signing_room)

    signing_order_clear(ceremony=ceremony)

    for delegation in three.values():
        latest = delegation.history.first()
        assert latest.signing_order is None
        assert latest.history_change_reason == "order of signing cleared"
        assert latest.prev_record.signing_order is not None


def test_delegation_move_in_order_moves_one_and_retimes_slots(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    afghanistan = three["AF"]

    delegation_move_in_order(delegation=afghanistan, position=2)

    assert dict(Delegation.objects.values_list("name", "signing_order")) == {
        "Viet Nam": 1,
        "Afghanistan": 2,
        "Mexico": 3,
    }
    assert [(title, start, seq) for _u, title, start, _s, seq in slots(ceremony)] == [
        ("Signature: Viet Nam", hanoi(25, 10, 30), 0),
        ("Signature: Afghanistan", hanoi(25, 10, 35), 1),
        ("Signature: Mexico", hanoi(25, 10, 40), 1),
    ]


def test_signing_regenerate_after_a_move_by_hand_restores_the_rule_and_counts_it(ceremony, signing_room, three):
    assert generate(ceremony, signing_room).reordered == 0
    delegation_move_in_order(delegation=three["AF"], position=2)

    report = generate(ceremony, signing_room)

    assert report.reordered == 1  # Afghanistan goes back behind Mexico; the host stays first
    assert [d.name for d in report.order] == ["Viet Nam", "Mexico", "Afghanistan"]
    assert generate(ceremony, signing_room).reordered == 0


def test_signing_regenerate_after_a_newcomer_or_a_withdrawal_reports_no_move_undone(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    delegation_with_signatory(ceremony, "EC")  # from C: Ecuador comes before Mexico, shifting two places

    assert generate(ceremony, signing_room).reordered == 0

    Delegation.objects.filter(pk=three["MX"].pk).update(intends_to_sign=False)  # the others close up
    report = generate(ceremony, signing_room)
    assert report.reordered == 0
    assert [d.name for d in report.order] == ["Viet Nam", "Ecuador", "Afghanistan"]


def test_signing_regenerate_after_a_long_move_by_hand_counts_the_one_moved(ceremony, signing_room, eight):
    generate(ceremony, signing_room)
    last = Delegation.objects.get(signing_order=8)
    delegation_move_in_order(delegation=last, position=2)
    delegation_with_signatory(ceremony, "GH", name="Ghana")  # a newcomer at the same time adds nothing to it

    assert generate(ceremony, signing_room).reordered == 1


@pytest.mark.parametrize(
    ("code", "position", "message"),
    [
        ("AF", 1, "The host signs first; it cannot be moved, nor passed."),
        ("VN", 2, "The host signs first; it cannot be moved, nor passed."),
        ("AF", 4, "Choose a place from 1 to 3."),
        ("AF", 0, "Choose a place from 1 to 3."),
    ],
)
def test_delegation_move_in_order_refusals(ceremony, signing_room, three, code, position, message):
    generate(ceremony, signing_room)

    with pytest.raises(SigningError) as error:
        delegation_move_in_order(delegation=three[code], position=position)

    assert error.value.messages == [message]
    assert dict(Delegation.objects.values_list("name", "signing_order")) == {
        "Viet Nam": 1,
        "Mexico": 2,
        "Afghanistan": 3,
    }


def test_delegation_move_in_order_refuses_delegation_without_place(ceremony, three):
    with pytest.raises(SigningError) as error:
        delegation_move_in_order(delegation=three["MX"], position=1)

    assert error.value.messages == ["Mexico has no place in the order of signing; generate the order first."]


def test_regenerating_after_the_slug_changed_moves_the_published_slots_and_keeps_their_uids(
    ceremony, signing_room, three
):
    generate(ceremony, signing_room)
    published = [uid for uid, *_rest in slots(ceremony)]
    ceremony.slug = "hanoi-2025"
    ceremony.save()

    report = generate(ceremony, signing_room, minutes=10)

    assert (report.slots.created, report.slots.moved, report.slots.cancelled) == (0, 3, 0)
    assert [(uid, sequence) for uid, _title, _start, _status, sequence in slots(ceremony)] == [
        (published[0], 1), (published[1], 1), (published[2], 1)
    ]  # fmt: skip


def test_a_delegation_moved_to_another_ceremony_gets_a_slot_there_and_loses_the_old_one(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    old_slot = ScheduleItem.objects.get(uid=f"signing-hanoi-{mexico.pk}")
    other = CeremonyFactory(slug="geneva", drawn_letter="A", first_day=ceremony.first_day, last_day=ceremony.last_day)
    Delegation.objects.filter(pk=mexico.pk).update(ceremony=other, signing_order=None)

    report = generate(other, signing_room)

    assert report.slots.created == 1
    old_slot.refresh_from_db()
    assert (old_slot.status, old_slot.sequence) == (ItemStatus.CANCELLED, 1)
    new_slot = ScheduleItem.objects.get(ceremony=other, kind=ItemKind.SIGNING)
    assert (new_slot.uid, list(new_slot.invited_delegations.all())) == (f"signing-geneva-{mexico.pk}", [mexico])


def test_the_slot_of_a_deleted_delegation_is_cancelled_when_the_order_is_generated_again(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    slot = ScheduleItem.objects.get(uid=f"signing-hanoi-{mexico.pk}")
    mexico.members.all().delete()
    mexico.delete()

    report = generate(ceremony, signing_room)

    assert report.slots.cancelled == 1
    slot.refresh_from_db()
    assert slot.status == ItemStatus.CANCELLED


def test_a_generated_slot_keeps_history_so_its_later_move_shows_old_and_new(ceremony, signing_room, three):
    """The delegation's "what changed" box reads the slot as it stood from its history: a generated slot has one."""
    from django.utils import timezone

    from ceremony.selectors import changes_since

    generate(ceremony, signing_room)
    mexico_slot = ScheduleItem.objects.get(uid=f"signing-hanoi-{three['MX'].pk}")
    assert mexico_slot.history.count() == 1  # made by the generation, and recorded as such
    visited = timezone.now()
    delegation_move_in_order(delegation=three["AF"], position=2)  # Mexico closes up behind: 10:35 → 10:40

    [change] = changes_since(ScheduleItem.objects.filter(pk=mexico_slot.pk), visited)

    assert change.is_new is False
    assert change.time == ("Sat 25 Oct, 10:35–10:40", "Sat 25 Oct, 10:40–10:45")
