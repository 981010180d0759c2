"""The programme and a delegation's page are rendered around each item's kept entry (ceremony.item_entries): after
every kind of change the page is the one rendered from nothing, and a one-item edit renders that one entry again."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.test.signals import template_rendered

from ceremony.enums import ItemKind, Visibility
from ceremony.item_entries import TEMPLATE
from ceremony.services import schedule_item_cancel
from delegations.models import SigningSlot
from tests.factories import RoomFactory, ScheduleItemFactory, hanoi

BEFORE = hanoi(1, 12)


def get(client, url, *, at=BEFORE, language="en"):
    client.cookies["django_language"] = language
    with mock.patch("django.utils.timezone.now", return_value=at):
        response = client.get(url)
    assert response.status_code == 200, url
    # The reader's CSRF token is each request's own.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def pages(world):
    return [
        "/?day=all",
        "/?day=all&tz=America/New_York",
        "/?day=2025-10-25",
        f"/d/{world.alpha_token}/",
        f"/d/{world.beta_token}/",
    ]


def assert_as_from_nothing(client, world, *, at=BEFORE):
    """Each page, in each language, as kept and as rendered with nothing kept (each alone), is the same."""
    kept = {
        (url, language): get(client, url, at=at, language=language) for url in pages(world) for language in ["en", "vi"]
    }
    for (url, language), text in kept.items():
        cache.clear()
        assert text == get(client, url, at=at, language=language), (url, language)


def _retitle(world):
    world.items.opening.title = "Opening, retitled"
    world.items.opening.title_vi = "Khai mạc, tên mới"
    world.items.opening.save()


def _move(world):
    world.items.opening.starts_at, world.items.opening.ends_at = hanoi(25, 9, 15), hanoi(25, 10, 45)
    world.items.opening.save()


def _cancel(world):
    schedule_item_cancel(item=world.items.opening)


def _rename_room(world):
    world.room.name, world.room.name_vi = "Hall of Nations", "Hội trường Quốc gia"
    world.room.save()


def _change_room(world):
    world.items.opening.room = RoomFactory(venue=world.room.venue, name="Hall B", name_vi="Phòng B")
    world.items.opening.save()


def _rename_agency(world):
    world.mps.name = "Ministry of Public Security (host)"
    world.mps.save()


def _hand_over(world):
    world.items.opening.lead_agency = world.mofa
    world.items.opening.save()


def _rename_city(world):
    world.ceremony.city, world.ceremony.city_vi = "Ha Noi", "Thủ đô Hà Nội"
    world.ceremony.save()


def _move_zone(world):
    world.ceremony.time_zone = "Asia/Bangkok"
    world.ceremony.save()


def _publish(world):
    world.items.briefing.visibility = Visibility.PUBLIC
    world.items.briefing.save()


def _signing_slot(world):
    world.alpha.signing_order, world.alpha.intends_to_sign = 3, True
    world.alpha.save()
    signing = ScheduleItemFactory(
        ceremony=world.ceremony, uid="signing-3", kind=ItemKind.SIGNING, visibility=Visibility.DELEGATIONS,
        room=world.room, starts_at=hanoi(25, 14), ends_at=hanoi(25, 14, 5),
    )  # fmt: skip
    SigningSlot.objects.create(item=signing, delegation=world.alpha)


def _reorder(world):
    world.alpha.signing_order = 4
    world.alpha.save()


def _invite(world):
    world.items.beta_slot.invited_delegations.add(world.alpha)


CHANGES = [
    _retitle,
    _move,
    _cancel,
    _rename_room,
    _change_room,
    _rename_agency,
    _hand_over,
    _rename_city,
    _move_zone,
    _publish,
    _signing_slot,
    _invite,
]


def test_one_delegations_private_link_never_reaches_anothers_page(client, world):
    alpha, beta = get(client, f"/d/{world.alpha_token}/"), get(client, f"/d/{world.beta_token}/")
    assert f"?token={world.alpha_token}" in alpha
    assert f"?token={world.beta_token}" in beta
    assert world.alpha_token not in beta and world.beta_token not in alpha


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__.strip("_") for change in CHANGES])
def test_after_each_kind_of_change_each_page_is_the_one_rendered_from_nothing(client, world, change):
    assert_as_from_nothing(client, world)
    change(world)
    assert_as_from_nothing(client, world)


def test_a_new_place_in_the_order_of_signing_shows_in_the_own_slot(client, world):
    _signing_slot(world)
    assert "you sign in position 3." in get(client, f"/d/{world.alpha_token}/")
    _reorder(world)
    assert "you sign in position 4." in get(client, f"/d/{world.alpha_token}/")
    assert_as_from_nothing(client, world)


def test_during_the_ceremony_now_and_next_marks_are_the_ones_rendered_from_nothing(client, world):
    for at in (hanoi(25, 8, 50), hanoi(25, 9, 30), hanoi(25, 10, 30), hanoi(26, 10, 59)):
        assert_as_from_nothing(client, world, at=at)
    text = get(client, "/?day=2025-10-25", at=hanoi(25, 9, 30))
    opening = text[text.index('id="item-opening"') - 200 : text.index('id="item-opening"')]
    assert "item-now" in opening


@pytest.fixture
def rendered():
    """The items whose entry was rendered (the template's own renderings, not those read back)."""
    seen = []

    def record(sender, template, context, **kwargs):
        if template.name == TEMPLATE:
            seen.append(context["item"].uid)

    template_rendered.connect(record, dispatch_uid="item-entries-test")
    yield seen
    template_rendered.disconnect(dispatch_uid="item-entries-test")


def test_a_one_item_edit_renders_that_items_entry_alone(client, world, rendered):
    for n in range(30):
        start = hanoi(25, 12) + dt.timedelta(minutes=2 * n)
        ScheduleItemFactory(
            ceremony=world.ceremony, room=world.room, visibility=Visibility.PUBLIC, uid=f"extra-{n:02d}",
            title=f"Extra {n:02d}", starts_at=start, ends_at=start + dt.timedelta(minutes=30),
        )  # fmt: skip
    for url in pages(world):
        get(client, url)
    # The entries of public items are shared by the programme and every delegation's page shown in the same zone.
    assert {"opening", "extra-29", "closing", "briefing", "alpha-slot", "beta-slot"} <= set(rendered)
    assert len(rendered) == 2 * 32 + 4  # 32 public items in two zones, and two private entries on each of two pages
    rendered.clear()

    _retitle(world)
    for url in pages(world):
        text = get(client, url)
        assert "Opening, retitled" in text

    # Each page renders the opening's entry again, once for each zone it is shown in and for each private link
    # (a delegation's entries link to their own download); every other entry is read back.
    assert set(rendered) == {"opening"}
    assert len(rendered) <= len(pages(world))
