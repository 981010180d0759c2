"""The deployment files in deploy/: gunicorn's configuration loads the planner and keeps tokens out of its log,
and the systemd units and the Procfile run commands that exist, with options they take."""

import datetime
import os
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import get_commands, load_command_class
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PLANNER_", "PORT"))}
    env.update(
        DJANGO_SETTINGS_MODULE="planner.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="Xq8-Lm3_Zp7w" * 5,
        DJANGO_ALLOWED_HOSTS="planner.example.org",
        PLANNER_DATA_DIR=str(tmp_path),
        **extra,
    )
    return env


def check_config(env):
    return subprocess.run(
        [GUNICORN, "--check-config", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_gunicorn_config_loads_the_planner_with_production_settings(tmp_path):
    result = check_config(production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorn_config_check_fails_when_the_planner_cannot_start(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]

    result = check_config(env)

    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is not set." in result.stderr


def load_config(monkeypatch, **env):
    for name in ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_binds_to_the_local_proxy_with_workers_for_each_core(monkeypatch):
    config = load_config(monkeypatch)

    assert config["wsgi_app"] == "planner.wsgi:application"
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"


def test_gunicorn_takes_a_platforms_port_workers_and_proxy_address(monkeypatch):
    config = load_config(monkeypatch, PORT="5000", WEB_CONCURRENCY="4", FORWARDED_ALLOW_IPS="10.0.0.2")

    assert config["bind"] == ["0.0.0.0:5000"]
    assert config["workers"] == 4
    assert config["forwarded_allow_ips"] == "10.0.0.2"


TOKEN = "k3Y_secret-Token"


@pytest.mark.parametrize(
    ("uri", "referer", "logged_uri", "logged_referer"),
    [
        (f"/d/{TOKEN}/calendar.ics?lang=vi", "-", "/d/…/calendar.ics?lang=vi", "-"),
        (
            f"/d/{TOKEN}/edit/",
            f"https://planner.example.org/d/{TOKEN}/",
            "/d/…/edit/",
            "https://planner.example.org/d/…/",
        ),
        (f"/staff/{TOKEN}/calendar.ics", "-", "/staff/…/calendar.ics", "-"),
        (f"/items/hanoi-2025-welcome.ics?lang=en&key={TOKEN}", "-", "/items/hanoi-2025-welcome.ics?lang=en&key=…", "-"),
        (f"/items/hanoi-2025-welcome.ics?token={TOKEN}", "-", "/items/hanoi-2025-welcome.ics?token=…", "-"),
        ("/?day=2025-10-25&q=d/x", "-", "/?day=2025-10-25&q=d/x", "-"),
    ],
)
def test_access_log_leaves_out_private_links_tokens(monkeypatch, tmp_path, uri, referer, logged_uri, logged_referer):
    config = load_config(monkeypatch)
    settings = Config()
    settings.set("accesslog", str(tmp_path / "access.log"))
    settings.set("access_log_format", config["access_log_format"])
    logger = config["logger_class"](settings)
    path, _, query = uri.partition("?")
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": path, "QUERY_STRING": query,
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_REFERER": referer, "HTTP_USER_AGENT": "Calendar/1.0"}  # fmt: skip
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "203.0.113.9"), ("REFERER", referer)])
    response = SimpleNamespace(status="200 OK", sent=12, headers=[])

    logger.access(response, request, environ, datetime.timedelta(milliseconds=7))

    line = re.sub(r" \[[^]]+\]", "", (tmp_path / "access.log").read_text())  # the time
    assert line == f'203.0.113.9 "GET {logged_uri} HTTP/1.1" 200 12 7ms "{logged_referer}" "Calendar/1.0"\n'


def commands():
    """Each command the units and the Procfile run: (file, argv)."""
    for unit in ("planner.service", "planner-mail.service"):
        text = (DEPLOY / unit).read_text()
        directory = re.search(r"^WorkingDirectory=(.+)$", text, re.M).group(1)
        for line in re.findall(r"^ExecStart=(.+)$", text, re.M):
            program, *args = shlex.split(line)
            assert program.startswith(f"{directory}/.venv/bin/"), line  # the virtual environment of the code it runs
            yield unit, [Path(program).name, *args]
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            yield "Procfile", shlex.split(line.partition(":")[2])


def test_units_and_procfile_run_the_committed_gunicorn_config_and_existing_manage_commands():
    seen = []
    for source, argv in commands():
        if argv[0] == "gunicorn":
            assert argv[1:] == ["-c", "deploy/gunicorn.conf.py"], source
            seen.append((source, "gunicorn"))
            continue
        assert argv[:2] == ["python", "manage.py"], (source, argv)
        name, options = argv[2], argv[3:]
        app = get_commands()[name]
        # Django's parser raises CommandError on an option the command does not take.
        load_command_class(app, name).create_parser("manage.py", name).parse_args(options)
        seen.append((source, name))

    assert seen == [
        ("planner.service", "gunicorn"),
        ("planner-mail.service", "deliver_mail"),
        ("Procfile", "gunicorn"),
        ("Procfile", "deliver_mail"),
    ]
