"""Whether a kept PostgreSQL connection still works, found out without a round trip when the socket says so.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request that reuses a
connection, and waits for the answer: for a calendar app's "anything new?", which needs one query, that doubles
the trips to the server, and it was a tenth of the request's time in the load test.

A server that ends a connection (a restart, ``pg_terminate_backend``, ``idle_session_timeout``) sends the reason
and closes the socket, and a connection the planner left idle between requests has nothing else to read. So when
the socket has nothing to read and the connection is idle, outside any transaction, the check is counted as done
and the request goes straight to its query. When something is waiting, or the socket cannot be asked, Django's
own check runs as before and replaces a dead connection before the request uses it.

What neither check can see quickly is a connection whose server vanished without a word (a cable cut): Django's
``SELECT 1`` would wait for the network's own time-out there just as the request's query does.
"""

import select

from django.db import connections


def quiet(connection):
    """True when ``connection`` (a Django connection) holds an idle psycopg connection with nothing to read."""
    raw = connection.connection
    if connection.vendor != "postgresql" or raw is None or raw.closed or getattr(raw, "broken", False):
        return False
    try:
        from psycopg import pq

        if raw.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        poller = select.poll()
        poller.register(raw.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        return not poller.poll(0)
    except Exception:  # any doubt: let Django's check ask the server
        return False


def skip_round_trip_when_quiet(sender, **kwargs):
    """On ``request_started``, after Django's ``close_old_connections`` has asked for a check on each connection:
    count it as done for each kept connection that is :func:`quiet`."""
    for connection in connections.all(initialized_only=True):
        if connection.health_check_enabled and not connection.health_check_done and quiet(connection):
            connection.health_check_done = True
