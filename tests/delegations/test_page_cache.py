"""A delegation's page is kept by the revision of everything it shows: a 304 or a warm page after the one query that
finds the delegation, a new page at once after any change it shows, and what is each reader's own (what changed
since the last visit, the CSRF token, messages) never shared."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.utils.http import http_date

from ceremony.enums import ItemKind, Visibility
from ceremony.models import Ceremony, ScheduleItem
from ceremony.qr import qr_svg
from ceremony.services import schedule_item_cancel
from delegations.models import Delegate, Delegation, SigningSlot
from delegations.services import delegation_issue_token
from tests.delegations.test_views import changed_section, form_data, item_ids, page_url, seen_now
from tests.factories import DelegateFactory, ScheduleItemFactory, add_seen_items, hanoi

PAST = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)


def page_tokens(response):
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())


def without_tokens(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# --- 304 and warm ----------------------------------------------------------------------------------------------------


def test_page_answers_its_etag_with_304_after_one_query(client, world, django_assert_num_queries):
    url = page_url(world.alpha_token)
    first = client.get(url)
    with django_assert_num_queries(1):
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])
    assert again["Referrer-Policy"] == "same-origin"
    assert again["X-Robots-Tag"] == "noindex, nofollow"
    assert set(again["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-cache"}


def test_page_answers_if_modified_since_with_304(client, world, django_assert_num_queries):
    Ceremony.objects.update(feeds_changed_at=PAST)
    Delegation.objects.update(updated_at=PAST)
    url = page_url(world.alpha_token)
    first = client.get(url)
    assert first["Last-Modified"] == http_date(PAST.timestamp())

    with django_assert_num_queries(1):
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin")
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert "Jeanne Martin" in again.content.decode()


def test_page_warm_costs_one_query_whatever_the_size(client, world, django_assert_num_queries):
    url = page_url(world.alpha_token)
    add_seen_items(world, 3)
    cold = client.get(url)
    with django_assert_num_queries(1):
        warm = client.get(url)
    assert without_tokens(warm) == without_tokens(cold)

    add_seen_items(world, 30)
    client.get(url)
    with django_assert_num_queries(1):
        large = client.get(url)
    assert len(item_ids(large)) == 4 + 33
    assert large.content.decode().count("Delegate ") == 33


def test_page_with_changes_since_the_last_visit_costs_three_queries_whatever_the_size(
    client, world, django_assert_num_queries
):
    # The delegation, the changed items, how each stood at the last visit (its history).
    url = page_url(world.alpha_token)
    for count in (3, 30):
        add_seen_items(world, count)
        seen_now(client, world.alpha_token)
        ScheduleItem.objects.filter(pk=world.items.opening.pk).update(title=f"Opening {count}")
        world.items.opening.refresh_from_db()
        world.items.opening.save()  # as an organizer saves it: changed now
        client.get(url)
        with django_assert_num_queries(3):
            warm = client.get(url)
        assert len(changed_section(warm.content.decode())[1]) == 1


# --- a change shows at once ------------------------------------------------------------------------------------------


def _etag_moves(client, world, change):
    """The page before and after ``change()``: asked with the old ETag, the delegation gets the new page."""
    url = page_url(world.alpha_token)
    before = client.get(url)
    change()
    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    return after.content.decode()


def test_page_shows_an_item_edit_at_once(client, world):
    def retitle():
        world.items.briefing.title = "Briefing of the heads"
        world.items.briefing.save()

    assert "Briefing of the heads" in _etag_moves(client, world, retitle)


def test_page_shows_a_move_at_once(client, world):
    def move():
        world.items.alpha_slot.starts_at, world.items.alpha_slot.ends_at = hanoi(25, 14), hanoi(25, 14, 5)
        world.items.alpha_slot.save()

    assert '<time datetime="2025-10-25T14:00:00+07:00">14:00–14:05</time>' in _etag_moves(client, world, move)


def test_page_shows_a_cancellation_at_once(client, world):
    text = _etag_moves(client, world, lambda: schedule_item_cancel(item=world.items.briefing))
    assert "item-cancelled" in text[text.index('id="item-briefing"') - 200 : text.index('id="item-briefing"')]


def test_page_shows_a_room_renamed_at_once(client, world):
    def rename():
        world.room.name = "Hall of Nations"
        world.room.save()

    assert "Hall of Nations" in _etag_moves(client, world, rename)


def test_page_shows_an_invitation_given_and_taken_back_at_once(client, world):
    invited = _etag_moves(client, world, lambda: world.items.beta_slot.invited_delegations.add(world.alpha))
    assert "beta-slot" in re.findall(r'id="item-([^"]+)"', invited)
    taken_back = _etag_moves(client, world, lambda: world.items.beta_slot.invited_delegations.remove(world.alpha))
    assert "beta-slot" not in re.findall(r'id="item-([^"]+)"', taken_back)


def test_page_shows_members_added_renamed_and_removed_at_once(client, world):
    added = _etag_moves(client, world, lambda: DelegateFactory(delegation=world.alpha, name="Jeanne Martin"))
    assert "Jeanne Martin" in added
    member = Delegate.objects.get(name="Jeanne Martin")

    def rename():
        member.name, member.position = "Jeanne Martin-Dubois", "Ambassador"
        member.save()

    assert "Jeanne Martin-Dubois, Ambassador" in _etag_moves(client, world, rename)
    removed = _etag_moves(client, world, member.delete)
    assert "Jeanne" not in removed
    assert "No members registered yet." in removed


def test_page_shows_what_the_delegations_form_saved_with_its_message(client, world):
    def post():
        response = client.post(f"/d/{world.alpha_token}/edit/", form_data(world.alpha, hotel="Hotel Metropole"))
        assert response.status_code == 302

    text = _etag_moves(client, world, post)
    assert "Hotel Metropole" in text
    assert "Saved. The protocol team sees your changes." in text


def test_page_shows_a_signing_slot_given_at_once(client, world):
    world.alpha.signing_order, world.alpha.intends_to_sign = 3, True
    world.alpha.save()
    signing = ScheduleItemFactory(
        ceremony=world.ceremony, uid="signing-3", kind=ItemKind.SIGNING, visibility=Visibility.DELEGATIONS,
        starts_at=hanoi(25, 10, 35), ends_at=hanoi(25, 10, 40), room=world.room, title="Signing",
    )  # fmt: skip

    text = _etag_moves(client, world, lambda: SigningSlot.objects.create(item=signing, delegation=world.alpha))
    assert "Saturday 25 October, 10:35–10:40, Plenary Hall. Your delegation signs in position 3." in text


def test_page_in_another_language_is_another_page(client, world):
    def vietnamese():
        client.cookies["django_language"] = "vi"

    assert "Khai mạc" in _etag_moves(client, world, vietnamese)


def test_a_rotated_token_no_longer_opens_the_kept_page(client, world):
    url = page_url(world.alpha_token)
    first = client.get(url)
    delegation_issue_token(delegation=world.alpha)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404


def _calendar_qr_matches(text):
    """The calendar address the page gives, and whether its QR code is that address's."""
    address = re.search(r'value="(http://testserver/d/[^"]+/calendar\.ics)"', text)[1]
    return address, qr_svg(address, label="QR code of the calendar address") in text


