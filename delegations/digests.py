"""Change digests: one message to each delegation and staff member about the items they see whose time, room or
status changed, with each item's calendar file attached.

Each such change opens a ``ChangeNotice`` for its item in the change's own transaction (``record_moves``, which
listens to ``ceremony.signals.items_moved``), or joins the item's open one, which keeps the values from before
the first edit. ``flush_due`` (the mail worker's loop, or ``manage.py send_digests``) takes the notices of items
quiet for ``PLANNER_DIGEST_QUIET_MINUTES`` and writes the messages to the outbox in one transaction with marking
them told: a burst of edits makes one message, and an item that came back to where it was makes none.

Who is told is decided when the digest is written, from what each reader sees then: a delegation its calendar's
items (``selectors.items_visible_to``), a staff member their agency's (``ScheduleItem.for_agency``). A reader who
no longer sees an item (an invitation withdrawn, an item made staff-only) is not told of it: the change is no
longer theirs, and their calendar drops it. A room's new name is not a change of the item's room.
"""

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from ceremony.ical import build_calendar
from ceremony.models import ScheduleItem
from ceremony.outbox import queue_mail
from ceremony.selectors import Change, staff_seeing
from ceremony.times import zone_label

from .invitations import acting_user
from .models import ChangeNotice, Delegation
from .selectors import delegations_seeing

TEMPLATE = "change_digest"
ICS_MIMETYPE = "text/calendar"
DELEGATION, STAFF = "delegation", "staff"


def quiet_time():
    """How long an item stays unchanged before its digest goes out."""
    return datetime.timedelta(minutes=settings.PLANNER_DIGEST_QUIET_MINUTES)


def record_moves(sender, *, moves, user=None, **kwargs):
    """For ``ceremony.signals.items_moved``: open a notice for each moved item, or extend its open one."""
    user = user or acting_user()
    now = timezone.now()
    moves = list({move.item_id: move for move in reversed(moves)}.values())  # an item once, as it first stood
    # Writers of an item hold its ceremony's row (ScheduleItem.save), so only a flusher can hold these meanwhile.
    pending = ChangeNotice.objects.select_for_update().filter(item_id__in=[m.item_id for m in moves], sent_at=None)
    open_notices = {notice.item_id: notice for notice in pending}
    new, extended = [], []
    for move in moves:
        notice = open_notices.get(move.item_id)
        if notice is None:
            before = move.before
            new.append(
                ChangeNotice(
                    item_id=move.item_id,
                    old_starts_at=before["starts_at"],
                    old_ends_at=before["ends_at"],
                    old_room_id=before["room_id"],
                    old_status=before["status"],
                    first_changed_at=now,
                    changed_at=now,
                    changed_by=user,
                )
            )
        else:
            # Never before the burst's first change, even if the clock stepped back meanwhile.
            notice.changed_at, notice.changed_by = max(now, notice.first_changed_at), user
            extended.append(notice)
    ChangeNotice.objects.bulk_create(new)
    ChangeNotice.objects.bulk_update(extended, ["changed_at", "changed_by"])


def _change(notice):
    """The notice as the programme's ``Change``: the item now, and before the burst."""
    before = SimpleNamespace(
        starts_at=notice.old_starts_at,
        ends_at=notice.old_ends_at,
        room_id=notice.old_room_id,
        room=notice.old_room,
        status=notice.old_status,
    )
    return Change(notice.item, before)


@dataclass
class Recipient:
    address: str
    language: str
    name: str
    audience: str
    item_pks: set = field(default_factory=set)


def _recipients(items):
    """Each delegation and staff member with an address who sees some of ``items`` now."""
    seen = {}
    for item_pk, delegation_pk in delegations_seeing(items):
        seen.setdefault(delegation_pk, set()).add(item_pk)
    delegations = Delegation.objects.filter(pk__in=seen).exclude(contact_email="").order_by("pk")
    recipients = [
        Recipient(d.contact_email, d.language, d.name_in(d.language), DELEGATION, seen[d.pk]) for d in delegations
    ]
    for member, item_pks in staff_seeing(items):
        user = member.user
        recipients.append(
            Recipient(user.email, member.language, user.get_full_name() or user.get_username(), STAFF, item_pks)
        )
    return recipients


def _calendar(item, language):
    """The item's calendar file as ``/items/<uid>.ics`` serves it in ``language``."""
    with translation.override(language):
        return build_calendar(ceremony=item.ceremony, items=[item], name=item.localized("title"))


def _queue(changes):
    """Write one message per recipient and ceremony listing the changes they see; returns how many."""
    items = ScheduleItem.objects.filter(pk__in=[change.item.pk for change in changes])
    calendars = {}
    queued = 0
    for recipient in _recipients(items):
        by_ceremony = {}
        for change in changes:
            if change.item.pk in recipient.item_pks:
                by_ceremony.setdefault(change.item.ceremony_id, []).append(change)
        for told in by_ceremony.values():
            ceremony = told[0].item.ceremony
            attachments = {}
            for change in told:
                key = (change.item.pk, recipient.language)
                if key not in calendars:
                    calendars[key] = _calendar(change.item, recipient.language)
                attachments[f"{change.item.uid}.ics"] = (calendars[key], ICS_MIMETYPE)
            queue_mail(
                ceremony=ceremony,
                to=[recipient.address],
                template=TEMPLATE,
                context={
                    "recipient": recipient,
                    "for_delegation": recipient.audience == DELEGATION,
                    "changes": told,
                    "zone": zone_label(ceremony.zone, told[0].item.starts_at),
                    "contact": ceremony.contact_address,
                },
                language=recipient.language,
                attachments=attachments,
            )
            queued += 1
    return queued


def flush_due(*, now=None):
    """Write the digests of the items quiet since ``quiet_time()`` before ``now``; returns the messages queued.

    The notices are taken with ``SELECT … FOR UPDATE SKIP LOCKED`` and closed in the transaction that writes the
    messages, so two flushers at once never tell the same change twice, and a failure tells nothing and closes
    nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            ChangeNotice.objects.filter(sent_at=None, changed_at__lte=now - quiet_time())
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("item__ceremony__host_agency", "item__room__venue", "item__lead_agency", "old_room")
            .order_by("item__starts_at", "item__ends_at", "item__uid")
        )
        if not due:
            return 0
        ChangeNotice.objects.filter(pk__in=[notice.pk for notice in due]).update(sent_at=now)
        # Edits that came back to where the item stood before the burst tell nothing.
        changes = [change for change in map(_change, due) if change.time or change.room or change.status]
        return _queue(changes) if changes else 0
