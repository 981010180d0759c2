"""Schedule rules: each conflict is found when it exists, and only then; the registry runs every app's rules.

The rules about delegations, signing slots and full powers are the delegations app's, tested beside it
(tests/delegations/test_conflicts.py).
"""

import pytest

from ceremony import conflicts
from ceremony.conflicts import (
    Conflict,
    Schedule,
    ceremony_conflicts,
    conflicts_involving,
    outside_ceremony_days,
    register,
    room_double_booked,
    room_unavailable,
)
from ceremony.enums import ItemKind, ItemStatus
from tests.factories import CeremonyFactory, RoomFactory, ScheduleItemFactory, hanoi


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


# --- Order and scope ------------------------------------------------------------------------------------------------


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


# --- Each rule on its own -------------------------------------------------------------------------------------------


def alone(check, ceremony):
    """What one programme rule finds, run by itself (the programme's rules have no loader)."""
    return [(c.rule, c.item_ids) for c in check(Schedule.read(ceremony=ceremony), None)]


def test_room_double_booked_alone(ceremony):
    room = RoomFactory()
    a = item(ceremony, hanoi(25, 14), hanoi(25, 15), room=room)
    b = item(ceremony, hanoi(25, 14, 30), hanoi(25, 15, 30), room=room)
    item(ceremony, hanoi(25, 16), hanoi(25, 17), room=room)
    item(ceremony, hanoi(25, 16), hanoi(25, 17), room=RoomFactory())

    assert alone(room_double_booked, ceremony) == [("room_double_booked", (a.pk, b.pk))]


def test_room_unavailable_alone(ceremony):
    used = item(ceremony, hanoi(26, 14), hanoi(26, 15), room=RoomFactory(is_available=False))
    item(ceremony, hanoi(26, 14), hanoi(26, 15), room=RoomFactory())
    item(ceremony, hanoi(26, 14), hanoi(26, 15))

    assert alone(room_unavailable, ceremony) == [("room_unavailable", (used.pk,))]


def test_outside_ceremony_days_alone(ceremony):
    rehearsal = item(ceremony, hanoi(24, 16), hanoi(24, 17))
    item(ceremony, hanoi(25, 9), hanoi(25, 10))

    assert alone(outside_ceremony_days, ceremony) == [("outside_ceremony_days", (rehearsal.pk,))]


def test_programme_rules_are_registered_with_their_labels():
    labels = {
        "room_double_booked": "room double-booked",
        "room_unavailable": "withdrawn room in use",
        "outside_ceremony_days": "outside the ceremony's days",
    }

    assert {rule: str(conflicts.RULES[rule].label) for rule in labels} == labels


# --- The registry ---------------------------------------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch):
    """The rules the apps registered, in a copy the test may add to; the real registry is left as it was."""
    monkeypatch.setattr(conflicts, "RULES", dict(conflicts.RULES))
    return conflicts.RULES


def starting_from(rule):
    """A check reporting, under ``rule``, each item that starts at or after the hour its loader read."""

    def check(schedule, data):
        for it in schedule.items:
            if it.starts_at.astimezone(schedule.ceremony.zone).hour >= data["hour"]:
                yield Conflict(
                    rule=rule,
                    severity=conflicts.WARNING,
                    message=f"“{it}” starts late.",
                    who=str(it),
                    when=conflicts.when_text(it.starts_at, it.ends_at, schedule.ceremony),
                    url=conflicts.item_url(it.pk),
                    starts_at=it.starts_at,
                    item_ids=(it.pk,),
                )

    return check


def test_a_registered_rule_is_run_with_its_label(ceremony, registry):
    late = item(ceremony, hanoi(25, 23), hanoi(25, 23, 30), title="Fireworks")
    item(ceremony, hanoi(25, 20), hanoi(25, 21), title="Dinner")
    register("late_item", "late at night", starting_from("late_item"), load=lambda schedule: {"hour": 22})

    found_conflicts = ceremony_conflicts(ceremony=ceremony)

    assert [(c.rule, c.message, c.item_ids, str(c.rule_label)) for c in found_conflicts] == [
        ("late_item", "“Fireworks” starts late.", (late.pk,), "late at night"),
    ]


def test_rules_sharing_a_loader_read_once_per_check(ceremony, registry):
    item(ceremony, hanoi(25, 23), hanoi(25, 23, 30))
    reads = []

    def load(schedule):
        reads.append(schedule.ceremony.slug)
        return {"hour": 22}

    register("late_item", "late at night", starting_from("late_item"), load=load)
    register("very_late_item", "very late at night", starting_from("very_late_item"), load=load)

    assert [c.rule for c in ceremony_conflicts(ceremony=ceremony)] == ["late_item", "very_late_item"]
    assert reads == ["hanoi"]


def test_registering_a_rule_twice_does_not_duplicate_it(ceremony, registry):
    item(ceremony, hanoi(25, 23), hanoi(25, 23, 30))
    before = len(registry)
    register("late_item", "late at night", starting_from("late_item"), load=lambda schedule: {"hour": 22})
    register("late_item", "after hours", starting_from("late_item"), load=lambda schedule: {"hour": 22})

    assert len(registry) == before + 1
    assert [(c.rule, str(c.rule_label)) for c in ceremony_conflicts(ceremony=ceremony)] == [
        ("late_item", "after hours")
    ]


def test_a_conflict_of_an_unregistered_rule_is_refused(ceremony):
    with pytest.raises(LookupError, match="No conflict rule is named 'no_such_rule'"):
        Conflict(
            rule="no_such_rule",
            severity=conflicts.ERROR,
            message="",
            who="",
            when="",
            url="",
            starts_at=hanoi(25, 10),
        )
