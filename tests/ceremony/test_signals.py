"""``items_moved``: sent in the transaction of every change of an item's time, room or status, and of no other."""

import datetime as dt

import pytest

from ceremony.enums import ItemStatus
from ceremony.services import schedule_items_cancel
from ceremony.signals import ItemMove, items_moved
from tests.factories import RoomFactory, ScheduleItemFactory, hanoi

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def listen(sender, *, moves, user, **kwargs):
        calls.append((moves, user))

    items_moved.connect(listen, dispatch_uid="test_signals")
    yield calls
    items_moved.disconnect(dispatch_uid="test_signals")


def test_a_move_tells_what_the_item_was(heard):
    item = ScheduleItemFactory(starts_at=hanoi(25, 9))
    before = {"starts_at": hanoi(25, 9), "ends_at": hanoi(25, 10), "room_id": item.room_id, "status": "confirmed"}
    assert heard == []  # a new item is no move
    item.title = "Renamed"
    item.save()
    item.room.name = "Renamed room"
    item.room.save()
    assert heard == []  # nor a title, nor a room's new name
    item.room = RoomFactory()
    item.starts_at += dt.timedelta(hours=1)
    item.ends_at += dt.timedelta(hours=1)
    item.save()
    assert heard == [([ItemMove(item.pk, before)], None)]


def test_cancelling_tells_each_item_cancelled_and_who(heard, admin_user):
    first, second = ScheduleItemFactory(), ScheduleItemFactory(status=ItemStatus.TENTATIVE)
    already = ScheduleItemFactory(status=ItemStatus.CANCELLED)
    schedule_items_cancel(items=[first, second, already], user=admin_user)
    ((moves, user),) = heard
    assert user == admin_user
    assert sorted((move.item_id, move.before["status"]) for move in moves) == [
        (first.pk, "confirmed"),
        (second.pk, "tentative"),
    ]
