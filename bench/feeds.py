"""Benchmark of the calendar feeds at 100, 1,000 and 5,000 schedule items.

Run with `make bench`. It builds a throw-away SQLite database (or uses
DATABASE_URL), seeds the Hanoi ceremony, adds synthetic items with
generate_demo, and for each size prints the median time of a full download, of
a 304 revalidation, the response size, the SQL queries of each, and the peak
memory Python allocates while building the feed. A built feed is cached under its
ETag, and each event's text on its own (ceremony.ical.build_feed): "build" is a download with nothing kept
(a fresh server), "edit" the first download after one item's edit, "rename" the first after a change that
every event's text depends on (the host agency renamed), "cached" every later one. Targets (DESIGN.md,
issue 15): a constant number of queries whatever the size; a 304 costs at most one query; the programme of
5,000 items after an edit in 150 ms.
"""

import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("PLANNER_DATA_DIR", tempfile.mkdtemp(prefix="planner-bench-"))

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from ceremony.enums import Visibility  # noqa: E402
from ceremony.ical import forget_texts  # noqa: E402
from ceremony.models import Ceremony, ScheduleItem  # noqa: E402
from delegations.models import Delegation  # noqa: E402
from delegations.services import delegation_issue_token  # noqa: E402
from planner.demo import generate_demo  # noqa: E402

SIZES = [100, 1_000, 5_000]
REPEAT = 5


def measure(client, url, cold=False, **headers):
    """Median milliseconds of REPEAT requests (cold: each with an empty cache) and the queries of one."""
    times = []
    for _ in range(REPEAT):
        if cold:
            cache.clear()
            forget_texts()
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append(time.perf_counter() - start)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    return response, statistics.median(times) * 1000, len(queries)


def after_change(client, url, change):
    """Median milliseconds of the first request after each of REPEAT changes, and the queries of one."""
    times = []
    for n in range(REPEAT):
        change(n)
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    change(REPEAT)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times) * 1000, len(queries)


def peak_memory(client, url):
    tracemalloc.start()
    client.get(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1_000_000


def main():
    call_command("migrate", verbosity=0)
    call_command("seed_ceremony", stdout=io.StringIO())
    ceremony = Ceremony.objects.current()
    client = Client(HTTP_HOST="localhost")
    generate_demo(ceremony=ceremony, items=0, delegations=40)
    token = delegation_issue_token(delegation=Delegation.objects.filter(notes__startswith="[Demo]").first())
    feeds = {"programme": "/programme.ics", "delegation": f"/d/{token}/calendar.ics"}

    def edit(n):
        # A public item, in both feeds: retitled, as an organizer does.
        item = ScheduleItem.objects.filter(ceremony=ceremony, visibility=Visibility.PUBLIC).order_by("pk").first()
        item.title = f"{item.title.split(' (edit')[0]} (edit {n})"
        item.save()

    def rename(n):
        # The host agency, which every event's text depends on (it organizes what no agency with an address
        # leads): every event is serialised again. (A venue's rename would touch only the events in its rooms,
        # and most demo items have no room.)
        host = ceremony.host_agency
        host.name = f"{host.name.split(' (renamed')[0]} (renamed {n})"
        host.save()

    print(f"database: {connection.vendor}; cache: {cache.__class__.__name__}; median of {REPEAT} requests")
    print(
        f"{'items':>6} {'feed':<11} {'events':>6} {'KiB':>6} {'build ms':>9} {'q':>2} {'edit ms':>8} {'q':>2} "
        f"{'rename ms':>9} {'q':>2} {'cached ms':>9} {'q':>2} {'304 ms':>7} {'q':>2} {'build MB':>8}"
    )
    for size in SIZES:
        missing = size - ScheduleItem.objects.filter(ceremony=ceremony).count()
        generate_demo(ceremony=ceremony, items=max(missing, 0), delegations=0, seed=size)
        for name, url in feeds.items():
            full, build_ms, build_q = measure(client, url, cold=True)
            client.get(url)
            edit_ms, edit_q = after_change(client, url, edit)
            rename_ms, rename_q = after_change(client, url, rename)
            _, warm_ms, warm_q = measure(client, url)
            _, cond_ms, cond_q = measure(client, url, HTTP_IF_NONE_MATCH=full["ETag"])
            cache.clear()
            forget_texts()
            memory = peak_memory(client, url)
            events = full.content.count(b"BEGIN:VEVENT")
            print(
                f"{size:>6} {name:<11} {events:>6} {len(full.content) / 1024:>6.0f} {build_ms:>9.1f} {build_q:>2} "
                f"{edit_ms:>8.1f} {edit_q:>2} {rename_ms:>9.1f} {rename_q:>2} "
                f"{warm_ms:>9.2f} {warm_q:>2} {cond_ms:>7.2f} {cond_q:>2} {memory:>8.1f}"
            )


if __name__ == "__main__":
    main()
