"""The calendar builder: what every feed writes, read back by an independent parser."""

import base64
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.utils import translation

from ceremony import ical
from ceremony.ical import build_calendar, multi_line, one_line
from ceremony.models import ScheduleItem
from tests import icalcheck
from tests.factories import AgencyFactory, CeremonyFactory, ScheduleItemFactory

ROOT = Path(__file__).resolve().parents[2]

# Each tries to end the current content line and start a property or a whole event of its own.
PAYLOADS = [
    "Evil\r\nUID:injected-crlf",
    "Evil\nBEGIN:VEVENT\nUID:injected-lf",
    "Evil\rATTENDEE:mailto:injected-cr@example.com",
    "Evil\u2028X-INJECTED:line-separator",
    "Evil\u2029X-INJECTED:paragraph-separator",
    "Evil\x85X-INJECTED:next-line",
    "Evil\x0bX-INJECTED:vertical-tab\x0cX-INJECTED:form-feed",
]
# PostgreSQL refuses NUL in text (and Django's form fields reject it), so NUL is tried without a database.
UNSTORABLE = ["Evil\x00X-INJECTED:nul\x1bescape"]


def build(items, ceremony, name="Programme"):
    return build_calendar(ceremony=ceremony, items=items, name=name, url_for=lambda item: f"https://x.test/{item.uid}")


# Characters some parsers take for a line end; none may reach the wire.
BREAKING = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x00"]


def assert_no_injection(body):
    text = body.decode("utf-8")
    assert not [c for c in BREAKING if c in text]
    icalcheck.physical_lines(body)  # a lone CR or LF would end a line for some parsers
    names = icalcheck.property_names(body)
    assert set(names) <= icalcheck.KNOWN, set(names) - icalcheck.KNOWN
    assert "injected" not in "".join(line for line in icalcheck.unfolded_lines(body) if line.startswith("UID"))


@pytest.fixture
def calendar_items(world):
    return list(ScheduleItem.objects.filter(ceremony=world.ceremony).for_calendar())


def utc(day, hour, minute=0):
    return dt.datetime(2025, 10, day, hour, minute, tzinfo=dt.UTC)


# From the ``world`` fixture: UID -> (SUMMARY, STATUS, SEQUENCE, DTSTART and DTEND in UTC, CLASS); Hanoi is UTC+7.
FIXTURE_EVENTS = {
    "opening": ("Opening, speeches; and welcome", "CONFIRMED", "0", utc(25, 2), utc(25, 3, 30), "PUBLIC"),
    "briefing": ("Briefing", "CONFIRMED", "0", utc(25, 1), utc(25, 1, 30), "PRIVATE"),
    "alpha-slot": ("Alpha slot", "CONFIRMED", "0", utc(25, 4), utc(25, 4, 5), "PRIVATE"),
    "beta-slot": ("Beta slot", "CONFIRMED", "0", utc(25, 4, 5), utc(25, 4, 10), "PRIVATE"),
    "security-sweep": ("Security sweep", "CONFIRMED", "0", utc(24, 23), utc(25, 0), "PRIVATE"),
    "press-prep": ("Press prep", "CONFIRMED", "0", utc(26, 6), utc(26, 7), "PRIVATE"),
    "closing": ("Cancelled: Closing", "CANCELLED", "0", utc(26, 4), utc(26, 5), "PUBLIC"),
}


def test_each_event_carries_uid_summary_status_sequence_and_utc_instants(world, calendar_items):
    events = icalcheck.events(build(calendar_items, world.ceremony))

    assert {
        uid: (
            event.summary.value,
            event.status.value,
            event.sequence.value,
            icalcheck.utc(event.dtstart.value),
            icalcheck.utc(event.dtend.value),
            event.contents["class"][0].value,
        )
        for uid, event in events.items()
    } == FIXTURE_EVENTS
    for uid, event in events.items():
        assert event.location.value == "Plenary Hall, National Convention Center, Hanoi"
        assert event.url.value == f"https://x.test/{uid}"
    opening = events["opening"]
    assert opening.description.value == "Line one\nLine two"
    assert opening.organizer.value == "mailto:protocol@mps.example"
    assert opening.organizer.params["CN"] == ["Ministry of Public Security"]
    assert "organizer" not in events["press-prep"].contents  # led by an agency without an email


