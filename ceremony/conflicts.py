"""Schedule rules: what would go wrong on the day, found days ahead.

``ceremony_conflicts(ceremony=...)`` reads the ceremony's items, invitations, delegations and
signatories in a fixed number of queries and returns a list of :class:`Conflict`, each saying
what, who and when, with the admin page where it is fixed. Cancelled items never conflict.

Errors are what breaks the event (a room or delegation in two places, a signatory who cannot sign,
a withdrawn room); warnings are what may be intended (an item outside the ceremony's days, such as
a rehearsal the day before).

A delegation is "in two places" when two items it is invited to overlap. Items for every delegation
(public or all-delegation) count against a signing slot only when heads of delegation are expected
there in person: the welcome, the group photo, the opening and the closing. A signatory cannot be at
the table and in the photo; but plenaries, side events and press briefings running alongside the
signing are normal practice at UN signing ceremonies (the delegation sends someone else), so they
are not conflicts.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from delegations.full_powers import FullPowersState, full_powers_state, needs_full_powers
from delegations.models import Delegate, Delegation
from delegations.signing import signs

from .enums import ItemKind, ItemStatus, Visibility
from .models import ScheduleItem

ERROR, WARNING = "error", "warning"

# Items every head of delegation attends in person: a signing slot cannot overlap them.
HEADS_EXPECTED = frozenset({ItemKind.WELCOME, ItemKind.PHOTO, ItemKind.OPENING, ItemKind.CLOSING})

RULES = {
    "room_double_booked": gettext_lazy("room double-booked"),
    "delegation_double_booked": gettext_lazy("delegation in two places"),
    "signing_before_arrival": gettext_lazy("signing before arrival"),
    "signing_after_departure": gettext_lazy("signing after departure"),
    "full_powers_not_verified": gettext_lazy("full powers not verified"),
    "slot_without_signatory": gettext_lazy("signing slot without signatory"),
    "slot_of_withdrawn_delegation": gettext_lazy("signing slot of a delegation that no longer signs"),
    "signing_during_heads_item": gettext_lazy("signing while heads of delegation are expected elsewhere"),
    "outside_ceremony_days": gettext_lazy("outside the ceremony's days"),
    "room_unavailable": gettext_lazy("withdrawn room in use"),
}


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

    @property
    def rule_label(self):
        return RULES[self.rule]

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


def when_text(start, end, ceremony):
    """'Sat 25 Oct 2025, 10:30–10:33 (Asia/Ho_Chi_Minh)': in the ceremony's zone, named."""
    start, end = timezone.localtime(start, ceremony.zone), timezone.localtime(end, ceremony.zone)
    until = date_format(end, "H:i" if start.date() == end.date() else "D j M, H:i")
    return f"{date_format(start, 'D j M Y, H:i')}–{until} ({ceremony.time_zone})"


def _item_url(item_id):
    return reverse("admin:ceremony_scheduleitem_change", args=[item_id])


def _delegation_url(delegation_id):
    return reverse("admin:delegations_delegation_change", args=[delegation_id])


def ceremony_conflicts(*, ceremony):
    """Every conflict of the ceremony, errors first, then by time."""
    items = list(
        ScheduleItem.objects.filter(ceremony=ceremony)
        .exclude(status=ItemStatus.CANCELLED)
        .select_related("room")
        .order_by("starts_at", "ends_at", "pk")
    )
    invited = defaultdict(set)
    for item_id, delegation_id in (
        ScheduleItem.invited_delegations.through.objects.filter(
            item__ceremony=ceremony,
            item__visibility=Visibility.INVITED,
        )
        .exclude(item__status=ItemStatus.CANCELLED)
        .values_list("item_id", "delegation_id")
    ):
        invited[item_id].add(delegation_id)
    delegations = {
        d.pk: d
        for d in Delegation.objects.filter(ceremony=ceremony).only(
            "pk", "name", "arrival_at", "departure_at", "status", "intends_to_sign"
        )
    }
    signatories = defaultdict(list)
    for delegate in (
        Delegate.objects.filter(delegation__ceremony=ceremony, is_signatory=True)
        .select_related("full_powers")
        .order_by("-is_head", "name")
    ):
        signatories[delegate.delegation_id].append(delegate)

    found = [
        *_rooms(ceremony, items),
        *_delegations(ceremony, items, invited, delegations),
        *_signing_during_heads_items(ceremony, items, invited, delegations),
        *_signing(ceremony, items, invited, delegations, signatories),
        *_days(ceremony, items),
    ]
    return sorted(found, key=lambda c: (c.severity != ERROR, c.starts_at, c.rule, c.item_ids))


