"""How the planner writes dates and times for its readers: in the ceremony's zone, in the reader's language.

Every time a page, a message, a file or a command shows is written by one of these functions, so an instant reads
the same everywhere: ``time_range`` for an item ("Sat 25 Oct 2025, 09:00–10:30 (UTC+07:00)"), ``day_and_time``
for a moment ("Sat 25 Oct, 10:00"), ``minutes`` where a machine reads it back ("2025-10-25 09:00").
Instants are stored in UTC (``ceremony.fields.AwareDateTimeField``); the zone is the ceremony's (``Ceremony.zone``).
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext


def long_date(value):
    """'25 October 2025', '25 tháng 10 năm 2025': a date written out in the reader's language."""
    # Translators: a PHP-style date format (Django's date filter) for a date written out in full.
    return date_format(value, pgettext("date format", "j F Y"))


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


def time_range(start, end, zone, *, dated=True):
    """'Sat 25 Oct 2025, 09:00–10:30 (UTC+07:00)'; undated, as under a day's heading: '09:00–10:30'. An end on
    another day carries its day: '22:00–Sun 26 Oct, 01:30'."""
    start, end = in_zone(start, zone), in_zone(end, zone)
    until = clock(end, zone) if end.date() == start.date() else day_and_time(end, zone)
    if not dated:
        return f"{clock(start, zone)}–{until}"
    return f"{date_format(start, 'D j M Y, H:i')}–{until} ({offset(start, zone)})"


def minutes(instant, zone):
    """'2025-10-25 09:00': for files and messages a reader may type back."""
    return in_zone(instant, zone).strftime("%Y-%m-%d %H:%M")


def minutes_with_offset(instant, zone):
    """'2025-10-25 09:00+07:00': a spreadsheet cell that says its zone, read back exactly."""
    return in_zone(instant, zone).isoformat(sep=" ", timespec="minutes")
