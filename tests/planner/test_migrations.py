"""Databases made by earlier migrations move onto today's graph with nothing lost.

``tests/legacy/migrations`` keeps the migrations as they were before the squash (ceremony 0001–0010, delegations
0001–0006), when the programme app owned who was invited to an item. A database is built with them and filled the
way the planner filled it then; today's migrations then take it over: ceremony's squashed migration is taken as
applied, and delegations 0007 moves the invitations and links the signing slots.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from ceremony.fields import EARLIEST
from ceremony.models import ScheduleItem
from ceremony.tokens import find_by_token, new_token
from delegations.models import Delegation, Invitation, SigningSlot

LEGACY = {"ceremony": "tests.legacy.migrations.ceremony", "delegations": "tests.legacy.migrations.delegations"}
LEGACY_LEAVES = [("ceremony", "0010_calendar_link_issuer"), ("delegations", "0006_access_links_are_protocols")]
BEFORE_DATE_REPAIR = [
    ("ceremony", "0008_item_history_of_invitations_and_support"),
    ("delegations", "0004_change_history_and_roles"),
]
# A time in year 1 typed in Hanoi: PostgreSQL keeps it as a BC instant, which its driver cannot read back.
YEAR_ONE = "0001-01-01 00:00:00+07:00" if connection.vendor == "postgresql" else "0001-01-01 00:00:00"
UTC = dt.UTC


def _sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _schema():
    """Every table of the two apps and its columns, as the database has them."""
    with connection.cursor() as cursor:
        tables = [
            t for t in connection.introspection.table_names(cursor) if t.startswith(("ceremony_", "delegations_"))
        ]
        return {t: sorted(c.name for c in connection.introspection.get_table_description(cursor, t)) for t in tables}


def _legacy(targets):
    """The database emptied, then built by the legacy migrations up to ``targets``; their state's models."""
    MigrationExecutor(connection).migrate([("delegations", None), ("ceremony", None)])
    with override_settings(MIGRATION_MODULES=LEGACY):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps


def _legacy_to_the_end():
    with override_settings(MIGRATION_MODULES=LEGACY):
        MigrationExecutor(connection).migrate(LEGACY_LEAVES)


