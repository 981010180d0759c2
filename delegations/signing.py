"""The order of signing and its slots (who needs full powers: ``delegations.full_powers``).

The order of signing puts the host first, then follows the ceremony's rule; each delegation in the
order gets one ``signing`` schedule item, invited to it alone and linked to it
(``SigningSlot``), so regenerating the order moves slots instead of replacing them, their
UIDs stay, and calendars follow.
"""

import bisect
import datetime as dt
import secrets
import string
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ceremony.enums import ItemKind, ItemStatus, SigningOrderRule, Visibility
from ceremony.feeds_state import feeds_touch
from ceremony.models import Ceremony, ScheduleItem
from ceremony.services import schedule_items_cancel
from ceremony.times import minutes

from .enums import DelegationStatus
from .invitations import invitations_create
from .models import Delegate, Delegation, Invitation, SigningSlot


class SigningError(ValidationError):
    """The order of signing or its slots cannot be made as asked; nothing was written."""


# --- The order of signing -------------------------------------------------------------------------------------------


def is_host(ceremony, delegation):
    return bool(ceremony.host_country) and delegation.country == ceremony.host_country


def signs(delegation):
    """Whether the delegation gets a place in the order of signing."""
    return delegation.intends_to_sign and delegation.status != DelegationStatus.DECLINED


def signing_order(*, ceremony, delegations):
    """The delegations in the order they sign: the host first, then by the ceremony's rule.

    Pure: reads only the objects given. The alphabetical rule starts at the drawn letter and wraps
    around (from "M": Mexico … Zimbabwe, then Afghanistan … Luxembourg), comparing accent-free
    names, so "Côte d'Ivoire" files under C and "Viet Nam" under V.
    """
    delegations = list(delegations)
    host = [d for d in delegations if is_host(ceremony, d)]
    others = [d for d in delegations if not is_host(ceremony, d)]
    if ceremony.signing_order_rule == SigningOrderRule.REGISTRATION:
        others.sort(key=lambda d: (d.created_at, d.pk))
    else:
        letter = _checked_letter(ceremony).casefold()
        others.sort(key=lambda d: (d.sort_name[:1] < letter, d.sort_name, d.pk))
    return host + others


def _checked_letter(ceremony):
    letter = ceremony.drawn_letter
    if not letter:
        raise SigningError(
            _("Draw the letter by lot first: the alphabetical order of signing starts at it."), code="no_letter"
        )
    if len(letter) != 1 or letter not in string.ascii_uppercase:
        raise SigningError(
            _("The drawn letter “%(letter)s” is not a letter from A to Z."),
            code="bad_letter",
            params={"letter": letter},
        )
    return letter


def slot_uid(ceremony, delegation):
    """The UID a delegation's signing slot is made with. Made once: later generations find the slot by
    their ``SigningSlot``, so it keeps this UID, which calendars follow, even if the slug changes."""
    return f"signing-{ceremony.slug}-{delegation.pk}"


def ceremony_slots(ceremony):
    """The ceremony's signing slots, cancelled ones included: the items linked as a delegation's place."""
    return ScheduleItem.objects.filter(ceremony=ceremony, signing_slot__isnull=False)


# What the ceremony's history says of each step of the order of signing (stored in English, like every reason;
# the signing desk shows them translated, delegations.signing_desk). The person is the history's user.
LETTER_DRAWN_REASON = gettext_noop("letter drawn by lot")
LETTER_REDRAWN_REASON = gettext_noop("letter drawn again by lot")
GENERATED_REASON = gettext_noop("order of signing generated")
CLEARED_REASON = gettext_noop("order of signing cleared")
MOVED_REASON = gettext_noop("moved in the order of signing")
ORDER_REASON = "order of signing"  # the delegations that close up behind a move or are renumbered


def _record(ceremony, fields, *, reason, user):
    """Save ``fields`` of the ceremony with a history entry naming the step and the person (without ``user``,
    simple-history's middleware names the request's)."""
    ceremony._change_reason = reason
    if user is not None:
        ceremony._history_user = user
    try:
        ceremony.save(update_fields=fields)
    finally:
        ceremony.__dict__.pop("_change_reason", None)
        ceremony.__dict__.pop("_history_user", None)


def signing_draw_letter(*, ceremony, user=None):
    """Draw the letter by lot and store it; refused once a letter is drawn (``signing_letter_redraw`` draws again)."""
    if ceremony.drawn_letter:
        raise SigningError(
            _("The letter %(letter)s is already drawn; clear the order of signing to draw again."),
            code="already_drawn",
            params={"letter": ceremony.drawn_letter},
        )
    ceremony.drawn_letter = secrets.choice(string.ascii_uppercase)
    _record(ceremony, ["drawn_letter"], reason=LETTER_DRAWN_REASON, user=user)
    return ceremony.drawn_letter


