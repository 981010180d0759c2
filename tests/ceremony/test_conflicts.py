"""Schedule rules: each conflict is found when it exists, and only then."""

import datetime as dt

import pytest

from ceremony.conflicts import ceremony_conflicts, conflicts_involving
from ceremony.enums import ItemKind, ItemStatus, Visibility
from delegations.enums import Rank
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
    return CeremonyFactory(slug="hanoi")


def found(ceremony):
    return [(c.rule, c.severity) for c in ceremony_conflicts(ceremony=ceremony)]


def item(ceremony, start, end, **extra):
    return ScheduleItemFactory(ceremony=ceremony, starts_at=start, ends_at=end, **extra)


# --- A room double-booked -------------------------------------------------------------------------------------------


def test_room_double_booked_when_items_overlap(ceremony):
    room = RoomFactory(name="Bilateral Room 1")
    first = item(ceremony, hanoi(25, 14), hanoi(25, 15), room=room, title="France–Japan")
    second = item(ceremony, hanoi(25, 14, 30), hanoi(25, 15, 30), room=room, title="Kenya–Brazil")

    (conflict,) = ceremony_conflicts(ceremony=ceremony)

    assert conflict.rule == "room_double_booked"
    assert conflict.severity == "error"
    assert conflict.message == "Bilateral Room 1 is booked for both “France–Japan” and “Kenya–Brazil”."
    assert conflict.who == "Bilateral Room 1"
    assert conflict.when == "Sat 25 Oct 2025, 14:30–15:00 (Asia/Ho_Chi_Minh)"
    assert conflict.url == f"/admin/ceremony/scheduleitem/{second.pk}/change/"
    assert conflict.item_ids == (first.pk, second.pk)


@pytest.mark.parametrize("case", ["back-to-back", "other-room", "cancelled", "slot-in-session"])
def test_room_not_double_booked(ceremony, case):
    room = RoomFactory()
    if case == "slot-in-session":
        item(ceremony, hanoi(25, 10, 30), hanoi(25, 12, 30), room=room, kind=ItemKind.SIGNING)
        item(ceremony, hanoi(25, 10, 30), hanoi(25, 10, 33), room=room, kind=ItemKind.SIGNING, visibility="invited")
    else:
        item(ceremony, hanoi(25, 14), hanoi(25, 15), room=room)
        item(
            ceremony,
            hanoi(25, 15) if case == "back-to-back" else hanoi(25, 14, 30),
            hanoi(25, 16),
            room=RoomFactory() if case == "other-room" else room,
            status=ItemStatus.CANCELLED if case == "cancelled" else ItemStatus.CONFIRMED,
        )

    assert found(ceremony) == []


def test_two_slots_in_the_same_room_still_conflict(ceremony):
    room = RoomFactory()
    for _ in range(2):
        item(ceremony, hanoi(25, 10, 30), hanoi(25, 10, 33), room=room, kind=ItemKind.SIGNING, visibility="invited")

    assert found(ceremony) == [("room_double_booked", "error")]


# --- A delegation in two places -------------------------------------------------------------------------------------


def invited_item(ceremony, delegation, start, end, **extra):
    new = item(ceremony, start, end, visibility=Visibility.INVITED, **extra)
    new.invited_delegations.add(delegation)
    return new


def test_delegation_double_booked_in_overlapping_invited_items(ceremony):
    france = DelegationFactory(ceremony=ceremony, country="FR", name="France")
    invited_item(ceremony, france, hanoi(25, 14), hanoi(25, 15), title="Bilateral with Japan")
    invited_item(ceremony, france, hanoi(25, 14, 45), hanoi(25, 15, 30), title="Side event on evidence")

    (conflict,) = ceremony_conflicts(ceremony=ceremony)

    assert (conflict.rule, conflict.who, conflict.delegation_ids) == (
        "delegation_double_booked",
        "France",
        (france.pk,),
    )
    assert conflict.message == "France is expected at both “Bilateral with Japan” and “Side event on evidence”."
    assert conflict.when == "Sat 25 Oct 2025, 14:45–15:00 (Asia/Ho_Chi_Minh)"


