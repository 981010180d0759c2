"""The delegation rules of the schedule: each conflict is found when it exists, and only then, alone and among all."""

import datetime as dt

import pytest

from ceremony import conflicts
from ceremony.conflicts import Schedule, ceremony_conflicts, conflicts_involving
from ceremony.enums import ItemKind, ItemStatus, Visibility
from delegations.conflicts import (
    delegation_data,
    delegation_double_booked,
    full_powers_not_verified,
    signing_after_departure,
    signing_before_arrival,
    signing_during_heads_item,
    slot_of_withdrawn_delegation,
    slot_without_signatory,
)
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


# --- Queries --------------------------------------------------------------------------------------------------------


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


# --- Each rule on its own -------------------------------------------------------------------------------------------


def alone(check, ceremony):
    """What one rule finds, run by itself on what the delegation rules read."""
    schedule = Schedule.read(ceremony=ceremony)
    return [(c.rule, c.item_ids, c.delegation_ids) for c in check(schedule, delegation_data(schedule))]


def test_delegation_double_booked_alone(ceremony):
    france = DelegationFactory(ceremony=ceremony, country="FR")
    japan = DelegationFactory(ceremony=ceremony, country="JP")
    first = invited_item(ceremony, france, hanoi(25, 14), hanoi(25, 15))
    second = invited_item(ceremony, france, hanoi(25, 14, 30), hanoi(25, 16))
    invited_item(ceremony, japan, hanoi(25, 14), hanoi(25, 15))
    invited_item(ceremony, japan, hanoi(25, 15), hanoi(25, 16))

    assert alone(delegation_double_booked, ceremony) == [
        ("delegation_double_booked", (first.pk, second.pk), (france.pk,))
    ]


def test_signing_during_heads_item_alone(ceremony):
    kenya, _signatory = signing_delegation(ceremony)
    japan, _signatory = signing_delegation(ceremony, country="JP", name="Japan")
    photo = item(ceremony, hanoi(25, 10, 20), hanoi(25, 10, 40), kind=ItemKind.PHOTO, visibility="delegations")
    slot = signing_slot(ceremony, kenya, start=hanoi(25, 10, 30))
    signing_slot(ceremony, japan, start=hanoi(25, 10, 40))

    assert alone(signing_during_heads_item, ceremony) == [
        ("signing_during_heads_item", (photo.pk, slot.pk), (kenya.pk,))
    ]


def test_slot_of_withdrawn_delegation_alone(ceremony):
    kenya, _signatory = signing_delegation(ceremony, status="declined")
    japan, _signatory = signing_delegation(ceremony, country="JP", name="Japan")
    slot = signing_slot(ceremony, kenya, start=hanoi(25, 10, 30))
    signing_slot(ceremony, japan, start=hanoi(25, 10, 33))

    assert alone(slot_of_withdrawn_delegation, ceremony) == [("slot_of_withdrawn_delegation", (slot.pk,), (kenya.pk,))]


@pytest.mark.parametrize(
    ("check", "rule", "stay"),
    [
        (signing_before_arrival, "signing_before_arrival", {"arrival_at": hanoi(25, 11)}),
        (signing_after_departure, "signing_after_departure", {"departure_at": hanoi(25, 10, 31)}),
    ],
)
def test_signing_outside_the_stay_alone(ceremony, check, rule, stay):
    kenya, _signatory = signing_delegation(ceremony, **stay)
    japan, _signatory = signing_delegation(ceremony, country="JP", name="Japan")
    ghana, _signatory = signing_delegation(ceremony, country="GH", name="Ghana", status="declined", **stay)
    slot = signing_slot(ceremony, kenya, start=hanoi(25, 10, 30))
    signing_slot(ceremony, japan, start=hanoi(25, 10, 30))
    signing_slot(ceremony, ghana, start=hanoi(25, 10, 30))

    # Ghana no longer signs: its slot is only slot_of_withdrawn_delegation's.
    assert alone(check, ceremony) == [(rule, (slot.pk,), (kenya.pk,))]


def test_slot_without_signatory_alone(ceremony):
    kenya = DelegationFactory(ceremony=ceremony, country="KE", name="Kenya", intends_to_sign=True)
    japan, _signatory = signing_delegation(ceremony, country="JP", name="Japan")
    ghana = DelegationFactory(ceremony=ceremony, country="GH", name="Ghana", intends_to_sign=False)
    slot = signing_slot(ceremony, kenya, start=hanoi(25, 10, 30))
    signing_slot(ceremony, japan, start=hanoi(25, 10, 33))
    signing_slot(ceremony, ghana, start=hanoi(25, 10, 36))

    assert alone(slot_without_signatory, ceremony) == [("slot_without_signatory", (slot.pk,), (kenya.pk,))]


