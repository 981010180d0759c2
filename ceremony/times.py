"""How the planner writes dates and times for its readers: in the ceremony's zone, in the reader's language.

Every time a page, a message, a file or a command shows is written by one of these functions: ``time_range`` for
an item ("Sat 25 Oct 2025, 09:00–10:30 (UTC+07:00)", shorter where a heading already gives the day or the zone),
``day_and_time`` for a moment ("Sat 25 Oct, 10:00"), ``minutes`` where a machine reads it back
("2025-10-25 09:00"). A reader abroad may ask for their own zone on the public programme (``reader_zone``); the
ceremony's zone stays the default and is always named beside it.
Instants are stored in UTC (``ceremony.fields.AwareDateTimeField``); the zone is the ceremony's (``Ceremony.zone``).
"""

import datetime
import zoneinfo
from functools import cache, lru_cache

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext


def long_date(value):
    """'25 October 2025', '25 tháng 10 năm 2025': a date written out in the reader's language."""
    # Translators: a PHP-style date format (Django's date filter) for a date written out in full.
    return date_format(value, pgettext("date format", "j F Y"))


def long_date_and_time(instant, zone):
    """'21 October 2025, 14:30', '21 tháng 10 năm 2025, 14:30': a moment written out in the reader's language."""
    # Translators: a PHP-style date format (Django's date filter) for a date written out in full, with the time.
    return date_format(in_zone(instant, zone), pgettext("date format", "j F Y, H:i"))


def in_zone(instant, zone):
    """The instant on the clocks of ``zone``."""
    return timezone.localtime(instant, zone)


def offset(instant, zone):
    """'UTC+07:00': the zone's offset at that instant."""
    raw = date_format(in_zone(instant, zone), "O")
    return f"UTC{raw[:3]}:{raw[3:]}"


def clock(instant, zone):
    """'10:00'."""
    return date_format(in_zone(instant, zone), "H:i")


def day_and_time(instant, zone):
    """'Sat 25 Oct, 10:00'."""
    return date_format(in_zone(instant, zone), "D j M, H:i")


#: How ``time_range`` names the zone: by its offset at the start, by its name, or not (a heading names it).
OFFSET, NAME = "offset", "name"


def time_range(start, end, zone, *, day="D j M Y", named=OFFSET):
    """'Sat 25 Oct 2025, 09:00–10:30 (UTC+07:00)'.

    ``day`` is the start's day as Django's date filter writes it, or None under a day's heading ('09:00–10:30');
    ``named`` is OFFSET, NAME ('(Asia/Ho_Chi_Minh)') or None. An end on another day carries its day:
    '22:00–Sun 26 Oct, 01:30', or '22:00–26/10 01:30' where the start has none.
    """
    start, end = in_zone(start, zone), in_zone(end, zone)
    other_day = "D j M, H:i" if day else "d/m H:i"
    until = clock(end, zone) if end.date() == start.date() else date_format(end, other_day)
    text = f"{date_format(start, day)}, {clock(start, zone)}–{until}" if day else f"{clock(start, zone)}–{until}"
    label = {OFFSET: offset(start, zone), NAME: getattr(zone, "key", str(zone))}.get(named)
    return f"{text} ({label})" if label else text


def time_range_beside(start, end, zone, *, home):
    """'04:00–05:30' in ``zone`` under a heading for the start's day in ``home`` (the ceremony's zone).

    Where, in ``zone``, the start falls on another day than in ``home``, it carries its day: 'Fri 24 Oct,
    21:00–22:30'.
    """
    same_day = in_zone(start, zone).date() == in_zone(start, home).date()
    return time_range(start, end, zone, day=None if same_day else "D j M", named=None)


#: Zones offered to readers abroad, one or two for each offset the world keeps, from west to east. Any other IANA
#: name is accepted too (typed into the address, or offered by the browser); this list keeps the page light.
READER_ZONES = (
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Mexico_City",
    "America/Chicago", "America/Bogota", "America/New_York", "America/Toronto", "America/Caracas",
    "America/Halifax", "America/Santiago", "America/St_Johns", "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires", "Atlantic/Azores", "UTC", "Africa/Dakar", "Europe/London", "Europe/Lisbon",
    "Africa/Casablanca", "Africa/Lagos", "Europe/Paris", "Europe/Brussels", "Europe/Berlin", "Europe/Vienna",
    "Europe/Rome", "Africa/Johannesburg", "Africa/Cairo", "Europe/Kyiv", "Europe/Istanbul", "Europe/Moscow",
    "Africa/Nairobi", "Asia/Riyadh", "Asia/Tehran", "Asia/Dubai", "Asia/Kabul", "Asia/Tashkent", "Asia/Karachi",
    "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka", "Asia/Yangon", "Asia/Bangkok", "Asia/Jakarta",
    "Asia/Ho_Chi_Minh", "Asia/Shanghai", "Asia/Singapore", "Asia/Manila", "Australia/Perth", "Asia/Seoul",
    "Asia/Tokyo", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney", "Pacific/Port_Moresby",
    "Pacific/Noumea", "Pacific/Fiji", "Pacific/Auckland", "Pacific/Tongatapu", "Pacific/Kiritimati",
)  # fmt: skip


@cache
def _known_zones():
    return frozenset(zoneinfo.available_timezones())


def reader_zone(name):
    """The zone an IANA name such as 'Europe/Paris' names, or None for anything else.

    Only names of the time zone database are looked up: ``ZoneInfo`` would also try a path or raise on odd text.
    """
    return zoneinfo.ZoneInfo(name) if name in _known_zones() else None


def reader_zone_choices(at, *, first=()):
    """``[(name, 'UTC+01:00 · Europe/Paris'), ...]``: ``first`` (zones to offer too), then READER_ZONES, by offset
    at the instant ``at``, west to east."""
    return list(_reader_zone_choices(at, tuple(first)))


@lru_cache(maxsize=64)
def _reader_zone_choices(at, first):
    # The same few for every rendering of the programme (``at`` is the ceremony's first noon): a tenth of its time.
    zones = [zoneinfo.ZoneInfo(name) for name in dict.fromkeys([*first, *READER_ZONES])]
    by_offset = sorted(zones, key=lambda zone: (in_zone(at, zone).utcoffset(), zone.key))
    return tuple((zone.key, f"{offset(at, zone)} · {zone.key}") for zone in by_offset)


def zone_label(zone, at):
    """'Europe/Paris, UTC+01:00': a zone by name and its offset at the instant ``at``."""
    return f"{getattr(zone, 'key', str(zone))}, {offset(at, zone)}"


def day_span(first, last, zone):
    """The first instant of day ``first`` in ``zone`` and the first instant after day ``last``: [start, end)."""
    start = datetime.datetime.combine(first, datetime.time(0), tzinfo=zone)
    return start, datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone)


def noon(day, zone):
    """Midday of ``day`` in ``zone``: an instant to read a zone's offset on that day."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)


def minutes(instant, zone):
    """'2025-10-25 09:00': for files and messages a reader may type back."""
    return in_zone(instant, zone).strftime("%Y-%m-%d %H:%M")


def minutes_with_offset(instant, zone):
    """'2025-10-25 09:00+07:00': a spreadsheet cell that says its zone, read back exactly."""
    return in_zone(instant, zone).isoformat(sep=" ", timespec="minutes")
