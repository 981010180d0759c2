"""Benchmark of the public programme page at 100, 1,000 and 5,000 schedule items.

Run with `make bench`. On a throw-away SQLite database (or DATABASE_URL) it seeds the Hanoi ceremony, adds
synthetic items with generate_demo, and for a few views of the page (the day it opens on, every day, a search,
the last page of every day) prints the items shown, the HTML size, the median time of five requests and the SQL
queries of one. Targets (issue 13): a page light enough for a phone whatever the size of the programme (it comes
in pages of 50 items), and a constant number of queries.
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("PLANNER_DATA_DIR", tempfile.mkdtemp(prefix="planner-bench-"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from ceremony.models import Ceremony, ScheduleItem  # noqa: E402
from planner.demo import generate_demo  # noqa: E402

SIZES = [100, 1_000, 5_000]
REPEAT = 5
VIEWS = {
    "first day": "/",
    "all days": "/?day=all",
    "search": "/?day=all&q=demo",
    "last page": "/?day=all&page=9999",
    "other zone": "/?day=all&tz=Europe/Paris",
}


def main():
    call_command("migrate", verbosity=0)
    call_command("seed_ceremony", stdout=io.StringIO())
    ceremony = Ceremony.objects.current()
    client = Client(HTTP_HOST="localhost")
    print(f"database: {connection.vendor}; median of {REPEAT} requests")
    print(f"{'items':>6} {'public':>6} {'view':<10} {'shown':>5} {'KiB':>5} {'ms':>6} {'q':>2}")
    for size in SIZES:
        missing = size - ScheduleItem.objects.filter(ceremony=ceremony).count()
        generate_demo(ceremony=ceremony, items=max(missing, 0), delegations=0, seed=size)
        public = ScheduleItem.objects.filter(ceremony=ceremony).public().count()
        for name, url in VIEWS.items():
            times = []
            for _ in range(REPEAT):
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            shown = response.content.count(b'<li class="list-group-item')
            print(
                f"{size:>6} {public:>6} {name:<10} {shown:>5} {len(response.content) / 1024:>5.0f} "
                f"{statistics.median(times) * 1000:>6.1f} {len(queries):>2}"
            )


if __name__ == "__main__":
    main()
