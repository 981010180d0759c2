"""A kept PostgreSQL connection is checked without a round trip while its socket is quiet (planner/db_health.py),
and a connection the server ended is still replaced before a request uses it."""

import json

import pytest
from django.db import connection, transaction

from planner.db_health import quiet
from tests.planner.test_settings import run_settings

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's connections only: run with a postgres:// DATABASE_URL"
)

# Three requests on one kept connection, with libpq's trace of what the planner sent to the server; then the server
# ends the connection, as a restart or an administrator would, and two more requests follow.
PROBE = """
import json, os, select, wsgiref.util
import django, psycopg
django.setup()
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.backends.signals import connection_created

trace = open(os.environ["PROBE_TRACE"], "w")
opened, statuses = [], []

def traced(sender, connection, **kwargs):
    opened.append(connection.connection.info.backend_pid)
    connection.connection.pgconn.trace(trace.fileno())

connection_created.connect(traced, weak=False)
app = WSGIHandler()

def get():
    environ = {"PATH_INFO": "/healthz", "HTTP_HOST": "localhost"}
    wsgiref.util.setup_testing_defaults(environ)
    body = app(environ, lambda status, headers: statuses.append(status))
    b"".join(body)
    body.close()

for _ in range(3):
    get()
trace.flush()
sent = open(os.environ["PROBE_TRACE"]).read().count("\\tQuery\\t")
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as other:
    other.execute("SELECT pg_terminate_backend(%s)", [opened[-1]])
poller = select.poll()
poller.register(connection.connection.fileno(), select.POLLIN)
ended = bool(poller.poll(5000))
for _ in range(2):
    get()
print(json.dumps({"statuses": statuses, "connections": len(opened), "queries": sent, "ended": ended}))
"""


def test_a_kept_connection_takes_one_trip_to_the_server_per_query_and_a_dead_one_is_replaced(db, tmp_path):
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    result = run_settings(tmp_path, PROBE, DJANGO_DEBUG="1", DATABASE_URL=url, PROBE_TRACE=str(tmp_path / "trace"))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    # One query per request: Django's own check had sent a SELECT 1 before the second and third (5 in all).
    assert seen["queries"] == 3
    # The server's goodbye is on the socket; the next request finds it, and opens a new connection first.
    assert seen["ended"]
    assert seen["statuses"] == ["200 OK"] * 5
    assert seen["connections"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_connection_is_quiet_only_outside_a_transaction():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert quiet(connection)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert not quiet(connection)
    assert quiet(connection)
