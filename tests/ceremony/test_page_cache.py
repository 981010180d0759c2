"""The public programme is kept by the data's revision: a 304 or a warm page after one query, a new page at once after
any change it shows, now and next moving with the clock, and each reader's own CSRF token."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.utils.http import http_date

from ceremony.enums import Visibility
from ceremony.models import Ceremony
from ceremony.services import schedule_item_cancel
from tests.factories import ScheduleItemFactory, hanoi

BEFORE = hanoi(1, 12)
PAST = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
LONG_AFTER = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def get(client, url="/", *, at=BEFORE, **headers):
    with mock.patch("django.utils.timezone.now", return_value=at):
        return client.get(url, **headers)


def item_ids(response):
    return re.findall(r'id="item-([^"]+)"', response.content.decode())


def page_token(response):
    """The CSRF token of the page's language form."""
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def _add_public_items(world, count, start=0):
    """Public items titled 'Extra 000'..., from 12:00 on the 25th, two minutes apart."""
    for n in range(start, start + count):
        start_at = hanoi(25, 12) + dt.timedelta(minutes=2 * n)
        ScheduleItemFactory(
            ceremony=world.ceremony, room=world.room, visibility=Visibility.PUBLIC, uid=f"extra-{n:03d}",
            title=f"Extra {n:03d}",
            starts_at=start_at, ends_at=start_at + dt.timedelta(minutes=30),
        )  # fmt: skip


# --- 304 -------------------------------------------------------------------------------------------------------------