def test_times_carry_the_iana_zone_with_a_vtimezone_for_it(world, calendar_items):
    body = build(calendar_items, world.ceremony)
    lines = icalcheck.unfolded_lines(body)
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20251025T090000" in lines
    tzids = {line.split("TZID=", 1)[1].split(":", 1)[0] for line in lines if ";TZID=" in line}
    vtimezones = [line.removeprefix("TZID:") for line in lines if line.startswith("TZID:")]
    assert tzids == {"Asia/Ho_Chi_Minh"}
    assert vtimezones == ["Asia/Ho_Chi_Minh"]
    assert "X-WR-TIMEZONE:Asia/Ho_Chi_Minh" in lines
    # No floating times: in events, every start and end names its zone.
    in_event = False
    for line in lines:
        in_event = line == "BEGIN:VEVENT" or (in_event and line != "END:VEVENT")
        if in_event and line.startswith(("DTSTART", "DTEND")):
            assert line.startswith(("DTSTART;TZID=Asia/Ho_Chi_Minh:", "DTEND;TZID=Asia/Ho_Chi_Minh:")), line


def test_calendar_properties(world, calendar_items):
    lines = icalcheck.unfolded_lines(build(calendar_items, world.ceremony, name="Hanoi, signing; day\none"))
    for expected in (
        "VERSION:2.0",
        "METHOD:PUBLISH",
        "NAME:Hanoi\\, signing\\; day one",
        "X-WR-CALNAME:Hanoi\\, signing\\; day one",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert expected in lines


def test_cancelled_items_stay_with_status_cancelled(world, calendar_items):
    closing = icalcheck.events(build(calendar_items, world.ceremony))["closing"]
    assert closing.status.value == "CANCELLED"
    assert closing.summary.value == "Cancelled: Closing"


def test_dtstamp_is_the_last_change_not_the_time_of_download(world, calendar_items):
    opening = icalcheck.events(build(calendar_items, world.ceremony))["opening"]
    stored = world.items.opening.updated_at.replace(microsecond=0)
    assert icalcheck.utc(opening.dtstamp.value) == stored
    assert icalcheck.utc(opening.last_modified.value) == stored


@pytest.mark.parametrize("renamed", ["room", "venue", "organizer"])
def test_dtstamp_moves_when_the_room_venue_or_organizer_it_names_is_renamed(world, renamed):
    later = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    shown = {"room": world.room, "venue": world.room.venue, "organizer": world.mps}[renamed]
    with mock.patch("django.utils.timezone.now", return_value=later):
        shown.name = "Renamed"
        shown.save()
        world.mofa.name = "Renamed too"  # leads only press-prep, which names no organizer: no change there
        world.mofa.save()

    events = icalcheck.events(
        build(list(ScheduleItem.objects.filter(ceremony=world.ceremony).for_calendar()), world.ceremony)
    )

    opening = events["opening"]
    assert icalcheck.utc(opening.dtstamp.value) == icalcheck.utc(opening.last_modified.value) == later
    press_prep = events["press-prep"]
    if renamed == "organizer":
        assert icalcheck.utc(press_prep.dtstamp.value) == world.items.press_prep.updated_at.replace(microsecond=0)
    else:  # same room, hence same venue
        assert icalcheck.utc(press_prep.dtstamp.value) == later


def test_output_is_byte_identical_for_identical_data(world, calendar_items):
    first = build(calendar_items, world.ceremony)
    again = build(list(ScheduleItem.objects.filter(ceremony=world.ceremony).for_calendar()), world.ceremony)
    assert first == again


def test_wire_format_is_crlf_with_lines_of_at_most_75_octets_and_whole_utf8(world, calendar_items):
    item = world.items.opening
    item.title = "Lễ khai mạc — " * 12  # many multi-byte characters, long enough to fold several times
    item.save()
    body = build(list(ScheduleItem.objects.filter(ceremony=world.ceremony).for_calendar()), world.ceremony)
    lines = icalcheck.physical_lines(body)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # a fold that split a character would fail here
    assert icalcheck.events(body)["opening"].summary.value == ("Lễ khai mạc — " * 12).strip()


def test_descriptions_follow_the_language_with_english_fallback(world, calendar_items):
    with translation.override("vi"):
        events = icalcheck.events(build(calendar_items, world.ceremony))
    assert events["opening"].summary.value == "Khai mạc"
    assert events["briefing"].summary.value == "Briefing"


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_user_text_can_start_a_content_line(world, payload, language):
    opening = world.items.opening
    for field in ("title", "title_vi", "description", "description_vi"):
        setattr(opening, field, f"{field} {payload}")
    opening.save()
    venue = world.room.venue
    venue.name, venue.name_vi, venue.city = f"venue {payload}", f"venue-vi {payload}", f"city {payload}"
    venue.save()
    world.room.name, world.room.name_vi = f"room {payload}", f"room-vi {payload}"
    world.room.save()
    world.mps.name, world.mps.name_vi, world.mps.email = f"mps {payload}", f"mps-vi {payload}", f"a{payload}@x.test"
    world.mps.save()
    items = list(ScheduleItem.objects.filter(ceremony=world.ceremony).for_calendar())

    with translation.override(language):
        body = build(items, world.ceremony, name=payload)
    assert_no_injection(body)
    events = icalcheck.events(body)
    assert len(events) == 7
    suffix = "_vi" if language == "vi" else ""
    event = events["opening"]
    assert event.summary.value == one_line(f"title{suffix} {payload}")
    assert event.description.value == multi_line(f"description{suffix} {payload}")
    vi = "-vi" if language == "vi" else ""
    assert event.location.value == one_line(f"room{vi} {payload}, venue{vi} {payload}, city {payload}")
    assert event.organizer.params["CN"] == [one_line(f"mps{vi} {payload}")]
    assert event.organizer.value == f"mailto:{one_line(f'a{payload}@x.test')}"


def test_the_injection_check_fails_when_cleaning_is_off(world, monkeypatch):
    """A lone CR in a NAME written raw passes a check that splits on CRLF only; ours must catch it."""
    monkeypatch.setattr(ical, "one_line", lambda text: text or "")
    monkeypatch.setattr(ical, "_text", lambda value: value)
    body = build([], world.ceremony, name="Evil\rATTENDEE:mailto:injected-cr@example.com")
    assert b"NAME:Evil\rATTENDEE" in body
    with pytest.raises(AssertionError, match="bare CR or LF"):
        assert_no_injection(body)


def test_text_cleaners():
    assert one_line("a\r\nb\u2028c\x00d\te") == "a b c d e"
    assert multi_line("a\r\nb\rc\u2028d\x07") == "a\nb\nc\nd"


SCRIPT = """
import base64, datetime as dt, os, sys, django
django.setup()
from ceremony.ical import build_calendar
from django.utils import translation
from ceremony.models import Agency, Ceremony, Room, ScheduleItem, Venue
payload = sys.argv[1].encode().decode("unicode_escape")
ceremony = Ceremony(pk=1, name=payload, slug="c", city="Hanoi", first_day=dt.date(2025, 10, 25),
                    last_day=dt.date(2025, 10, 26))
start = dt.datetime(2025, 10, 25, 2, tzinfo=dt.UTC)
venue = Venue(pk=1, key="v", name=payload, name_vi=payload, city=payload, updated_at=start)
room = Room(pk=1, key="r", venue=venue, name=payload, name_vi=payload, updated_at=start)
agency = Agency(pk=1, code="a", name=payload, name_vi=payload, email=f"a{payload}@example.com", updated_at=start)
item = ScheduleItem(pk=1, ceremony=ceremony, uid="u1", title=payload, description=payload, title_vi=payload,
                    description_vi=payload, kind="opening",
                    starts_at=start, ends_at=start + dt.timedelta(hours=1), room=room, lead_agency=agency,
                    status="confirmed", visibility="public", updated_at=start, created_at=start)
for language in ("en", "vi"):
    with translation.override(language):
        body = build_calendar(ceremony=ceremony, items=[item], name=payload)
    sys.stdout.write(base64.b64encode(body).decode() + " ")
"""


@pytest.mark.parametrize("payload", PAYLOADS + UNSTORABLE)
def test_no_injection_under_python_optimize(payload):
    """With -O, icalendar's own asserts are gone; the planner's cleaning must not depend on them."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    escaped = payload.encode("unicode_escape").decode()
    result = subprocess.run(
        [sys.executable, "-O", "-c", SCRIPT, escaped], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    bodies = [base64.b64decode(part) for part in result.stdout.split()]
    assert len(bodies) == 2  # English and Vietnamese
    for body in bodies:
        assert_no_injection(body)
        assert list(icalcheck.events(body)) == ["u1"]


def test_times_in_the_repeated_hour_of_a_fall_back_keep_their_instant(db):
    """In Paris, 02:00–03:00 happens twice on 2025-10-26; RFC 5545 reads such a local time as the first."""
    ceremony = CeremonyFactory(time_zone="Europe/Paris", first_day=dt.date(2025, 10, 25))
    utc = dt.UTC

    def item(uid, start, end):
        return ScheduleItemFactory(ceremony=ceremony, uid=uid, starts_at=start, ends_at=end)

    item("first-pass", dt.datetime(2025, 10, 26, 0, 30, tzinfo=utc), dt.datetime(2025, 10, 26, 1, 0, tzinfo=utc))
    item("second-pass", dt.datetime(2025, 10, 26, 1, 30, tzinfo=utc), dt.datetime(2025, 10, 26, 2, 30, tzinfo=utc))
    item("summer", dt.datetime(2025, 10, 25, 7, 0, tzinfo=utc), dt.datetime(2025, 10, 25, 8, 0, tzinfo=utc))
    body = build(list(ScheduleItem.objects.filter(ceremony=ceremony).for_calendar()), ceremony)

    events = icalcheck.events(body)
    instants = {uid: (icalcheck.utc(e.dtstart.value), icalcheck.utc(e.dtend.value)) for uid, e in events.items()}
    assert instants == {
        "first-pass": (dt.datetime(2025, 10, 26, 0, 30, tzinfo=utc), dt.datetime(2025, 10, 26, 1, 0, tzinfo=utc)),
        "second-pass": (dt.datetime(2025, 10, 26, 1, 30, tzinfo=utc), dt.datetime(2025, 10, 26, 2, 30, tzinfo=utc)),
        "summer": (dt.datetime(2025, 10, 25, 7, 0, tzinfo=utc), dt.datetime(2025, 10, 25, 8, 0, tzinfo=utc)),
    }
    lines = icalcheck.unfolded_lines(body)
    # The first pass through 02:30 can be named locally; the second pass and 02:00 after the change cannot.
    assert "DTSTART;TZID=Europe/Paris:20251026T023000" in lines
    assert "DTEND:20251026T010000Z" in lines
    assert "DTSTART:20251026T013000Z" in lines
    assert "DTEND;TZID=Europe/Paris:20251026T033000" in lines
    assert "DTSTART;TZID=Europe/Paris:20251025T090000" in lines


def organizers(world):
    items = list(ScheduleItem.objects.filter(ceremony=world.ceremony).for_calendar())
    events = icalcheck.events(build(items, world.ceremony))
    return {
        uid: (event.organizer.value, event.organizer.params["CN"]) if "organizer" in event.contents else None
        for uid, event in events.items()
        if uid in {"opening", "press-prep"}
    }


def test_organizer_falls_back_to_the_host_agency_when_the_lead_has_no_email(world):
    world.ceremony.host_agency = AgencyFactory(code="host", name="Host Office", email="host@gov.example")
    world.ceremony.save()

    assert organizers(world) == {
        "opening": ("mailto:protocol@mps.example", ["Ministry of Public Security"]),
        "press-prep": ("mailto:host@gov.example", ["Host Office"]),  # led by the foreign ministry, no email
    }


def test_organizer_is_left_out_when_neither_lead_nor_host_has_an_email(world):
    world.ceremony.host_agency = world.mofa
    world.ceremony.save()

    assert organizers(world) == {
        "opening": ("mailto:protocol@mps.example", ["Ministry of Public Security"]),
        "press-prep": None,
    }


def test_organizer_falls_back_to_the_ceremonys_contact_address(world, settings):
    settings.PLANNER_CONTACT_EMAIL = "ceremony@planner.example"
    world.ceremony.host_agency = world.mofa
    world.ceremony.save()

    assert organizers(world)["press-prep"] == ("mailto:ceremony@planner.example", ["Hanoi signing"])

    world.ceremony.contact_email = "protocol@ceremony.example"
    world.ceremony.save()
    assert organizers(world)["press-prep"] == ("mailto:protocol@ceremony.example", ["Hanoi signing"])
    with translation.override("vi"):
        assert organizers(world)["press-prep"] == ("mailto:protocol@ceremony.example", ["Lễ ký Hà Nội"])


def test_a_double_quote_in_the_organizer_name_reads_as_a_quote(world):
    world.mps.name = 'Ministry of "Public" Security'
    world.mps.save()

    body = build(list(ScheduleItem.objects.filter(ceremony=world.ceremony).for_calendar()), world.ceremony)

    assert icalcheck.events(body)["opening"].organizer.params["CN"] == ["Ministry of ”Public” Security"]
    assert b"^'" not in body
