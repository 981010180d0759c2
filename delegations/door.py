"""Check-in at the door: a badge id, typed or scanned, answered with enter, already inside, or refused.

Every answer that lets someone in records an ``Entry`` with the time and the officer: one per delegate and day (in
the ceremony's zone), kept by the database, so two phones scanning one badge at the same moment make one entry and
the second is told the person is already inside. A delegation's first check-in marks it arrived, in its history
with the officer.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ceremony.models import Ceremony
from ceremony.times import clock, in_zone

from .badges import ALPHABET, normalise
from .enums import AccreditationStatus, ClearanceStatus, DelegationStatus
from .models import Badge, Delegation, Entry

ENTER, INSIDE, REFUSED = "enter", "inside", "refused"
#: What a delegation's history says of the check-in that marked it arrived.
ARRIVAL_REASON = "first check-in at the door"
# Statuses a first check-in turns into "arrived"; a declined or departed delegation is left for Protocol to judge.
ARRIVING = (DelegationStatus.INVITED, DelegationStatus.CONFIRMED)

UNKNOWN = _("unknown badge id")
REVOKED = _("revoked badge")
NOT_CLEARED = _("not cleared")
NOT_ACCREDITED = _("not accredited")


@dataclass(frozen=True)
class Answer:
    verdict: str  # ENTER, INSIDE or REFUSED
    code: str  # the id as read (normalised)
    reason: str = ""  # why it was refused
    delegate: object = None  # the badge's holder, when the id is known
    cleared: bool = False
    since: str = ""  # 'hh:mm' of today's entry, in the ceremony's zone
    zone: str = ""


def check_in(*, typed, officer):
    """Read ``typed`` (an id as typed or scanned), and let its holder in if they may enter."""
    code = normalise(typed)
    if not code or len(code) > 32 or set(code) - set(ALPHABET):
        return Answer(REFUSED, code[:32], reason=UNKNOWN)
    badge = Badge.objects.select_related("delegate__delegation__ceremony").filter(code=code).first()
    if badge is None:
        return Answer(REFUSED, code, reason=UNKNOWN)
    delegate = badge.delegate
    ceremony = delegate.delegation.ceremony
    cleared = delegate.clearance_status == ClearanceStatus.CLEARED
    known = {"code": code, "delegate": delegate, "cleared": cleared, "zone": ceremony.time_zone}
    if badge.revoked_at is not None:
        return Answer(REFUSED, reason=REVOKED, **known)
    if not cleared:
        return Answer(REFUSED, reason=NOT_CLEARED, **known)
    if delegate.accreditation_status != AccreditationStatus.ACCREDITED:
        return Answer(REFUSED, reason=NOT_ACCREDITED, **known)

    now = timezone.now()
    day = in_zone(now, ceremony.zone).date()
    try:
        with transaction.atomic():
            Entry.objects.create(delegate=delegate, badge=badge, day=day, at=now, officer=officer)
            if delegate.delegation.status in ARRIVING:
                _mark_arrived(delegate.delegation, officer)
    except IntegrityError:
        # Already in today: through this scan's twin on another phone, or earlier. The database kept one entry.
        entered = Entry.objects.filter(delegate=delegate, day=day).values_list("at", flat=True).first()
        if entered is None:
            raise
        return Answer(INSIDE, since=clock(entered, ceremony.zone), **known)
    return Answer(ENTER, **known)


def _mark_arrived(delegation, officer):
    """The delegation's first check-in: arrived, traced to the officer. Read again under the ceremony's lock (the
    planner's lock order), so a change saved meanwhile is neither lost nor undone."""
    Ceremony.objects.lock([delegation.ceremony_id])
    fresh = Delegation.objects.get(pk=delegation.pk)
    if fresh.status not in ARRIVING:
        return
    fresh.status = DelegationStatus.ARRIVED
    fresh._history_user, fresh._change_reason = officer, ARRIVAL_REASON
    fresh.save(update_fields=["status", "updated_at"])


def inside_today(*, ceremony):
    """Today (in the ceremony's zone) and how many people have entered since the day began, in one query."""
    today = in_zone(timezone.now(), ceremony.zone).date()
    return today, Entry.objects.filter(delegate__delegation__ceremony=ceremony, day=today).count()
