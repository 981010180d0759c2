"""The one place where the planner writes iCalendar (RFC 5545, with RFC 7986's NAME and REFRESH-INTERVAL).

Every feed and download goes through :func:`build_calendar`, so an item has one
UID everywhere and all feeds share the same rules:

* DTSTAMP and LAST-MODIFIED are the last change of the item or of the room,
  venue or organizing agency it names, never "now", and the
  output is byte-identical for identical data, so ETags are honest;
* SEQUENCE is the item's revision and STATUS its status; cancelled items stay
  in the feed as ``STATUS:CANCELLED``;
* start and end carry the ceremony's IANA zone as TZID, with a VTIMEZONE for it,
  except a time in the repeated hour of a DST fall-back that the local time
  cannot name (RFC 5545 reads an ambiguous local time as the first one): that
  is written in UTC;
* no text entered by a person can start a new content line (see :func:`one_line`).
"""

import datetime
import re
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from .enums import ItemKind, ItemStatus, Visibility

PRODID = "-//Hanoi Convention ceremony planner//EN"
REFRESH = datetime.timedelta(hours=1)

# Everything a parser might take for the end of a line: CR, LF, VT, FF, NEL,
# and the Unicode line and paragraph separators.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
# Other control characters have no business in calendar text.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SPACES = re.compile(r"[ \t]+")

_STATUS = {
    ItemStatus.TENTATIVE: "TENTATIVE",
    ItemStatus.CONFIRMED: "CONFIRMED",
    ItemStatus.CANCELLED: "CANCELLED",
}


def one_line(text):
    """Text for a single-line property (SUMMARY, LOCATION, NAME…): breaks and controls become spaces."""
    text = _CONTROLS.sub(" ", _LINE_BREAKS.sub(" ", text or "")).replace("\t", " ")
    return _SPACES.sub(" ", text).strip()


def multi_line(text):
    """Text for DESCRIPTION: every kind of line break becomes one LF, which is escaped as ``\\n``."""
    text = _LINE_BREAKS.sub("\n", text or "")
    return _CONTROLS.sub(" ", text).replace("\t", " ").strip()


def _text(value):
    # Wrapping in vText makes icalendar escape the value even for X- and NAME properties.
    return vText(value)


def _param(text):
    """A one-line parameter value. A double quote would be written RFC 6868-style as ^', which most
    calendar apps show as is, so it becomes a typographic one."""
    return one_line(text).replace('"', "”")


class _Organizer(NamedTuple):
    name: str
    address: str
    agency: object  # the Agency named, whose renaming changes the event; None for the ceremony itself


def _organizer(item):
    """Who organizes the event (an ``_Organizer``), or None when nobody has an address.

    ``METHOD:PUBLISH`` makes ORGANIZER required in every event (RFC 5546, 3.2.1): the lead agency, else the
    ceremony's host agency, whichever first has an email, else the ceremony itself with its contact address
    (its record's, or the PLANNER_CONTACT_EMAIL setting). Only when all of these are empty is the event left
    without one; the system check ``ceremony.W001`` says so.
    """
    for agency in (item.lead_agency, item.ceremony.host_agency):
        if agency is not None and agency.email:
            return _Organizer(agency.localized("name"), agency.email, agency)
    ceremony = item.ceremony
    if ceremony.contact_address:
        return _Organizer(ceremony.localized("name"), ceremony.contact_address, None)
    return None


def _local(instant, zone):
    """``instant`` in ``zone``, or in UTC when the local time would be read as another instant.

    In the hour a fall-back repeats, RFC 5545 (3.3.5) takes a local time as its
    first occurrence, so the second one cannot be written with a TZID.
    """
    utc = instant.astimezone(datetime.UTC)
    local = timezone.localtime(utc, zone)
    if local.replace(fold=0).astimezone(datetime.UTC) != utc:
        return utc
    return local


def _event(item, *, url, kinds):
    zone = item.ceremony.zone
    organizer = _organizer(item)
    # The event changes when its item does, and when the room, venue or agency it names is renamed.
    shown = (item, item.room, item.room.venue if item.room_id else None, organizer and organizer.agency)
    changed = max(obj.updated_at for obj in shown if obj is not None).astimezone(datetime.UTC)
    event = Event()
    event.add("uid", _text(one_line(item.uid)))
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("created", item.created_at.astimezone(datetime.UTC))
    event.add("sequence", item.sequence)
    event.add("status", _STATUS[item.status])
    event.add("dtstart", _local(item.starts_at, zone))
    event.add("dtend", _local(item.ends_at, zone))

    title = one_line(item.localized("title"))
    if item.status == ItemStatus.CANCELLED:
        # Some apps (Outlook) ignore STATUS:CANCELLED; the title says it too.
        title = _("Cancelled: %(title)s") % {"title": title}
    event.add("summary", _text(title))
    description = multi_line(item.localized("description"))
    if description:
        event.add("description", _text(description))
    if item.room_id:
        room = item.room
        place = ", ".join(
            p for p in (room.localized("name"), room.venue.localized("name"), room.venue.localized("city")) if p
        )
        event.add("location", _text(one_line(place)))
    if organizer is not None:
        address = vCalAddress(f"mailto:{one_line(organizer.address)}")
        address.params["CN"] = _param(organizer.name)
        event.add("organizer", address)
    event.add("categories", [_text(one_line(kinds.get(item.kind, item.kind)))])
    event.add("class", "PUBLIC" if item.visibility == Visibility.PUBLIC else "PRIVATE")
    if url:
        event.add("url", url)
    return event


def build_calendar(*, ceremony, items, name, url_for=None):
    """Serialize ``items`` (ScheduleItems with ``for_calendar()``'s related rows loaded) as bytes.

    ``name`` is the calendar's name and ``url_for(item)`` gives each event's URL.
    Texts come in the active language: Vietnamese where an item has it, else English.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar_name = one_line(name)
    calendar.add("name", _text(calendar_name))
    calendar.add("x-wr-calname", _text(calendar_name))
    calendar.add("x-wr-timezone", _text(ceremony.time_zone))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", _text("PT1H"))

    # The kinds' labels in the active language, translated once rather than per event (get_kind_display
    # hashes the whole list of choices on every call).
    kinds = {value: str(label) for value, label in ItemKind.choices}
    first, last = ceremony.first_day, ceremony.last_day
    for item in items:
        calendar.add_component(_event(item, url=url_for(item) if url_for else None, kinds=kinds))
        first = min(first, item.starts_at.astimezone(ceremony.zone).date())
        last = max(last, item.ends_at.astimezone(ceremony.zone).date())
    # Zone rules a year either side of the events: enough for any app, deterministic for equal data.
    calendar.add_missing_timezones(
        first_date=first - datetime.timedelta(days=366), last_date=last + datetime.timedelta(days=366)
    )
    return calendar.to_ical()
