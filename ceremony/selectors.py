"""Reads for the programme pages (the delegation's page adds its own: delegations.selectors)."""

import bisect
import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from .enums import ItemStatus
from .models import Official, OfficialTitle, ScheduleItem, StaffMember
from .times import day_span, in_zone, time_range


@dataclass(frozen=True)
class Named:
    """An official as named on a day: with the title then held (``title`` None when no recorded title covers it)."""

    official: Official
    title: OfficialTitle | None

    def __str__(self):
        return f"{self.official.name}, {self.title.localized('title')}" if self.title else self.official.name


def _titles(lookup="titles"):
    """Officials' titles with their sources, read in one query whatever the number of officials."""
    return Prefetch(lookup, queryset=OfficialTitle.objects.select_related("source"))


def about_the_convention(ceremony):
    """The /about/ page's milestones (each official named with the title held on the milestone's date), key
    figures, and the officials named with the titles they held on the ceremony's first day (officials with no
    title recorded for that day are left out rather than shown with another day's title)."""
    milestones = list(
        ceremony.milestones.select_related("source", "official").prefetch_related(_titles("official__titles"))
    )
    for milestone in milestones:
        official = milestone.official
        milestone.named = Named(official, official.title_on(milestone.date)) if official else None
    at_ceremony = [
        Named(official, official.title_on(ceremony.first_day))
        for official in Official.objects.select_related("agency").prefetch_related(_titles())
    ]
    return {
        "milestones": milestones,
        "figures": ceremony.key_figures.select_related("source"),
        "officials": [named for named in at_ceremony if named.title],
    }


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


#: Items on one page of the public programme: a phone gets a page it can scroll, whatever the programme's size.
PAGE_SIZE = 50
#: At most this many items are named as happening now, and as next (parallel sessions can be many).
NOW_LIMIT = 5


@dataclass
class DayTab:
    """A tab of the programme: one day (``date``), or every day (``date`` None), with how many items match there."""

    date: datetime.date | None
    count: int


@dataclass
class Programme:
    """One page of the public programme, as a reader chose it (a day, a kind, words to search)."""

    tabs: list
    day: datetime.date | None
    page: Page
    days: list
    now: list = field(default_factory=list)
    next: list = field(default_factory=list)
    #: Where the first item happening now (or else the next one) is: (its day, its page, the item).
    now_at: tuple | None = None


def programme_search(items, words):
    """Items whose title, description or room has ``words`` in it, in English or Vietnamese."""
    if not words:
        return items
    match = Q()
    for name in ("title", "title_vi", "description", "description_vi", "room__name", "room__name_vi"):
        match |= Q(**{f"{name}__icontains": words})
    return items.filter(match)


def default_day(ceremony, now):
    """The day the programme opens on: today during the ceremony (in its zone), else its first day."""
    today = in_zone(now, ceremony.zone).date()
    return today if ceremony.first_day <= today <= ceremony.last_day else ceremony.first_day


def public_programme(*, ceremony, day, kind=None, words="", page=1, now=None, per_page=PAGE_SIZE):
    """The public programme on ``day`` (None: every day) of ``kind`` with ``words``, one page of it.

    Tabs are the ceremony's days and any other day an item falls on, with the count of matching items on each,
    all from one query, which also gives the paginator its count. During the ceremony (``now`` within its days)
    the items happening now and the next ones are read from the whole public programme, whatever the filters.
    """
    zone = ceremony.zone
    items = ScheduleItem.objects.filter(ceremony=ceremony).public()
    matching = programme_search(items.filter(kind=kind) if kind else items, words)
    counts = dict(
        matching.annotate(date=TruncDate("starts_at", tzinfo=zone))
        .values_list("date")
        .annotate(count=Count("pk"))
        .order_by("date")
    )
    dates = sorted({*ceremony_days(ceremony), *counts})
    tabs = [DayTab(date, counts.get(date, 0)) for date in dates]
    tabs.append(DayTab(None, sum(counts.values())))

    listed = matching.for_calendar()
    if day is not None:
        start, end = day_span(day, day, zone)
        listed = listed.filter(starts_at__gte=start, starts_at__lt=end)
    paginator = Paginator(listed, per_page)
    paginator.count = counts.get(day, 0) if day is not None else tabs[-1].count  # known already: no COUNT query
    shown = paginator.get_page(page)
    programme = Programme(tabs=tabs, day=day, page=shown, days=group_by_day(ceremony, shown.object_list))

    first, after = ceremony.bounds()
    if now is not None and first <= now < after:
        _now_and_next(programme, items, ceremony, now, per_page)
    return programme


def _now_and_next(programme, items, ceremony, now, per_page):
    live = items.exclude(status=ItemStatus.CANCELLED).for_calendar()
    programme.now = list(live.filter(starts_at__lte=now, ends_at__gt=now)[:NOW_LIMIT])
    upcoming = list(live.filter(starts_at__gt=now)[:NOW_LIMIT])
    programme.next = [item for item in upcoming if item.starts_at == upcoming[0].starts_at]
    target = (programme.now or programme.next or [None])[0]
    if target is None:
        return
    # Its place in its day's full list (the order of ``for_calendar``), for a link to the page that shows it.
    day = in_zone(target.starts_at, ceremony.zone).date()
    start, _ = day_span(day, day, ceremony.zone)
    before = items.filter(
        Q(starts_at__lt=target.starts_at)
        | Q(starts_at=target.starts_at, ends_at__lt=target.ends_at)
        | Q(starts_at=target.starts_at, ends_at=target.ends_at, uid__lt=target.uid),
        starts_at__gte=start,
    ).count()
    programme.now_at = (day, before // per_page + 1, target)


def programme_turns(ceremony):
    """The instants at which the programme turns by the clock alone: during the ceremony, what happens now and
    next changes as a public item starts or ends, and the day it opens on at each midnight. Sorted, from the
    ceremony's first instant to the first after it, in one query."""
    first, after = ceremony.bounds()
    live = ScheduleItem.objects.filter(ceremony=ceremony).public().exclude(status=ItemStatus.CANCELLED)
    instants = {first, after, *(day_span(day, day, ceremony.zone)[0] for day in ceremony_days(ceremony))}
    for starts_at, ends_at in live.filter(starts_at__lt=after, ends_at__gt=first).values_list("starts_at", "ends_at"):
        instants.update((starts_at, ends_at))
    return sorted(instant for instant in instants if first <= instant <= after)


def programme_turn(turns, now):
    """Which stretch between two of ``turns`` (``programme_turns``, sorted) ``now`` falls in, and when it began
    (None before the first): within one stretch the programme shows the same, whatever the minute. Instants as
    datetimes or as numbers alike."""
    passed = bisect.bisect_right(turns, now)
    return passed, turns[passed - 1] if passed else None


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


def staff_seeing(items):
    """The staff members with an address whose calendar shows some of ``items`` (their agency leads or supports
    them), each with the pks of those items: ``[(member, {item pk, ...}), ...]``, in three queries."""
    by_agency = {}
    for item_pk, agency_pk in items.agency_pairs():
        by_agency.setdefault(agency_pk, set()).add(item_pk)
    members = (
        StaffMember.objects.filter(agency_id__in=by_agency, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "agency")
        .order_by("pk")
    )
    return [(member, by_agency[member.agency_id]) for member in members]
