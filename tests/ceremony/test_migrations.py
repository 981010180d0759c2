"""Migrating a database that already holds the dates that broke it: every row, and its history, reads again."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ceremony.fields import EARLIEST
from ceremony.models import ScheduleItem
from delegations.models import Delegation

BEFORE = [
    ("ceremony", "0008_item_history_of_invitations_and_support"),
    ("delegations", "0004_change_history_and_roles"),
]
# A time in year 1 typed in Hanoi: PostgreSQL keeps it as a BC instant, which its driver cannot read back.
YEAR_ONE = "0001-01-01 00:00:00+07:00" if connection.vendor == "postgresql" else "0001-01-01 00:00:00"


def _sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.django_db(transaction=True)
def test_migrating_with_times_in_year_one_makes_every_row_and_its_history_readable():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    ceremony = old.get_model("ceremony", "Ceremony").objects.create(
        name="Hanoi", slug="hanoi", treaty_title="Convention", city="Hanoi",
        first_day=dt.date(2025, 10, 25), last_day=dt.date(2025, 10, 26), is_current=True,
    )  # fmt: skip
    delegation = old.get_model("delegations", "Delegation").objects.create(
        ceremony=ceremony, kind="member_state", country="FR", name="France", sort_name="france"
    )
    item = old.get_model("ceremony", "ScheduleItem").objects.create(
        ceremony=ceremony, uid="opening", title="Opening", kind="opening",
        starts_at=dt.datetime(2025, 10, 25, 2, tzinfo=dt.UTC), ends_at=dt.datetime(2025, 10, 25, 3, tzinfo=dt.UTC),
    )  # fmt: skip
    old.get_model("delegations", "HistoricalDelegation").objects.create(
        id=delegation.pk, ceremony_id=ceremony.pk, kind="member_state", country="FR", name="France",
        history_date=dt.datetime(2025, 10, 1, tzinfo=dt.UTC), history_type="~", created_at=delegation.created_at,
    )  # fmt: skip
    # What the form let in before it was refused: the live rows and the history both.
    _sql("UPDATE delegations_delegation SET arrival_at = %s", YEAR_ONE)
    _sql("UPDATE delegations_historicaldelegation SET arrival_at = %s", YEAR_ONE)
    _sql("UPDATE ceremony_scheduleitem SET starts_at = %s", YEAR_ONE)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    stored = Delegation.objects.get(pk=delegation.pk)
    assert stored.arrival_at is None
    assert stored.history.get().arrival_at is None
    moved = ScheduleItem.objects.get(pk=item.pk)
    assert (moved.starts_at, moved.ends_at) == (EARLIEST, dt.datetime(2025, 10, 25, 3, tzinfo=dt.UTC))
