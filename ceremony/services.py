"""Writes to the programme. Views, admin actions and commands call these."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .bulk import insert_rows
from .enums import ItemStatus
from .feeds_state import feeds_touch
from .models import ITEM_HISTORY_M2M, SEQUENCED_FIELDS, Ceremony, ScheduleItem, StaffMember
from .signals import send_moves
from .tokens import new_token

CANCELLED_REASON = "Cancelled"


@transaction.atomic
def schedule_items_cancel(*, items, user=None):
    """Cancel the given items, keeping their rows so calendars show the cancellation.

    The revision goes up by one in the same UPDATE, so concurrent edits cannot
    lose a bump; each cancelled item gets a history entry naming ``user``.
    Returns the number of items that were not cancelled before.
    """
    pks = list(items.values_list("pk", flat=True)) if hasattr(items, "values_list") else [i.pk for i in items]
    to_cancel = ScheduleItem.objects.filter(pk__in=pks).exclude(status=ItemStatus.CANCELLED)
    ceremony_ids = list(to_cancel.order_by().values_list("ceremony_id", flat=True).distinct())
    Ceremony.objects.lock(ceremony_ids)  # before the items: the lock order of every writer
    stored = list(to_cancel.values("pk", *SEQUENCED_FIELDS))
    cancelled_pks = [row["pk"] for row in stored]
    count = to_cancel.update(status=ItemStatus.CANCELLED, sequence=F("sequence") + 1, updated_at=timezone.now())
    # A queryset update sends no signals: record the history and move the feeds' ETags here.
    records = ScheduleItem.history.bulk_history_create(
        list(ScheduleItem.objects.filter(pk__in=cancelled_pks)),
        update=True,
        default_user=user,
        default_change_reason=CANCELLED_REASON,
    )
    record_item_m2m_history(records)
    feeds_touch(ceremony_ids=ceremony_ids)
    send_moves(ScheduleItem, stored_rows=stored, user=user)
    return count


def record_item_m2m_history(records):
    """Copy the supporting agencies into bulk-created history ``records``.

    simple-history's bulk_history_create writes none, and the history page would then show a
    cancellation as withdrawing every agency. Two queries per relation, whatever the count (the rows
    written with one statement: thousands of them after a spreadsheet import). Invitations keep their own
    history (delegations.Invitation), which changing an item leaves alone.
    """
    by_item = {record.id: record for record in records}
    for field in ITEM_HISTORY_M2M:
        through = getattr(ScheduleItem, field).through
        snapshot = getattr(ScheduleItem.history.model, field).model
        columns = [f.attname for f in through._meta.fields]
        rows = through.objects.filter(scheduleitem_id__in=by_item).values(*columns).order_by("pk")
        insert_rows(snapshot, [{"history_id": by_item[row["scheduleitem_id"]].pk, **row} for row in rows])


def schedule_item_cancel(*, item, user=None):
    """Cancel one item; returns True if it was not cancelled before."""
    changed = schedule_items_cancel(items=[item], user=user) == 1
    item.refresh_from_db(fields=["status", "sequence", "updated_at"])
    return changed


#: What the history says of a new calendar link.
CALENDAR_LINK_REASON = "calendar link issued"


def staff_issue_token(*, user, issued_by=None):
    """Give the staff member a new calendar token and return it raw; the old one stops working.

    The user must have a staff member record (their agency); only the hash is stored. The link shows internal
    items to whoever holds it, so only its owner or an administrator issues it (``issued_by``, recorded).
    """
    if issued_by is not None and issued_by.pk != user.pk and not issued_by.is_superuser:
        raise PermissionDenied(_("Only the organizer themselves or an administrator issues a calendar link."))
    member = StaffMember.objects.get(user=user)
    raw, member.token_hash = new_token()
    member.token_issued_at, member.token_issued_by = timezone.now(), issued_by
    member._change_reason, member._history_user = CALENDAR_LINK_REASON, issued_by
    member.save(update_fields=["token_hash", "token_issued_at", "token_issued_by"])
    return raw
