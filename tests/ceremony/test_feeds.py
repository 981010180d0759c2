"""The calendar endpoints over HTTP: who sees what, caching, and what calendar apps receive."""

import datetime as dt
from unittest import mock

import pytest
from django.db.models import F
from django.utils.http import http_date

from ceremony.enums import Visibility
from ceremony.ical import build_calendar
from ceremony.models import Ceremony, ScheduleItem
from ceremony.services import schedule_item_cancel, staff_issue_token
from ceremony.tokens import DELEGATION, item_link_key
from tests import icalcheck
from tests.factories import CeremonyFactory, ScheduleItemFactory, hanoi


def uids(response):
    return set(icalcheck.events(response.content))


def delegation_url(token):
    return f"/d/{token}/calendar.ics"


def staff_url(token):
    return f"/staff/{token}/calendar.ics"


def feed_url(world, kind):
    return {
        "programme": "/programme.ics",
        "delegation": delegation_url(world.alpha_token),
        "staff": staff_url(world.staff_token),
        "item": "/items/opening.ics",
        "item-token": f"/items/alpha-slot.ics?token={world.alpha_token}",
        "item-key": f"/items/alpha-slot.ics?key={item_link_key(uid='alpha-slot', kind=DELEGATION, holder=world.alpha)}",
        "item-staff": f"/items/security-sweep.ics?token={world.staff_token}",
    }[kind]


# --- who sees what -------------------------------------------------------------------------


