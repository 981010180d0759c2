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

from django.db.models import CharField, Max, Min
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


def _zone_range(ceremony, first, last):
    """The first and last day whose zone rules a calendar carries, for events from the instant ``first`` to
    ``last`` (None when it has none): a year either side of those and of the ceremony's days, enough for any app,
    deterministic for equal data."""
    zone = ceremony.zone
    first_day, last_day = ceremony.first_day, ceremony.last_day
    if first is not None:
        first_day = min(first_day, first.astimezone(zone).date())
        last_day = max(last_day, last.astimezone(zone).date())
    return first_day - datetime.timedelta(days=366), last_day + datetime.timedelta(days=366)


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
    first = min((item.starts_at for item in items), default=None)
    last = max((item.ends_at for item in items), default=None)
    calendar.add_missing_timezones(*_zone_range(ceremony, first, last))
    return calendar.to_ical()


# A feed assembled from kept texts -----------------------------------------------------------------------------


# The latest change of an item, its room, the room's venue and its lead agency: every edit of what an event shows
# moves it. Compared as the database gives it (text in SQLite), not read as a time: a key needs only a value that
# moves, and reading thousands of times costs more than building the few events that changed.
_CHANGED = Greatest(
    "updated_at",
    *(Coalesce(f"{relation}__updated_at", "updated_at") for relation in ("room", "room__venue", "lead_agency")),
    output_field=CharField(),
)


def _stamps(items):
    """For each of ``items``, in the feed's order: (pk, visibility, lead agency, change stamp), in one query."""
    return list(items.annotate(_changed=_CHANGED).values_list("pk", "visibility", "lead_agency_id", "_changed"))


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


# Event texts this process has made or fetched, by their key: looked up before the shared cache, thousands in a
# millisecond. Keys name everything a text shows, so an entry is never stale; the dict is emptied when full.
_texts = {}
TEXTS_HELD = 50_000


def forget_texts():
    """Empty this process's event texts (tests, benchmarks of a build from nothing)."""
    _texts.clear()


def _shared_key(key):
    return f"ical-event:{hashlib.blake2b(repr(key).encode(), digest_size=20).hexdigest()}"


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
    Django cache, shared by all processes) and in this process, and reused while nothing it shows changes.

    ``url_for(item)`` gives an event's URL, and ``variant(visibility)`` names what that URL depends on besides the
    item (the site's address, a delegation's key): events that differ in nothing else share one kept text between
    feeds (a public item in the programme and in each delegation's calendar).
    """
    setting = _setting(ceremony)
    keys = [(setting, *stamp, variant(stamp[1])) for stamp in _stamps(items)]
    found = {key: _texts[key] for key in keys if key in _texts}
    made = {}
    if len(found) < len(keys):
        missing = {key: _shared_key(key) for key in keys if key not in found}
        shared = store.get_many(list(missing.values()))
        for key, shared_key in missing.items():
            text = shared.get(shared_key)
            if text is not None:
                found[key] = text
                _keep(key, text)
        made = _make(ceremony, items, setting, [key for key in missing if key not in found], url_for, variant, store)
    texts = [found.get(key) or made.get(key[1]) for key in keys]
    texts = [text for text in texts if text is not None]  # an item deleted since the stamps were read
    span = items.aggregate(first=Min("starts_at"), last=Max("ends_at"))
    zone = _zone_text(ceremony.time_zone, *_zone_range(ceremony, span["first"], span["last"]))
    head = _calendar(ceremony, name).to_ical()
    end = b"END:VCALENDAR\r\n"
    zoned = any(text[0] for text in texts)
    return b"".join([head[: -len(end)], zone if zoned else b"", *(text[1] for text in texts), end])


def _keep(key, text):
    if len(_texts) >= TEXTS_HELD:
        _texts.clear()
    _texts[key] = text


def _make(ceremony, items, setting, keys, url_for, variant, store):
    """Serialise the events of ``keys``; their texts by item pk."""
    if not keys:
        return {}
    wanted = {key[1] for key in keys}
    loaded = items.filter(pk__in=wanted) if len(wanted) <= PICK_AT_MOST else items
    kinds, made, fresh = _kinds(), {}, {}
    for item in loaded.annotate(_changed=_CHANGED):
        if item.pk in wanted:
            # Keyed by the item as loaded: if it changed since the stamps were read, its new text goes under its
            # new key.
            key = (setting, item.pk, item.visibility, item.lead_agency_id, item._changed, variant(item.visibility))
            made[item.pk] = text = _event_text(item, url=url_for(item), kinds=kinds)
            _keep(key, text)
            fresh[_shared_key(key)] = text
    store.set_many(fresh, timeout=EVENT_SECONDS)
    return made
