"""Load test: gunicorn with production settings under calendar apps, readers, delegates and one organizer.

Run with `make loadtest` (bench/README.md). On a throw-away database (SQLite in a temporary folder, or a new
PostgreSQL database beside the one `DATABASE_URL` names) it migrates, seeds the Hanoi ceremony, adds
synthetic items and delegations with `generate_demo`, issues delegations' and staff members' calendar links
and signs up an organizer with a phone for the second factor. It starts gunicorn with `deploy/gunicorn.conf.py`
on 127.0.0.1, behind a pretend TLS proxy (every request says `X-Forwarded-Proto: https`, as the proxy does),
and runs locust headless against it for a bounded time, once per phase (``PHASES``; bench/locustfile.py says who
does what), while an organizer edits an item through the admin. After each phase it fetches every feed once more
without an ETag and checks that it shows the organizer's last edit, prints per kind of request the requests per
second, p50, p99 and errors, and in the end exits 1 on any error or stale feed.

Environment: LOADTEST_PHASES (page,feed,mixed), LOADTEST_SECONDS (60, each phase), LOADTEST_USERS (50, besides the
organizer), LOADTEST_ITEMS (300), LOADTEST_DELEGATIONS (40), LOADTEST_EDIT_SECONDS (3), LOADTEST_WORKERS (3);
DATABASE_URL (a postgres:// URL: PostgreSQL), REDIS_URL (passed to the servers). Timings are never asserted: the
targets of issue 15 are printed beside them.
"""

import contextlib
import io
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# What the TLS proxy in front of the planner adds to every request (README, "Running it for real").
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
STAFF_LINKS = 5
# Each phase: what it shows, and the locustfile's clients in it besides the organizer (none named: all of them). The
# targets of issue 15 name how many requests a second `/` and the programme's feed answer, each with every client
# on it; the mixed phase shows them side by side, as on the ceremony's day.
PHASES = {
    "page": ("the public reading the programme page", ["PublicReader"]),
    "feed": ("calendar apps polling the programme's feed with their ETags", ["ProgrammeCalendar"]),
    "mixed": ("calendar apps, the public and delegates at once", []),
}


def setting(name, default, kind=int):
    raw = os.environ.get(name, "")
    try:
        value = kind(raw) if raw.strip() else default
    except ValueError:
        sys.exit(f"{name} must be a number; got {raw!r}.")
    if value <= 0:
        sys.exit(f"{name} must be more than 0; got {raw!r}.")
    return value


SECONDS = setting("LOADTEST_SECONDS", 60)
USERS = setting("LOADTEST_USERS", 50)
ITEMS = setting("LOADTEST_ITEMS", 300)
DELEGATIONS = setting("LOADTEST_DELEGATIONS", 40)
EDIT_SECONDS = setting("LOADTEST_EDIT_SECONDS", 3.0, kind=float)
WORKERS = setting("LOADTEST_WORKERS", 3)


def phases():
    names = [name.strip() for name in os.environ.get("LOADTEST_PHASES", ",".join(PHASES)).split(",") if name.strip()]
    unknown = [name for name in names if name not in PHASES]
    if unknown or not names:
        sys.exit(f"LOADTEST_PHASES names phases among {', '.join(PHASES)}; got {os.environ['LOADTEST_PHASES']!r}.")
    return names


class SqliteDatabase:
    """A SQLite file in the run's temporary folder (the settings' default under PLANNER_DATA_DIR)."""

    url = None
    label = "SQLite"

    def create(self):
        pass

    def drop(self):
        pass  # the folder goes


class PostgresDatabase:
    """A new database on the server that DATABASE_URL names, e.g. planner_loadtest_1a2b3c4d, dropped at the end:
    the load test never writes to the database the URL names."""

    label = "PostgreSQL"

    def __init__(self, url):
        parts = urlsplit(url)
        base = parts.path.lstrip("/") or "planner"
        self.name = f"{base}_loadtest_{secrets.token_hex(4)}"
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        self.server_url = urlunsplit(parts._replace(path="/postgres"))
        self.created = False

    def _execute(self, statement):
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(sql.SQL(statement).format(sql.Identifier(self.name)))

    def create(self):
        self._execute("CREATE DATABASE {}")
        self.created = True

    def drop(self):
        if self.created:
            self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def throwaway_database():
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return SqliteDatabase()
    if urlsplit(url).scheme not in {"postgres", "postgresql"}:
        sys.exit("DATABASE_URL must be a postgres:// URL (leave it unset for SQLite in a temporary folder).")
    return PostgresDatabase(url)