@pytest.mark.parametrize("case", ["apart", "other-delegation", "cancelled"])
def test_delegation_not_double_booked(ceremony, case):
    france = DelegationFactory(ceremony=ceremony, country="FR")
    japan = DelegationFactory(ceremony=ceremony, country="JP")
    invited_item(ceremony, france, hanoi(25, 14), hanoi(25, 15))
    invited_item(
        ceremony,
        japan if case == "other-delegation" else france,
        hanoi(25, 15) if case == "apart" else hanoi(25, 14, 30),
        hanoi(25, 16),
        status=ItemStatus.CANCELLED if case == "cancelled" else ItemStatus.CONFIRMED,
    )

    assert found(ceremony) == []


# --- A signing slot while heads of delegation are expected elsewhere -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "visibility"),
    [
        (ItemKind.PHOTO, Visibility.DELEGATIONS),
        (ItemKind.WELCOME, Visibility.DELEGATIONS),
        (ItemKind.OPENING, Visibility.PUBLIC),
        (ItemKind.CLOSING, Visibility.DELEGATIONS),
    ],
)
def test_signing_slot_during_an_item_for_heads_of_delegation(ceremony, kind, visibility):
    kenya, _signatory = signing_delegation(ceremony)
    photo = item(ceremony, hanoi(25, 10, 20), hanoi(25, 10, 40), kind=kind, visibility=visibility, title="Heads")
    slot = signing_slot(ceremony, kenya, start=hanoi(25, 10, 30))

    (conflict,) = ceremony_conflicts(ceremony=ceremony)

    assert (conflict.rule, conflict.severity, conflict.who) == ("signing_during_heads_item", "error", "Kenya")
    assert conflict.message == "Kenya signs during “Heads”, which heads of delegation attend."
    assert conflict.when == "Sat 25 Oct 2025, 10:30–10:33 (Asia/Ho_Chi_Minh)"
    assert (conflict.item_ids, conflict.delegation_ids) == ((photo.pk, slot.pk), (kenya.pk,))


@pytest.mark.parametrize(
    "case", ["plenary-alongside", "side-event-alongside", "photo-before", "photo-cancelled", "photo-for-staff"]
)
def test_signing_slot_alongside_other_items_is_no_conflict(ceremony, case):
    kenya, _signatory = signing_delegation(ceremony)
    kind = {"plenary-alongside": ItemKind.PLENARY, "side-event-alongside": ItemKind.SIDE_EVENT}.get(case, "photo")
    item(
        ceremony,
        hanoi(25, 10) if case == "photo-before" else hanoi(25, 10, 20),
        hanoi(25, 10, 30) if case == "photo-before" else hanoi(25, 12),
        kind=kind,
        visibility=Visibility.INTERNAL if case == "photo-for-staff" else Visibility.DELEGATIONS,
        status=ItemStatus.CANCELLED if case == "photo-cancelled" else ItemStatus.CONFIRMED,
    )
    signing_slot(ceremony, kenya, start=hanoi(25, 10, 30))

    assert found(ceremony) == []


# --- Signing slots, the stay and full powers ------------------------------------------------------------------------


def signing_slot(ceremony, delegation, start=None):
    start = start or hanoi(25, 10, 30)
    return invited_item(ceremony, delegation, start, start + dt.timedelta(minutes=3), kind=ItemKind.SIGNING)


def signing_delegation(ceremony, rank=Rank.HEAD_OF_STATE, **extra):
    delegation = DelegationFactory(
        ceremony=ceremony, **{"country": "KE", "name": "Kenya", "intends_to_sign": True, **extra}
    )
    signatory = DelegateFactory(delegation=delegation, is_signatory=True, rank=rank, name="Jane Doe")
    return delegation, signatory


@pytest.mark.parametrize(
    ("arrival", "departure", "expected"),
    [
        (hanoi(25, 11), None, [("signing_before_arrival", "error")]),
        (None, hanoi(25, 10, 32), [("signing_after_departure", "error")]),
        (hanoi(24, 18), hanoi(26, 12), []),
        (hanoi(25, 10, 30), hanoi(25, 10, 33), []),
        (None, None, []),
    ],
    ids=["lands-late", "leaves-early", "stays", "exactly", "unknown"],
)
def test_signing_slot_against_arrival_and_departure(ceremony, arrival, departure, expected):
    delegation, _signatory = signing_delegation(ceremony, arrival_at=arrival, departure_at=departure)
    signing_slot(ceremony, delegation)

    assert found(ceremony) == expected