def test_programme_feed_has_the_public_items_cancelled_included(client, world):
    response = client.get("/programme.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Disposition" not in response
    assert uids(response) == {"opening", "closing"}
    assert icalcheck.events(response.content)["closing"].status.value == "CANCELLED"


def test_programme_feed_names_the_ceremony_and_links_each_item(client, world):
    response = client.get("/programme.ics")
    lines = icalcheck.unfolded_lines(response.content)
    assert "X-WR-CALNAME:Hanoi signing" in lines
    assert icalcheck.events(response.content)["opening"].url.value == "http://testserver/items/opening.ics"


def test_programme_feed_in_vietnamese(client, world):
    response = client.get("/programme.ics?lang=vi")
    assert "X-WR-CALNAME:Lễ ký Hà Nội" in icalcheck.unfolded_lines(response.content)
    assert icalcheck.events(response.content)["opening"].summary.value == "Khai mạc"


def test_programme_feed_in_vietnamese_names_the_city_in_vietnamese(client, world):
    venue = world.room.venue
    venue.name_vi, venue.city_vi = "Trung tâm Hội nghị Quốc gia", "Hà Nội"
    venue.save()
    vietnamese = icalcheck.events(client.get("/programme.ics?lang=vi").content)["opening"]
    english = icalcheck.events(client.get("/programme.ics").content)["opening"]
    assert vietnamese.location.value.endswith("Trung tâm Hội nghị Quốc gia, Hà Nội")
    assert english.location.value.endswith(f"{venue.name}, Hanoi")


def test_staff_feed_has_what_their_agency_leads_or_supports_internal_included(client, world):
    response = client.get(staff_url(world.staff_token))
    assert response.status_code == 200
    mps_led = {"opening", "briefing", "alpha-slot", "beta-slot", "security-sweep", "closing"}
    assert uids(response) == mps_led
    world.items.press_prep.supporting_agencies.add(world.mps)
    assert uids(client.get(staff_url(world.staff_token))) == mps_led | {"press-prep"}


@pytest.mark.parametrize(
    "url",
    [
        delegation_url("x" * 43),
        delegation_url("short"),
        staff_url("x" * 43),
        "/items/security-sweep.ics",
        "/items/security-sweep.ics?token=" + "x" * 43,
        "/items/no-such-item.ics",
    ],
)
def test_unknown_tokens_and_hidden_items_get_a_404_that_reveals_nothing(client, world, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.content == b"Not found."


def test_a_rotated_staff_token_is_refused(client, world):
    new = staff_issue_token(user=world.staff_user)
    assert client.get(staff_url(world.staff_token)).status_code == 404
    assert client.get(staff_url(new)).status_code == 200


def test_a_delegation_token_does_not_open_the_staff_feed(client, world):
    assert client.get(staff_url(world.alpha_token)).status_code == 404
    assert client.get(delegation_url(world.staff_token)).status_code == 404


# --- single items --------------------------------------------------------------------------


def test_public_item_downloads_with_a_file_name(client, world):
    response = client.get("/items/opening.ics")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="opening.ics"'
    assert uids(response) == {"opening"}
    assert "public" in response["Cache-Control"]


def test_internal_item_downloads_with_the_leading_agencys_staff_token(client, world):
    assert client.get(f"/items/security-sweep.ics?token={world.staff_token}").status_code == 200
    assert client.get(f"/items/press-prep.ics?token={world.staff_token}").status_code == 404
    assert client.get(f"/items/security-sweep.ics?token={world.alpha_token}").status_code == 404


def test_the_same_item_has_the_same_uid_in_every_export(client, world):
    exports = [
        client.get("/programme.ics"),
        client.get(delegation_url(world.alpha_token)),
        client.get(staff_url(world.staff_token)),
        client.get("/items/opening.ics"),
    ]
    lines = [[line for line in icalcheck.unfolded_lines(r.content) if line == "UID:opening"] for r in exports]
    assert lines == [["UID:opening"]] * 4


# --- HTTP caching ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["programme", "delegation", "staff", "item", "item-key"])
def test_identical_data_gives_identical_bytes_and_validators(client, world, kind):
    url = feed_url(world, kind)
    # Last changed a while ago: Last-Modified is sent once the second of the last change is over.
    Ceremony.objects.update(feeds_changed_at=F("feeds_changed_at") - dt.timedelta(minutes=5))
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert first["ETag"].startswith('"') and not first["ETag"].startswith("W/")
    assert first["Last-Modified"] == http_date(world.ceremony.__class__.objects.get().feeds_changed_at.timestamp())
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_304_costs_one_query(client, world, django_assert_num_queries):
    etag = client.get(delegation_url(world.alpha_token))["ETag"]
    with django_assert_num_queries(1):
        assert client.get(delegation_url(world.alpha_token), HTTP_IF_NONE_MATCH=etag).status_code == 304
    etag = client.get(staff_url(world.staff_token))["ETag"]
    with django_assert_num_queries(1):
        assert client.get(staff_url(world.staff_token), HTTP_IF_NONE_MATCH=etag).status_code == 304
    etag = client.get("/programme.ics")["ETag"]
    with django_assert_num_queries(1):
        assert client.get("/programme.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_built_feed_serves_later_downloads_after_one_query(client, world, django_assert_num_queries):
    first = client.get(delegation_url(world.alpha_token))
    with django_assert_num_queries(1):
        again = client.get(delegation_url(world.alpha_token))
    assert again.content == first.content


def _etag_moves(client, url, change):
    before = client.get(url)
    change()
    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    return after


def test_etag_moves_when_an_item_changes(client, world):
    def retitle():
        world.items.opening.title = "Opening ceremony"
        world.items.opening.save()

    after = _etag_moves(client, "/programme.ics", retitle)
    assert icalcheck.events(after.content)["opening"].summary.value == "Opening ceremony"


def test_etag_moves_when_an_item_is_deleted(client, world):
    after = _etag_moves(client, staff_url(world.staff_token), world.items.security.delete)
    assert "security-sweep" not in uids(after)


def test_etag_moves_when_an_item_leaves_a_feed(client, world):
    def uninvite():
        world.items.alpha_slot.invited_delegations.remove(world.alpha)

    after = _etag_moves(client, delegation_url(world.alpha_token), uninvite)
    assert "alpha-slot" not in uids(after)


def test_etag_moves_when_an_item_moves_to_another_ceremony(client, world):
    def move():
        world.items.opening.ceremony = CeremonyFactory()
        world.items.opening.save()

    after = _etag_moves(client, "/programme.ics", move)
    assert uids(after) == {"closing"}


def test_etag_moves_when_a_room_is_renamed(client, world):
    def rename():
        world.room.name = "Hall A"
        world.room.save()

    after = _etag_moves(client, "/programme.ics", rename)
    assert icalcheck.events(after.content)["opening"].location.value.startswith("Hall A,")


def test_etag_moves_when_an_item_is_cancelled_by_the_service(client, world):
    after = _etag_moves(client, "/programme.ics", lambda: schedule_item_cancel(item=world.items.opening))
    assert icalcheck.events(after.content)["opening"].status.value == "CANCELLED"


CHANGED = dt.datetime(2025, 10, 26, 1, 30, 0, 250000, tzinfo=dt.UTC)  # a quarter into a second


def _at(seconds):
    """The clock ``seconds`` after CHANGED."""
    return mock.patch("django.utils.timezone.now", return_value=CHANGED + dt.timedelta(seconds=seconds))


def test_no_last_modified_until_the_second_of_the_last_change_is_over(client, world):
    Ceremony.objects.update(feeds_changed_at=CHANGED)
    with _at(0.25):
        during = client.get("/programme.ics")
    with _at(0.5):  # another change within the same second
        world.items.opening.title = "Opening ceremony"
        world.items.opening.save()
    with _at(1):
        after = client.get("/programme.ics", HTTP_IF_NONE_MATCH=during["ETag"])

    # Had "01:30:00" been sent during that second, a client asking If-Modified-Since would now get a 304.
    assert "Last-Modified" not in during and during["ETag"]
    assert after.status_code == 200
    assert after["Last-Modified"] == "Sun, 26 Oct 2025 01:30:00 GMT"
    assert icalcheck.events(after.content)["opening"].summary.value == "Opening ceremony"


def test_if_modified_since_answers_by_whole_seconds_once_they_are_over(client, world):
    Ceremony.objects.update(feeds_changed_at=CHANGED)
    with _at(1.2):
        first = client.get("/programme.ics")
        assert client.get("/programme.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    with _at(1.5):
        world.items.opening.title = "Opening ceremony"
        world.items.opening.save()
    with _at(1.7):  # the change's second is still running: no 304 on the date alone
        assert client.get("/programme.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200
    with _at(2.2):
        later = client.get("/programme.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert later.status_code == 200
    assert later["Last-Modified"] == "Sun, 26 Oct 2025 01:30:01 GMT"


def test_etag_differs_by_language(client, world):
    assert client.get("/programme.ics")["ETag"] != client.get("/programme.ics?lang=vi")["ETag"]


def test_head_sends_the_headers_without_a_body(client, world):
    get, head = client.get("/programme.ics"), client.head("/programme.ics")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


def test_post_is_not_allowed(client, world):
    assert client.post("/programme.ics").status_code == 405


def test_public_feed_may_be_cached_by_anyone_private_feeds_only_by_the_client(client, world):
    assert client.get("/programme.ics")["Cache-Control"] == "public, max-age=300"
    private = client.get(delegation_url(world.alpha_token))["Cache-Control"]
    assert set(private.replace(" ", "").split(",")) == {"private", "no-cache"}


@pytest.mark.parametrize("kind", ["delegation", "staff", "item", "missing"])
def test_token_urls_send_no_referrer_and_are_not_indexed(client, world, kind):
    url = {
        "delegation": delegation_url(world.alpha_token),
        "staff": staff_url(world.staff_token),
        "item": f"/items/alpha-slot.ics?token={world.alpha_token}",
        "missing": delegation_url("y" * 43),
    }[kind]
    response = client.get(url)
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


# --- query counts ----------------------------------------------------------------------------


def _add_items(world, count):
    for n in range(count):
        start = hanoi(25, 8) + dt.timedelta(minutes=10 * n)
        item = ScheduleItemFactory(
            ceremony=world.ceremony,
            room=world.room,
            lead_agency=world.mps,
            visibility=[Visibility.PUBLIC, Visibility.DELEGATIONS, Visibility.INVITED][n % 3],
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
        )
        item.supporting_agencies.add(world.mofa)
        item.invited_delegations.add(world.alpha)


# A feed reads its events' stamps and their span, then loads the items whose text is not kept
# (ceremony.ical.build_feed). A hidden
# item costs two more queries than a public one: the holder of the token or key, and whether it may see the item;
# a staff token is looked up among delegations first.
@pytest.mark.parametrize(
    ("kind", "queries"),
    [
        ("programme", 4),
        ("delegation", 4),
        ("staff", 5),
        ("item", 1),
        ("item-token", 3),
        ("item-key", 3),
        ("item-staff", 4),
    ],
)
def test_feed_query_count_does_not_grow_with_items(client, world, kind, queries, django_assert_num_queries):
    url = feed_url(world, kind)
    _add_items(world, 3)
    with django_assert_num_queries(queries):
        small = client.get(url)
    _add_items(world, 30)
    with django_assert_num_queries(queries):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    if not kind.startswith("item"):
        assert len(uids(large)) > len(uids(small))


def test_no_ceremony_means_no_programme(client, db):
    assert client.get("/programme.ics").status_code == 404
    assert ScheduleItem.objects.count() == 0


# --- what a subscriber's app sees after a change ---------------------------------------------------------------------


def test_a_moved_item_reaches_the_feed_with_a_higher_sequence(client, world):
    before = icalcheck.events(client.get("/programme.ics").content)["opening"]
    world.items.opening.starts_at = hanoi(25, 9, 30)
    world.items.opening.save()
    after = icalcheck.events(client.get("/programme.ics").content)["opening"]
    assert (before.sequence.value, after.sequence.value) == ("0", "1")
    assert icalcheck.utc(after.dtstart.value) == dt.datetime(2025, 10, 25, 2, 30, tzinfo=dt.UTC)
    assert after.uid.value == before.uid.value


def test_a_retitled_item_keeps_its_sequence_in_the_feed(client, world):
    world.items.opening.title = "Opening ceremony"
    world.items.opening.save()
    assert icalcheck.events(client.get("/programme.ics").content)["opening"].sequence.value == "0"


# --- ORGANIZER: METHOD:PUBLISH requires it in every event (RFC 5546, 3.2.1) ----------------


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("kind", ["programme", "delegation", "staff", "item", "item-token", "item-key", "item-staff"])
def test_every_event_of_every_feed_names_an_organizer(client, world, settings, kind, lang):
    settings.PLANNER_CONTACT_EMAIL = "ceremony@planner.example"
    url = feed_url(world, kind)

    response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")

    assert b"METHOD:PUBLISH" in response.content
    events = icalcheck.events(response.content)
    assert events
    organizers = {uid: event.organizer.value for uid, event in events.items()}
    expected = {
        uid: "mailto:ceremony@planner.example" if uid == "press-prep" else "mailto:protocol@mps.example"
        for uid in events
    }
    assert organizers == expected


def test_every_seeded_event_names_an_organizer_in_development(seeded, settings):
    settings.PLANNER_CONTACT_EMAIL = "ceremony@example.org"  # what development runs with
    ceremony = Ceremony.objects.get(is_current=True)
    items = list(ScheduleItem.objects.filter(ceremony=ceremony).for_calendar())

    events = icalcheck.events(build_calendar(ceremony=ceremony, items=items, name="All"))

    assert len(events) == len(items) == ScheduleItem.objects.count() > 0
    assert {event.organizer.value for event in events.values()} == {"mailto:ceremony@example.org"}
    assert {tuple(event.organizer.params["CN"]) for event in events.values()} == {(ceremony.name,)}
