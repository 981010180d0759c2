"""Who does what in `make loadtest` (bench/loadtest.py prepares the data and reads the report).

Each simulated client sends its next request as soon as the last one is answered, so the numbers measure what
the server can do with that many clients at once. The clients:

- calendar apps polling the public programme, a delegation's calendar or a staff member's, in English or
  Vietnamese, each with the ETag of the copy it has (If-None-Match): most answers are 304;
- the public reading the programme page `/`: day tabs and their pages, in English or Vietnamese;
- delegates opening their delegation's page `/d/<token>/`;
- one organizer, signed in to the real admin with password and a code from their phone, who opens an item's
  change form and saves it with a new title (and every other time an end five minutes later) every few seconds.

Freshness: a feed answered for a request sent after an edit had been saved must show that edit's title or a later
one (from its body, or for a 304 from the copy the app already has); any that does not is recorded with its times.
At the end, a JSON report goes to LOADTEST_REPORT. bench/loadtest.py runs locust once per phase (LOADTEST_PHASE),
naming on its command line the clients each phase has: the organizer's titles name the phase, so a copy left over
from an earlier phase never passes for a fresh one.
"""

import datetime
import itertools
import json
import math
import os
import random
import re
import time
from binascii import unhexlify
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
from django_otp.oath import totp
from gevent.event import Event
from locust import FastHttpUser, HttpUser, constant, constant_pacing, events, task

PLAN = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text())
HEADERS = PLAN["proxy_headers"]
KINDS = ("programme", "delegation", "staff")
FEEDS = {kind: [feed for feed in PLAN["feeds"] if feed["kind"] == kind] for kind in KINDS}

# The organizer's saved edits, in order: each title and when its save had been answered (wall-clock seconds).
EDITS = []
STALE = []
STATS = {}
ERRORS = []
RUN = {}
# The organizer's titles: this run's and phase's, numbered in order.
RUN_NAME = f"{PLAN['run']}-{os.environ.get('LOADTEST_PHASE', 'mixed')}"
TITLE = re.compile(rf"Load test {RUN_NAME} edit (\d+)")
# The others start once the organizer has signed in (or failed to), as an organizer at work already has.
SIGNED_IN = Event()


def _loopback_only(environment):
    host = urlsplit(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"The load test runs against this machine only (127.0.0.1), not {host!r}.")


@events.test_start.add_listener
def on_test_start(environment, **kwargs):
    _loopback_only(environment)
    RUN["start"] = time.time()


@events.request.add_listener
def on_request(request_type, name, response_time, response, exception, **kwargs):
    row = STATS.setdefault(name, {"times": [], "not_modified": 0, "errors": 0})
    row["times"].append(response_time)
    if response is not None and getattr(response, "status_code", None) == 304:
        row["not_modified"] += 1
    if exception is not None:
        row["errors"] += 1
        if len(ERRORS) < 20:
            ERRORS.append(f"{name}: {exception}")


def _summary(times, not_modified, errors):
    ordered = sorted(times)

    def percentile(share):
        return ordered[max(0, math.ceil(len(ordered) * share) - 1)] if ordered else 0

    return {
        "count": len(ordered),
        "not_modified": not_modified,
        "errors": errors,
        "p50": percentile(0.50),
        "p99": percentile(0.99),
        "max": ordered[-1] if ordered else 0,
    }


@events.test_stopping.add_listener
def on_test_stopping(environment, **kwargs):
    RUN["stop"] = time.time()


@events.test_stop.add_listener
def on_test_stop(environment, **kwargs):
    # The run's length, to when users were told to stop (each then finishes the request it is waiting for).
    duration = RUN.get("stop", time.time()) - RUN.get("start", time.time())
    kinds = {name: _summary(**row) for name, row in sorted(STATS.items())}
    every = list(itertools.chain.from_iterable(row["times"] for row in STATS.values()))
    total = _summary(
        every, sum(row["not_modified"] for row in STATS.values()), sum(row["errors"] for row in STATS.values())
    )
    report = {
        "duration": duration,
        "kinds": kinds,
        "total": total,
        "edits": EDITS,
        "stale": STALE,
        "error_samples": ERRORS,
    }
    Path(os.environ["LOADTEST_REPORT"]).write_text(json.dumps(report))


def _unfold(text):
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def _edit_shown(text):
    """The number of the latest of this run's edits whose title the text shows (0: none)."""
    return max((int(number) for number in TITLE.findall(text)), default=0)


def _saved_before(moment):
    """The last edit whose save had been answered before ``moment``, or None."""
    for edit in reversed(EDITS):
        if edit["saved_at"] <= moment:
            return edit
    return None


class Client:
    """Waits for the organizer's sign-in before its first request; the run's clock starts then."""

    def on_start(self):
        SIGNED_IN.wait(timeout=60)


class CalendarApp(Client, FastHttpUser):
    """A calendar app: polls its subscriptions, each with the ETag of its copy."""

    abstract = True
    kind = None
    wait_time = constant(0)
    default_headers = HEADERS

    def on_start(self):
        super().on_start()
        self.copies = {}  # url -> (etag, the number of the latest edit the copy shows)

    @task
    def poll(self):
        feed = random.choice(FEEDS[self.kind])
        url = feed["url"]
        etag, shown = self.copies.get(url, (None, None))
        headers = {"If-None-Match": etag} if etag else {}
        started = time.time()
        name = urlsplit(url).path if self.kind == "programme" else f"{self.kind} feed"
        with self.client.get(url, headers=headers, name=name, catch_response=True) as response:
            if response.status_code == 200:
                shown = _edit_shown(_unfold(response.text))
                self.copies[url] = (response.headers.get("ETag"), shown)
            elif response.status_code != 304 or shown is None:
                response.failure(f"HTTP {response.status_code}")
                return
        # The edit saved last before this request was sent, or one saved since (it may be in this answer), is due.
        edit = _saved_before(started)
        if edit is not None and shown < edit["number"]:
            at = datetime.datetime.fromtimestamp(started, tz=datetime.UTC)
            STALE.append(
                f"{feed['label']}: HTTP {response.status_code} for a request sent at {at:%H:%M:%S.%f} UTC, "
                f"{started - edit['saved_at']:.2f} s after edit {edit['number']} was saved, shows "
                + (f"edit {shown}" if shown else "no edit")
            )


