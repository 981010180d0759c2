"""The mail worker delivers the outbox to a real SMTP server: an outage or a server that hangs up mid-batch loses
nothing and sends nothing twice; a recipient refused for good is marked and never tried again."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import close_old_connections, connection
from post_office import mail
from post_office.models import STATUS, Email

from ceremony.mail_worker import deliver
from ceremony.models import UndeliverableAddress
from ceremony.outbox import queue_mail

pytestmark = pytest.mark.django_db


def queue(n, to="delegation@example.net"):
    return [
        mail.send(recipients=[to], sender="ceremony@example.org", subject=f"Message {i:02d}", message=f"Body {i}")
        for i in range(n)
    ]


def statuses():
    return sorted((email.subject, email.status) for email in Email.objects.all())


def no_wait(settings):
    # The retry interval passes at once: the next run is "after the interval", without waiting in a test.
    settings.POST_OFFICE = {**settings.POST_OFFICE, "RETRY_INTERVAL": dt.timedelta(0)}


def test_queued_messages_are_delivered_once_each(mail_server):
    queue(3)

    result = deliver()

    assert len(result.sent) == 3 and result.stopped == ""
    assert mail_server.subjects() == ["Message 00", "Message 01", "Message 02"]
    assert {r.to[0] for r in mail_server.received} == {"delegation@example.net"}
    assert statuses() == [("Message 00", STATUS.sent), ("Message 01", STATUS.sent), ("Message 02", STATUS.sent)]
    assert deliver().sent == []  # a second run finds nothing to send
    assert len(mail_server.received) == 3


def test_a_server_that_hangs_up_mid_batch_then_goes_down_loses_nothing_and_sends_nothing_twice(mail_server, settings):
    no_wait(settings)
    queue(6)
    mail_server.handler.accept = 2  # the third message gets "421 shutting down"

    first = deliver()

    assert mail_server.subjects() == ["Message 00", "Message 01"]
    assert len(first.sent) == 2 and len(first.retry) == 1 and first.stopped.startswith("SMTPDataError: (421")
    third = Email.objects.get(subject="Message 02")
    assert (third.status, third.number_of_retries) == (STATUS.requeued, 1)
    # The rest were not tried, and are not charged a retry for the server's fault.
    assert set(Email.objects.filter(subject__gt="Message 02").values_list("status", "number_of_retries")) == {
        (STATUS.queued, None)
    }

    mail_server.stop()
    down = deliver()
    assert down.sent == [] and down.stopped.startswith("ConnectionRefusedError")
    assert Email.objects.filter(status=STATUS.sent).count() == 2
    assert Email.objects.get(subject="Message 02").number_of_retries == 1  # an outage charges nobody

    mail_server.handler.accept = None
    mail_server.start()
    last = deliver()

    assert len(last.sent) == 4 and last.stopped == ""
    assert mail_server.subjects() == [f"Message {i:02d}" for i in range(6)]  # each exactly once
    assert {status for _subject, status in statuses()} == {STATUS.sent}


def test_a_server_that_stops_answering_mid_batch_loses_nothing_and_sends_nothing_twice(mail_server, settings):
    no_wait(settings)
    settings.EMAIL_TIMEOUT = 1
    queue(3)
    mail_server.handler.accept = None
    first = deliver(limit=1)  # the first goes through
    mail_server.handler.hang = 1  # the second gets no answer: the worker gives up waiting

    second = deliver()

    assert len(first.sent) == 1
    assert second.sent == [] and len(second.retry) == 1 and second.stopped.startswith(("TimeoutError", "SMTPServer"))
    assert Email.objects.get(subject="Message 02").status == STATUS.queued  # untouched, uncharged
    last = deliver()
    assert len(last.sent) == 2
    assert mail_server.subjects() == ["Message 00", "Message 01", "Message 02"]


def test_a_requeued_message_waits_for_the_retry_interval(mail_server):
    queue(1)
    mail_server.handler.accept = 0

    deliver()
    mail_server.handler.accept = None

    assert deliver().sent == []  # five minutes have not passed
    assert mail_server.received == []
    Email.objects.update(scheduled_time=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert len(deliver().sent) == 1


def test_a_message_the_server_keeps_refusing_fails_after_the_last_retry(mail_server, settings):
    no_wait(settings)
    settings.POST_OFFICE = {**settings.POST_OFFICE, "MAX_RETRIES": 2}
    queue(1)
    mail_server.handler.accept = 0

    outcomes = [(len(r.retry), len(r.failed)) for r in (deliver(), deliver(), deliver(), deliver())]

    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0)]
    email = Email.objects.get()
    assert (email.status, email.number_of_retries) == (STATUS.failed, 2)
    assert email.logs.count() == 3
    assert UndeliverableAddress.objects.count() == 0  # the server's fault, not the address's


def test_a_recipient_refused_for_good_is_marked_and_not_retried(mail_server, settings):
    no_wait(settings)
    mail_server.handler.refused = {"nobody@example.net"}
    queue(1, to="Nobody@example.net")
    queue(1, to="delegation@example.net")

    result = deliver()

    assert len(result.sent) == 1 and len(result.failed) == 1 and result.stopped == ""
    assert [r.to for r in mail_server.received] == [["delegation@example.net"]]
    mark = UndeliverableAddress.objects.get()
    assert mark.address == "nobody@example.net"
    assert "550" in mark.reason and "User unknown" in mark.reason
    assert deliver().failed == []  # failed for good: never tried again
    # Nothing more is queued for it until someone corrects the address.
    assert queue_mail_to("nobody@example.net") is None


def queue_mail_to(address, ceremony=None):
    from tests.factories import CeremonyFactory

    return queue_mail(
        ceremony=ceremony or CeremonyFactory(),
        to=[address],
        template="delegation_link",
        context={"delegation": "Fiji", "page_url": "https://x.test/d/t/", "https_feed": "", "webcal_feed": ""},
        language="en",
    )


def test_a_malformed_address_is_marked_rather_than_queued(db):
    assert queue_mail_to("not an address@") is None

    assert Email.objects.count() == 0
    assert UndeliverableAddress.objects.get().address == "not an address@"


def test_the_command_runs_once_and_exits_1_when_the_server_is_down(mail_server, capsys):
    queue(2)
    call_command("deliver_mail")
    assert "2 sent, 0 to try again, 0 failed." in capsys.readouterr().out

    queue(1)
    mail_server.stop()
    with pytest.raises(CommandError) as refused:
        call_command("deliver_mail")
    assert refused.value.returncode == 1
    assert Email.objects.filter(status=STATUS.queued).count() == 1


def test_the_loop_outlasts_an_outage(mail_server, capsys):
    from unittest import mock

    queue(2)
    mail_server.stop()
    naps = []

    def nap(seconds):  # instead of waiting: the server comes back after the first run, the loop is stopped after two
        naps.append(seconds)
        if len(naps) == 1:
            mail_server.start()
        elif len(naps) > 2:
            raise KeyboardInterrupt

    with mock.patch("ceremony.management.commands.deliver_mail.time.sleep", nap):
        call_command("deliver_mail", "--loop", "--interval", "2")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("0 sent, 0 to try again, 0 failed; stopped: ConnectionRefusedError")
    assert out[1] == "2 sent, 0 to try again, 0 failed."
    assert mail_server.subjects() == ["Message 00", "Message 01"]


def test_the_command_refuses_a_broken_configuration(settings, db):
    settings.POST_OFFICE = {**settings.POST_OFFICE, "BACKENDS": {"default": "no.such.Backend"}}
    with pytest.raises(CommandError) as broken:
        call_command("deliver_mail")
    assert broken.value.returncode == 2
    assert "cannot be loaded" in str(broken.value)


def test_the_command_calls_the_prepare_functions_before_delivering(mail_server, settings):
    settings.PLANNER_MAIL_PREPARE = ["tests.ceremony.test_mail_worker.queue_one"]

    call_command("deliver_mail")

    assert mail_server.subjects() == ["Message 00"]


def queue_one():
    queue(1)


def test_a_second_worker_leaves_the_work_to_the_first(mail_server, capsys):
    from ceremony.management.commands.deliver_mail import worker_lock

    queue(1)
    with worker_lock():
        call_command("deliver_mail")

    assert "Another mail worker is running" in capsys.readouterr().out
    assert mail_server.received == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_a_message_twice(mail_server):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent workers: SQLite has no row locks (the lock file keeps a second worker out)")
    queue(30)

    def work():
        try:
            deliver()
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert mail_server.subjects() == [f"Message {i:02d}" for i in range(30)]
    assert Email.objects.filter(status=STATUS.sent).count() == 30
