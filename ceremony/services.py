"""Writes to the programme. Views, admin actions and commands call these."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .enums import ItemStatus
from .models import ScheduleItem


@transaction.atomic
def schedule_items_cancel(*, items):
    """Cancel the given items, keeping their rows so calendars show the cancellation.

    The revision goes up by one in the same UPDATE, so concurrent edits cannot
    lose a bump. Returns the number of items that were not cancelled before.
    """
    pks = list(items.values_list("pk", flat=True)) if hasattr(items, "values_list") else [i.pk for i in items]
    return (
        ScheduleItem.objects.filter(pk__in=pks)
        .exclude(status=ItemStatus.CANCELLED)
        .update(status=ItemStatus.CANCELLED, sequence=F("sequence") + 1, updated_at=timezone.now())
    )


def schedule_item_cancel(*, item):
    """Cancel one item; returns True if it was not cancelled before."""
    changed = schedule_items_cancel(items=[item]) == 1
    item.refresh_from_db(fields=["status", "sequence", "updated_at"])
    return changed