@transaction.atomic
def signing_letter_redraw(*, ceremony, user=None):
    """Clear the order of signing (its slots cancelled) and draw a new letter; returns (letter, slots cancelled).

    The only way to change a drawn letter: an order generated from the old letter never stays beside a new one.
    """
    cancelled = signing_order_clear(ceremony=ceremony, user=user)
    ceremony.drawn_letter = secrets.choice(string.ascii_uppercase)
    _record(ceremony, ["drawn_letter"], reason=LETTER_REDRAWN_REASON, user=user)
    return ceremony.drawn_letter, cancelled


@dataclass(frozen=True)
class SlotReport:
    created: int = 0
    moved: int = 0
    unchanged: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class GenerationReport:
    order: list
    slots: SlotReport
    #: Delegations placed before whose order among the others placed before changed: a move by hand undone.
    reordered: int = 0


@transaction.atomic
def signing_generate(*, ceremony, starts_at, slot_minutes, room, user=None):
    """Number the delegations that sign and give each a slot of ``slot_minutes`` in ``room`` from ``starts_at``.

    Running it again regenerates: surviving slots keep their UIDs (moved if their time changed),
    slots of delegations that no longer sign are cancelled, not deleted. Every refusal happens
    before anything is written, and everything runs in one transaction.
    """
    _check_settings(ceremony, starts_at, slot_minutes, room)
    Ceremony.objects.lock([ceremony.pk])  # one generation at a time, and the lock order of every writer
    candidates = list(
        Delegation.objects.filter(ceremony=ceremony, intends_to_sign=True)
        .exclude(status=DelegationStatus.DECLINED)
        .prefetch_related(Prefetch("members", Delegate.objects.filter(is_signatory=True), to_attr="signatories"))
    )
    _check_signatories(candidates)
    order = signing_order(ceremony=ceremony, delegations=candidates)
    slot = dt.timedelta(minutes=slot_minutes)
    _start, last = ceremony.bounds()
    if starts_at + slot * len(order) > last:
        raise SigningError(
            _("%(count)d slots of %(minutes)d minutes from %(start)s end after the ceremony's last day."),
            code="too_late",
            params={
                "count": len(order),
                "minutes": slot_minutes,
                "start": minutes(starts_at, ceremony.zone),
            },
        )

    before = {d.pk: d.signing_order for d in candidates}
    _renumber(ceremony, order, user=user)
    reordered = _reordered([before[d.pk] for d in order if before[d.pk] is not None])
    ceremony.signing_starts_at, ceremony.signing_slot_minutes, ceremony.signing_room = starts_at, slot_minutes, room
    _record(ceremony, ["signing_starts_at", "signing_slot_minutes", "signing_room"], reason=GENERATED_REASON, user=user)
    report = _write_slots(ceremony, order, user=user)
    return GenerationReport(order=order, slots=report, reordered=reordered)


def _reordered(previous_places):
    """How many delegations must have moved for their old places (read in the new order) to be in order.

    Newcomers and leavers shift numbers without changing who signs before whom, so only the previously placed
    delegations count, and of them only those outside the longest run kept in order: one delegation moved by
    hand counts as one, not as everyone it passed.
    """
    tails = []  # tails[k]: the smallest last place of an increasing run of length k + 1
    for place in previous_places:
        at = bisect.bisect_left(tails, place)
        tails[at : at + 1] = [place]
    return len(previous_places) - len(tails)


def _check_settings(ceremony, starts_at, slot_minutes, room):
    if ceremony.signing_order_rule == SigningOrderRule.ALPHABETICAL_FROM_LETTER:
        _checked_letter(ceremony)
    if not isinstance(slot_minutes, int) or slot_minutes <= 0:
        raise SigningError(
            _("A signing slot must last at least one minute (got %(minutes)s)."),
            code="slot_length",
            params={"minutes": slot_minutes},
        )
    if starts_at is None or timezone.is_naive(starts_at):
        raise SigningError(_("Give the start of the signing as a time with its zone."), code="no_start")
    first, last = ceremony.bounds()
    if not first <= starts_at < last:
        raise SigningError(
            _("The signing cannot start at %(start)s: the ceremony runs from %(first)s to %(last)s."),
            code="start_outside",
            params={
                "start": minutes(starts_at, ceremony.zone),
                "first": ceremony.first_day.isoformat(),
                "last": ceremony.last_day.isoformat(),
            },
        )
    if room is None:
        raise SigningError(_("Choose the room of the signing table."), code="no_room")
    if not room.is_available:
        raise SigningError(
            _("The room %(room)s is withdrawn; choose another for the signing."),
            code="room_unavailable",
            params={"room": room},
        )


