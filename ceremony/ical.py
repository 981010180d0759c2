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

Feeds of many items use :func:`build_feed`, which gives the same bytes as :func:`build_calendar` but keeps each
event's serialised text in a cache and reuses it until something the event shows changes: after an edit, a
calendar of thousands of events re-serialises only the edited one and assembles the others.
"""

import datetime
import functools
import hashlib
import re
from typing import NamedTuple

from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from .enums import ItemKind, ItemStatus, Visibility

PRODID = "-//Hanoi Convention ceremony planner//EN"
REFRESH = datetime.timedelta(hours=1)
# Bump when an event's text changes for the same data (a new property, a new wording), so kept texts are replaced.
EVENT_FORMAT = "1"
# How long an event's text is kept; after that its next feed serialises it again. Texts of events that changed
# since are never asked for again, and go then.
EVENT_SECONDS = 2 * 24 * 3600
# When more events than this are missing from the cache, the feed's own query loads them all (one query either
# way; a list of thousands of ids is a long statement for nothing).
PICK_AT_MOST = 500

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


def _kinds():
    # The kinds' labels in the active language, translated once rather than per event (get_kind_display
    # hashes the whole list of choices on every call).
    return {value: str(label) for value, label in ItemKind.choices}


def _calendar(ceremony, name):
    """The calendar's own properties, without components."""
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
    return calendar


def _zone_range(ceremony, spans):
    """The first and last day whose zone rules a calendar of events over ``spans`` (start, end) carries: a year
    either side of the events and the ceremony's days, enough for any app, deterministic for equal data."""
    zone = ceremony.zone
    first, last = ceremony.first_day, ceremony.last_day
    for starts_at, ends_at in spans:
        first = min(first, starts_at.astimezone(zone).date())
        last = max(last, ends_at.astimezone(zone).date())
    return first - datetime.timedelta(days=366), last + datetime.timedelta(days=366)


def build_calendar(*, ceremony, items, name, url_for=None):
    """Serialize ``items`` (ScheduleItems with ``for_calendar()``'s related rows loaded) as bytes.

    ``name`` is the calendar's name and ``url_for(item)`` gives each event's URL.
    Texts come in the active language: Vietnamese where an item has it, else English.
    """
    calendar = _calendar(ceremony, name)
    kinds = _kinds()
    items = list(items)
    for item in items:
        calendar.add_component(_event(item, url=url_for(item) if url_for else None, kinds=kinds))
    first, last = _zone_range(ceremony, ((item.starts_at, item.ends_at) for item in items))
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


# A feed assembled from kept texts -----------------------------------------------------------------------------


class _Stamp(NamedTuple):
    """What makes an event's text, beside the calendar's language and ceremony: read from a row or an item."""

    pk: int
    uid: str
    visibility: str
    lead_agency_id: int | None
    # The latest change of the item, its room, the room's venue and its lead agency: every edit moves it.
    changed: datetime.datetime


def _stamp_of(item):
    room = item.room if item.room_id else None
    shown = (item, room, room and room.venue, item.lead_agency if item.lead_agency_id else None)
    changed = max(obj.updated_at for obj in shown if obj is not None)
    return _Stamp(item.pk, item.uid, item.visibility, item.lead_agency_id, changed)


def _stamps(items):
    """``items``' stamps and times, in the feed's order, read in one query without loading the items."""
    changed = Greatest(
        "updated_at",
        *(Coalesce(f"{relation}__updated_at", "updated_at") for relation in ("room", "room__venue", "lead_agency")),
    )
    rows = items.annotate(_changed=changed).values_list(
        "pk", "uid", "visibility", "lead_agency_id", "_changed", "starts_at", "ends_at"
    )
    return [(_Stamp(*row[:5]), row[5], row[6]) for row in rows]


def _setting(ceremony):
    """What every event of the ceremony's calendars shows from outside its own rows, in the active language:
    the zone, the host agency and the ceremony's address and name (the organizers of last resort)."""
    host = ceremony.host_agency
    return "|".join(
        str(part)
        for part in (
            EVENT_FORMAT,
            translation.get_language(),
            ceremony.pk,
            ceremony.time_zone,
            host and host.pk,
            host and host.updated_at.timestamp(),
            ceremony.contact_address,
            ceremony.localized("name"),
        )
    )


def _key(setting, stamp, variant):
    text = f"{setting}|{stamp.pk}|{stamp.uid}|{stamp.visibility}|{stamp.lead_agency_id}|{stamp.changed.timestamp()}"
    return f"ical-event:{hashlib.blake2b(f'{text}|{variant}'.encode(), digest_size=20).hexdigest()}"


@functools.lru_cache(maxsize=64)
def _zone_text(tzid, first, last):
    """The VTIMEZONE ``add_missing_timezones`` adds for ``tzid`` (none for a zone it does not know)."""
    try:
        return Timezone.from_tzid(tzid, first_date=first, last_date=last).to_ical()
    except ValueError:
        return b""


def _event_text(item, *, url, kinds):
    """An event's text, and whether its times name the ceremony's zone (so the calendar needs its VTIMEZONE)."""
    event = _event(item, url=url, kinds=kinds)
    return bool(event["dtstart"].params.get("TZID") or event["dtend"].params.get("TZID")), event.to_ical()


def build_feed(*, ceremony, items, name, url_for, variant, store):
    """The bytes :func:`build_calendar` gives for the queryset ``items``, each event's text kept in ``store`` (a
    Django cache) and reused while nothing it shows changes.

    ``url_for(item)`` gives an event's URL, and ``variant(uid, visibility)`` names what that URL depends on
    besides the item (the site's address, a delegation's key), cheaply, for every event of the feed: events that
    differ in nothing else share one kept text between feeds (a public item in the programme and in each
    delegation's calendar).
    """
    setting = _setting(ceremony)
    rows = _stamps(items)
    keys = [_key(setting, stamp, variant(stamp.uid, stamp.visibility)) for stamp, _, _ in rows]
    texts = store.get_many(keys)
    missing = {stamp.pk for (stamp, _, _), key in zip(rows, keys, strict=True) if key not in texts}
    made = {}
    if missing:
        kinds = _kinds()
        loaded = items.filter(pk__in=missing) if len(missing) <= PICK_AT_MOST else items
        fresh = {}
        for item in loaded:
            if item.pk in missing:
                # Keyed by the item as loaded: if it changed since the stamps were read, its new text goes under
                # its new key.
                made[item.pk] = fresh[_key(setting, _stamp_of(item), variant(item.uid, item.visibility))] = _event_text(
                    item, url=url_for(item), kinds=kinds
                )
        store.set_many(fresh, timeout=EVENT_SECONDS)

    events, spans, zoned = [], [], False
    for (stamp, starts_at, ends_at), key in zip(rows, keys, strict=True):
        text = texts.get(key) or made.get(stamp.pk)
        if text is None:
            continue  # deleted since the stamps were read
        zoned = zoned or text[0]
        events.append(text[1])
        spans.append((starts_at, ends_at))
    head = _calendar(ceremony, name).to_ical()
    end = b"END:VCALENDAR\r\n"
    zone = _zone_text(ceremony.time_zone, *_zone_range(ceremony, spans)) if zoned else b""
    return b"".join([head[: -len(end)], zone, *events, end])
