"""backup and restore: a snapshot restored into an empty database holds everything the planner had."""

import random
import socket
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
        email = conn.execute("SELECT email FROM delegations_delegate WHERE name = 'Nguyễn Văn Ánh'").fetchone()
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
            email = conn.execute("SELECT email FROM delegations_delegate WHERE name = 'Nguyễn Văn Ánh'").fetchone()
        assert counts == planner_tables()
        assert email == ("anh@example.vn",)
        with pytest.raises(CommandError, match="is not empty"):
            call_command("restore", str(snapshot), database_url=url, stdout=StringIO())
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    assert Delegate.objects.count() == 2  # the seeded signatory and the member added: the live database is as it was


# --- snapshots that cannot be restored ------------------------------------------------------------------------------


def _refused(snapshot, target, reason):
    """restore says in one line that nothing was restored, and why."""
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(snapshot), database_url=f"sqlite:///{target}", stdout=StringIO())
    message = str(refused.value)
    assert message.startswith("Nothing was restored. ")
    assert reason in message
    assert "\n" not in message
    return message


def _planner_snapshot(path):
    """A real snapshot of the planner (needs the suite on SQLite, where `backup` writes one)."""
    if connection.vendor != "sqlite":
        pytest.skip("a real SQLite snapshot is written when the suite runs on SQLite")
    call_command("seed_ceremony", stdout=StringIO())
    call_command("backup", output=str(path), stdout=StringIO())
    return path.read_bytes()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("target_exists", [False, True], ids=["new-target", "existing-empty-target"])
def test_restore_of_a_truncated_snapshot_restores_nothing(tmp_path, target_exists):
    snapshot = tmp_path / "planner.sqlite3"
    whole = _planner_snapshot(snapshot)
    snapshot.write_bytes(whole[: len(whole) // 2])
    target = tmp_path / "restored.sqlite3"
    if target_exists:
        target.touch()

    _refused(snapshot, target, f"{snapshot} is not a readable planner snapshot")

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["planner.sqlite3", *(["restored.sqlite3"] * target_exists)]
    )
    assert not target_exists or target.read_bytes() == b""


@pytest.mark.django_db(transaction=True)
def test_restore_of_a_snapshot_in_wal_mode_leaves_no_file_beside_it(tmp_path):
    snapshot = tmp_path / "planner.sqlite3"
    _planner_snapshot(snapshot)
    with sqlite3.connect(snapshot) as wal:  # what a snapshot of the planner's own WAL-mode file is
        assert wal.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    wal.close()
    target = tmp_path / "restored.sqlite3"

    call_command("restore", str(snapshot), database_url=f"sqlite:///{target}", stdout=StringIO())

    assert sorted(p.name for p in tmp_path.iterdir()) == ["planner.sqlite3", "restored.sqlite3"]
    with sqlite3.connect(target) as restored:
        assert restored.execute("SELECT count(*) FROM delegations_state").fetchone() == (195,)
    restored.close()


@pytest.mark.parametrize("target_exists", [False, True], ids=["new-target", "existing-empty-target"])
def test_restore_of_random_bytes_restores_nothing(tmp_path, db, target_exists):
    snapshot = tmp_path / "planner.sqlite3"
    snapshot.write_bytes(random.Random(11).randbytes(64 * 1024))  # noqa: S311 - the same garbage every run
    target = tmp_path / "restored.sqlite3"
    if target_exists:
        target.touch()

    _refused(snapshot, target, f"{snapshot} is not a readable planner snapshot")

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["planner.sqlite3", *(["restored.sqlite3"] * target_exists)]
    )
    assert not target_exists or target.read_bytes() == b""


def test_restore_of_another_sqlite_database_restores_nothing(tmp_path, db):
    snapshot = tmp_path / "notes.sqlite3"
    with sqlite3.connect(snapshot) as other:
        other.execute("CREATE TABLE notes (body TEXT)")
        other.execute("INSERT INTO notes VALUES ('not a planner')")
    other.close()
    target = tmp_path / "restored.sqlite3"

    _refused(snapshot, target, f"{snapshot} is not a planner snapshot")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite3"]


# --- PostgreSQL targets that cannot be reached ----------------------------------------------------------------------


def _pg_settings():
    if connection.vendor != "postgresql":
        pytest.skip("restoring into PostgreSQL is checked when the suite runs on PostgreSQL (DATABASE_URL)")
    return connection.settings_dict


def test_restore_into_a_missing_postgresql_database_restores_nothing(tmp_path, db):
    settings = _pg_settings()
    snapshot = tmp_path / "planner.pgdump"
    snapshot.write_bytes(b"PGDMP")
    name = f"missing_{uuid.uuid4().hex[:12]}"
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(snapshot), database_url=url, stdout=StringIO())

    message = str(refused.value)
    assert message.startswith(f"Nothing was restored. Database {name} does not exist on {settings['HOST']}:")
    assert "\n" not in message


def test_restore_into_an_unreachable_postgresql_server_restores_nothing(tmp_path, db):
    _pg_settings()
    snapshot = tmp_path / "planner.pgdump"
    snapshot.write_bytes(b"PGDMP")
    with socket.socket() as probe:  # a port on which nothing listens: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with pytest.raises(CommandError) as refused:
            call_command("restore", str(snapshot), database_url=f"postgres://planner@127.0.0.1:{port}/planner")

    message = str(refused.value)
    assert message.startswith(
        f"Nothing was restored. Cannot connect to database planner on the PostgreSQL server at 127.0.0.1:{port}: "
    )
    assert "Connection refused" in message
    assert "\n" not in message


def test_restore_into_a_url_that_names_no_database_restores_nothing(tmp_path, db):
    snapshot = tmp_path / "planner.sqlite3"
    snapshot.write_bytes(b"unused")
    with pytest.raises(CommandError, match=r"^Nothing was restored\. --database-url is not a database URL: Scheme"):
        call_command("restore", str(snapshot), database_url="planner.sqlite3", stdout=StringIO())
