"""What the programme tells other apps about its items, inside the transaction that changes them.

``items_moved`` is sent whenever the time, room or status of existing schedule items changes (the changes that
raise an item's SEQUENCE: ``ScheduleItem.save``, cancelling, a spreadsheet import), so that an app can write what
follows from it (the delegations app: a change digest by mail) in the same transaction: a change that rolls back
takes it along. A new item, a title or description edit, or a rename of the room an item is in sends nothing.
"""

from dataclasses import dataclass

from django.dispatch import Signal

#: Sent with ``moves`` (a list of :class:`ItemMove`) and ``user`` (who made the change, or None: the request's
#: user, if any, is simple-history's to know).
items_moved = Signal()


@dataclass(frozen=True)
class ItemMove:
    """An item whose time, room or status changed: ``before`` maps each of ``SEQUENCED_FIELDS`` to its old value."""

    item_id: int
    before: dict


def send_moves(sender, *, stored_rows, user=None):
    """Send ``items_moved`` for the rows (dicts with ``pk`` and the SEQUENCED_FIELDS as stored before the change)."""
    moves = [ItemMove(row["pk"], {k: v for k, v in row.items() if k not in ("pk", "sequence")}) for row in stored_rows]
    if moves:
        items_moved.send(sender=sender, moves=moves, user=user)
