"""Security: production settings pass Django's deployment checks, every kind of page sends the
security headers, logins are throttled, and foreign hosts and oversized requests are refused."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PLANNER_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="planner.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="Xq8-Lm3_Zp7w" * 5,
        DJANGO_ALLOWED_HOSTS="planner.example.org",
        PLANNER_DATA_DIR=str(tmp_path),
        PLANNER_CONTACT_EMAIL="ceremony@planner.example.org",
        **extra,
    )
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_the_ceremony_has_no_contact_address(tmp_path):
    env = production_env(tmp_path)
    del env["PLANNER_CONTACT_EMAIL"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 1
    assert "?: (ceremony.W001) The ceremony has no contact address" in result.stderr


def test_production_cookies_are_secure_and_https_is_enforced(tmp_path):
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=production_env(tmp_path, DJANGO_BEHIND_TLS_PROXY="1"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.split() == ["True", "True", "True", "31536000", "('HTTP_X_FORWARDED_PROTO',", "'https')"]


def _require_2fa(tmp_path, **extra):
    probe = "import django; django.setup(); from django.conf import settings as s; print(s.PLANNER_REQUIRE_2FA)"
    return subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env={**production_env(tmp_path), **extra},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_production_requires_a_second_factor_and_cannot_turn_it_off(tmp_path):
    assert _require_2fa(tmp_path).stdout == "True\n"
    assert _require_2fa(tmp_path, PLANNER_REQUIRE_2FA="1").stdout == "True\n"
    refused = _require_2fa(tmp_path, PLANNER_REQUIRE_2FA="0")
    assert refused.returncode != 0
    assert (
        "PLANNER_REQUIRE_2FA cannot be turned off when DJANGO_DEBUG is off: organizers always sign in with a "
        "second factor in production." in refused.stderr
    )


def test_development_asks_for_a_second_factor_only_when_told_to(tmp_path):
    assert _require_2fa(tmp_path, DJANGO_DEBUG="1").stdout == "False\n"  # `make run`: the demo organizer skips it
    assert _require_2fa(tmp_path, DJANGO_DEBUG="1", PLANNER_REQUIRE_2FA="1").stdout == "True\n"


def _urls(world):
    return {
        "programme": "/",
        "about": "/about/",
        "feed": "/programme.ics",
        "item download": "/items/opening.ics",
        "delegation page": f"/d/{world.alpha_token}/",
        "delegation form": f"/d/{world.alpha_token}/edit/",
        "delegation feed": f"/d/{world.alpha_token}/calendar.ics",
        "staff feed": f"/staff/{world.staff_token}/calendar.ics",
        "not found": "/d/unknown/",
        "admin login": "/admin/login/",
        "admin page": "/admin/ceremony/scheduleitem/",
        "health": "/healthz",
    }


# The private feeds and the one-item download (its address may carry a private token) send no referrer at all.
NO_REFERRER = {"item download", "delegation feed", "staff feed"}


@pytest.mark.parametrize(
    "kind",
    [
        "programme", "about", "feed", "item download", "delegation page", "delegation form", "delegation feed",
        "staff feed", "not found", "admin login", "admin page", "health",
    ],
)  # fmt: skip
def test_every_kind_of_page_sends_the_security_headers(client, admin_user, world, kind):
    if kind == "admin page":
        client.force_login(admin_user)
    response = client.get(_urls(world)[kind], secure=True)
    assert response.status_code == (404 if kind == "not found" else 200)
    csp = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    # Pages send a referrer to this site only.
    assert response["Referrer-Policy"] == ("no-referrer" if kind in NO_REFERRER else "same-origin")


@pytest.mark.parametrize("url", ["/", "/about/", "/admin/login/", "/admin/", "/admin/ceremony/scheduleitem/add/"])
def test_no_page_has_an_inline_script(admin_client, world, url):
    text = admin_client.get(url).content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == []
    assert not re.search(r"\son[a-z]+=\"", text)  # no inline event handlers either


def _login(client, password, **headers):
    return client.post("/admin/login/?next=/admin/", {"username": "officer", "password": password}, **headers)


def test_repeated_wrong_passwords_lock_the_account_until_an_administrator_resets_it(client, db):
    get_user_model().objects.create_user("officer", password="right-password-123", is_staff=True)
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200  # the form again, with its error
    assert _login(client, "wrong").status_code == 429  # the fifth failure locks
    locked = _login(client, "right-password-123")
    assert locked.status_code == 429
    assert "locked" in locked.content.decode().lower()

    call_command("axes_reset_username", "officer", verbosity=0)
    assert _login(client, "right-password-123").status_code == 302


def _proxy_settings(tmp_path, **extra):
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_CLIENT_IP_CALLABLE, s.PLANNER_PROXY_COUNT)"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=production_env(tmp_path, DJANGO_BEHIND_TLS_PROXY="1", **extra),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_behind_a_proxy_wrong_passwords_lock_out_only_the_client_that_sent_them(client, settings, tmp_path):
    resolver, count = _proxy_settings(tmp_path).stdout.split()
    assert (resolver, count) == ("ceremony.client_ip.client_ip", "1")
    settings.AXES_CLIENT_IP_CALLABLE, settings.PLANNER_PROXY_COUNT = resolver, int(count)
    get_user_model().objects.create_user("officer", password="right-password-123", is_staff=True)
    # Both reach the planner through the same proxy, which appends each client's address.
    guesser = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    organizer = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}

    for _ in range(5):
        _login(client, "wrong", **guesser)
    assert _login(client, "right-password-123", **guesser).status_code == 429
    # Forging the organizer's address in front of the proxy's entry does not unlock the guesser.
    forged = {**guesser, "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}
    assert _login(client, "right-password-123", **forged).status_code == 429
    assert _login(client, "right-password-123", **organizer).status_code == 302


def test_the_number_of_proxies_comes_from_the_environment(tmp_path):
    assert _proxy_settings(tmp_path, DJANGO_PROXY_COUNT="2").stdout.split() == ["ceremony.client_ip.client_ip", "2"]


@pytest.mark.parametrize("count", ["0", "two", "-1"])
def test_a_number_of_proxies_that_is_not_one_or_more_is_refused(tmp_path, count):
    result = _proxy_settings(tmp_path, DJANGO_PROXY_COUNT=count)
    assert result.returncode != 0
    assert (
        f"DJANGO_PROXY_COUNT must be the number of proxies in front of the planner (1 or more); got {count!r}."
        in result.stderr
    )


def test_a_foreign_host_header_is_refused(client, world):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_too_many_form_fields_are_refused(client, world):
    data = {f"field{n}": "x" for n in range(2100)}
    assert client.post(f"/d/{world.alpha_token}/edit/", data).status_code == 400


def test_an_oversized_form_field_is_refused(client, world):
    response = client.post(f"/d/{world.alpha_token}/edit/", {"hotel": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 400


def test_no_model_stores_passport_numbers():
    from django.apps import apps

    fields = [f"{m._meta.label}.{f.name}" for m in apps.get_models() for f in m._meta.get_fields()]
    assert not [name for name in fields if "passport" in name.lower()]


# --- Whatever is typed into an address never answers 500 ------------------------------------------------------------

ODD_ADDRESSES = [
    "/items/a%00b.ics",
    "/?kind=%00&day=%00",
    "/programme.ics?lang=%00",
    "/admin/delegations/delegation/?q=a%00b",
    "/admin/delegations/delegation/?status__exact=%00",
    "/admin/ceremony/scheduleitem/?starts_at__gte=%00",
    "/admin/delegations/delegation/?arrival_at__gte=0001-01-01T00:00:00%2B07:00",
    "/admin/delegations/delegation/?arrival_at__lt=9999-12-31T23:59:59-12:00",
    "/admin/ceremony/scheduleitem/?starts_at__day=99999&starts_at__month=1&starts_at__year=0",
    "/admin/ceremony/scheduleitem/?starts_at__year=0",
    "/admin/delegations/delegation/?arrival_at__year=0",
    "/admin/delegations/delegation/?arrival_at__year=10000",
    "/admin/ceremony/scheduleitem/?starts_at__year__gte=0",
    "/admin/delegations/fullpowers/?issued_on__year=0",
    "/admin/delegations/signatory/?delegation__arrival_at__year=0",
    "/admin/delegations/delegation/?name=%00&name=x",
    "/admin/delegations/delegation/?name=x&name=%00",
    "/admin/delegations/delegation/abc/history/",
    "/admin/delegations/delegation/1/history/abc/",
    "/admin/delegations/delegation/abc/change/",
]


@pytest.mark.parametrize("url", ODD_ADDRESSES)
def test_an_odd_address_gets_a_page_not_an_error(admin_client, world, url):
    response = admin_client.get(url)
    assert response.status_code in (200, 302, 400, 404), response.status_code


@pytest.mark.parametrize("chosen", ["abc", "", "1.5", "-1"])
def test_a_tampered_choice_of_rows_for_an_action_changes_nothing(admin_client, world, chosen):
    from delegations.models import Delegation
    from tests.adminpages import admin_url

    before = Delegation.objects.get(pk=world.alpha.pk).token_hash
    response = admin_client.post(
        admin_url(Delegation, "changelist"),
        {"action": "issue_access_links", "_selected_action": [chosen], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Delegation.objects.get(pk=world.alpha.pk).token_hash == before


def test_security_txt_names_the_deployments_contact(client, settings):
    settings.PLANNER_SECURITY_CONTACT = "mailto:security@planner.example.org"

    response = client.get("/.well-known/security.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "Contact: mailto:security@planner.example.org"
    assert lines[1].startswith("Expires: ") and lines[2] == "Preferred-Languages: en, vi"


def test_security_txt_is_not_there_without_a_contact(client, settings):
    settings.PLANNER_SECURITY_CONTACT = ""
    assert client.get("/.well-known/security.txt").status_code == 404


def test_a_health_check_over_plain_http_is_answered_everything_else_redirected(db, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production (the suite speaks plain http)
    client = Client()
    health = client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "ok"})
    page = client.get("/about/")
    assert (page.status_code, page["Location"]) == (301, "https://testserver/about/")
