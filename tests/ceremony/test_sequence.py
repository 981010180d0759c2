"""SEQUENCE: a calendar app replaces its copy of an event only when the revision goes up."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection

from ceremony.enums import ItemStatus
from ceremony.models import ScheduleItem
from tests.factories import RoomFactory, ScheduleItemFactory

pytestmark = pytest.mark.django_db


def reload(item):
    return ScheduleItem.objects.get(pk=item.pk)


@pytest.mark.parametrize(
    "change",
    [
        lambda item: setattr(item, "starts_at", item.starts_at - dt.timedelta(minutes=30)),
        lambda item: setattr(item, "ends_at", item.ends_at + dt.timedelta(minutes=30)),
        lambda item: setattr(item, "room", RoomFactory()),
        lambda item: setattr(item, "status", ItemStatus.TENTATIVE),
    ],
    ids=["start", "end", "room", "status"],
)
def test_sequence_goes_up_when_time_room_or_status_changes(change):
    item = ScheduleItemFactory()
    change(item)
    item.save()
    assert item.sequence == 1
    assert reload(item).sequence == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda item: setattr(item, "title", "Renamed"),
        lambda item: setattr(item, "description", "More words"),
        lambda item: setattr(item, "starts_at", item.starts_at.astimezone(dt.UTC)),  # same instant, other zone
    ],
    ids=["title", "description", "same-instant"],
)
def test_sequence_stays_for_an_unrelated_edit(change):
    item = ScheduleItemFactory()
    change(item)
    item.save()
    assert reload(item).sequence == 0


def test_new_items_start_at_sequence_zero():
    assert ScheduleItemFactory().sequence == 0


def test_a_stale_copy_cannot_lose_a_bump_or_hide_a_change():
    item = ScheduleItemFactory()
    first, second = reload(item), reload(item)
    first.starts_at -= dt.timedelta(hours=1)
    first.save()
    # The second copy was loaded before the first moved the item; saving it moves the item back.
    second.title = "Renamed"
    second.save()
    stored = reload(item)
    assert stored.starts_at == item.starts_at
    assert stored.sequence == 2


def test_update_fields_saves_the_bump_too():
    item = ScheduleItemFactory()
    item.status = ItemStatus.CANCELLED
    item.save(update_fields=["status"])
    assert reload(item).sequence == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_lose_no_bump():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: SQLite serializes whole transactions, PostgreSQL locks the row")
    item = ScheduleItemFactory()
    edits_per_thread, threads = 5, 4

    def edit(offset):
        try:
            for n in range(edits_per_thread):
                copy = reload(item)
                copy.ends_at = item.ends_at + dt.timedelta(minutes=offset * 100 + n + 1)
                copy.save()
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=edit, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert reload(item).sequence == edits_per_thread * threads
