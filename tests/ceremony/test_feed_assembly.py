"""Feeds assembled from kept event texts (ceremony.ical.build_feed): after any change, the same bytes as a build
from nothing, and only the changed events serialised again."""

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.cache.backends.dummy import DummyCache

from ceremony import ical
from ceremony.enums import ItemStatus, Visibility
from ceremony.ical import build_calendar, build_feed
from ceremony.models import ScheduleItem
from ceremony.services import schedule_item_cancel
from delegations.models import Invitation
from delegations.services import delegation_issue_token
from tests import icalcheck
from tests.factories import CeremonyFactory, ScheduleItemFactory, hanoi

LANGS = ("en", "vi")


def feed_urls(world):
    return {
        "programme": "/programme.ics",
        "alpha": f"/d/{world.alpha_token}/calendar.ics",
        "beta": f"/d/{world.beta_token}/calendar.ics",
        "staff": f"/staff/{world.staff_token}/calendar.ics",
    }


def fetch_all(client, world):
    feeds = {}
    for name, url in feed_urls(world).items():
        for lang in LANGS:
            response = client.get(f"{url}?lang={lang}")
            assert response.status_code == 200, (name, lang)
            feeds[name, lang] = response.content
    return feeds


def from_nothing(client, world):
    """Every feed as a server that has kept nothing builds it."""
    cache.clear()
    ical.forget_texts()
    return fetch_all(client, world)


def rename_room(world):
    world.room.name = "Hall A, renamed"
    world.room.save()


def rename_venue(world):
    world.room.venue.name_vi = "Trung tâm mới"
    world.room.venue.save()


def rename_lead_agency(world):
    world.mps.name = "Ministry of Public Security of Viet Nam"
    world.mps.save()


def retitle(world):
    item = ScheduleItem.objects.get(uid="opening")
    item.title, item.title_vi = "Opening, retitled", "Khai mạc mới"
    item.save()


def move(world):
    item = ScheduleItem.objects.get(uid="briefing")
    item.starts_at, item.ends_at = hanoi(25, 7), hanoi(25, 7, 45)
    item.save()


def cancel(world):
    schedule_item_cancel(item=ScheduleItem.objects.get(uid="alpha-slot"))


def invite(world):
    Invitation.objects.create(item=world.items.beta_slot, delegation=world.alpha)


def uninvite(world):
    Invitation.objects.filter(item=world.items.alpha_slot, delegation=world.alpha).delete()


def rotate_token(world):
    world.alpha_token = delegation_issue_token(delegation=world.alpha)


def make_public(world):
    item = ScheduleItem.objects.get(uid="alpha-slot")
    item.visibility = Visibility.PUBLIC
    item.save()


def hand_over(world):
    item = ScheduleItem.objects.get(uid="opening")
    item.lead_agency = world.mofa  # no address: the host agency or the ceremony organizes it now
    item.save()


def add_item(world):
    ScheduleItemFactory(
        ceremony=world.ceremony,
        uid="late-addition",
        visibility=Visibility.DELEGATIONS,
        room=world.room,
        starts_at=hanoi(27, 9),
        ends_at=hanoi(27, 10),
    )


def delete_item(world):
    ScheduleItem.objects.filter(uid="security-sweep").delete()


def change_zone(world):
    world.ceremony.time_zone = "Europe/Paris"
    world.ceremony.save()


def rename_ceremony(world):
    world.ceremony.contact_email = ""
    world.ceremony.name = "Hanoi signing, renamed"
    world.ceremony.save()


CHANGES = [
    retitle, move, cancel, invite, uninvite, rename_room, rename_venue, rename_lead_agency, rotate_token,
    make_public, hand_over, add_item, delete_item, change_zone, rename_ceremony,
]  # fmt: skip


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__ for change in CHANGES])
def test_every_feed_after_a_change_is_the_build_from_nothing_byte_for_byte(client, world, change):
    before = fetch_all(client, world)
    change(world)
    kept = fetch_all(client, world)
    assert kept == from_nothing(client, world)
    assert kept != before  # every change shows in some feed


def test_kept_events_serve_another_language_and_feed_only_their_own(client, world):
    world.items.opening.title_vi = ""  # the Vietnamese feed falls back to the English title
    world.items.opening.save()
    kept = fetch_all(client, world)
    assert kept == from_nothing(client, world)
    assert icalcheck.events(kept["programme", "vi"])["opening"].summary.value == "Opening, speeches; and welcome"


def _serialised(client, url):
    with mock.patch.object(ical, "_event", wraps=ical._event) as event:
        assert client.get(url).status_code == 200
    return sorted(call.args[0].uid for call in event.call_args_list)


@pytest.mark.parametrize("name", ["programme", "alpha", "beta", "staff"])
def test_after_a_one_item_edit_each_feed_serialises_that_event_alone(client, world, name):
    url = feed_urls(world)[name]
    assert len(_serialised(client, url)) > 1
    item = ScheduleItem.objects.get(uid="opening")  # in every feed: public, led by the staff member's agency
    item.title = "Opening, moved"
    item.starts_at, item.ends_at = hanoi(25, 9, 30), hanoi(25, 11)
    item.save()
    assert _serialised(client, url) == ["opening"]
    assert _serialised(client, url) == []  # the next poll: the whole feed is kept under its new ETag


@pytest.mark.parametrize("name", ["programme", "alpha"])
def test_an_event_kept_for_one_address_is_not_served_at_another(client, world, name, settings):
    settings.ALLOWED_HOSTS = ["testserver", "planner.example"]
    url = feed_urls(world)[name]
    plain = icalcheck.events(client.get(url).content)["opening"].url.value
    secure = icalcheck.events(client.get(url, secure=True).content)["opening"].url.value
    other = icalcheck.events(client.get(url, HTTP_HOST="planner.example").content)["opening"].url.value
    assert (plain, secure, other) == (
        "http://testserver/items/opening.ics",
        "https://testserver/items/opening.ics",
        "http://planner.example/items/opening.ics",
    )


