"""backup and restore: a snapshot restored into an empty database holds everything the planner had."""

import sqlite3
import uuid
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from ceremony.models import ScheduleItem
from delegations.models import Delegate, Delegation
from tests.factories import DelegateFactory


def planner_tables():
    """{table: row count} of every model's table, as the ORM sees the live database."""
    return {m._meta.db_table: m._base_manager.count() for m in apps.get_models() if not m._meta.proxy}


def _fill():
    vn = Delegation.objects.get(country="VN")
    DelegateFactory(delegation=vn, name="Nguyễn Văn Ánh", is_head=True, email="anh@example.vn")
    item = ScheduleItem.objects.get(uid="hanoi-2025-opening")
    item.title = "Khai mạc; “opening”, with commas"
    item.save()


@pytest.mark.django_db(transaction=True)
def test_sqlite_round_trip_loses_nothing(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip runs when the suite runs on SQLite")
    call_command("seed_ceremony", stdout=StringIO())
    _fill()
    snapshot = tmp_path / "planner.sqlite3"
    call_command("backup", output=str(snapshot), stdout=StringIO())
    restored = tmp_path / "restored.sqlite3"
    call_command("restore", str(snapshot), database_url=f"sqlite:///{restored}", stdout=StringIO())

    with sqlite3.connect(restored) as conn:
        counts = {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in planner_tables()}
        title = conn.execute("SELECT title FROM ceremony_scheduleitem WHERE uid = 'hanoi-2025-opening'").fetchone()
        email = conn.execute("SELECT email FROM delegations_delegate").fetchone()
    assert counts == planner_tables()
    assert counts["delegations_state"] == 195
    assert title == ("Khai mạc; “opening”, with commas",)
    assert email == ("anh@example.vn",)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("checked with SQLite files; the PostgreSQL round trip checks its own refusal")
    call_command("seed_ceremony", stdout=StringIO())
    snapshot = tmp_path / "planner.sqlite3"
    call_command("backup", output=str(snapshot), stdout=StringIO())
    target = tmp_path / "restored.sqlite3"
    call_command("restore", str(snapshot), database_url=f"sqlite:///{target}", stdout=StringIO())
    with pytest.raises(CommandError, match=r"Nothing was restored\. .* is not empty"):
        call_command("restore", str(snapshot), database_url=f"sqlite:///{target}", stdout=StringIO())


def test_backup_refuses_to_overwrite_a_file(tmp_path, db):
    existing = tmp_path / "old.sqlite3"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=str(existing), stdout=StringIO())
    assert existing.read_text() == "keep me"


def test_restore_of_a_missing_file_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "none"), database_url=f"sqlite:///{tmp_path}/x.sqlite3")


@pytest.mark.django_db(transaction=True)
def test_postgresql_round_trip_loses_nothing(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL round trip runs when the suite runs on PostgreSQL (DATABASE_URL)")
    import psycopg

    call_command("seed_ceremony", stdout=StringIO())
    _fill()
    snapshot = tmp_path / "planner.pgdump"
    call_command("backup", output=str(snapshot), stdout=StringIO())

    settings = connection.settings_dict
    params = {k: v for k, v in {"host": settings["HOST"], "port": settings["PORT"], "user": settings["USER"],
              "password": settings["PASSWORD"]}.items() if v}  # fmt: skip
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"
        call_command("restore", str(snapshot), database_url=url, stdout=StringIO())
        with psycopg.connect(dbname=name, **params) as conn:
            counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in planner_tables()}
            email = conn.execute("SELECT email FROM delegations_delegate").fetchone()
        assert counts == planner_tables()
        assert email == ("anh@example.vn",)
        with pytest.raises(CommandError, match="is not empty"):
            call_command("restore", str(snapshot), database_url=url, stdout=StringIO())
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    assert Delegate.objects.count() == 1