class ProgrammeCalendar(CalendarApp):
    kind = "programme"
    weight = 5


class DelegationCalendar(CalendarApp):
    kind = "delegation"
    weight = 3


class StaffCalendar(CalendarApp):
    kind = "staff"
    weight = 1


class PublicReader(Client, FastHttpUser):
    """Someone reading the public programme: a day's tab or page, in English or Vietnamese."""

    weight = 5
    wait_time = constant(0)
    default_headers = HEADERS

    @task
    def read(self):
        language = random.choice(("en", "vi"))
        self.client.get(random.choice(PLAN["pages"]), headers={"Accept-Language": language}, name="/ (programme page)")


class Delegate(Client, FastHttpUser):
    """A delegate opening their delegation's page on a phone."""

    weight = 1
    wait_time = constant(0)
    default_headers = HEADERS

    @task
    def open_page(self):
        self.client.get(random.choice(PLAN["delegation_pages"]), name="/d/<token>/ (delegation page)")


class Organizer(HttpUser):
    """One organizer (Protocol) editing an item in the admin every few seconds."""

    fixed_count = 1
    wait_time = constant_pacing(PLAN["edit_seconds"])

    def on_start(self):
        self.client.headers.update({**HEADERS, "Origin": PLAN["origin"]})
        self.numbers = itertools.count(1)
        try:
            self._sign_in()
        except RuntimeError as error:
            ERRORS.append(f"organizer: {error}")
        finally:
            RUN["start"] = time.time()
            SIGNED_IN.set()

    def _sign_in(self):
        """The admin's sign-in: the password, then a code from the phone (ceremony/two_factor.py)."""
        organizer = PLAN["organizer"]
        form = self._form("/admin/login/?next=/admin/", "login-form", "admin: sign in")
        credentials = {"username": organizer["username"], "password": organizer["password"]}
        self._post("/admin/login/?next=/admin/", _with(form, **credentials), "admin: sign in")
        verify = "/admin/two-factor/verify/?next=/admin/"
        form = self._form(verify, None, "admin: second factor")
        code = f"{totp(unhexlify(organizer['totp_key'])):06d}"
        self._post(verify, _with(form, code=code), "admin: second factor")

    def _cookies_over_plain_http(self):
        """The planner's cookies are Secure; between the pretend proxy and gunicorn the connection is plain HTTP,
        where a client keeps them to itself. The real proxy gets them over TLS and passes them on, so do that."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def _form(self, url, form_id, name):
        """The named form of the page (or its only form) as a browser would submit it, as a dict."""
        self._cookies_over_plain_http()
        response = self.client.get(url, name=name, headers={"Referer": PLAN["origin"] + url})
        page = lxml.html.fromstring(response.text)
        forms = page.xpath(f"//form[@id='{form_id}']" if form_id else "//form[@method='post']")
        if not forms:
            raise RuntimeError(f"{name}: no form on {url} (HTTP {response.status_code}, at {response.url})")
        return forms[0].form_values()  # (name, value) pairs: a multiple choice gives several

    def _post(self, url, values, name):
        """POSTs the form and expects the redirect that means it was accepted."""
        self._cookies_over_plain_http()
        with self.client.post(
            url,
            data=values,
            name=name,
            allow_redirects=False,
            catch_response=True,
            headers={"Referer": PLAN["origin"] + url},
        ) as response:
            if response.status_code != 302:
                errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
                response.failure(f"HTTP {response.status_code} instead of a redirect: {' '.join(errors)[:300]}")
                raise RuntimeError(f"{name}: HTTP {response.status_code}")
        return response

    @task
    def edit(self):
        number = next(self.numbers)
        title = f"Load test {RUN_NAME} edit {number}"
        url = PLAN["item"]["change_url"]
        try:
            values = self._form(url, "scheduleitem_form", "admin: open the item")
            changes = {"title": title, "title_vi": title, "_save": "Save"}
            if number % 2 == 0:  # every other edit moves the end, and back: the item's sequence rises
                changes["ends_at_1"] = _shift(dict(values)["ends_at_1"], minutes=5 if number % 4 == 0 else -5)
            self._post(url, _with(values, **changes), "admin: save the item")
        except RuntimeError as error:
            if len(ERRORS) < 20:
                ERRORS.append(f"organizer: {error}")
            return
        EDITS.append({"number": number, "title": title, "saved_at": time.time()})


def _with(values, **changes):
    """Form values with some fields set to one value each (added if the form lacks them)."""
    return [(name, value) for name, value in values if name not in changes] + list(changes.items())


def _shift(clock, *, minutes):
    """A time of day as the admin's widget writes it (HH:MM or HH:MM:SS), moved by some minutes."""
    parts = [int(part) for part in clock.split(":")]
    moment = datetime.datetime(2000, 1, 1, *parts) + datetime.timedelta(minutes=minutes)  # noqa: DTZ001
    return moment.strftime("%H:%M:%S")
