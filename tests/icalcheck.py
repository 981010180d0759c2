"""Reading calendars the way calendar apps do: with vobject, an independent parser, and line by line."""

import datetime as dt

import vobject

# Every property the planner writes; an unfolded line starting with anything else was injected.
KNOWN = {
    "BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE",
    "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "TZID", "COMMENT", "DTSTART", "TZNAME", "TZOFFSETFROM", "TZOFFSETTO",
    "RRULE", "RDATE", "UID", "DTSTAMP", "LAST-MODIFIED", "CREATED", "SEQUENCE", "STATUS", "DTEND", "SUMMARY",
    "DESCRIPTION", "LOCATION", "ORGANIZER", "CATEGORIES", "CLASS", "URL",
}  # fmt: skip


def physical_lines(body):
    """The lines as sent, each checked to end in CRLF."""
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "bare CR or LF"
    return lines


def unfolded_lines(body):
    """Content lines after RFC 5545 unfolding, as text."""
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def property_names(body):
    return [line.split(":", 1)[0].split(";", 1)[0] for line in unfolded_lines(body)]


def events(body):
    """{UID: vobject VEVENT} as an independent parser reads them."""
    calendar = vobject.readOne(body.decode("utf-8"))
    return {event.uid.value: event for event in calendar.contents.get("vevent", [])}


def calendar(body):
    return vobject.readOne(body.decode("utf-8"))


def utc(value):
    return value.astimezone(dt.UTC)
