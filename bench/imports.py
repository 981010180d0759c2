"""Benchmark of spreadsheet imports at 1,000 and 5,000 rows: the programme and the delegates.

Run with `make bench` (or `python bench/imports.py 1000` for one size). It builds a throw-away SQLite
database (or uses DATABASE_URL), seeds the Hanoi ceremony, adds synthetic items, delegations and
members with generate_demo, and for each sheet and size drives the real admin pages as an organizer
does: export the sheet as CSV, upload it on the import page (the preview) and confirm it
(process_import). Twice: the export as it is (every row skipped) and with every row changed (an
item's title and times, a member's position). For each it prints the time and the SQL queries of
the preview and of the confirm, and the longest that a write from another connection waited while
the confirm ran: how long the import held the database's write lock (on PostgreSQL, row locks only,
so other writes never wait). The confirm's queries include the admin's log of actions, which Django
writes in batches of a few hundred rows. Last, the size of the XLSX export of each whole table, as a
file and unpacked (what ``ceremony.sheet_files`` limits). Target (issue 11): each preview and each
confirm under 10 s at 5,000 rows on a 2-core machine; no write lock held for more than a couple of
seconds.
"""

import csv
import datetime as dt
import io
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("PLANNER_DATA_DIR", tempfile.mkdtemp(prefix="planner-bench-"))

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from ceremony.models import Ceremony, ScheduleItem, Source  # noqa: E402
from delegations.models import Delegate  # noqa: E402
from planner.demo import generate_demo  # noqa: E402
from tests.adminpages import form_values, shown_messages  # noqa: E402

SIZES = [1_000, 5_000]
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # the admin's formats, in order


def url(model, page):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")


def export(client, model, file_format=CSV_FORMAT):
    """The changelist's "Export" in the format: the file's bytes."""
    page = url(model, "export")
    response = client.post(page, {**form_values(client.get(page)), "format": file_format})
    assert response.status_code == 200, response.status_code
    return response.content


def export_rows(client, model):
    """The changelist's "Export" as CSV: the rows as dicts."""
    return list(csv.DictReader(io.StringIO(export(client, model).decode("utf-8-sig"))))


def xlsx_sizes(client, model):
    """The rows, file size and unpacked size (KiB) of the XLSX export of the whole table."""
    content = export(client, model, XLSX_FORMAT)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(part.file_size for part in archive.infolist())
    return model.objects.count(), len(content) / 1024, unpacked / 1024


def as_csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


class WriteProbe:
    """Another connection writing every 50 ms: the longest any of its writes waited for the lock."""

    def __init__(self):
        self.source = Source.objects.order_by("pk").first()
        self.longest = 0.0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            while not self._stop.is_set():
                start = time.perf_counter()
                try:
                    Source.objects.filter(pk=self.source.pk).update(note=f"probe {start}")
                except Exception:  # "database is locked": the timeout passed
                    self.failed += 1
                self.longest = max(self.longest, time.perf_counter() - start)
                self._stop.wait(0.05)
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class QueryCount:
    """How many SQL statements this thread's connection runs inside the block (no cap, unlike the debug log)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def import_once(client, model, content):
    """Preview, then confirm: (preview s, its queries, confirm s, its queries, probe, message)."""
    upload = SimpleUploadedFile("sheet.csv", content)
    with QueryCount() as preview_queries:
        start = time.perf_counter()
        preview = client.post(url(model, "import"), {"import_file": upload, "format": CSV_FORMAT})
        preview_s = time.perf_counter() - start
    values = form_values(preview)
    if preview.status_code != 200 or "import_file_name" not in values:
        raise SystemExit(f"the preview refused the sheet (status {preview.status_code})")
    with WriteProbe() as probe, QueryCount() as confirm_queries:
        start = time.perf_counter()
        result = client.post(url(model, "process_import"), values, follow=True)
        confirm_s = time.perf_counter() - start
    message = " ".join(text for _level, text in shown_messages(result))
    return preview_s, preview_queries.count, confirm_s, confirm_queries.count, probe, message


def later(text, minutes=5):
    moved = dt.datetime.fromisoformat(text) + dt.timedelta(minutes=minutes)
    return moved.isoformat(sep=" ", timespec="minutes")


def change_item(row):
    return {**row, "title": row["title"] + " *", "starts_at": later(row["starts_at"]), "ends_at": later(row["ends_at"])}


def change_member(row):
    return {**row, "position": row["position"] + " *"}


SHEETS = [("programme", ScheduleItem, change_item), ("delegates", Delegate, change_member)]


def main(sizes):
    call_command("migrate", verbosity=0)
    call_command("seed_ceremony", stdout=io.StringIO())
    ceremony = Ceremony.objects.current()
    largest = max(sizes)
    # About four members per delegation; states first, then synthetic organizations.
    generate_demo(ceremony=ceremony, items=largest, delegations=largest // 4 + 50)
    user = get_user_model().objects.create_superuser("bench", password=None)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    print(f"database: {connection.vendor}; one preview and one confirm each, through the admin's pages")
    print(
        f"{'sheet':<10} {'rows':>5} {'change':<9} {'KiB':>5} {'preview s':>9} {'q':>3} {'confirm s':>9} {'q':>3} "
        f"{'lock s':>6}  result"
    )
    for name, model, change in SHEETS:
        for size in sizes:
            rows = export_rows(client, model)[:size]
            assert len(rows) == size, f"only {len(rows)} rows of {name}"
            for label, sheet in (("none", rows), ("every row", [change(row) for row in rows])):
                content = as_csv(sheet)
                preview_s, preview_q, confirm_s, confirm_q, probe, message = import_once(client, model, content)
                lock = f"{probe.longest:>6.2f}" + (f" ({probe.failed} writes failed)" if probe.failed else "")
                print(
                    f"{name:<10} {size:>5} {label:<9} {len(content) / 1024:>5.0f} {preview_s:>9.2f} {preview_q:>3} "
                    f"{confirm_s:>9.2f} {confirm_q:>3} {lock}  {message}"
                )
    for name, model, _change in SHEETS:
        rows, size, unpacked = xlsx_sizes(client, model)
        print(f"XLSX export of the {name}: {rows:,} rows, {size:,.0f} KiB, {unpacked:,.0f} KiB unpacked")


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]] or SIZES)