def _today():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _ceremony(old):
    return old.get_model("ceremony", "Ceremony").objects.create(
        name="Hanoi", slug="hanoi", treaty_title="Convention", city="Hanoi",
        first_day=dt.date(2025, 10, 25), last_day=dt.date(2025, 10, 26), is_current=True,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_migrating_with_times_in_year_one_makes_every_row_and_its_history_readable():
    old = _legacy(BEFORE_DATE_REPAIR)
    ceremony = _ceremony(old)
    delegation = old.get_model("delegations", "Delegation").objects.create(
        ceremony=ceremony, kind="member_state", country="FR", name="France", sort_name="france"
    )
    item = old.get_model("ceremony", "ScheduleItem").objects.create(
        ceremony=ceremony, uid="opening", title="Opening", kind="opening",
        starts_at=dt.datetime(2025, 10, 25, 2, tzinfo=UTC), ends_at=dt.datetime(2025, 10, 25, 3, tzinfo=UTC),
    )  # fmt: skip
    old.get_model("delegations", "HistoricalDelegation").objects.create(
        id=delegation.pk, ceremony_id=ceremony.pk, kind="member_state", country="FR", name="France",
        history_date=dt.datetime(2025, 10, 1, tzinfo=UTC), history_type="~", created_at=delegation.created_at,
    )  # fmt: skip
    # What the form let in before it was refused: the live rows and the history both.
    _sql("UPDATE delegations_delegation SET arrival_at = %s", YEAR_ONE)
    _sql("UPDATE delegations_historicaldelegation SET arrival_at = %s", YEAR_ONE)
    _sql("UPDATE ceremony_scheduleitem SET starts_at = %s", YEAR_ONE)

    _legacy_to_the_end()
    _today()

    stored = Delegation.objects.get(pk=delegation.pk)
    assert stored.arrival_at is None
    assert stored.history.get().arrival_at is None
    moved = ScheduleItem.objects.get(pk=item.pk)
    assert (moved.starts_at, moved.ends_at) == (EARLIEST, dt.datetime(2025, 10, 25, 3, tzinfo=UTC))


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_old_graph_keeps_its_invitations_history_tokens_and_published_slots(django_user_model):
    fresh = _schema()
    old = _legacy(LEGACY_LEAVES)
    ceremony = _ceremony(old)
    Delegation_, Item = old.get_model("delegations", "Delegation"), old.get_model("ceremony", "ScheduleItem")
    Invited = Item.invited_delegations.through
    HistoricalItem = old.get_model("ceremony", "HistoricalScheduleItem")
    Snapshot = old.get_model("ceremony", "HistoricalScheduleItem_invited_delegations")
    lan = old.get_model("auth", "User").objects.create(username="lan")
    tokens = {"FR": new_token(), "JP": new_token()}
    france, japan = (
        Delegation_.objects.create(ceremony=ceremony, kind="member_state", country=code, name=name, sort_name=name,
                                   intends_to_sign=True, token_hash=tokens[code][1])
        for code, name in (("FR", "France"), ("JP", "Japan"))
    )  # fmt: skip
    start = dt.datetime(2025, 10, 25, 3, tzinfo=UTC)
    meeting = Item.objects.create(
        ceremony=ceremony, uid="bilateral", title="Bilateral", kind="meeting", visibility="invited",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    # Published under the slug "hanoi", moved twice; the slug has changed since.
    slot = Item.objects.create(
        ceremony=ceremony, uid=f"signing-hanoi-{france.pk}", title="Signature: France", kind="signing",
        visibility="invited", starts_at=start, ends_at=start + dt.timedelta(minutes=5), sequence=2,
    )  # fmt: skip
    old.get_model("ceremony", "Ceremony").objects.filter(pk=ceremony.pk).update(slug="hanoi-2025")
    # The slot of a delegation deleted since, under the current slug: the next generation cancels it.
    orphan = Item.objects.create(
        ceremony=ceremony, uid="signing-hanoi-2025-9999", title="Signature: Gone", kind="signing",
        visibility="invited", starts_at=start, ends_at=start + dt.timedelta(minutes=5),
    )  # fmt: skip
    invitation = Invited.objects.create(scheduleitem=meeting, delegation=japan)
    Invited.objects.create(scheduleitem=slot, delegation=france)
    # The meeting's versions: made with none invited, then France (by lan), then Japan instead of France.
    for n, (invited, user, reason) in enumerate([([], None, None), ([france], lan, "asked"), ([japan], lan, None)]):
        version = HistoricalItem.objects.create(
            id=meeting.pk, uid="bilateral", title="Bilateral", kind="meeting", visibility="invited",
            starts_at=start, ends_at=start + dt.timedelta(hours=1), ceremony_id=ceremony.pk, sequence=0,
            status="tentative", created_at=meeting.created_at, history_type="+" if n == 0 else "~",
            history_date=dt.datetime(2025, 10, 1 + n, tzinfo=UTC), history_user=user, history_change_reason=reason,
        )  # fmt: skip
        for delegation in invited:
            Snapshot.objects.create(history=version, id=n, scheduleitem_id=meeting.pk, delegation_id=delegation.pk)

    _today()

    assert _schema() == fresh
    assert list(Invitation.objects.values_list("pk", "item__uid", "delegation__name").order_by("item__uid")) == [
        (invitation.pk, "bilateral", "Japan"),
        (invitation.pk + 1, f"signing-hanoi-{france.pk}", "France"),
    ]
    assert [d.name for d in ScheduleItem.objects.get(uid="bilateral").invited_delegations.all()] == ["Japan"]
    history = Invitation.history.filter(item_id=meeting.pk).order_by("history_date", "history_type")
    assert [(h.history_date.day, h.delegation.name, h.history_type, h.history_user_id, h.history_change_reason)
            for h in history] == [
        (2, "France", "+", lan.pk, "asked"),
        (3, "Japan", "+", lan.pk, None),
        (3, "France", "-", lan.pk, None),
    ]  # fmt: skip
    assert history.get(delegation_id=japan.pk).id == invitation.pk
    # France's invitation, withdrawn before the move, keeps one id of its own that no invitation can take.
    (withdrawn,) = {h.id for h in history.filter(delegation_id=france.pk)}
    assert withdrawn < 0
    assert find_by_token(Delegation.objects.all(), tokens["JP"][0]).pk == japan.pk
    # The slot is found by its link, with the UID and SEQUENCE calendars have; a new invitation gets a new id.
    linked = SigningSlot.objects.get(delegation_id=france.pk).item
    assert (linked.pk, linked.uid, linked.sequence) == (slot.pk, f"signing-hanoi-{france.pk}", 2)
    assert SigningSlot.objects.get(item_id=orphan.pk).delegation is None
    assert not SigningSlot.objects.filter(delegation_id=japan.pk).exists()
    extra = Invitation.objects.create(item_id=meeting.pk, delegation_id=france.pk)
    assert extra.pk > invitation.pk + 1
    assert Invitation.history.filter(id=extra.pk).count() == 1  # its own record, nobody else's


@pytest.mark.django_db(transaction=True)
def test_an_officials_undated_title_becomes_a_title_held_since_an_unrecorded_day():
    from ceremony.models import OfficialTitle

    before = [
        ("ceremony", "0015_official_titles_held_for_dates"),
        ("delegations", "0007_invitations_and_signing_slots"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    source = old.get_model("ceremony", "Source").objects.create(key="article", kind="article", title="An interview")
    agency = old.get_model("ceremony", "Agency").objects.create(code="mofa", name="Ministry of Foreign Affairs")
    Official = old.get_model("ceremony", "Official")
    Official.objects.create(
        key="minister", agency=agency, name="Trần Văn A", title="Minister", title_vi="Bộ trưởng", source=source
    )
    Official.objects.create(key="untitled", agency=agency, name="Lê Thị B", title="")

    _today()

    titles = OfficialTitle.objects.values_list(
        "official__key", "title", "title_vi", "held_from", "held_until", "source"
    )
    assert list(titles) == [("minister", "Minister", "Bộ trưởng", None, None, source.pk)]
