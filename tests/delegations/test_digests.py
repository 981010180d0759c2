"""Change digests: one message per reader for a burst of changes to the items they see (delegations.digests)."""

import datetime as dt
import io
import threading
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar
from post_office.mail import send_queued
from post_office.models import Email

from ceremony.enums import ItemStatus, Language, Visibility
from ceremony.models import ScheduleItem, StaffMember
from ceremony.services import schedule_item_cancel
from delegations.digests import flush_due
from delegations.enums import DelegationKind
from delegations.models import ChangeNotice, Invitation
from tests.ceremony.test_spreadsheets import as_csv, export_sheet, import_sheet
from tests.factories import DelegationFactory, RoomFactory, ScheduleItemFactory, hanoi

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
QUIET = dt.timedelta(minutes=5)

ALPHA, BETA, OFFICER, PRESS = "alpha@fr.example", "beta@jp.example", "officer@mps.example", "press@mofa.example"


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "mail_attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


@contextmanager
def clock(moment):
    """Every ``timezone.now()`` reads ``moment`` meanwhile."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def readers(world):
    """The world with addresses: France reads English, Japan Vietnamese; an officer of MPS and one of MOFA."""
    world.ceremony.contact_email = "protocol@hanoi.example"
    world.ceremony.city_vi = "Hà Nội"
    world.ceremony.save()
    world.alpha.contact_email = ALPHA
    world.alpha.save()
    world.beta.contact_email = BETA
    world.beta.language = Language.VIETNAMESE
    world.beta.save()
    world.staff_user.email = OFFICER
    world.staff_user.save()
    press = get_user_model().objects.create_user("press", email=PRESS, first_name="Lan", last_name="Nguyen")
    StaffMember.objects.create(user=press, agency=world.mofa)
    return world


def later(item, minutes=30):
    item.starts_at += dt.timedelta(minutes=minutes)
    item.ends_at += dt.timedelta(minutes=minutes)
    item.save()


def inbox():
    """{address: [messages]} of the outbox."""
    found = {}
    for email in Email.objects.order_by("pk"):
        for address in email.to:
            found.setdefault(address, []).append(email)
    return found


def calendars(email):
    return {a.name: Calendar.from_ical(a.file.read()) for a in email.attachments.order_by("name")}


def test_a_burst_of_edits_makes_one_message_per_reader_once_quiet(readers):
    briefing = readers.items.briefing  # all delegations; led by MPS
    with clock(START):
        later(briefing)
    with clock(START + dt.timedelta(minutes=1)):
        briefing.room = RoomFactory(name="Room 201", name_vi="Phòng 201")
        briefing.save()
    with clock(START + dt.timedelta(minutes=2)):
        later(briefing, 15)
    last = START + dt.timedelta(minutes=2)

    assert flush_due(now=last + QUIET - dt.timedelta(seconds=1)) == 0
    assert Email.objects.count() == 0
    assert flush_due(now=last + QUIET) == 3
    assert {address: len(emails) for address, emails in inbox().items()} == {ALPHA: 1, BETA: 1, OFFICER: 1}
    assert flush_due(now=last + QUIET * 10) == 0  # told once
    assert Email.objects.count() == 3

    email = inbox()[ALPHA][0]
    assert email.subject == "1 change to your programme — Hanoi signing"
    assert email.from_email == "protocol@hanoi.example"
    assert email.headers == {"Reply-To": "protocol@hanoi.example"}
    assert email.message == (
        "Dear France,\n"
        "\n"
        "This item of Hanoi signing has changed:\n"
        "\n"
        "* Briefing\n"
        "  Time: Sat 25 Oct, 08:00–08:30 → Sat 25 Oct, 08:45–09:15\n"
        "  Room: Plenary Hall → Room 201\n"
        "\n"
        "All times are Hanoi time (Asia/Ho_Chi_Minh, UTC+07:00).\n"
        "\n"
        "Each item's calendar file is attached: open it to update the event in your calendar. Your delegation's "
        "page and calendar always show the programme as it stands; open them with the link you were given.\n"
        "\n"
        "Questions: reply to this message, or write to protocol@hanoi.example.\n"
        "\n"
        "The organizers of Hanoi signing\n"
    )
    assert "/d/" not in email.message  # the raw link is not stored, and never mailed
    staff = inbox()[OFFICER][0].message
    assert staff.startswith("Dear officer,\n")
    assert "Your calendar link and the admin always show the programme as it stands." in staff


def test_two_items_changed_in_a_burst_make_one_message_with_both(readers):
    with clock(START):
        later(readers.items.briefing)
        readers.items.opening.status = ItemStatus.TENTATIVE
        readers.items.opening.save()
    assert flush_due(now=START + QUIET) == 3
    (email,) = inbox()[ALPHA]
    assert email.subject == "2 changes to your programme — Hanoi signing"
    assert "These 2 items of Hanoi signing have changed:\n" in email.message
    assert "* Briefing\n  Time: Sat 25 Oct, 08:00–08:30 → Sat 25 Oct, 08:30–09:00\n" in email.message
    assert "  Status: confirmed → tentative\n" in email.message
    # In the programme's order: the briefing (08:30) before the opening (09:00).
    assert email.message.index("* Briefing") < email.message.index("* Opening")
    assert sorted(calendars(email)) == ["briefing.ics", "opening.ics"]


def test_an_internal_item_is_told_to_its_agencys_staff_only(readers):
    with clock(START):
        later(readers.items.security)  # staff-only, led by MPS
    assert flush_due(now=START + QUIET) == 1
    assert list(inbox()) == [OFFICER]
    assert "* Security sweep\n" in inbox()[OFFICER][0].message


def test_an_item_of_a_supporting_agency_is_told_to_its_staff(readers):
    readers.items.security.supporting_agencies.add(readers.mofa)
    with clock(START):
        later(readers.items.security)
    assert flush_due(now=START + QUIET) == 2
    assert sorted(inbox()) == [OFFICER, PRESS]
    assert inbox()[PRESS][0].message.startswith("Dear Lan Nguyen,\n")


def test_an_item_invited_to_one_delegation_is_not_told_to_another(readers):
    with clock(START):
        later(readers.items.alpha_slot)
    assert flush_due(now=START + QUIET) == 2
    assert sorted(inbox()) == [ALPHA, OFFICER]


def test_a_delegation_uninvited_during_the_burst_is_not_told(readers):
    with clock(START):
        later(readers.items.alpha_slot)
        Invitation.objects.get(item=readers.items.alpha_slot, delegation=readers.alpha).delete()
    assert flush_due(now=START + QUIET) == 1
    assert list(inbox()) == [OFFICER]


def test_readers_without_an_address_get_nothing(readers):
    readers.alpha.contact_email = ""
    readers.alpha.save()
    readers.staff_user.is_active = False
    readers.staff_user.save()
    with clock(START):
        later(readers.items.briefing)
    assert flush_due(now=START + QUIET) == 1
    assert list(inbox()) == [BETA]


def test_a_cancelled_item_says_cancelled_and_its_calendar_file_too(readers):
    with clock(START):
        schedule_item_cancel(item=readers.items.briefing)
    assert flush_due(now=START + QUIET) == 3
    email = inbox()[ALPHA][0]
    assert "* Briefing\n  Status: confirmed → cancelled\n\n" in email.message
    (event,) = calendars(email)["briefing.ics"].walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "Cancelled: Briefing"
    assert event["SEQUENCE"] == 1


def test_a_vietnamese_delegation_reads_vietnamese(readers):
    with clock(START):
        later(readers.items.opening)
        readers.items.opening.room = None
        readers.items.opening.save()
    flush_due(now=START + QUIET)
    (email,) = inbox()[BETA]
    assert email.subject == "1 thay đổi trong chương trình của quý vị — Lễ ký Hà Nội"
    assert email.message == (
        "Kính gửi Nhật Bản,\n"
        "\n"
        "1 hoạt động của Lễ ký Hà Nội đã thay đổi:\n"
        "\n"
        "* Khai mạc\n"
        "  Giờ: Thứ 7 25 Tháng 10, 09:00–10:30 → Thứ 7 25 Tháng 10, 09:30–11:00\n"
        "  Phòng: Hội trường → không có phòng\n"
        "\n"
        "Mọi thời gian đều theo giờ Hà Nội (Asia/Ho_Chi_Minh, UTC+07:00).\n"
        "\n"
        "Tệp lịch của từng hoạt động được đính kèm: mở tệp để cập nhật sự kiện trong lịch của quý vị. Trang và "
        "lịch của đoàn luôn cho thấy chương trình hiện tại; hãy mở chúng bằng đường liên kết quý vị đã được cấp.\n"
        "\n"
        "Mọi câu hỏi: hãy trả lời thư này, hoặc viết tới protocol@hanoi.example.\n"
        "\n"
        "Ban tổ chức Lễ ký Hà Nội\n"
    )
    (event,) = calendars(email)["opening.ics"].walk("VEVENT")
    assert str(event["SUMMARY"]) == "Khai mạc"  # the calendar file in the reader's language too


def test_the_attachment_is_the_items_calendar_with_its_uid_and_new_time(readers):
    with clock(START):
        later(readers.items.briefing)
    flush_due(now=START + QUIET)
    calendar = calendars(inbox()[ALPHA][0])["briefing.ics"]
    assert str(calendar["METHOD"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "briefing"
    assert event.decoded("DTSTART") == hanoi(25, 8, 30)
    assert event.decoded("DTEND") == hanoi(25, 9)
    assert event["SEQUENCE"] == 1
    attachment = inbox()[ALPHA][0].attachments.get()
    assert attachment.mimetype == "text/calendar"


def test_a_rolled_back_edit_queues_nothing(readers):
    with clock(START), pytest.raises(RuntimeError), transaction.atomic():
        later(readers.items.briefing)
        raise RuntimeError("the edit fails after saving")
    assert not ChangeNotice.objects.exists()
    assert flush_due(now=START + QUIET) == 0
    assert Email.objects.count() == 0


def test_edits_that_come_back_to_where_they_were_tell_nothing(readers):
    with clock(START):
        later(readers.items.briefing)
    with clock(START + dt.timedelta(minutes=1)):
        later(readers.items.briefing, -30)
    assert flush_due(now=START + QUIET * 2) == 0
    assert Email.objects.count() == 0
    assert ChangeNotice.objects.get().sent_at == START + QUIET * 2  # closed: the next change starts afresh


def test_a_new_item_a_title_and_a_rooms_new_name_are_not_changes(readers):
    with clock(START):
        ScheduleItemFactory(ceremony=readers.ceremony, visibility=Visibility.PUBLIC)
        readers.items.opening.title = "Opening ceremony"
        readers.items.opening.save()
        readers.room.name = "Great Hall"
        readers.room.save()
    assert not ChangeNotice.objects.exists()
    assert flush_due(now=START + QUIET) == 0


def test_an_edit_after_the_digest_opens_a_new_notice_from_what_was_told(readers):
    briefing = readers.items.briefing
    with clock(START):
        later(briefing)
    flush_due(now=START + QUIET)
    with clock(START + QUIET * 2):
        later(briefing)
    flush_due(now=START + QUIET * 3)
    second = inbox()[ALPHA][1]
    assert "  Time: Sat 25 Oct, 08:30–09:00 → Sat 25 Oct, 09:00–09:30\n" in second.message


def test_the_notice_names_who_changed_the_item(readers):
    briefing = readers.items.briefing
    briefing._history_user = readers.staff_user
    with clock(START):
        later(briefing)
    notice = ChangeNotice.objects.get()
    assert (notice.changed_by, notice.old_starts_at, notice.old_status) == (
        readers.staff_user,
        hanoi(25, 8),
        ItemStatus.CONFIRMED,
    )


def test_send_digests_command_queues_what_is_due(readers):
    with clock(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)):  # long quiet by now
        later(readers.items.briefing)
    out = io.StringIO()
    call_command("send_digests", stdout=out)
    assert out.getvalue() == "Change digests queued: 3\n"


def test_a_queued_digest_is_delivered_with_its_calendar_file(readers, settings):
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": "django.core.mail.backends.locmem.EmailBackend"},
    }
    with clock(START):
        later(readers.items.security)
    flush_due(now=START + QUIET)
    send_queued()
    (message,) = mail.outbox
    assert message.to == [OFFICER]
    assert message.subject == "1 change to your programme — Hanoi signing"
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("security-sweep.ics", "text/calendar")
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["UID"]) == "security-sweep"


def _flush_queries(world, *, items, delegations, prefix):
    """The queries of one flush with ``items`` changed public items and ``delegations`` more readers."""
    for n in range(delegations):
        DelegationFactory(
            ceremony=world.ceremony,
            kind=DelegationKind.IGO,
            country="",
            name=f"Organization {prefix}{n}",
            contact_email=f"{prefix}{n}@example.org",
        )
    extra = [ScheduleItemFactory(ceremony=world.ceremony, uid=f"{prefix}-{n}") for n in range(items)]
    with clock(START):
        for item in extra:
            later(item)
    with CaptureQueriesContext(connection) as queries:
        queued = flush_due(now=START + QUIET)
    sql = [q["sql"] for q in queries.captured_queries]
    # Writing a message: the outbox's own rows, and the look-up of its address among those that bounced.
    writing = [s for s in sql if "post_office" in s or "ceremony_undeliverableaddress" in s]
    return queued, [s for s in sql if s not in writing], len(writing)


def test_flush_reads_in_a_constant_number_of_queries(readers):
    queued, reads, writes = _flush_queries(readers, items=2, delegations=1, prefix="small")
    assert queued == 3  # France, Japan, the organization (their agencies have no staff)
    count = len(reads)
    assert count == 9  # the due notices, closing them, who sees what (3), the readers (2), and the savepoint (2)
    ChangeNotice.objects.all().delete()
    Email.objects.all().delete()
    queued, reads, more_writes = _flush_queries(readers, items=6, delegations=5, prefix="large")
    assert queued == 8
    assert len(reads) == count
    # Writing each message costs the same few statements for it and for each attachment, whatever the rest.
    assert (writes, more_writes) == (3 * 3 + 3 * 2, 8 * 3 + 8 * 6)


@pytest.mark.django_db(transaction=True)
def test_concurrent_flushers_tell_each_change_once(readers):
    if connection.vendor != "postgresql":
        print("skipped: SQLite serializes whole transactions, so two flushers never overlap; run on PostgreSQL")
        pytest.skip("needs concurrent transactions: SQLite serializes them, PostgreSQL skips locked rows")
    with clock(START):
        later(readers.items.briefing)
        later(readers.items.opening)
    barrier = threading.Barrier(4)
    counts = []

    def flush():
        try:
            barrier.wait()
            counts.append(flush_due(now=START + QUIET))
        finally:
            connection.close()

    workers = [threading.Thread(target=flush) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(counts) == 3
    assert {address: len(emails) for address, emails in inbox().items()} == {ALPHA: 1, BETA: 1, OFFICER: 1}


def test_an_imported_move_opens_a_notice_naming_the_importer(admin_client, admin_user, readers):
    _response, rows = export_sheet(admin_client, ScheduleItem)
    opening = next(row for row in rows if row["uid"] == "opening")
    opening.update(starts_at="2025-10-25 09:30", ends_at="2025-10-25 11:00")

    _preview, result = import_sheet(admin_client, ScheduleItem, as_csv(rows))

    assert result is not None
    notice = ChangeNotice.objects.get()  # the preview wrote none
    assert (notice.item.uid, notice.old_starts_at, notice.old_ends_at, notice.changed_by) == (
        "opening",
        hanoi(25, 9),
        hanoi(25, 10, 30),
        admin_user,
    )


def test_a_clock_stepped_back_during_a_burst_keeps_the_notice_valid(readers):
    with clock(START):
        later(readers.items.briefing)
    with clock(START - dt.timedelta(minutes=1)):  # NTP stepped the clock back
        later(readers.items.briefing)
    notice = ChangeNotice.objects.get()
    assert (notice.first_changed_at, notice.changed_at) == (START, START)