def test_the_kept_qr_code_is_the_calendar_address_of_the_link_in_use(client, world):
    address, matches = _calendar_qr_matches(client.get(page_url(world.alpha_token)).content.decode())
    assert matches and world.alpha_token in address

    new = delegation_issue_token(delegation=world.alpha)
    address, matches = _calendar_qr_matches(client.get(page_url(new)).content.decode())
    assert matches and new in address
    # The other delegation's page has its own.
    address, matches = _calendar_qr_matches(client.get(page_url(world.beta_token)).content.decode())
    assert matches and world.beta_token in address


# --- what is each reader's own ---------------------------------------------------------------------------------------


def test_what_changed_since_a_visit_stays_each_readers_own(world):
    url = page_url(world.alpha_token)
    came_before, first_time = Client(), Client()
    seen_now(came_before, world.alpha_token)
    world.items.briefing.title = "Briefing, retitled"  # a change, not a move: listed only since a last visit
    world.items.briefing.save()

    returning = came_before.get(url)
    new = first_time.get(url)  # the same revision, kept

    assert changed_section(returning.content.decode())[1] == ["briefing"]
    assert "Changed since your last visit" in returning.content.decode()
    assert changed_section(new.content.decode()) is None
    assert "Changed since your last visit" not in new.content.decode()
    assert first_time.get(url, HTTP_IF_NONE_MATCH=returning["ETag"]).status_code == 200
    # Marked as read: the box goes, though nothing else changed.
    seen_now(came_before, world.alpha_token)
    read = came_before.get(url, HTTP_IF_NONE_MATCH=returning["ETag"])
    assert read.status_code == 200
    assert changed_section(read.content.decode()) is None


def test_one_readers_csrf_token_never_reaches_another(world):
    url = page_url(world.alpha_token)
    world.items.opening.starts_at = hanoi(25, 9, 30)  # moved: the box and its "Mark as read" form on a first visit
    world.items.opening.save()
    anne, bao = Client(), Client()
    anne_page, bao_page = anne.get(url), bao.get(url)

    anne_secret, bao_secret = anne.cookies["csrftoken"].value, bao.cookies["csrftoken"].value
    assert anne_secret != bao_secret
    assert {_unmask_cipher_token(token) for token in page_tokens(anne_page)} == {anne_secret}
    assert {_unmask_cipher_token(token) for token in page_tokens(bao_page)} == {bao_secret}
    assert len(page_tokens(bao_page)) == 2  # the language form and "Mark as read"
    assert bao.get(url, HTTP_IF_NONE_MATCH=anne_page["ETag"]).status_code == 200


def test_a_first_visits_box_empties_with_the_clock(client, world):
    url = page_url(world.alpha_token)
    world.items.opening.starts_at = hanoi(25, 9, 30)
    world.items.opening.save()
    moved_at = ScheduleItem.objects.get(uid="opening").updated_at

    with mock.patch("django.utils.timezone.now", return_value=moved_at + dt.timedelta(days=1)):
        recent = client.get(url)
    with mock.patch("django.utils.timezone.now", return_value=moved_at + dt.timedelta(days=2, minutes=1)):
        later = client.get(url, HTTP_IF_NONE_MATCH=recent["ETag"])

    assert changed_section(recent.content.decode()) == ("Recently moved or cancelled", ["opening"])
    assert later.status_code == 200
    assert changed_section(later.content.decode()) is None


@pytest.mark.parametrize("token", ["x" * 43, "short", "../../etc"])
def test_a_wrong_token_is_a_404_even_with_an_etag(client, world, token):
    first = client.get(page_url(world.alpha_token))
    assert client.get(page_url(token), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404
