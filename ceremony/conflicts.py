"""Schedule rules: what would go wrong on the day, found days ahead.

``ceremony_conflicts(ceremony=...)`` runs every registered rule over the ceremony's items and returns
a list of :class:`Conflict`, each saying what, who and when, with the admin page where it is fixed.
Cancelled items never conflict.

Errors are what breaks the event (a room or delegation in two places, a signatory who cannot sign,
a withdrawn room); warnings are what may be intended (an item outside the ceremony's days, such as
a rehearsal the day before).

This module holds the mechanism and the programme's own rules: a room double-booked, a withdrawn
room in use, an item outside the ceremony's days. Another app adds the rules of its own models with
``register`` (the delegations app: delegations.conflicts, for delegations in two places, signing
slots and full powers), so each app's rules sit beside its models. A rule is a small function of
the schedule and of what its loader read; a loader runs once per check however many rules share it,
so a check costs a fixed number of queries whatever the size of the ceremony.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .enums import ItemKind, ItemStatus, Visibility
from .models import Ceremony, ScheduleItem
from .times import NAME, time_range

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Rule:
    label: str
    check: Callable
    load: Callable | None = None


# Rule name -> Rule: the one place a conflict's label comes from.
RULES = {}


def register(rule, label, check, *, load=None):
    """Add the conflict rule named ``rule``, shown as ``label`` (a lazy translation).

    ``check(schedule, data)`` yields the rule's conflicts, from a :class:`Schedule` and from what
    ``load(schedule)`` read (None for a rule without a loader). Rules registered with the same
    loader share one call of it per check. Registering a name again (an app made ready twice)
    replaces the rule, never adds a second.
    """
    RULES[rule] = Rule(label=label, check=check, load=load)


def _rule(name):
    try:
        return RULES[name]
    except KeyError:
        raise LookupError(
            f"No conflict rule is named {name!r}; an app adds its rules with ceremony.conflicts.register."
        ) from None


@dataclass(frozen=True)
class Conflict:
    rule: str
    severity: str
    message: str
    who: str
    when: str
    url: str
    starts_at: dt.datetime
    item_ids: tuple = field(default=())
    delegation_ids: tuple = field(default=())

    def __post_init__(self):
        # A conflict of a rule nobody registered fails where it is made, not later where its label is shown.
        _rule(self.rule)

    @property
    def rule_label(self):
        return _rule(self.rule).label

    @property
    def is_error(self):
        return self.severity == ERROR

    def as_json(self):
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "who": self.who,
            "when": self.when,
            "starts_at": self.starts_at.isoformat(),
            "url": self.url,
            "items": list(self.item_ids),
            "delegations": list(self.delegation_ids),
        }


@dataclass(frozen=True)
class Schedule:
    """What every rule reads: the ceremony, and its items that are not cancelled (rooms joined), by start, end, pk."""

    ceremony: Ceremony
    items: list

    @classmethod
    def read(cls, *, ceremony):
        items = (
            ScheduleItem.objects.filter(ceremony=ceremony)
            .exclude(status=ItemStatus.CANCELLED)
            .select_related("room")
            .order_by("starts_at", "ends_at", "pk")
        )
        return cls(ceremony=ceremony, items=list(items))


def when_text(start, end, ceremony):
    """'Sat 25 Oct 2025, 10:30–10:33 (Asia/Ho_Chi_Minh)': in the ceremony's zone, named (ceremony.times)."""
    return time_range(start, end, ceremony.zone, named=NAME)


def item_url(item_id):
    """Where an item's conflict is fixed: the item's admin page."""
    return reverse("admin:ceremony_scheduleitem_change", args=[item_id])


def ceremony_conflicts(*, ceremony):
    """Every conflict of the ceremony, errors first, then by time."""
    schedule = Schedule.read(ceremony=ceremony)
    loaded, found = {}, []
    for rule in RULES.values():
        if rule.load not in loaded:
            loaded[rule.load] = rule.load(schedule) if rule.load else None
        found.extend(rule.check(schedule, loaded[rule.load]))
    # Stable: conflicts of one rule that tie keep the order their rule found them in.
    return sorted(found, key=lambda c: (c.severity != ERROR, c.starts_at, c.rule, c.item_ids))


