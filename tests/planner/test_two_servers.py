"""Two app servers (gunicorn) on one PostgreSQL database and one Redis: an organizer's session and every built
calendar are shared, so an edit made through one server is in the next feed from the other, built only once."""

import http.cookies
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from ceremony.enums import Visibility
from ceremony.models import ScheduleItem
from tests import redis_server
from tests.adminpages import FormValues
from tests.factories import CeremonyFactory, RoomFactory, ScheduleItemFactory, VenueFactory, hanoi

ROOT = Path(__file__).resolve().parents[2]
REDIS = redis_server.ADDRESS
REDIS_DB = 15  # this test's own: it empties it before and after
BUILT = re.compile(rb"Built the programme calendar \(en\)")


pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="two app servers share one PostgreSQL database: CI's second pass"
    ),
    pytest.mark.skipif(not redis_server.up(), reason=redis_server.SKIP_REASON),
]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flush_redis():
    import redis

    redis.Redis(*REDIS, db=REDIS_DB).flushdb()


class Server:
    """One gunicorn, its log in a file."""

    def __init__(self, name, env, log_dir):
        self.name, self.port = name, _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "planner.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} stopped: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"{self.name} did not answer: {self.log.read_text()[-2000:]}")

    def builds(self):
        return len(BUILT.findall(self.log.read_bytes()))

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Browser:
    """A browser or a calendar app: it reaches both servers under one address (as behind one proxy), with one
    cookie jar."""

    def __init__(self):
        self.cookies = {}

    def request(self, url, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Host": "127.0.0.1", **(headers or {})})  # noqa: S310
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # a redirect or a refusal: still an answer
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                for morsel in http.cookies.SimpleCookie(header).values():
                    self.cookies[morsel.key] = morsel.value
            return response.status, dict(response.headers), response.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def servers(transactional_db, tmp_path):
    _flush_redis()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",  # production settings over plain http (tests/settings.py)
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # one key for all servers: sessions are signed with it
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "INFO",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
    }
    pair = [Server("first", env, tmp_path), Server("second", env, tmp_path)]
    try:
        for server in pair:
            server.wait()
        yield pair
    finally:
        for server in pair:
            server.stop()
        _flush_redis()


@pytest.fixture
def programme(transactional_db):
    ceremony = CeremonyFactory(name="Hanoi signing", is_current=True)
    room = RoomFactory(venue=VenueFactory(name="National Convention Center"), name="Plenary Hall")
    for n in range(20):
        ScheduleItemFactory(
            ceremony=ceremony,
            uid=f"item-{n}",
            title=f"Item {n}",
            room=room,
            visibility=Visibility.PUBLIC,
            starts_at=hanoi(25, 8 + n // 4, 15 * (n % 4)),
            ends_at=hanoi(25, 9 + n // 4, 15 * (n % 4)),
        )
    get_user_model().objects.create_superuser("organizer", password="a-long-password-for-tests")
    return ceremony


def _feed(server, etag=None):
    headers = {"If-None-Match": etag} if etag else {}
    return Browser().request(f"{server.base}/programme.ics", headers=headers)


def _retitle(browser, server, title):
    """The organizer changes item-0's title in the admin of ``server``, as in a browser."""
    pk = ScheduleItem.objects.get(uid="item-0").pk
    url = f"{server.base}/admin/ceremony/scheduleitem/{pk}/change/"
    status, _, page = browser.request(url)
    assert status == 200
    values = FormValues(page.decode()).values
    values["title"] = title
    status, headers, _ = browser.request(url, data=values, headers={"Referer": url})
    assert (status, headers.get("Location")) == (302, "/admin/ceremony/scheduleitem/")


def test_an_edit_through_one_server_is_in_the_next_feed_from_the_other_built_once(programme, servers):
    first, second = servers
    status, headers, body = _feed(first)
    assert status == 200
    assert b"SUMMARY:Item 0" in body
    etag = headers["ETag"]
    # The second server serves the copy the first one built.
    status, headers, copy = _feed(second)
    assert (status, headers["ETag"], copy) == (200, etag, body)
    assert (first.builds(), second.builds()) == (1, 0)
    assert _feed(second, etag=etag)[0] == 304

    # Signed in on the first server, the organizer's session works on the second.
    organizer = Browser()
    status, _, page = organizer.request(f"{first.base}/admin/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
    status, headers, _ = organizer.request(
        f"{first.base}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": "organizer", "password": "a-long-password-for-tests"},
        headers={"Referer": f"{first.base}/admin/login/"},
    )
    assert (status, headers.get("Location")) == (302, "/admin/")
    _retitle(organizer, second, "Item 0, moved by the second server's admin")

    # The first server's next answer shows it.
    status, _, body = _feed(first, etag=etag)
    assert status == 200
    assert b"SUMMARY:Item 0\\, moved by the second server's admin" in body
    assert (first.builds(), second.builds()) == (2, 0)

    # After the next edit both are asked at once, several times each: one of them builds, for both.
    _retitle(organizer, first, "Item 0, asked for everywhere at once")
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(_feed, [first, second] * 4))
    assert {status for status, _, _ in answers} == {200}
    assert len({body for _, _, body in answers}) == 1
    assert b"SUMMARY:Item 0\\, asked for everywhere at once" in answers[0][2]
    assert first.builds() + second.builds() == 3