def conflicts_involving(conflicts, *, item_ids=(), delegation_ids=()):
    """The conflicts that name one of these items or delegations."""
    item_ids, delegation_ids = set(item_ids), set(delegation_ids)
    return [c for c in conflicts if item_ids & set(c.item_ids) or delegation_ids & set(c.delegation_ids)]


def _overlapping_pairs(items):
    """Pairs (earlier, later) of items that overlap in time; ``items`` sorted by start."""
    active = []
    for item in items:
        active = [other for other in active if other.ends_at > item.starts_at]
        for other in active:
            yield other, item
        active.append(item)


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


def _rooms(ceremony, items):
    by_room = defaultdict(list)
    for item in items:
        if item.room_id:
            by_room[item.room_id].append(item)
    for room_items in by_room.values():
        room = room_items[0].room
        if not room.is_available:
            for item in room_items:
                yield Conflict(
                    rule="room_unavailable",
                    severity=ERROR,
                    message=_("“%(item)s” is in %(room)s, which has been withdrawn.") % {"item": item, "room": room},
                    who=str(room),
                    when=when_text(item.starts_at, item.ends_at, ceremony),
                    url=_item_url(item.pk),
                    starts_at=item.starts_at,
                    item_ids=(item.pk,),
                )
        for first, second in _overlapping_pairs(room_items):
            if _is_slot_in_session(first, second):
                continue
            yield Conflict(
                rule="room_double_booked",
                severity=ERROR,
                message=_("%(room)s is booked for both “%(first)s” and “%(second)s”.")
                % {"room": room, "first": first, "second": second},
                who=str(room),
                when=when_text(second.starts_at, min(first.ends_at, second.ends_at), ceremony),
                url=_item_url(second.pk),
                starts_at=second.starts_at,
                item_ids=(first.pk, second.pk),
            )


def _delegations(ceremony, items, invited, delegations):
    by_delegation = defaultdict(list)
    for item in items:
        for delegation_id in invited.get(item.pk, ()):
            by_delegation[delegation_id].append(item)
    for delegation_id, own in by_delegation.items():
        delegation = delegations[delegation_id]
        for first, second in _overlapping_pairs(own):
            yield Conflict(
                rule="delegation_double_booked",
                severity=ERROR,
                message=_("%(delegation)s is expected at both “%(first)s” and “%(second)s”.")
                % {"delegation": delegation, "first": first, "second": second},
                who=str(delegation),
                when=when_text(second.starts_at, min(first.ends_at, second.ends_at), ceremony),
                url=_item_url(second.pk),
                starts_at=second.starts_at,
                item_ids=(first.pk, second.pk),
                delegation_ids=(delegation_id,),
            )


def _signing_during_heads_items(ceremony, items, invited, delegations):
    expected = [
        item
        for item in items
        if item.kind in HEADS_EXPECTED and item.visibility in (Visibility.PUBLIC, Visibility.DELEGATIONS)
    ]
    for slot in items:
        if slot.kind != ItemKind.SIGNING or not invited.get(slot.pk):
            continue
        for item in expected:
            if not (item.starts_at < slot.ends_at and slot.starts_at < item.ends_at):
                continue
            for delegation_id in sorted(invited[slot.pk]):
                delegation = delegations[delegation_id]
                yield Conflict(
                    rule="signing_during_heads_item",
                    severity=ERROR,
                    message=_("%(delegation)s signs during “%(item)s”, which heads of delegation attend.")
                    % {"delegation": delegation, "item": item},
                    who=str(delegation),
                    when=when_text(max(slot.starts_at, item.starts_at), min(slot.ends_at, item.ends_at), ceremony),
                    url=_item_url(slot.pk),
                    starts_at=max(slot.starts_at, item.starts_at),
                    item_ids=(item.pk, slot.pk),
                    delegation_ids=(delegation_id,),
                )