def _check_signatories(candidates):
    missing = sorted(d.name for d in candidates if not d.signatories)
    several = sorted(d.name for d in candidates if len(d.signatories) > 1)
    problems = []
    if missing:
        problems.append(
            ValidationError(
                _("These delegations intend to sign but have no signatory: %(names)s."),
                code="no_signatory",
                params={"names": ", ".join(missing)},
            )
        )
    if several:
        problems.append(
            ValidationError(
                _("These delegations have more than one signatory: %(names)s."),
                code="several_signatories",
                params={"names": ", ".join(several)},
            )
        )
    if problems:
        raise SigningError(problems)


def _renumber(ceremony, order, *, user=None):
    """Store positions 1…n; clearing first keeps the unique (ceremony, signing_order) satisfied at every row.

    Every delegation whose place changes gets a history record, those that lose theirs too: a form opened before
    sees the change (ceremony.stale_edits) and the history says so.
    """
    placed = Delegation.objects.filter(ceremony=ceremony).exclude(signing_order=None)
    dropped = list(placed.exclude(pk__in=[d.pk for d in order]))
    placed.update(signing_order=None)
    for position, delegation in enumerate(order, start=1):
        delegation.signing_order = position
    for delegation in dropped:
        delegation.signing_order = None
    changed = [*order, *dropped]
    bulk_update_with_history(
        changed, Delegation, ["signing_order"], default_user=user, default_change_reason=ORDER_REASON
    )
    feeds_touch(ceremony_ids=[ceremony.pk])


def _slot_values(ceremony, delegation, position):
    start = ceremony.signing_starts_at + dt.timedelta(minutes=ceremony.signing_slot_minutes) * (position - 1)
    return {
        "title": f"Signature: {delegation.name}",
        "title_vi": f"Ký Công ước: {delegation.name_in('vi')}",
        "description": f"Place {position} in the order of signing.",
        "description_vi": f"Thứ tự ký: {position}.",
        "kind": ItemKind.SIGNING,
        "visibility": Visibility.INVITED,
        "starts_at": start,
        "ends_at": start + dt.timedelta(minutes=ceremony.signing_slot_minutes),
        "room_id": ceremony.signing_room_id,
    }


def _write_slots(ceremony, order, *, user=None):
    """Make the ceremony's signing slots match ``order`` (already numbered); returns a SlotReport."""
    links = SigningSlot.objects.filter(Q(item__ceremony=ceremony) | Q(delegation__in=order)).select_related("item")
    existing, left, elsewhere = {}, [], []  # by delegation; slots of no delegation; slots in another ceremony
    for link in links:
        if link.item.ceremony_id != ceremony.pk:
            elsewhere.append(link)
        elif link.delegation_id is None:
            left.append(link.item)  # its delegation was deleted
        else:
            existing[link.delegation_id] = link.item
    if elsewhere:
        # Delegations moved here from another ceremony: their slots there are cancelled, and they get new ones here.
        schedule_items_cancel(items=[link.item for link in elsewhere], user=user)
        SigningSlot.objects.filter(pk__in=[link.pk for link in elsewhere]).delete()
    linked = {item.pk for item in [*existing.values(), *left]}
    # A delegation without a linked slot whose UID is taken (an item made by hand with that UID): its slot.
    unlinked = {slot_uid(ceremony, d): d for d in order if d.pk not in existing}
    if unlinked:
        for item in ScheduleItem.objects.filter(ceremony=ceremony, uid__in=unlinked, signing_slot=None):
            existing[unlinked[item.uid].pk] = item
    new, counts = [], {"moved": 0, "unchanged": 0}
    slots = []
    for position, delegation in enumerate(order, start=1):
        values = _slot_values(ceremony, delegation, position)
        item = existing.pop(delegation.pk, None)
        if item is None:
            item = ScheduleItem(
                ceremony=ceremony,
                uid=slot_uid(ceremony, delegation),
                status=ItemStatus.TENTATIVE,
                lead_agency_id=ceremony.host_agency_id,
                **values,
            )
            new.append(item)
        else:
            changed = [name for name, value in values.items() if getattr(item, name) != value]
            if item.status == ItemStatus.CANCELLED:  # the delegation signs again: its slot comes back
                item.status = ItemStatus.TENTATIVE
                changed.append("status")
            if changed:
                for name in changed:
                    if name != "status":
                        setattr(item, name, values[name])
                if user is not None:  # otherwise simple-history's middleware names the request's user
                    item._history_user = user
                item.save()  # raises the sequence when time, room or status changed
                counts["moved"] += 1
            else:
                counts["unchanged"] += 1
        slots.append((item, delegation))
    # With their history: a delegate's "what changed" reads how a slot stood from it (ceremony.selectors).
    bulk_create_with_history(new, ScheduleItem, default_user=user, default_change_reason=GENERATED_REASON)
    SigningSlot.objects.bulk_create([SigningSlot(item=i, delegation=d) for i, d in slots if i.pk not in linked])

    # Each slot is invited to its delegation alone.
    slot_ids = [item.pk for item, _d in slots]
    wanted = {(item.pk, delegation.pk) for item, delegation in slots}
    present = set(Invitation.objects.filter(item_id__in=slot_ids).values_list("item_id", "delegation_id"))
    stale = present - wanted
    if stale:
        Invitation.objects.filter(Q(*[Q(item_id=i, delegation_id=d) for i, d in stale], _connector=Q.OR)).delete()
    invitations_create([(i, d) for i, d in sorted(wanted - present)])

    # Withdrawn or deleted: cancelled, never deleted.
    cancelled = schedule_items_cancel(items=[*existing.values(), *left], user=user)
    feeds_touch(ceremony_ids=[ceremony.pk])
    return SlotReport(created=len(new), cancelled=cancelled, **counts)


