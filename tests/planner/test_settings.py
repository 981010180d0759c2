"""The settings read the environment and refuse to run in production without a real secret key."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'key': settings.SECRET_KEY, 'hosts': settings.ALLOWED_HOSTS, "
    "'engine': settings.DATABASES['default']['ENGINE'], 'name': str(settings.DATABASES['default']['NAME']), "
    "'cache': settings.CACHES['default']['BACKEND'], 'cache_at': settings.CACHES['default'].get('LOCATION')}))"
)


OURS = ("DJANGO_", "DATABASE_URL", "PLANNER_", "REDIS_URL")  # the planner's variables


def run_settings(tmp_path, probe=PROBE, **env):
    """Run ``probe`` with planner.settings in a fresh interpreter with only the given planner variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    clean.update({"DJANGO_SETTINGS_MODULE": "planner.settings", "PLANNER_DATA_DIR": str(tmp_path / "data")}, **env)
    return subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_settings(tmp_path, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("key", ["django-insecure-" + "x" * 60, "short-key", "a" * 60])
def test_production_refuses_a_key_that_is_not_a_real_secret(tmp_path, key):
    result = run_settings(tmp_path, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not a real secret" in result.stderr


def test_production_starts_with_a_real_key_and_named_hosts(tmp_path):
    key = "kP3v9xQz-W" * 6
    result = run_settings(
        tmp_path, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS="planner.example, x.example"
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["key"] == key
    assert values["hosts"] == ["planner.example", "x.example"]


def test_development_keeps_one_generated_key_in_the_data_folder(tmp_path):
    first = json.loads(run_settings(tmp_path, DJANGO_DEBUG="1").stdout)
    second = json.loads(run_settings(tmp_path, DJANGO_DEBUG="1").stdout)
    key_file = tmp_path / "data" / "secret_key"
    assert first["key"] == second["key"] == key_file.read_text()
    assert len(first["key"]) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first["hosts"] == ["localhost", "127.0.0.1", "[::1]"]


def test_sqlite_in_the_data_folder_is_the_default_database(tmp_path):
    values = json.loads(run_settings(tmp_path, DJANGO_DEBUG="1").stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "data" / "planner.sqlite3")


def test_database_url_selects_postgresql(tmp_path):
    values = json.loads(
        run_settings(tmp_path, DJANGO_DEBUG="1", DATABASE_URL="postgres://planner@db.example:5432/planner").stdout
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "planner"


def test_each_process_keeps_its_own_cache_without_redis_url(tmp_path):
    values = json.loads(run_settings(tmp_path, DJANGO_DEBUG="1").stdout)
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_makes_every_server_share_one_cache(tmp_path):
    values = json.loads(run_settings(tmp_path, DJANGO_DEBUG="1", REDIS_URL=" redis://cache.example:6379/2 ").stdout)
    assert values["cache"] == "planner.redis_cache.RedisCache"
    assert values["cache_at"] == "redis://cache.example:6379/2"


def test_a_redis_url_that_is_not_one_is_refused_at_start(tmp_path):
    result = run_settings(tmp_path, DJANGO_DEBUG="1", REDIS_URL="cache.example:6379")
    assert result.returncode != 0
    assert "REDIS_URL must be a redis://, rediss:// or unix:// address, not 'cache.example:6379'." in result.stderr


def test_an_unreadable_debug_value_is_refused(tmp_path):
    result = run_settings(tmp_path, DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_time_zone_and_languages():
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True
    assert [code for code, _ in settings.LANGUAGES] == ["en", "vi"]


SQLITE_PROBE = (
    "import json, django; django.setup(); from django.db import connection; "
    "cursor = connection.cursor(); "
    "print(json.dumps({pragma: cursor.execute(f'PRAGMA {pragma}').fetchone()[0] "
    "for pragma in ('journal_mode', 'busy_timeout', 'synchronous')}))"
)


def test_sqlite_file_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    # The suite's own SQLite database lives in memory, where WAL does not apply: read the file the planner opens
    # by default (no DATABASE_URL), in a fresh interpreter.
    result = run_settings(tmp_path, SQLITE_PROBE, DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
    # WAL: pages and feeds read while an organizer or an import writes. A writer waits up to 20 s for another
    # instead of failing at once with "database is locked". NORMAL (1) is safe with WAL and spares an fsync.
    assert json.loads(result.stdout) == {"journal_mode": "wal", "busy_timeout": 20000, "synchronous": 1}
    with sqlite3.connect(tmp_path / "data" / "planner.sqlite3") as planner:
        assert planner.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # kept in the file itself
    planner.close()


# Three requests through Django's WSGI handler, as gunicorn's worker sends them (the test client never closes the
# connection between requests, so it cannot tell).
KEPT_CONNECTION_PROBE = (
    "import django, wsgiref.util; django.setup(); from django.core.handlers.wsgi import WSGIHandler; "
    "from django.db.backends.signals import connection_created; opened = []; statuses = []; "
    "connection_created.connect(lambda sender, connection, **kwargs: opened.append(connection), weak=False); "
    "app = WSGIHandler()\n"
    "for _ in range(3):\n"
    "    environ = {'PATH_INFO': '/healthz', 'HTTP_HOST': 'localhost'}; wsgiref.util.setup_testing_defaults(environ)\n"
    "    body = app(environ, lambda status, headers: statuses.append(status)); b''.join(body); body.close()\n"
    "print(statuses, len(opened))"
)


def test_a_worker_keeps_its_sqlite_connection_from_one_request_to_the_next(tmp_path):
    # Opening the file and setting WAL mode took a third of each request's time: a calendar app's "anything new?"
    # went from about 690 to 1,490 answers a second on the load test's server once the connection was kept.
    result = run_settings(tmp_path, KEPT_CONNECTION_PROBE, DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['200 OK', '200 OK', '200 OK'] 1"  # one connection served all three requests