def test_programme_answers_its_etag_with_304_after_one_query(client, world, django_assert_num_queries):
    first = get(client)
    assert first.status_code == 200
    assert re.fullmatch(r'"[0-9a-f]{40}"', first["ETag"])

    with django_assert_num_queries(1):
        again = get(client, HTTP_IF_NONE_MATCH=first["ETag"])

    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])
    assert set(again["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-cache"}


def test_programme_answers_if_modified_since_with_304(client, world, django_assert_num_queries):
    Ceremony.objects.update(feeds_changed_at=PAST)
    first = get(client)
    assert first["Last-Modified"] == http_date(PAST.timestamp()) == "Mon, 01 Sep 2025 00:00:00 GMT"

    with django_assert_num_queries(1):
        again = get(client, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304

    world.items.opening.title = "Opening, moved on"
    world.items.opening.save()
    assert get(client, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_programme_varies_on_language_and_cookie(client, world):
    response = get(client)
    assert {"Accept-Language", "Cookie"} <= {part.strip() for part in response["Vary"].split(",")}


# --- served from the cache ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/?day=all&q=extra&tz=Europe/Paris&page=2"])
def test_programme_warm_page_costs_one_query_whatever_the_size(client, world, django_assert_num_queries, url):
    _add_public_items(world, 60)
    cold = get(client, url)
    with django_assert_num_queries(1):
        warm = get(client, url)
    assert warm.content.replace(page_token(warm).encode(), b"") == cold.content.replace(page_token(cold).encode(), b"")
    assert len(item_ids(warm)) == (50 if url == "/" else 10)

    _add_public_items(world, 300, start=60)
    get(client, url)
    with django_assert_num_queries(1):
        large = get(client, url)
    assert len(item_ids(large)) == 50


def test_programme_warm_during_the_ceremony_costs_one_query(client, world, django_assert_num_queries):
    get(client, at=hanoi(25, 9, 30))
    with django_assert_num_queries(1):
        warm = get(client, at=hanoi(25, 9, 45))  # the same turn: the opening still on, the panel still next
    assert ">Happening now</span>" in warm.content.decode()


# --- a change shows at once ------------------------------------------------------------------------------------------


def _etag_moves(client, change, url="/?day=all"):
    """The page before and after ``change()``: asked with the old ETag, the reader gets the new page."""
    before = get(client, url)
    change()
    after = get(client, url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    return after.content.decode()


def test_programme_shows_an_item_edit_at_once(client, world):
    def retitle():
        world.items.opening.title = "Opening, retitled"
        world.items.opening.save()

    assert "Opening, retitled" in _etag_moves(client, retitle)


def test_programme_shows_a_move_at_once(client, world):
    def move():
        world.items.opening.starts_at, world.items.opening.ends_at = hanoi(25, 9, 15), hanoi(25, 10, 45)
        world.items.opening.save()

    assert '<time datetime="2025-10-25T09:15:00+07:00">09:15–10:45</time>' in _etag_moves(client, move)


def test_programme_shows_a_cancellation_at_once(client, world):
    text = _etag_moves(client, lambda: schedule_item_cancel(item=world.items.opening))
    opening = text[text.index('id="item-opening"') - 200 : text.index('id="item-closing"')]
    assert "item-cancelled" in opening


def test_programme_shows_a_room_renamed_at_once(client, world):
    def rename():
        world.room.name = "Hall of Nations"
        world.room.save()

    assert "Hall of Nations" in _etag_moves(client, rename)


def test_programme_shows_a_new_public_item_and_a_hidden_one_at_once(client, world):
    def publish():
        world.items.briefing.visibility = Visibility.PUBLIC
        world.items.briefing.save()

    assert item_ids_of(_etag_moves(client, publish)) == ["briefing", "opening", "closing"]


def item_ids_of(text):
    return re.findall(r'id="item-([^"]+)"', text)


def test_programme_in_another_language_is_another_page(client, world):
    english = get(client)
    client.cookies["django_language"] = "vi"
    vietnamese = get(client, HTTP_IF_NONE_MATCH=english["ETag"])

    assert vietnamese.status_code == 200
    assert vietnamese["ETag"] != english["ETag"]
    assert "Khai mạc" in vietnamese.content.decode()
    assert '<html lang="vi">' in vietnamese.content.decode()


def test_programme_choices_each_have_their_page(client, world):
    day = get(client, "/?day=2025-10-26")
    every = get(client, "/?day=all", HTTP_IF_NONE_MATCH=day["ETag"])
    assert every.status_code == 200
    assert (item_ids(day), item_ids(every)) == (["closing"], ["opening", "closing"])


# --- the clock -------------------------------------------------------------------------------------------------------


@pytest.fixture
def panel(world):
    return ScheduleItemFactory(
        ceremony=world.ceremony, uid="panel", title="Panel", room=world.room, visibility=Visibility.PUBLIC,
        starts_at=hanoi(25, 11), ends_at=hanoi(25, 12),
    )  # fmt: skip


def now_box(response):
    text = response.content.decode()
    if 'id="now-heading"' not in text:
        return None
    start = text.index('<section class="card mb-3 now-next"')
    return " ".join(re.sub(r"<[^>]+>", " ", text[start : text.index("</section>", start)]).split())


def test_now_and_next_move_with_the_clock_during_the_ceremony(client, world, panel):
    Ceremony.objects.update(feeds_changed_at=PAST)
    during = get(client, at=hanoi(25, 9, 30))
    same = get(client, at=hanoi(25, 10, 29), HTTP_IF_NONE_MATCH=during["ETag"])
    ended = get(client, at=hanoi(25, 10, 30), HTTP_IF_NONE_MATCH=during["ETag"])
    begun = get(client, at=hanoi(25, 11), HTTP_IF_NONE_MATCH=ended["ETag"])

    assert now_box(during).startswith("Happening now Opening, speeches; and welcome · Plenary Hall · until 10:30 Next")
    assert same.status_code == 304
    assert ended.status_code == 200
    assert now_box(ended) == "Happening now Nothing at this moment. Next Panel · Plenary Hall · at 11:00 Jump to now"
    assert begun.status_code == 200
    assert now_box(begun) == "Happening now Panel · Plenary Hall · until 12:00 Jump to now"
    # Last-Modified says when the page last turned, so If-Modified-Since alone sees the turn too.
    quarter = get(client, at=hanoi(25, 10, 45))
    assert quarter["Last-Modified"] == http_date(hanoi(25, 10, 30).timestamp())
    assert get(client, at=hanoi(25, 10, 50), HTTP_IF_MODIFIED_SINCE=quarter["Last-Modified"]).status_code == 304
    late = get(client, at=hanoi(25, 11, 1), HTTP_IF_MODIFIED_SINCE=quarter["Last-Modified"])
    assert late.status_code == 200
    assert now_box(late) == now_box(begun)


def test_the_day_the_programme_opens_on_turns_at_midnight(client, world):
    evening = get(client, at=hanoi(25, 23, 59))
    morning = get(client, at=hanoi(26, 0, 0), HTTP_IF_NONE_MATCH=evening["ETag"])
    assert (morning.status_code, item_ids(evening), item_ids(morning)) == (200, ["opening"], ["closing"])


@pytest.mark.parametrize(("earlier", "later"), [(BEFORE, hanoi(20, 8)), (hanoi(27, 0), LONG_AFTER)])
def test_outside_the_ceremony_the_clock_changes_nothing(client, world, panel, earlier, later):
    first = get(client, at=earlier)
    assert get(client, at=later, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


# --- each reader's own token -----------------------------------------------------------------------------------------


def test_one_readers_csrf_token_never_reaches_another(world):
    anne, bao = Client(), Client()
    anne_page = get(anne)
    bao_page = get(bao)  # from the cache

    anne_secret, bao_secret = anne.cookies["csrftoken"].value, bao.cookies["csrftoken"].value
    assert anne_secret != bao_secret
    assert _unmask_cipher_token(page_token(anne_page)) == anne_secret
    assert _unmask_cipher_token(page_token(bao_page)) == bao_secret
    # Bao holding Anne's ETag (another token) gets a page of his own, not a 304.
    crossed = get(bao, HTTP_IF_NONE_MATCH=anne_page["ETag"])
    assert crossed.status_code == 200
    assert _unmask_cipher_token(page_token(crossed)) == bao_secret


def test_a_new_csrf_cookie_makes_the_old_copy_stale(client, world):
    first = get(client)
    client.cookies.pop("csrftoken")
    fresh = get(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert _unmask_cipher_token(page_token(fresh)) == client.cookies["csrftoken"].value
    assert get(client, HTTP_IF_NONE_MATCH=fresh["ETag"]).status_code == 304


def test_an_organizer_signed_in_gets_the_same_programme(client, admin_client, world):
    public, organizer = get(client), get(admin_client)
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", organizer.content.decode()) == strip.sub("", public.content.decode())


# --- refusals --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["page=abc", "page=0", "page=999", "day=yesterday", "day=2025-02-30", "tz=Mars", "utm_source=x"]
)
def test_an_address_with_nonsense_is_answered_each_time_never_kept(client, world, query, django_assert_num_queries):
    first = get(client, "/?" + query)
    with django_assert_num_queries(4):  # not kept: the revision, the ceremony, the tabs' counts, the items
        again = get(client, "/?" + query)
    assert (first.status_code, again.status_code) == (200, 200)
    assert item_ids(again) == ["opening"]
    assert get(client, "/?" + query, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304