def test_signing_before_arrival_names_delegation_and_arrival(ceremony):
    delegation, _signatory = signing_delegation(ceremony, arrival_at=hanoi(25, 11, 15))
    signing_slot(ceremony, delegation)

    (conflict,) = ceremony_conflicts(ceremony=ceremony)

    assert conflict.message == "Kenya signs before it arrives (Sat 25 Oct, 11:15)."
    assert conflict.url == f"/admin/delegations/delegation/{delegation.pk}/change/"


@pytest.mark.parametrize(
    ("powers", "expected"),
    [
        (None, [("full_powers_not_verified", "error")]),
        ({"copy_received_on": dt.date(2025, 10, 1)}, [("full_powers_not_verified", "error")]),
        ({"verification_status": "rejected"}, [("full_powers_not_verified", "error")]),
        ({"verification_status": "verified", "verified_at": hanoi(25, 11)}, [("full_powers_not_verified", "error")]),
        ({"verification_status": "verified", "verified_at": hanoi(24, 9)}, []),
    ],
    ids=["missing", "copy-only", "rejected", "verified-too-late", "verified-in-time"],
)
def test_signatory_needing_full_powers(ceremony, powers, expected):
    delegation, signatory = signing_delegation(ceremony, rank=Rank.DEPUTY_MINISTER)
    if powers is not None:
        FullPowersFactory(signatory=signatory, **powers)
    signing_slot(ceremony, delegation)

    assert found(ceremony) == expected


def test_full_powers_conflict_says_who_and_links_to_signatory(ceremony):
    delegation, signatory = signing_delegation(ceremony, rank=Rank.AMBASSADOR)
    signing_slot(ceremony, delegation)

    (conflict,) = ceremony_conflicts(ceremony=ceremony)

    assert conflict.message == (
        "Jane Doe (ambassador or permanent representative) signs for Kenya and needs full powers, which are missing."
    )
    assert conflict.who == "Kenya — Jane Doe"
    assert conflict.url == f"/admin/delegations/signatory/{signatory.pk}/change/"


@pytest.mark.parametrize("rank", [Rank.HEAD_OF_STATE, Rank.HEAD_OF_GOVERNMENT, Rank.FOREIGN_MINISTER])
def test_signatory_exempt_from_full_powers_has_no_conflict(ceremony, rank):
    delegation, _signatory = signing_delegation(ceremony, rank=rank)
    signing_slot(ceremony, delegation)

    assert found(ceremony) == []


def test_signing_slot_without_signatory(ceremony):
    delegation = DelegationFactory(ceremony=ceremony, country="KE", name="Kenya", intends_to_sign=True)
    signing_slot(ceremony, delegation)

    assert found(ceremony) == [("slot_without_signatory", "error")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": "declined"}, [("slot_of_withdrawn_delegation", "error")]),
        ({"intends_to_sign": False}, [("slot_of_withdrawn_delegation", "error")]),
        ({"status": "confirmed"}, []),
    ],
)
def test_signing_slot_of_a_delegation_that_no_longer_signs(ceremony, change, expected):
    delegation, _signatory = signing_delegation(ceremony, **change)
    slot = signing_slot(ceremony, delegation)

    conflicts = ceremony_conflicts(ceremony=ceremony)

    assert [(c.rule, c.severity) for c in conflicts] == expected
    if expected:
        assert conflicts[0].message == "Kenya no longer signs but still has a signing slot; cancel it."
        assert (conflicts[0].url, conflicts[0].delegation_ids) == (
            f"/admin/ceremony/scheduleitem/{slot.pk}/change/",
            (delegation.pk,),
        )


def test_cancelled_slot_of_a_delegation_that_no_longer_signs_is_no_conflict(ceremony):
    delegation, _signatory = signing_delegation(ceremony, status="declined")
    signing_slot(ceremony, delegation).__class__.objects.update(status=ItemStatus.CANCELLED)

    assert found(ceremony) == []


