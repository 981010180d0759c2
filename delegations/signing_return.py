"""A delegation that withdrew from the signing and comes back before Protocol reallocates its place.

Withdrawing (``signing.signing_withdraw``) cancels the delegation's slot and clears its place, but keeps the slot
linked to it (``SigningSlot``) and leaves the other delegations where they are until the order is generated again
or a place is moved. Until then the place and the slot's time are still free, so a delegation that changes its mind
gets both back: the same item (the same UID, its sequence raised, so calendars follow), its status before the
cancellation, and its place in the order. Once Protocol has given the place or the time to another delegation, or
cleared the order, nothing is restored: Protocol places the delegation when it generates the order again.
"""

from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_update_with_history

from ceremony.enums import ItemStatus
from ceremony.feeds_state import feeds_touch
from ceremony.models import Ceremony, ScheduleItem

from .invitations import invitations_create
from .models import SELF_SERVICE_REASON, Delegation, Invitation, SigningSlot
from .signing import WITHDRAWN_REASON, signs
from .signing_desk import order_reallocated_at

RETURNED_REASON = "came back to the signing"
# The history reasons of a withdrawal (the admin and imports, the delegation's own form): what may be undone here.
_WITHDRAWAL_REASONS = {WITHDRAWN_REASON, SELF_SERVICE_REASON}


@dataclass(frozen=True)
class SigningReturn:
    """What a delegation that signs again got back: its place and its slot, or nothing (Protocol will place it)."""

    restored: bool
    position: int | None = None
    slot: ScheduleItem | None = None


NOTHING = SigningReturn(restored=False)


def _former_place(delegation):
    """The place the delegation gave up by withdrawing, or None if it lost it otherwise (the order was cleared or
    regenerated without it) or Protocol has given out the places since: read from its history, newest first."""
    newer = None
    for record in delegation.history.order_by("-history_date", "-history_id").only(
        "signing_order", "history_change_reason", "history_date"
    ):
        if record.signing_order is not None:
            # ``newer`` is the record that cleared the place: only a withdrawal may be undone here, and only until
            # Protocol generates, clears or moves (the place number may be free again, the times are not its own).
            withdrawn = newer is not None and newer.history_change_reason in _WITHDRAWAL_REASONS
            if not withdrawn:
                return None
            reallocated_at = order_reallocated_at(ceremony=delegation.ceremony)
            return record.signing_order if reallocated_at is None or newer.history_date > reallocated_at else None
        newer = record
    return None


def _status_before_cancel(item):
    """The slot's status before it was cancelled (tentative when its history does not say)."""
    for status in item.history.order_by("-history_date", "-history_id").values_list("status", flat=True):
        if status != ItemStatus.CANCELLED:
            return status
    return ItemStatus.TENTATIVE


@transaction.atomic
def signing_return(*, delegation, user=None, reason=RETURNED_REASON):
    """Give a delegation that signs again the place and slot it gave up, if both are still free.

    Does nothing (and returns ``NOTHING``) for a delegation that does not sign, that has a place, whose slot is
    live or gone, or whose place or slot time another delegation now holds. Recorded in the history of the
    delegation and of the slot with ``user`` and ``reason``.
    """
    if not signs(delegation) or delegation.signing_order is not None:
        return NOTHING
    Ceremony.objects.lock([delegation.ceremony_id])  # before the slot and the delegations: the lock order
    link = (
        SigningSlot.objects.select_related("item", "item__ceremony")
        .filter(delegation=delegation, item__ceremony_id=delegation.ceremony_id)
        .first()
    )
    if link is None or link.item.status != ItemStatus.CANCELLED:
        return NOTHING
    slot, position = link.item, _former_place(delegation)
    if position is None:
        return NOTHING
    placed = set(
        Delegation.objects.filter(ceremony_id=delegation.ceremony_id)
        .exclude(signing_order=None)
        .values_list("signing_order", flat=True)
    )
    # No order left means Protocol cleared it after the withdrawal: the next generation places everyone.
    taken = not placed or position in placed
    # Another delegation's slot at the table in that time; the ceremony's own items in the room (the signing
    # session around every slot) take nothing from anyone.
    overlapping = (
        ScheduleItem.objects.filter(
            ceremony_id=delegation.ceremony_id,
            signing_slot__isnull=False,
            room_id=slot.room_id,
            starts_at__lt=slot.ends_at,
            ends_at__gt=slot.starts_at,
        )
        .exclude(status=ItemStatus.CANCELLED)
        .exclude(pk=slot.pk)
        .exists()
    )
    if taken or overlapping:
        return NOTHING

    delegation.signing_order = position
    bulk_update_with_history(
        [delegation], Delegation, ["signing_order"], default_user=user, default_change_reason=reason
    )
    slot.status = _status_before_cancel(slot)
    slot._change_reason = reason
    if user is not None:  # else the request's user, if any (simple-history's middleware)
        slot._history_user = user
    slot.save()  # the status changes: the sequence goes up, and the history records who and why
    if not Invitation.objects.filter(item=slot, delegation=delegation).exists():
        invitations_create([(slot.pk, delegation.pk)], user=user, reason=reason)
    feeds_touch(ceremony_ids=[delegation.ceremony_id])
    return SigningReturn(restored=True, position=position, slot=slot)