def _signing(ceremony, items, invited, delegations, signatories):
    for item in items:
        if item.kind != ItemKind.SIGNING:
            continue
        for delegation_id in sorted(invited.get(item.pk, ())):
            delegation = delegations[delegation_id]
            when = when_text(item.starts_at, item.ends_at, ceremony)
            common = {
                "when": when,
                "starts_at": item.starts_at,
                "item_ids": (item.pk,),
                "delegation_ids": (delegation_id,),
            }
            if not signs(delegation):
                # Withdrawing cancels the slot (delegations.signing.signing_withdraw); this catches any path that
                # changed the delegation without it. Nothing else about the slot matters any more.
                yield Conflict(
                    rule="slot_of_withdrawn_delegation",
                    severity=ERROR,
                    message=_("%(delegation)s no longer signs but still has a signing slot; cancel it.")
                    % {"delegation": delegation},
                    who=str(delegation),
                    url=_item_url(item.pk),
                    **common,
                )
                continue
            if delegation.arrival_at and item.starts_at < delegation.arrival_at:
                yield Conflict(
                    rule="signing_before_arrival",
                    severity=ERROR,
                    message=_("%(delegation)s signs before it arrives (%(arrival)s).")
                    % {"delegation": delegation, "arrival": _local(delegation.arrival_at, ceremony)},
                    who=str(delegation),
                    url=_delegation_url(delegation_id),
                    **common,
                )
            if delegation.departure_at and item.ends_at > delegation.departure_at:
                yield Conflict(
                    rule="signing_after_departure",
                    severity=ERROR,
                    message=_("%(delegation)s signs after it leaves (%(departure)s).")
                    % {"delegation": delegation, "departure": _local(delegation.departure_at, ceremony)},
                    who=str(delegation),
                    url=_delegation_url(delegation_id),
                    **common,
                )
            own = signatories.get(delegation_id)
            if not own:
                yield Conflict(
                    rule="slot_without_signatory",
                    severity=ERROR,
                    message=_("%(delegation)s has a signing slot but no signatory.") % {"delegation": delegation},
                    who=str(delegation),
                    url=_delegation_url(delegation_id),
                    **common,
                )
                continue
            signatory = own[0]
            if not needs_full_powers(signatory.rank):
                continue
            state = full_powers_state(signatory)
            verified_in_time = state == FullPowersState.VERIFIED and (
                signatory.full_powers.verified_at is None or signatory.full_powers.verified_at <= item.starts_at
            )
            if not verified_in_time:
                yield Conflict(
                    rule="full_powers_not_verified",
                    severity=ERROR,
                    message=_(
                        "%(name)s (%(rank)s) signs for %(delegation)s and needs full powers, which are %(state)s."
                    )
                    % {
                        "name": signatory.name,
                        "rank": signatory.get_rank_display(),
                        "delegation": delegation,
                        "state": state.label
                        if state != FullPowersState.VERIFIED
                        else _("verified only after the slot"),
                    },
                    who=f"{delegation} — {signatory.name}",
                    url=reverse("admin:delegations_signatory_change", args=[signatory.pk]),
                    **common,
                )


def _days(ceremony, items):
    first, last = ceremony.bounds()
    for item in items:
        if item.starts_at < first or item.ends_at > last:
            yield Conflict(
                rule="outside_ceremony_days",
                severity=WARNING,
                message=_("“%(item)s” falls outside the ceremony's days (%(first)s to %(last)s).")
                % {"item": item, "first": ceremony.first_day.isoformat(), "last": ceremony.last_day.isoformat()},
                who=str(item.room or item),
                when=when_text(item.starts_at, item.ends_at, ceremony),
                url=_item_url(item.pk),
                starts_at=item.starts_at,
                item_ids=(item.pk,),
            )


def _local(value, ceremony):
    return date_format(timezone.localtime(value, ceremony.zone), "D j M, H:i")