def test_full_powers_not_verified_alone(ceremony):
    kenya, jane = signing_delegation(ceremony, rank=Rank.AMBASSADOR)
    FullPowersFactory(signatory=jane, verification_status="verified", verified_at=hanoi(25, 11))
    japan, taro = signing_delegation(ceremony, rank=Rank.DEPUTY_MINISTER, country="JP", name="Japan")
    FullPowersFactory(signatory=taro, verification_status="verified", verified_at=None)
    ghana = DelegationFactory(ceremony=ceremony, country="GH", name="Ghana", intends_to_sign=True)
    chile, _signatory = signing_delegation(
        ceremony, rank=Rank.AMBASSADOR, country="CL", name="Chile", status="declined"
    )
    peru, _president = signing_delegation(ceremony, country="PE", name="Peru")
    DelegateFactory(delegation=peru, is_signatory=True, rank=Rank.AMBASSADOR, name="Zoe Roe")
    slot = signing_slot(ceremony, kenya, start=hanoi(25, 10, 30))
    for n, delegation in enumerate([japan, ghana, chile, peru], start=1):
        signing_slot(ceremony, delegation, start=hanoi(25, 10, 30) + dt.timedelta(minutes=3 * n))

    # Japan's were verified (when is not recorded); Ghana has no signatory to need them; Chile no longer signs;
    # Peru's first signatory is its president, who needs none.
    assert alone(full_powers_not_verified, ceremony) == [("full_powers_not_verified", (slot.pk,), (kenya.pk,))]


def test_full_powers_verified_after_the_slot_say_so(ceremony):
    delegation, signatory = signing_delegation(ceremony, rank=Rank.AMBASSADOR)
    FullPowersFactory(signatory=signatory, verification_status="verified", verified_at=hanoi(25, 11))
    signing_slot(ceremony, delegation)

    (conflict,) = ceremony_conflicts(ceremony=ceremony)

    assert conflict.message == (
        "Jane Doe (ambassador or permanent representative) signs for Kenya and needs full powers, which are "
        "verified only after the slot."
    )


# --- The rules together ---------------------------------------------------------------------------------------------


def test_slot_of_a_delegation_that_no_longer_signs_is_only_that(ceremony):
    delegation = DelegationFactory(
        ceremony=ceremony,
        country="KE",
        name="Kenya",
        intends_to_sign=False,
        arrival_at=hanoi(25, 11),
        departure_at=hanoi(25, 11, 30),
    )
    signing_slot(ceremony, delegation, start=hanoi(25, 11, 40))

    assert found(ceremony) == [("slot_of_withdrawn_delegation", "error")]


def test_slot_without_signatory_still_checks_the_stay(ceremony):
    delegation = DelegationFactory(
        ceremony=ceremony, country="KE", name="Kenya", intends_to_sign=True, arrival_at=hanoi(25, 11)
    )
    signing_slot(ceremony, delegation)

    assert found(ceremony) == [("signing_before_arrival", "error"), ("slot_without_signatory", "error")]


def test_conflicts_involving_a_delegation(ceremony):
    france = DelegationFactory(ceremony=ceremony, country="FR", name="France")
    japan = DelegationFactory(ceremony=ceremony, country="JP", name="Japan")
    for delegation in (france, japan):
        invited_item(ceremony, delegation, hanoi(25, 14), hanoi(25, 15))
        invited_item(ceremony, delegation, hanoi(25, 14, 30), hanoi(25, 15, 30))

    conflicts_found = ceremony_conflicts(ceremony=ceremony)

    assert [c.who for c in conflicts_involving(conflicts_found, delegation_ids=[japan.pk])] == ["Japan"]


def test_delegations_app_registers_its_rules_with_their_labels():
    labels = {
        "delegation_double_booked": "delegation in two places",
        "signing_during_heads_item": "signing while heads of delegation are expected elsewhere",
        "slot_of_withdrawn_delegation": "signing slot of a delegation that no longer signs",
        "signing_before_arrival": "signing before arrival",
        "signing_after_departure": "signing after departure",
        "slot_without_signatory": "signing slot without signatory",
        "full_powers_not_verified": "full powers not verified",
    }

    assert {rule: str(conflicts.RULES[rule].label) for rule in labels} == labels
    assert {conflicts.RULES[rule].load for rule in labels} == {delegation_data}