# --- Outside the ceremony's days, withdrawn rooms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (hanoi(24, 16), hanoi(24, 17), [("outside_ceremony_days", "warning")]),
        (hanoi(26, 23), hanoi(27, 0, 30), [("outside_ceremony_days", "warning")]),
        (hanoi(25, 0), hanoi(25, 1), []),
        (hanoi(26, 23), hanoi(27, 0), []),
    ],
    ids=["day-before", "runs-past-midnight", "first-minute", "last-minute"],
)
def test_items_outside_ceremony_days(ceremony, start, end, expected):
    item(ceremony, start, end)

    assert found(ceremony) == expected


def test_withdrawn_room_in_use(ceremony):
    room = RoomFactory(name="Press Centre", is_available=False)
    used = item(ceremony, hanoi(26, 14), hanoi(26, 15), room=room, title="Press conference")

    (conflict,) = ceremony_conflicts(ceremony=ceremony)

    assert (conflict.rule, conflict.severity, conflict.item_ids) == ("room_unavailable", "error", (used.pk,))
    assert conflict.message == "“Press conference” is in Press Centre, which has been withdrawn."


def test_withdrawn_room_with_only_cancelled_items_is_no_conflict(ceremony):
    item(ceremony, hanoi(26, 14), hanoi(26, 15), room=RoomFactory(is_available=False), status=ItemStatus.CANCELLED)

    assert found(ceremony) == []


# --- Order, scope and queries ---------------------------------------------------------------------------------------


def test_conflicts_errors_first_then_by_time_and_filtered_by_involvement(ceremony):
    room = RoomFactory()
    early = item(ceremony, hanoi(24, 9), hanoi(24, 10))
    a = item(ceremony, hanoi(25, 14), hanoi(25, 15), room=room)
    b = item(ceremony, hanoi(25, 14), hanoi(25, 15), room=room)

    conflicts = ceremony_conflicts(ceremony=ceremony)

    assert [(c.rule, c.item_ids) for c in conflicts] == [
        ("room_double_booked", (a.pk, b.pk)),
        ("outside_ceremony_days", (early.pk,)),
    ]
    assert [c.rule for c in conflicts_involving(conflicts, item_ids=[early.pk])] == ["outside_ceremony_days"]


def test_conflicts_of_another_ceremony_are_not_reported(ceremony):
    other = CeremonyFactory()
    room = RoomFactory()
    item(other, hanoi(25, 14), hanoi(25, 15), room=room)
    item(other, hanoi(25, 14), hanoi(25, 15), room=room)

    assert found(ceremony) == []


def make_busy_ceremony(ceremony, numbers):
    """Per number: a delegation signing before it arrives without full powers, and an item in one shared room."""
    room = RoomFactory()
    for n in numbers:
        delegation, _signatory = signing_delegation_n(ceremony, n)
        signing_slot(ceremony, delegation, start=hanoi(25, 10) + dt.timedelta(minutes=3 * n))
        item(ceremony, hanoi(25, 14), hanoi(25, 15), room=room)


def signing_delegation_n(ceremony, n):
    from django_countries import countries

    code = [c for c, _name in countries][n]
    delegation = DelegationFactory(ceremony=ceremony, country=code, arrival_at=hanoi(25, 12), intends_to_sign=True)
    signatory = DelegateFactory(delegation=delegation, is_signatory=True, rank=Rank.AMBASSADOR)
    return delegation, signatory


def test_conflict_queries_do_not_grow_with_items(ceremony, django_assert_num_queries):
    make_busy_ceremony(ceremony, range(3))
    with django_assert_num_queries(4):
        small = ceremony_conflicts(ceremony=ceremony)
    make_busy_ceremony(ceremony, range(3, 15))
    with django_assert_num_queries(4):
        large = ceremony_conflicts(ceremony=ceremony)

    # Two errors per delegation (before arrival, full powers) and one per pair of items sharing a room.
    assert (len(small), len(large)) == (2 * 3 + 3, 2 * 15 + 3 + 66)