def server_environment(run_dir, database, port):
    """Production settings, as README's "Running it for real" gives them, for a proxy on this machine."""
    env = {
        "DJANGO_SETTINGS_MODULE": "planner.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_BEHIND_TLS_PROXY": "1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{HOST}:{port}",
        "PLANNER_CONTACT_EMAIL": "ceremony@example.org",
        "PLANNER_DATA_DIR": str(run_dir),
        # Mail the edits queue stays in the outbox: no worker runs, and nothing could reach a mail server here.
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    if database.url:
        env["DATABASE_URL"] = database.url
    return env


def prepare(run_dir, port):
    """Migrates and fills the throw-away database; returns the plan the locustfile follows."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ceremony.enums import ItemStatus, Visibility
    from ceremony.models import Ceremony, ScheduleItem
    from ceremony.selectors import ceremony_days, public_programme
    from ceremony.services import staff_issue_token
    from delegations.models import Delegation
    from delegations.services import delegation_issue_token

    quiet = io.StringIO()
    call_command("migrate", interactive=False, verbosity=0)
    if not static_up_to_date():
        print("collecting and compressing static files (once, while they do not change; about a minute)…")
        call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_ceremony", stdout=quiet)
    call_command("generate_demo", items=ITEMS, delegations=DELEGATIONS, stdout=quiet)
    ceremony = Ceremony.objects.current()
    # The organizer edits a public item, so that every feed shows it: the programme, each delegation's (public
    # items are in all of them) and each staff member's (of the agency that leads it).
    item = (
        ScheduleItem.objects.filter(
            ceremony=ceremony, visibility=Visibility.PUBLIC, status=ItemStatus.CONFIRMED, lead_agency__isnull=False
        )
        .select_related("lead_agency")
        .order_by("starts_at", "pk")
        .first()
    )
    agency = item.lead_agency.code

    def organizer(username, group):
        out = io.StringIO()
        call_command("create_organizer", username, group=group, agency=agency, stdout=out)
        password = re.search(r"password: (\S+)", out.getvalue()).group(1)
        return get_user_model().objects.get(username=username), password

    editor, password = organizer("loadtest-organizer", "Protocol")
    phone = TOTPDevice.objects.create(user=editor, name="Load test phone", confirmed=True)

    feeds = []
    for lang in ("en", "vi"):
        feeds.append({"kind": "programme", "label": f"programme ({lang})", "url": f"/programme.ics?lang={lang}"})
    delegations = list(Delegation.objects.filter(ceremony=ceremony).order_by("pk"))
    delegation_tokens = [delegation_issue_token(delegation=delegation) for delegation in delegations]
    for number, token in enumerate(delegation_tokens, 1):
        for lang in ("en", "vi"):
            url = f"/d/{token}/calendar.ics?lang={lang}"
            feeds.append({"kind": "delegation", "label": f"delegation {number} ({lang})", "url": url})
    for number in range(1, STAFF_LINKS + 1):
        user, _ = organizer(f"loadtest-staff-{number}", "Viewer")
        token = staff_issue_token(user=user)
        for lang in ("en", "vi"):
            url = f"/staff/{token}/calendar.ics?lang={lang}"
            feeds.append({"kind": "staff", "label": f"staff member {number} ({lang})", "url": url})

    pages = ["/"]
    for day in [*ceremony_days(ceremony), None]:
        shown = public_programme(ceremony=ceremony, day=day, page=1).page
        tab = day.isoformat() if day else "all"
        pages += [f"/?day={tab}&page={number}" for number in shown.paginator.page_range]
    pages.append("/?day=all&tz=Europe/Paris")

    plan = {
        "run": secrets.token_hex(3),
        "edit_seconds": EDIT_SECONDS,
        "origin": f"https://{HOST}:{port}",
        "proxy_headers": PROXY_HEADERS,
        "organizer": {"username": editor.username, "password": password, "totp_key": phone.key},
        "item": {"pk": item.pk, "change_url": f"/admin/ceremony/scheduleitem/{item.pk}/change/"},
        "feeds": feeds,
        "pages": pages,
        "delegation_pages": [f"/d/{token}/" for token in delegation_tokens],
        "counts": {
            "items": ScheduleItem.objects.filter(ceremony=ceremony).count(),
            "public items": ScheduleItem.objects.filter(ceremony=ceremony).public().count(),
            "delegations": len(delegations),
        },
    }
    from django.db import connections

    connections.close_all()
    return plan


def static_up_to_date():
    """Whether collectstatic's manifest is newer than every static file it collects (it takes a minute to redo)."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    sources = (Path(storage.path(path)) for finder in get_finders() for path, storage in finder.list([]))
    return all(source.stat().st_mtime < built for source in sources)


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def fetch(base, path, headers=None, timeout=30):
    """GET through the pretend proxy: (status, body), never following a redirect."""
    assert base.startswith(f"http://{HOST}:"), base  # this machine only
    request = urllib.request.Request(base + path, headers={**PROXY_HEADERS, **(headers or {})})  # noqa: S310

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def start_server(run_dir, port, env):
    command = [
        str(BIN / "gunicorn"),
        "-c",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--access-logfile",
        str(run_dir / "access.log"),
        "--error-logfile",
        str(run_dir / "error.log"),
    ]
    # In a session of its own, so that Ctrl-C reaches this script, which stops it in order.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603


def wait_healthy(server, base, run_dir, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}:\n{tail(run_dir / 'error.log')}")
        with contextlib.suppress(OSError):
            status, _ = fetch(base, "/healthz", timeout=2)
            if status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s:\n{tail(run_dir / 'error.log')}")


def stop(process, timeout=35):
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def tail(path, lines=20):
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def server_cpu_seconds(server):
    """CPU seconds of gunicorn's master and workers so far (workers it has replaced included)."""
    import psutil

    master = psutil.Process(server.pid)
    total = sum(master.cpu_times()[2:4])  # children_user, children_system: replaced workers
    for process in [master, *master.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def run_locust(run_dir, base, plan_path, report_path, env, phase):
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(USERS + 1),  # and the organizer
        "--spawn-rate",
        str(USERS + 1),
        "--run-time",
        f"{SECONDS}s",
        "--stop-timeout",
        "10",
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
        *(PHASES[phase][1] and [*PHASES[phase][1], "Organizer"]),
    ]
    locust_env = {
        **env,
        "LOADTEST_PLAN": str(plan_path),
        "LOADTEST_REPORT": str(report_path),
        "LOADTEST_PHASE": phase,
    }
    with open(run_dir / "locust.log", "w") as log:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=locust_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=SECONDS + 120)
        except subprocess.TimeoutExpired:
            stop(process, timeout=10)
            raise RuntimeError(f"locust did not stop by itself:\n{tail(run_dir / 'locust.log')}") from None
        finally:
            stop(process, timeout=10)
    if not report_path.exists():
        raise RuntimeError(f"locust wrote no report:\n{tail(run_dir / 'locust.log')}")
    return json.loads(report_path.read_text())


