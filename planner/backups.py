"""Consistent snapshots of the planner's database and their restoration into an empty database.

SQLite uses its online backup API (a consistent copy while the planner keeps
running); PostgreSQL uses ``pg_dump``'s custom format and ``pg_restore``, which
must be installed (Debian: postgresql-client) and match the server's version.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

SQLITE = "django.db.backends.sqlite3"
POSTGRESQL = "django.db.backends.postgresql"


class BackupError(Exception):
    """A snapshot could not be written or restored; nothing was changed."""


def default_path(engine):
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if engine == SQLITE else "pgdump"
    return Path(settings.DATA_DIR) / "backups" / f"planner-{stamp}.{suffix}"


def _pg_env(db):
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db):
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return args


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed; PostgreSQL backups need the PostgreSQL client tools.")
    return path


def backup(*, output=None):
    """Write a snapshot of the default database to ``output`` (a new file); returns its path."""
    db = connection.settings_dict
    path = Path(output) if output else default_path(db["ENGINE"])
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if db["ENGINE"] == SQLITE:
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif db["ENGINE"] == POSTGRESQL:
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(path)]
        result = subprocess.run(  # noqa: S603 - arguments come from settings, not from users
            [*command, *_pg_args(db), db["NAME"]], env=_pg_env(db), capture_output=True, text=True, check=False
        )
        if result.returncode:
            path.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"Backups of {db['ENGINE']} databases are not supported.")
    return path


def _one_line(text):
    """An error from SQLite, psycopg or a client tool, as one line for the operator."""
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _sqlite_tables(conn):
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in rows]


def _sqlite_snapshot(source):
    # A snapshot is a file at rest: immutable reads it without locks, and without the -wal and -shm files that a
    # read-only connection to a WAL-mode database (a snapshot of the planner's is one) would leave beside it.
    return sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _sqlite_check_snapshot(source):
    """Refuse a snapshot that SQLite cannot read whole, or that is not the planner's, before any target is touched."""
    apps = set()
    try:
        snapshot = _sqlite_snapshot(source)
        try:
            # quick_check reads every page (a truncated file fails here) without the cost of checking indexes.
            (verdict,) = snapshot.execute("PRAGMA quick_check(1)").fetchone()
            if verdict == "ok" and "django_migrations" in _sqlite_tables(snapshot):
                apps = {app for (app,) in snapshot.execute("SELECT DISTINCT app FROM django_migrations")}
        finally:
            snapshot.close()
    except sqlite3.DatabaseError as exc:  # not a database at all ("file is not a database"), or a damaged one
        verdict = str(exc)
    if verdict != "ok":
        raise BackupError(f"{source} is not a readable planner snapshot (SQLite: {_one_line(verdict)}).")
    if not {"ceremony", "delegations"} <= apps:
        raise BackupError(f"{source} is not a planner snapshot: it holds no planner migrations.")


def _sqlite_restore(source, name):
    _sqlite_check_snapshot(source)
    target_path = Path(name)
    created = not target_path.exists()
    try:
        # mode=rwc creates a missing target; an existing one is only read until it is known to be empty.
        target = sqlite3.connect(f"{target_path.resolve().as_uri()}?mode=rwc", uri=True)
        try:
            if _sqlite_tables(target):
                raise BackupError(f"{name} is not empty; restore only into an empty database.")
            snapshot = _sqlite_snapshot(source)
            try:
                snapshot.backup(target)
            finally:
                snapshot.close()
        finally:
            target.close()
    except (BackupError, sqlite3.Error) as exc:
        if created:
            target_path.unlink(missing_ok=True)  # what restore created, it removes: nothing is left behind
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"{name} could not be written (SQLite: {_one_line(exc)}).") from exc


def _pg_check_target(db):
    """Refuse a target that is missing, out of reach or not empty, with one line saying which."""
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None}
    params.update({"user": db.get("USER") or None, "password": db.get("PASSWORD") or None})
    params = {key: value for key, value in params.items() if value}
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    try:
        with psycopg.connect(dbname=db["NAME"], **params) as conn:
            count = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()[0]
    except psycopg.OperationalError as exc:
        # libpq gives no error code for a failed connection, and its text follows the server's language: ask the
        # server itself whether the database exists.
        if _pg_database_missing(db["NAME"], params):
            raise BackupError(
                f"Database {db['NAME']} does not exist on {where}; create it empty first (createdb {db['NAME']})."
            ) from exc
        reason = _one_line(exc).removeprefix("connection failed: ")
        raise BackupError(
            f"Cannot connect to database {db['NAME']} on the PostgreSQL server at {where}: {reason}"
        ) from exc
    if count:
        raise BackupError(f"Database {db['NAME']} is not empty; restore only into an empty database.")


def _pg_database_missing(name, params):
    try:
        with psycopg.connect(dbname="postgres", **params) as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None
    except psycopg.Error:
        return False  # the server cannot say: the first error stands


def restore(*, source, db):
    """Load the snapshot ``source`` into the empty database described by ``db`` (a DATABASES entry)."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} does not exist.")
    if db["ENGINE"] == SQLITE:
        _sqlite_restore(source, db["NAME"])
    elif db["ENGINE"] == POSTGRESQL:
        _pg_check_target(db)
        command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        result = subprocess.run(  # noqa: S603 - arguments come from settings and the operator
            [*command, *_pg_args(db), "--dbname", db["NAME"], str(source)],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise BackupError(f"pg_restore failed: {_one_line(result.stderr)}")
    else:
        raise BackupError(f"Restoring into {db['ENGINE']} databases is not supported.")