@transaction.atomic
def delegation_move_in_order(*, delegation, position, user=None):
    """Move one delegation to ``position`` in the order of signing; the others close up behind it.

    The host keeps the first place. If slots were generated, they are re-timed to the new order.
    """
    Ceremony.objects.lock([delegation.ceremony_id])  # the lock order of every writer
    ceremony = Ceremony.objects.get(pk=delegation.ceremony_id)
    order = list(Delegation.objects.filter(ceremony=ceremony).exclude(signing_order=None).order_by("signing_order"))
    if delegation.pk not in {d.pk for d in order}:
        raise SigningError(
            _("%(name)s has no place in the order of signing; generate the order first."),
            code="not_in_order",
            params={"name": delegation.name},
        )
    if not 1 <= position <= len(order):
        raise SigningError(_("Choose a place from 1 to %(count)d."), code="bad_position", params={"count": len(order)})
    host_first = is_host(ceremony, order[0])
    moves_host = host_first and order[0].pk == delegation.pk and position != 1
    passes_host = host_first and order[0].pk != delegation.pk and position == 1
    if moves_host or passes_host:
        raise SigningError(_("The host signs first; it cannot be moved, nor passed."), code="host_first")
    moving = next(d for d in order if d.pk == delegation.pk)
    order.remove(moving)
    order.insert(position - 1, moving)
    moving._change_reason = MOVED_REASON  # its history says it was moved; the others', that they closed up
    _renumber(ceremony, order, user=user)
    delegation.signing_order = position
    has_slots = ceremony_slots(ceremony).exists()
    if has_slots and ceremony.signing_starts_at and ceremony.signing_room_id:
        _write_slots(ceremony, order, user=user)
    return order


WITHDRAWN_REASON = "withdrew from the signing"


@transaction.atomic
def signing_withdraw(*, delegation, user=None, reason=WITHDRAWN_REASON):
    """A delegation that no longer signs (declined, or no longer intends to sign) loses its place and its slot.

    The slot is cancelled, not deleted, so calendars show the cancellation (its sequence goes up);
    the others keep their places and times until the order is generated again. Does nothing for a
    delegation that still signs. Returns the number of slots cancelled.
    """
    if signs(delegation):
        return 0
    ceremony = delegation.ceremony
    Ceremony.objects.lock([ceremony.pk])  # before its slots: the lock order of every writer
    # Its generated slot, and any signing slot organizers made for it by hand.
    slots = ScheduleItem.objects.filter(
        Q(signing_slot__delegation=delegation) | Q(kind=ItemKind.SIGNING, invited_delegations=delegation),
        ceremony=ceremony,
        visibility=Visibility.INVITED,
    )
    cancelled = schedule_items_cancel(items=slots, user=user)
    if delegation.signing_order is not None:
        delegation.signing_order = None
        bulk_update_with_history(
            [delegation], Delegation, ["signing_order"], default_user=user, default_change_reason=reason
        )
        feeds_touch(ceremony_ids=[ceremony.pk])
    return cancelled


@transaction.atomic
def signing_order_clear(*, ceremony, user=None):
    """Undo the order of signing: places cleared, slots cancelled, the drawn letter forgotten.

    Returns the number of slots cancelled.
    """
    Ceremony.objects.lock([ceremony.pk])  # before the slots and the delegations: the lock order of every writer
    cancelled = schedule_items_cancel(items=ceremony_slots(ceremony), user=user)
    placed = list(Delegation.objects.filter(ceremony=ceremony).exclude(signing_order=None))
    for delegation in placed:
        delegation.signing_order = None
    # Through simple-history, so each delegation's history shows that it lost its place.
    bulk_update_with_history(
        placed, Delegation, ["signing_order"], default_user=user, default_change_reason=CLEARED_REASON
    )
    ceremony.drawn_letter = ""
    _record(ceremony, ["drawn_letter"], reason=CLEARED_REASON, user=user)
    feeds_touch(ceremony_ids=[ceremony.pk])
    return cancelled
