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


def _sqlite_tables(conn):
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in rows]


def restore(*, source, db):
    """Load the snapshot ``source`` into the empty database described by ``db`` (a DATABASES entry)."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} does not exist.")
    if db["ENGINE"] == SQLITE:
        target = sqlite3.connect(db["NAME"])
        try:
            if _sqlite_tables(target):
                raise BackupError(f"{db['NAME']} is not empty; restore only into an empty database.")
            snapshot = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                if not _sqlite_tables(snapshot):
                    raise BackupError(f"{source} is not a planner snapshot.")
                snapshot.backup(target)
            finally:
                snapshot.close()
        finally:
            target.close()
    elif db["ENGINE"] == POSTGRESQL:
        import psycopg

        conninfo = {"dbname": db["NAME"], "host": db.get("HOST") or None, "port": db.get("PORT") or None}
        conninfo.update({"user": db.get("USER") or None, "password": db.get("PASSWORD") or None})
        with psycopg.connect(**{k: v for k, v in conninfo.items() if v}) as conn:
            count = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()[0]
        if count:
            raise BackupError(f"Database {db['NAME']} is not empty; restore only into an empty database.")
        command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        result = subprocess.run(  # noqa: S603 - arguments come from settings and the operator
            [*command, *_pg_args(db), "--dbname", db["NAME"], str(source)],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"Restoring into {db['ENGINE']} databases is not supported.")
