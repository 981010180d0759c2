"""Benchmark of the pages kept by revision, and of the admin's programme list, at 100, 1,000 and 5,000 items.

Run with `make bench` (or alone: `python bench/pages.py`). On a throw-away SQLite database (or DATABASE_URL) it
seeds the Hanoi ceremony, adds synthetic items with generate_demo, and prints, with the SQL queries of one request:

- for the public programme `/` (outside the ceremony's days, and during them with the clock set to its first
  morning) and for a delegation's page `/d/<token>/`: **cold**, the first request after a one-item edit (the page is
  rendered and kept); **warm**, every later request until the next change; **304**, a browser asking "anything new?"
  with its ETag;
- the admin's programme list `/admin/ceremony/scheduleitem/`, as a superuser.

Each figure is the median of five requests (three for the admin). Targets (issue 15): `/` warm ≤ 5 ms and 304 ≤ 2 ms,
a delegation's page warm ≤ 10 ms, and a number of queries that does not grow with the programme.
"""

import datetime as dt
import io
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("PLANNER_DATA_DIR", tempfile.mkdtemp(prefix="planner-bench-"))

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from ceremony.models import Ceremony, ScheduleItem  # noqa: E402
from ceremony.times import day_span  # noqa: E402
from delegations.models import Delegation  # noqa: E402
from delegations.services import delegation_issue_token  # noqa: E402
from planner.demo import generate_demo  # noqa: E402

SIZES = [100, 1_000, 5_000]
REPEAT = 5


def timed(client, url, **headers):
    start = time.perf_counter()
    response = client.get(url, **headers)
    return response, (time.perf_counter() - start) * 1000


def queries_of(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    return len(queries)


def edit(item):
    """A one-item edit, as an organizer makes it: the programme's revision moves."""
    item.description = f"Edited at {time.perf_counter()}"
    item.save()


def page_rows(client, url, item):
    """(KiB, cold ms, q, warm ms, q, 304 ms, q) of ``url``."""
    cold = []
    for _ in range(REPEAT):
        edit(item)
        response, ms = timed(client, url)
        assert response.status_code == 200, (url, response.status_code)
        cold.append(ms)
    edit(item)
    cold_queries = queries_of(client, url)
    warm = [timed(client, url)[1] for _ in range(REPEAT)]
    warm_queries = queries_of(client, url)
    page = client.get(url)
    etag = page["ETag"]
    not_modified = []
    for _ in range(REPEAT):
        response, ms = timed(client, url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304, (url, response.status_code)
        not_modified.append(ms)
    return (
        len(page.content) / 1024,
        statistics.median(cold),
        cold_queries,
        statistics.median(warm),
        warm_queries,
        statistics.median(not_modified),
        queries_of(client, url, HTTP_IF_NONE_MATCH=etag),
    )


def admin_row(client, url):
    times = []
    for _ in range(3):
        response, ms = timed(client, url)
        assert response.status_code == 200, (url, response.status_code)
        times.append(ms)
    return len(response.content) / 1024, statistics.median(times), queries_of(client, url)


def main():
    call_command("migrate", verbosity=0)
    call_command("seed_ceremony", stdout=io.StringIO())
    ceremony = Ceremony.objects.current()
    delegation = Delegation.objects.filter(ceremony=ceremony).order_by("sort_name").first()
    token = delegation_issue_token(delegation=delegation)
    admin = get_user_model().objects.create_superuser("bench-admin", password=None)
    public, organizer = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    organizer.force_login(admin)
    morning = day_span(ceremony.first_day, ceremony.first_day, ceremony.zone)[0].replace(hour=10, minute=7)
    ticks = itertools.count()

    def clock():
        """The ceremony's first morning, moving by a microsecond at each look, so that each edit is a change."""
        return morning + dt.timedelta(microseconds=next(ticks))

    print(f"database: {connection.vendor}; median of {REPEAT} requests (admin: 3); q = SQL queries of one")
    print(
        f"{'items':>6} {'page':<22} {'KiB':>5} {'cold ms':>8} {'q':>2} {'warm ms':>8} {'q':>2} {'304 ms':>7} {'q':>2}"
    )
    for size in SIZES:
        missing = size - ScheduleItem.objects.filter(ceremony=ceremony).count()
        generate_demo(ceremony=ceremony, items=max(missing, 0), delegations=0, seed=size)
        item = ScheduleItem.objects.filter(ceremony=ceremony).public().order_by("starts_at").first()
        rows = {"/": page_rows(public, "/", item)}
        with mock.patch("django.utils.timezone.now", side_effect=clock):
            rows["/ during the ceremony"] = page_rows(public, "/", item)
        rows["/d/<token>/"] = page_rows(public, f"/d/{token}/", item)
        for name, (kib, cold, cq, warm, wq, nm, nq) in rows.items():
            print(f"{size:>6} {name:<22} {kib:>5.0f} {cold:>8.1f} {cq:>2} {warm:>8.2f} {wq:>2} {nm:>7.2f} {nq:>2}")
        kib, ms, queries = admin_row(organizer, "/admin/ceremony/scheduleitem/")
        print(f"{size:>6} {'admin programme list':<22} {kib:>5.0f} {ms:>8.1f} {queries:>2}")


if __name__ == "__main__":
    main()
