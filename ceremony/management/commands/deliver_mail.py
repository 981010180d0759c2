"""Deliver the outbox: once (from cron) or in a loop. Safe to start twice: a second worker waits its turn.

Exit status: 0 when the run delivered what it could (or another worker holds the lock), 1 when the mail server
could not be reached or failed mid-run (the messages wait for the next run), 2 when the configuration is broken.
"""

import fcntl
import logging
import signal
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from ceremony.mail_worker import MailConfigurationError, deliver, prepare

logger = logging.getLogger("ceremony.mail_worker")


class WorkerBusy(Exception):
    pass


@contextmanager
def worker_lock():
    """Hold the worker's lock file (POST_OFFICE['LOCK_FILE_NAME'] + '.lock') for the duration, or raise WorkerBusy.

    The kernel releases it when the process ends, however it ends, so a killed worker leaves no stale lock.
    """
    path = Path(f"{settings.POST_OFFICE['LOCK_FILE_NAME']}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise WorkerBusy(str(path)) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_configuration():
    """Refuse to start with a backend that cannot be loaded or an SMTP backend without a host."""
    backend = settings.POST_OFFICE["BACKENDS"]["default"]
    try:
        backend_class = import_string(backend)
    except ImportError as error:
        raise CommandError(f"The mail backend {backend!r} cannot be loaded: {error}", returncode=2) from error
    if backend_class.__module__ == "post_office.backends":
        raise CommandError("POST_OFFICE's backend must deliver mail, not queue it again.", returncode=2)
    if backend.endswith("smtp.EmailBackend") and not settings.EMAIL_HOST:
        raise CommandError("EMAIL_HOST is empty: set the mail server's host name.", returncode=2)


class Command(BaseCommand):
    help = (
        "Send the queued mail (the outbox). Runs once, for cron, or with --loop every --interval seconds. "
        "Exits 1 when the mail server cannot be reached, 2 when the configuration is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running, delivering every --interval seconds.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs with --loop (60).")
        parser.add_argument("--limit", type=int, default=500, help="At most this many messages per run (500).")

    def handle(self, *args, loop, interval, limit, **options):
        check_configuration()
        self._stop = False
        if loop:
            signal.signal(signal.SIGTERM, self._request_stop)
        try:
            with worker_lock():
                while True:
                    ok = self._run_once(limit)
                    if not loop:
                        if not ok:
                            raise CommandError("The mail server failed; the messages wait for the next run.")
                        return
                    self._sleep(interval)
                    if self._stop:
                        return
        except WorkerBusy:
            self.stdout.write("Another mail worker is running; this one has nothing to do.")
        except KeyboardInterrupt:
            return

    def _run_once(self, limit):
        try:
            prepare()
            result = deliver(limit=limit)
        except MailConfigurationError as error:
            raise CommandError(str(error), returncode=2) from error
        self.stdout.write(
            f"{len(result.sent)} sent, {len(result.retry)} to try again, {len(result.failed)} failed"
            + (f"; stopped: {result.stopped}" if result.stopped else ".")
        )
        return not result.stopped

    def _request_stop(self, signum, frame):
        self._stop = True

    def _sleep(self, interval):
        # In steps, so that SIGTERM ends the loop within a second, between runs, never within a message.
        for _step in range(max(interval, 1)):
            if self._stop:
                return
            time.sleep(1)
