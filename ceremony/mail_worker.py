"""The mail worker: delivers the outbox (post_office's queued Email rows), one message per transaction.

Why not post_office's own ``send_queued``: it sends a whole batch and only then writes the statuses, so a worker
killed mid-batch would send again what it had already sent, and a server that is down charges every message of
the batch a retry. Here each message is taken with its row locked (``SELECT … FOR UPDATE SKIP LOCKED``, so two
workers on PostgreSQL never hold the same one; on SQLite the command's lock file keeps a second worker out), sent
on post_office's connection, and marked in the same transaction. The only window for a duplicate is a crash
between the server's "250 accepted" and that commit.

What an answer means:

* the server cannot be reached (refused, down, TLS or login broken): nothing is touched, the run stops, the next
  run tries again; no message is charged a retry for it;
* 5xx for the recipients, or an address that cannot be written: the message fails for good and the addresses
  are marked undeliverable (``outbox.mark_undeliverable``), for Protocol to see and correct;
* any other 5xx for this message: it fails for good;
* 4xx, a timeout or a dropped connection while sending it: the message is tried again after
  ``POST_OFFICE['RETRY_INTERVAL']``, at most ``MAX_RETRIES`` times, then fails; the run stops (the server is
  unwell), leaving the rest queued and uncharged.
"""

import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from post_office.connections import connections
from post_office.models import STATUS, Email, Log
from post_office.settings import get_default_mailer, get_max_retries, get_retry_timedelta

from .outbox import MALFORMED, mark_undeliverable

logger = logging.getLogger(__name__)

SENT, RETRY, FAILED, BOUNCED, CONFIGURATION = "sent", "retry", "failed", "bounced", "configuration"


class MailConfigurationError(Exception):
    """The worker cannot work as configured (no such backend, refused login): a person must fix it."""


@dataclass
class Delivery:
    """What one run did: ids of the messages sent, tried again later, failed for good; why it stopped early."""

    sent: list = field(default_factory=list)
    retry: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    stopped: str = ""  # the reason the run stopped before the end of the queue, if it did


def prepare():
    """Call every function named in ``settings.PLANNER_MAIL_PREPARE`` (they queue messages that are due)."""
    for path in settings.PLANNER_MAIL_PREPARE:
        import_string(path)()


def _due():
    now = timezone.now()
    return Email.objects.filter(
        Q(scheduled_time__lte=now) | Q(scheduled_time=None),
        Q(expires_at__gt=now) | Q(expires_at=None),
        status__in=[STATUS.queued, STATUS.requeued],
    )


def classify(error):
    """``(outcome, addresses to mark)`` for an exception raised while sending one message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return BOUNCED, list(error.recipients)
        return RETRY, []
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return CONFIGURATION, []
    if isinstance(error, smtplib.SMTPSenderRefused) and 500 <= error.smtp_code < 600:
        return CONFIGURATION, []
    if isinstance(error, smtplib.SMTPResponseException):
        if 500 <= error.smtp_code < 600:
            return FAILED, []
        return RETRY, []
    if isinstance(error, ValueError):  # Django could not write an address into the message
        return BOUNCED, None
    return RETRY, []  # timeouts, a dropped connection, anything unforeseen: try again, a limited number of times


def _connection():
    try:
        return connections[get_default_mailer()]
    except (ImportError, KeyError) as error:
        raise MailConfigurationError(f"The mail backend cannot be loaded: {error}") from error
    except smtplib.SMTPAuthenticationError as error:
        raise MailConfigurationError(f"The mail server refused the login: {error}") from error


def _send_one(pk, connection, result):
    """Send message ``pk`` if it is still due and no other worker holds it; record the outcome.

    Returns ``(outcome, the exception or None)``, ``(None, None)`` when the message was not there to send."""
    with transaction.atomic():
        email = _due().select_for_update(skip_locked=True).filter(pk=pk).first()
        if email is None:
            return None, None
        error = None
        try:
            message = email.email_message()
            if message.recipients():
                connection.send_messages([message])
        except Exception as exc:  # every failure is classified and recorded; none may stop the queue unseen
            error = exc
            outcome, addresses = classify(error)
            reason = f"{type(error).__name__}: {error}"
        else:
            outcome, addresses, reason = SENT, [], ""
        if outcome == CONFIGURATION:
            raise MailConfigurationError(reason)

        update = {"last_updated": timezone.now()}
        if outcome == SENT:
            update["status"] = STATUS.sent
            result.sent.append(pk)
        elif outcome == RETRY and (email.number_of_retries or 0) < get_max_retries():
            update.update(
                status=STATUS.requeued,
                number_of_retries=(email.number_of_retries or 0) + 1,
                scheduled_time=timezone.now() + get_retry_timedelta(),
            )
            result.retry.append(pk)
        else:
            update["status"] = STATUS.failed
            result.failed.append(pk)
            if outcome == BOUNCED:
                mark_undeliverable(email.to if addresses is None else addresses, reason=reason or MALFORMED)
        Email.objects.filter(pk=pk).update(**update)
        Log.objects.create(
            email=email,
            status=STATUS.sent if outcome == SENT else STATUS.failed,
            message=reason,
            exception_type=reason.split(":", 1)[0],
        )
    logger.info("Mail #%s to %s: %s %s", pk, ", ".join(email.to), outcome, reason)
    return outcome, error


def _server_gone(error):
    """Whether the server, not this message, failed: it closed (421), hung up or stopped answering."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPRecipientsRefused)


def deliver(*, limit=None):
    """Send the messages that are due, oldest first; returns a ``Delivery``.

    Raises ``MailConfigurationError`` when the configuration is broken; the message being sent stays queued.
    """
    result = Delivery()
    pks = list(_due().order_by("created", "pk").values_list("pk", flat=True)[:limit])
    try:
        for pk in pks:
            try:
                connection = _connection()
            except OSError as error:  # refused, unreachable, timed out, TLS: the server, not the messages
                logger.warning("The mail server cannot be reached (%s); the messages wait.", error)
                result.stopped = f"{type(error).__name__}: {error}"
                break
            outcome, error = _send_one(pk, connection, result)
            if outcome in (RETRY, FAILED, BOUNCED):
                connections.close()  # a fresh connection for the next message
            if outcome == RETRY and _server_gone(error):
                result.stopped = f"{type(error).__name__}: {error}"
                break
    finally:
        connections.close()
    return result
