"""Reads for the programme pages (the delegation's page adds its own: delegations.selectors)."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from .enums import ItemKind
from .models import ScheduleItem
from .times import in_zone


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


def changed_since(items, moment):
    """What a returning visitor should look at, newest change first.

    Since a last visit: every item added or changed after it. On a first visit there is
    nothing to compare with, so only items moved, re-roomed or cancelled in the last two days.
    """
    if moment is not None:
        changed = (item for item in items if item.updated_at > moment)
    else:
        since = timezone.now() - datetime.timedelta(days=2)
        changed = (item for item in items if item.sequence and item.updated_at > since)
    return sorted(changed, key=lambda item: item.updated_at, reverse=True)