def conflicts_involving(conflicts, *, item_ids=(), delegation_ids=()):
    """The conflicts that name one of these items or delegations."""
    item_ids, delegation_ids = set(item_ids), set(delegation_ids)
    return [c for c in conflicts if item_ids & set(c.item_ids) or delegation_ids & set(c.delegation_ids)]


def conflict_key(conflict):
    """What makes a conflict the same one before and after a change: its rule and whom and what it names."""
    return (conflict.rule, conflict.item_ids, conflict.delegation_ids)


def conflicts_changed(before, after):
    """(new, cleared): the conflicts of ``after`` that ``before`` did not have, and those it had that are gone."""
    known, now = {conflict_key(c) for c in before}, {conflict_key(c) for c in after}
    return [c for c in after if conflict_key(c) not in known], [c for c in before if conflict_key(c) not in now]


def overlapping_pairs(items):
    """Pairs (earlier, later) of items that overlap in time; ``items`` sorted by start."""
    active = []
    for item in items:
        active = [other for other in active if other.ends_at > item.starts_at]
        for other in active:
            yield other, item
        active.append(item)


# --- The programme's rules ------------------------------------------------------------------------------------------


def _is_slot_in_session(a, b):
    """A signing slot inside the signing session it belongs to shares the room by design."""
    if a.kind != ItemKind.SIGNING or b.kind != ItemKind.SIGNING:
        return False
    session, slot = (a, b) if a.visibility != Visibility.INVITED else (b, a)
    return (
        slot.visibility == Visibility.INVITED
        and session.visibility != Visibility.INVITED
        and session.starts_at <= slot.starts_at
        and slot.ends_at <= session.ends_at
    )


def room_double_booked(schedule, data):
    by_room = defaultdict(list)
    for item in schedule.items:
        if item.room_id:
            by_room[item.room_id].append(item)
    for room_items in by_room.values():
        room = room_items[0].room
        for first, second in overlapping_pairs(room_items):
            if _is_slot_in_session(first, second):
                continue
            yield Conflict(
                rule="room_double_booked",
                severity=ERROR,
                message=_("%(room)s is booked for both “%(first)s” and “%(second)s”.")
                % {"room": room, "first": first, "second": second},
                who=str(room),
                when=when_text(second.starts_at, min(first.ends_at, second.ends_at), schedule.ceremony),
                url=item_url(second.pk),
                starts_at=second.starts_at,
                item_ids=(first.pk, second.pk),
            )


def room_unavailable(schedule, data):
    for item in schedule.items:
        if item.room_id and not item.room.is_available:
            yield Conflict(
                rule="room_unavailable",
                severity=ERROR,
                message=_("“%(item)s” is in %(room)s, which has been withdrawn.") % {"item": item, "room": item.room},
                who=str(item.room),
                when=when_text(item.starts_at, item.ends_at, schedule.ceremony),
                url=item_url(item.pk),
                starts_at=item.starts_at,
                item_ids=(item.pk,),
            )


def outside_ceremony_days(schedule, data):
    ceremony = schedule.ceremony
    first, last = ceremony.bounds()
    for item in schedule.items:
        if item.starts_at < first or item.ends_at > last:
            yield Conflict(
                rule="outside_ceremony_days",
                severity=WARNING,
                message=_("“%(item)s” falls outside the ceremony's days (%(first)s to %(last)s).")
                % {"item": item, "first": ceremony.first_day.isoformat(), "last": ceremony.last_day.isoformat()},
                who=str(item.room or item),
                when=when_text(item.starts_at, item.ends_at, ceremony),
                url=item_url(item.pk),
                starts_at=item.starts_at,
                item_ids=(item.pk,),
            )


register("room_double_booked", gettext_lazy("room double-booked"), room_double_booked)
register("room_unavailable", gettext_lazy("withdrawn room in use"), room_unavailable)
register("outside_ceremony_days", gettext_lazy("outside the ceremony's days"), outside_ceremony_days)
