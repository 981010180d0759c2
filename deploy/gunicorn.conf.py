"""Gunicorn's settings for the planner: ``gunicorn -c deploy/gunicorn.conf.py`` from the repository's folder.

Anything here can be changed for one server without editing the file: on the command line
(``--bind 10.0.0.11:8000``) or in ``GUNICORN_CMD_ARGS``, both of which win over this file. The planner's
own settings come from the environment as usual (README, "Running it for real").
"""

import os
import re

from gunicorn.glogging import Logger

wsgi_app = "planner.wsgi:application"

# Behind a proxy on the same machine by default; on a platform that gives a port (a Procfile's $PORT), on it.
bind = [f"0.0.0.0:{os.environ['PORT']}"] if os.environ.get("PORT") else ["127.0.0.1:8000"]

# Synchronous workers, two per core and one more (gunicorn's advice): while one waits on the database another has
# the core. They need a buffering proxy in front (nginx), which feeds slow clients for them. WEB_CONCURRENCY sets
# the number instead.
cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * cores + 1)

# The longest requests are spreadsheet imports and badge PDFs (seconds); a worker silent for longer is stuck.
timeout = 60
# On SIGTERM or SIGHUP (a deploy), requests under way get this long to finish before their worker is killed.
graceful_timeout = 30

# A fresh worker now and then returns whatever memory a long run gathers; the jitter keeps the workers from
# restarting together. Calendar apps poll often, so the count is high: at 1,000 requests a second over three
# workers, each restarts about once a minute.
max_requests = 20_000
max_requests_jitter = 2_000

# Which addresses may set X-Forwarded-Proto and X-Forwarded-For for gunicorn itself: the proxy's. (The
# planner trusts X-Forwarded-Proto with DJANGO_BEHIND_TLS_PROXY=1 whatever gunicorn does, so the app servers
# must be reachable from the proxy alone.)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to standard output and error, where systemd's journal or the platform collects them. Each request: the
# client as the proxy saw it, the request, status, bytes, milliseconds, the referrer and the browser.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

proc_name = "planner"
# No control socket (gunicornc): systemd reloads with SIGHUP, and two servers of one user would share its path.
control_socket_disable = True
# Workers' heartbeat files (gunicorn's own, nothing secret) in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108


# A private link's token (in /d/<token>/ and /staff/<token>/, or ?token= and ?key=) is the key to a delegation
# or an agency's staff-only items: it never reaches the log file, where more people read than hold the link.
_TOKEN_IN_PATH = re.compile(r"/(d|staff)/[^/?\s]+")
_TOKEN_IN_QUERY = re.compile(r"([?&](?:token|key)=)[^&\s]*")


def redact(text):
    """The text with every private link's token replaced by "…"."""
    return _TOKEN_IN_QUERY.sub(r"\1…", _TOKEN_IN_PATH.sub(r"/\1/…", text))


class RedactingLogger(Logger):
    """Gunicorn's logger, with private links' tokens taken out of the request line, path, query and referrer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "q", "f", "{referer}i"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms


logger_class = RedactingLogger