def test_a_delegation_feed_reuses_the_programmes_public_events(client, world):
    client.get("/programme.ics")
    assert _serialised(client, feed_urls(world)["alpha"]) == ["alpha-slot", "briefing"]


def test_a_delegations_private_events_are_its_own(client, world):
    world.items.beta_slot.invited_delegations.add(world.alpha)
    client.get(feed_urls(world)["alpha"])
    # The same invited item in beta's feed links with beta's key, not alpha's.
    assert _serialised(client, feed_urls(world)["beta"]) == ["beta-slot", "briefing"]


# The builder itself, against the calendar built whole with icalendar.


def _urls(item):
    return f"https://x.test/items/{item.uid}.ics"


@pytest.mark.parametrize("lang", LANGS)
def test_build_feed_gives_the_bytes_of_build_calendar(world, lang, settings):
    settings.LANGUAGE_CODE = lang
    items = ScheduleItem.objects.filter(ceremony=world.ceremony).for_calendar()
    whole = build_calendar(ceremony=world.ceremony, items=items, name="All", url_for=_urls)
    kept = build_feed(
        ceremony=world.ceremony, items=items, name="All", url_for=_urls, variant=lambda *_: "", store=cache
    )
    again = build_feed(
        ceremony=world.ceremony, items=items, name="All", url_for=_urls, variant=lambda *_: "", store=cache
    )
    assert kept == again == whole
    assert len(icalcheck.events(whole)) == 7


def test_build_feed_of_no_event_has_no_zone(world):
    items = ScheduleItem.objects.none().for_calendar()
    whole = build_calendar(ceremony=world.ceremony, items=items, name="None")
    built = build_feed(
        ceremony=world.ceremony, items=items, name="None", url_for=_urls, variant=lambda *_: "", store=cache
    )
    assert built == whole
    assert b"VTIMEZONE" not in built


def test_build_feed_writes_utc_and_the_zone_as_build_calendar_does_around_a_fall_back(db):
    ceremony = CeremonyFactory(
        time_zone="Europe/Paris", first_day=dt.date(2025, 10, 25), last_day=dt.date(2025, 10, 27)
    )
    # 02:30 on 26 Oct 2025 happens twice in Paris: the second one is written in UTC.
    second = dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.UTC)
    ScheduleItemFactory(
        ceremony=ceremony, uid="repeated-hour", starts_at=second, ends_at=second + dt.timedelta(minutes=20)
    )
    ScheduleItemFactory(
        ceremony=ceremony,
        uid="later",
        starts_at=second + dt.timedelta(days=1),
        ends_at=second + dt.timedelta(days=1, hours=1),
    )
    items = ScheduleItem.objects.filter(ceremony=ceremony).for_calendar()
    store = DummyCache("planner-tests", {})  # keeps nothing: every event serialised afresh
    built = build_feed(ceremony=ceremony, items=items, name="Paris", url_for=_urls, variant=lambda *_: "", store=store)
    assert built == build_calendar(ceremony=ceremony, items=items, name="Paris", url_for=_urls)
    assert b"DTSTART:20251026T013000Z" in built
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris" in built


def test_build_feed_of_events_all_in_utc_has_no_zone(db):
    ceremony = CeremonyFactory(
        time_zone="Europe/Paris", first_day=dt.date(2025, 10, 25), last_day=dt.date(2025, 10, 27)
    )
    second = dt.datetime(2025, 10, 26, 1, 5, tzinfo=dt.UTC)
    ScheduleItemFactory(ceremony=ceremony, uid="repeated", starts_at=second, ends_at=second + dt.timedelta(minutes=20))
    items = ScheduleItem.objects.filter(ceremony=ceremony).for_calendar()
    built = build_feed(ceremony=ceremony, items=items, name="Paris", url_for=_urls, variant=lambda *_: "", store=cache)
    assert built == build_calendar(ceremony=ceremony, items=items, name="Paris", url_for=_urls)
    assert b"VTIMEZONE" not in built


def test_an_item_changed_while_a_feed_is_built_is_kept_under_its_new_stamp(world):
    """The stamps are read first and the missing items loaded after: an edit in between must not file the new
    text under the old stamp."""
    items = ScheduleItem.objects.filter(ceremony=world.ceremony, uid="opening").for_calendar()
    stamps = ical._stamps

    def edited_meanwhile(queryset):
        read = stamps(queryset)
        item = ScheduleItem.objects.get(uid="opening")
        item.title = "Edited meanwhile"
        item.save()
        return read

    with mock.patch.object(ical, "_stamps", edited_meanwhile):
        first = build_feed(
            ceremony=world.ceremony, items=items, name="x", url_for=_urls, variant=lambda *_: "", store=cache
        )
    assert icalcheck.events(first)["opening"].summary.value == "Edited meanwhile"
    again = build_feed(
        ceremony=world.ceremony, items=items, name="x", url_for=_urls, variant=lambda *_: "", store=cache
    )
    assert again == build_calendar(ceremony=world.ceremony, items=items, name="x", url_for=_urls)


def test_a_cancelled_event_keeps_its_own_text(client, world):
    client.get("/programme.ics")
    schedule_item_cancel(item=world.items.opening)
    event = icalcheck.events(client.get("/programme.ics").content)["opening"]
    assert event.status.value == "CANCELLED"
    assert event.summary.value.startswith("Cancelled: ")
    assert ScheduleItem.objects.get(uid="opening").status == ItemStatus.CANCELLED