def unfold(text):
    """An iCalendar body with its folded lines joined again (RFC 5545 §3.1), so a title reads in one piece."""
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def saved_title(pk):
    """The edited item's title as the database has it now."""
    from django.db import connections

    from ceremony.models import ScheduleItem

    try:
        return ScheduleItem.objects.values_list("title", flat=True).get(pk=pk)
    finally:
        connections.close_all()


def check_feeds(base, plan):
    """After the edits: every feed, fetched afresh, and every delegation's page show the item's title as saved.

    An edit that locust gave up waiting for at the end may still be saved meanwhile; then the check starts over.
    Returns the title and what did not show it."""
    for _ in range(5):
        title = saved_title(plan["item"]["pk"])
        missing = []
        for label, url, unfolded in [
            *((feed["label"], feed["url"], True) for feed in plan["feeds"]),
            *((f"delegation page {n}", url, False) for n, url in enumerate(plan["delegation_pages"], 1)),
        ]:
            status, body = fetch(base, url)
            if status != 200 or title not in (unfold(body) if unfolded else body):
                missing.append(f"{label}: HTTP {status}, without {title!r}")
        if saved_title(plan["item"]["pk"]) == title:
            return title, missing
        time.sleep(1)
    raise RuntimeError("the item's title kept changing after the load test ended")


# Requests a second, each in the phase where every client asks for it.
TARGETS = {
    ("page", "/ (programme page)"): "≥ 500 req/s",
    ("feed", "/programme.ics"): "≥ 1,000 req/s",
}


def machine(load):
    """The date, the cores and their model, and the load average as the run started."""
    model = ""
    with contextlib.suppress(OSError):
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1).strip()
    cores = len(os.sched_getaffinity(0))
    model = f" ({model})" if model else ""
    return f"{time.strftime('%Y-%m-%d')}, {cores} cores{model}, load average {load:.1f} at the start"


