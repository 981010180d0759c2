"""Reads for the programme pages (the delegation's page adds its own: delegations.selectors)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .enums import ItemKind, ItemStatus
from .models import ScheduleItem
from .times import in_zone, time_range


@dataclass
class Day:
    date: datetime.date
    items: list = field(default_factory=list)


def ceremony_days(ceremony):
    """Every day of the ceremony, in order."""
    count = (ceremony.last_day - ceremony.first_day).days + 1
    return [ceremony.first_day + datetime.timedelta(days=n) for n in range(count)]


def group_by_day(ceremony, items):
    """Items grouped by their start date in the ceremony's zone; days in order, items as given."""
    days = {}
    for item in items:
        date = in_zone(item.starts_at, ceremony.zone).date()
        days.setdefault(date, Day(date)).items.append(item)
    return [days[date] for date in sorted(days)]


def programme_days(*, ceremony, day=None, kind=None):
    """The public programme of a ceremony by day, optionally one day and one kind of item."""
    items = ScheduleItem.objects.filter(ceremony=ceremony).public().for_calendar()
    if kind in ItemKind.values:
        items = items.filter(kind=kind)
    days = group_by_day(ceremony, items)
    if day is not None:
        days = [d for d in days if d.date == day]
    return days


FIRST_VISIT_WINDOW = datetime.timedelta(days=2)


def changed_since(items, moment):
    """What a returning visitor should look at, newest change first.

    Since a last visit: every item added or changed after it. On a first visit there is
    nothing to compare with, so only items moved, re-roomed or cancelled in the last two days.
    """
    if moment is not None:
        changed = (item for item in items if item.updated_at > moment)
    else:
        since = timezone.now() - FIRST_VISIT_WINDOW
        changed = (item for item in items if item.sequence and item.updated_at > since)
    return sorted(changed, key=lambda item: item.updated_at, reverse=True)


@dataclass(frozen=True)
class Change:
    """One item as it is and as it stood at a moment (``before``: its history record then, None if new since)."""

    item: ScheduleItem
    before: object = None

    @property
    def is_new(self):
        return self.before is None

    def _when(self, version):
        return time_range(version.starts_at, version.ends_at, self.item.ceremony.zone, day="D j M", named=None)

    @property
    def time(self):
        """(old, new), e.g. ('Sat 25 Oct, 09:00–10:30', 'Sat 25 Oct, 09:30–11:00'); None when the time stands."""
        if self.is_new or (self.before.starts_at, self.before.ends_at) == (self.item.starts_at, self.item.ends_at):
            return None
        return self._when(self.before), self._when(self.item)

    @property
    def when(self):
        return self._when(self.item)

    @property
    def room(self):
        """(old room, new room), either None for no room; None when the room stands."""
        if self.is_new or self.before.room_id == self.item.room_id:
            return None
        return self.before.room, self.item.room

    @property
    def status(self):
        """(old label, new label); None when the status stands."""
        if self.is_new or self.before.status == self.item.status:
            return None
        return ItemStatus(self.before.status).label, ItemStatus(self.item.status).label


def changes_since(items, moment):
    """``changed_since``, each item with how it stood then (time, room, status), from its history, in one query.

    The moment is the last visit, or on a first visit the start of the window ``changed_since`` looks at."""
    changed = changed_since(items, moment)
    if not changed:
        return []
    baseline = moment or timezone.now() - FIRST_VISIT_WINDOW
    history = ScheduleItem.history.model.objects
    then = history.filter(id=OuterRef("id"), history_date__lte=baseline).order_by("-history_date", "-history_id")
    before = {
        record.id: record
        for record in history.filter(id__in=[item.pk for item in changed])
        .filter(history_id=Subquery(then.values("history_id")[:1]))
        .select_related("room")
    }
    return [Change(item, before.get(item.pk)) for item in changed]