def print_report(phase, report, plan, database, final_stale, cpu, load):
    duration = report["duration"]
    print()
    print(f"phase '{phase}': {PHASES[phase][0]}; {machine(load)}")
    print(
        f"{database.label}{' + Redis' if os.environ.get('REDIS_URL') else ''}, gunicorn with {WORKERS} workers, "
        f"{USERS} clients and the organizer for {duration:.0f} s; {plan['counts']['items']} items "
        f"({plan['counts']['public items']} public), {plan['counts']['delegations']} delegations; "
        f"{len(plan['feeds'])} feeds"
    )
    header = (
        f"{'request':<32} {'count':>7} {'req/s':>7} {'304':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, row in [*report["kinds"].items(), ("total", report["total"])]:
        share = f"{100 * row['not_modified'] / row['count']:.0f}%" if row["not_modified"] else ""
        target = TARGETS.get((phase, name), "")
        print(
            f"{name:<32} {row['count']:>7,} {row['count'] / duration:>7.1f} {share:>5} {row['p50']:>7.0f} "
            f"{row['p99']:>7.0f} {row['max']:>7.0f} {row['errors']:>6}" + (f"  target {target}" if target else "")
        )
    print("target for every kind: p99 ≤ 200 ms, no errors")
    print()
    edits = report["edits"]
    print(f"organizer: {len(edits)} edits saved through the admin (one every {EDIT_SECONDS:g} s at most)")
    for error in report["error_samples"]:
        print(f"  error: {error}")
    if report["stale"]:
        print(f"stale feeds during the run: {len(report['stale'])}")
        for entry in report["stale"][:10]:
            print(f"  {entry}")
    else:
        print("stale feeds during the run: none (each feed fetched after an edit was saved showed it)")
    if final_stale:
        print(f"after the last edit, {len(final_stale)} feeds or pages do not show it:")
        for entry in final_stale[:10]:
            print(f"  {entry}")
    elif edits:
        print(
            f"after the last edit: all {len(plan['feeds'])} feeds and {len(plan['delegation_pages'])} "
            f"delegations' pages show the title saved last, {report['final_title']!r}"
        )
    server, client = cpu
    print(
        f"CPU seconds during the run: gunicorn {server:.0f}, locust {client:.0f} "
        f"(of {duration * len(os.sched_getaffinity(0)):.0f} on {len(os.sched_getaffinity(0))} cores)"
    )


def locust_cpu_seconds():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the locust processes that have exited
    return children.ru_utime + children.ru_stime


def run_phase(phase, run_dir, base, plan, plan_path, server, server_env, database):
    """One locust run and its report; whether anything failed."""
    load = os.getloadavg()[0]  # other work shares the machine
    cpu_before = server_cpu_seconds(server), locust_cpu_seconds()
    report = run_locust(run_dir, base, plan_path, run_dir / f"report-{phase}.json", server_env, phase)
    cpu = (server_cpu_seconds(server) - cpu_before[0], locust_cpu_seconds() - cpu_before[1])
    final_title, final_stale = check_feeds(base, plan)
    report["final_title"] = final_title
    print_report(phase, report, plan, database, final_stale, cpu, load)
    if not report["edits"]:
        print("the organizer saved no edit, so freshness could not be checked")
    return bool(report["total"]["errors"] or report["stale"] or final_stale or not report["edits"])


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, interrupted)
    run_dir = Path(tempfile.mkdtemp(prefix="planner-loadtest-"))
    database = throwaway_database()
    server = None
    port = free_port()
    base = f"http://{HOST}:{port}"
    try:
        database.create()
        env = server_environment(run_dir, database, port)
        for name in ("DATABASE_URL", "DJANGO_SECURE_SSL_REDIRECT"):
            os.environ.pop(name, None)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        print(f"preparing a throw-away {database.label} database: {ITEMS} demo items, {DELEGATIONS} delegations…")
        started = time.monotonic()
        plan = prepare(run_dir, port)
        print(f"prepared in {time.monotonic() - started:.0f} s")
        plan_path = run_dir / "plan.json"
        plan_path.write_text(json.dumps(plan))
        server_env = dict(os.environ)
        server = start_server(run_dir, port, server_env)
        wait_healthy(server, base, run_dir)
        print(f"gunicorn is up on {base}; locust runs {USERS} clients and the organizer for {SECONDS} s a phase…")
        failed = False
        for phase in phases():
            failed = run_phase(phase, run_dir, base, plan, plan_path, server, server_env, database) or failed
        if failed:
            print(f"\ngunicorn's error log ends:\n{tail(run_dir / 'error.log')}")
        return 1 if failed else 0
    except KeyboardInterrupt:
        print("\ninterrupted; stopping gunicorn and removing the database")
        return 130
    finally:
        stop(server)
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        database.drop()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
