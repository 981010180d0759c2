"""Check-in at the door: enter, already inside, refused; one entry per person and day, even from two phones at
once; a delegation's first check-in marks it arrived; only Security checks in."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegations.badges import badges_issue
from delegations.door import ARRIVAL_REASON, ENTER, INSIDE, REFUSED, check_in
from delegations.enums import AccreditationStatus, ClearanceStatus, DelegationStatus, Rank
from delegations.models import Delegate, Entry
from tests.adminpages import page_text, plain
from tests.ceremony.test_stale_edits import needs_postgresql, run_together  # noqa: F401 - a fixture
from tests.factories import CeremonyFactory, DelegateFactory, DelegationFactory

OK = {"accreditation_status": AccreditationStatus.ACCREDITED, "clearance_status": ClearanceStatus.CLEARED}
DOOR = "/admin/delegations/badge/door/"


def user_in(group, name=None):
    user = get_user_model().objects.create_user(
        name or f"{group.lower()}-officer", password="unused-pw-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def hall(db):
    ceremony = CeremonyFactory(is_current=True, slug="hanoi")
    delegation = DelegationFactory(ceremony=ceremony, country="VN", name="Viet Nam", status=DelegationStatus.CONFIRMED)
    son = DelegateFactory(delegation=delegation, name="Bùi Thanh Sơn", rank=Rank.FOREIGN_MINISTER, is_head=True, **OK)
    vu = DelegateFactory(delegation=delegation, name="Nguyễn Minh Vũ", rank=Rank.ADVISER, **OK)
    officer = user_in("Security", "minh")
    son_badge, vu_badge = badges_issue(delegates=[son, vu], user=officer)
    return {
        "delegation": delegation,
        "son": son,
        "vu": vu,
        "officer": officer,
        "badge": son_badge,
        "vu_badge": vu_badge,
    }


@pytest.fixture
def door(client, hall):
    client.force_login(hall["officer"])
    return client


def answer(response):
    """The answer box's text, one line per paragraph, or None."""
    box = re.search(
        r'<div id="door-answer" class="door-answer door-(\w+)" role="alert">(.*?)</div>', page_text(response), re.S
    )
    if box is None:
        return None
    return box[1], [plain(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", box[2], re.S)]


def test_a_cleared_badge_enters_and_the_entry_has_the_time_and_the_officer(door, hall):
    code = hall["badge"].code
    before = timezone.now()
    response = door.post(DOOR, {"code": hall["badge"].code})

    assert response.status_code == 200
    assert answer(response) == (
        "enter",
        ["ENTER", "Bùi Thanh Sơn", "Viet Nam", "Security clearance: cleared", f"Badge id: {code[:5]} {code[5:]}"],
    )  # fmt: skip
    entry = Entry.objects.get()
    assert (entry.delegate, entry.badge, entry.officer) == (hall["son"], hall["badge"], hall["officer"])
    assert before <= entry.at <= timezone.now()
    assert entry.day == timezone.localtime(entry.at, hall["delegation"].ceremony.zone).date()


def test_a_second_scan_says_already_inside_since_in_hanoi_time(door, hall):
    door.post(DOOR, {"code": hall["badge"].code})
    entered = Entry.objects.get().at

    response = door.post(DOOR, {"code": hall["badge"].code})

    since = timezone.localtime(entered, hall["delegation"].ceremony.zone).strftime("%H:%M")
    verdict, lines = answer(response)
    assert verdict == "inside"
    assert lines[:2] == [f"Already inside since {since} (Asia/Ho_Chi_Minh)", "Bùi Thanh Sơn"]
    assert Entry.objects.count() == 1


@pytest.mark.parametrize(
    "typing", [str.lower, lambda c: f"  {c[:5]} - {c[5:]} ", lambda c: c.replace("0", "O").replace("1", "l")]
)
def test_a_typed_id_is_read_whatever_its_case_spaces_and_look_alikes(door, hall, typing):
    response = door.post(DOOR, {"code": typing(hall["badge"].code)})
    assert answer(response)[0] == "enter"


def test_a_revoked_badge_is_refused_loudly(door, hall):
    old = hall["badge"]
    badges_issue(delegates=[hall["son"]], user=hall["officer"])

    response = door.post(DOOR, {"code": old.code})

    assert answer(response)[1][:2] == ["REFUSED: revoked badge", "Bùi Thanh Sơn"]
    assert 'role="alert"' in page_text(response)
    assert Entry.objects.count() == 0


@pytest.mark.parametrize("typed", ["ZZZZZZZZZZ", "not a badge!", "😀" * 20, "A" * 64])
def test_an_unknown_id_is_refused(door, hall, typed):
    response = door.post(DOOR, {"code": typed})
    verdict, lines = answer(response)
    assert (verdict, lines[0]) == ("refused", "REFUSED: unknown badge id")
    assert Entry.objects.count() == 0


def test_an_empty_or_overlong_field_is_an_error_not_an_answer(door, hall):
    for typed in ("", "A" * 65):
        response = door.post(DOOR, {"code": typed})
        assert response.status_code == 200
        assert answer(response) is None
        assert 'class="errorlist' in page_text(response)


def test_a_clearance_withdrawn_after_printing_is_refused(door, hall):
    Delegate.objects.filter(pk=hall["son"].pk).update(clearance_status=ClearanceStatus.REFUSED)

    verdict, lines = answer(door.post(DOOR, {"code": hall["badge"].code}))

    assert verdict == "refused"
    assert lines[:4] == ["REFUSED: not cleared", "Bùi Thanh Sơn", "Viet Nam", "Security clearance: NOT cleared"]
    assert Entry.objects.count() == 0


def test_the_first_check_in_marks_the_delegation_arrived_with_the_officer(door, hall):
    delegation = hall["delegation"]
    door.post(DOOR, {"code": hall["badge"].code})
    door.post(DOOR, {"code": hall["vu_badge"].code})

    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.ARRIVED
    latest = delegation.history.order_by("-history_id")
    assert [(h.status, h.history_user, h.history_change_reason) for h in latest[:1]] == [
        ("arrived", hall["officer"], ARRIVAL_REASON)
    ]
    assert latest.filter(status="arrived").count() == 1  # the second check-in changes nothing


def test_a_declined_delegation_is_not_marked_arrived(hall):
    hall["delegation"].status = DelegationStatus.DECLINED
    hall["delegation"].save()

    assert check_in(typed=hall["badge"].code, officer=hall["officer"]).verdict == ENTER
    hall["delegation"].refresh_from_db()
    assert hall["delegation"].status == DelegationStatus.DECLINED


def test_the_next_day_is_a_new_entry(hall, monkeypatch):
    assert check_in(typed=hall["badge"].code, officer=hall["officer"]).verdict == ENTER
    assert check_in(typed=hall["badge"].code, officer=hall["officer"]).verdict == INSIDE
    tomorrow = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)

    assert check_in(typed=hall["badge"].code, officer=hall["officer"]).verdict == ENTER
    assert Entry.objects.count() == 2


def test_a_scan_takes_a_fixed_number_of_queries(door, hall):
    door.get(DOOR)
    with CaptureQueriesContext(connection) as first:
        door.post(DOOR, {"code": hall["badge"].code})  # enters, and marks the delegation arrived
    with CaptureQueriesContext(connection) as second:
        door.post(DOOR, {"code": hall["vu_badge"].code})  # enters
    with CaptureQueriesContext(connection) as again:
        door.post(DOOR, {"code": hall["vu_badge"].code})  # already inside
    assert (len(first), len(second), len(again)) == (16, 10, 12)


@pytest.mark.parametrize("group", ["Protocol", "Logistics", "Viewer"])
def test_other_groups_may_not_check_in(client, hall, group):
    client.force_login(user_in(group))
    assert client.get(DOOR).status_code == 403
    assert client.post(DOOR, {"code": hall["badge"].code}).status_code == 403
    assert Entry.objects.count() == 0


def test_a_superuser_checks_in(admin_client, hall):
    assert answer(admin_client.post(DOOR, {"code": hall["badge"].code}))[0] == "enter"


def test_the_badges_list_leads_to_the_door_for_security_only(client, hall):
    client.force_login(hall["officer"])
    assert DOOR in page_text(client.get(reverse("admin:delegations_badge_changelist")))
    client.force_login(user_in("Viewer"))
    assert DOOR not in page_text(client.get(reverse("admin:delegations_badge_changelist")))


def test_the_dashboard_counts_who_came_in_today(admin_client, hall):
    text = " ".join(page_text(admin_client.get("/admin/")).split())
    assert "<b>0</b> people checked in today</a>" in text

    check_in(typed=hall["badge"].code, officer=hall["officer"])
    text = " ".join(page_text(admin_client.get("/admin/")).split())
    assert "<b>1</b> person checked in today</a>" in text

    check_in(typed=hall["vu_badge"].code, officer=hall["officer"])
    assert "<b>2</b> people checked in today</a>" in " ".join(page_text(admin_client.get("/admin/")).split())


def test_the_entries_list_shows_hanoi_time_and_the_officer(admin_client, hall):
    check_in(typed=hall["badge"].code, officer=hall["officer"])
    page = page_text(admin_client.get(reverse("admin:delegations_entry_changelist")))
    assert "(Asia/Ho_Chi_Minh)" in page
    assert "minh" in page


@pytest.mark.parametrize("attempt", range(3))
def test_one_badge_scanned_on_two_phones_at_once_enters_once(needs_postgresql, attempt):  # noqa: F811
    ceremony = CeremonyFactory(is_current=True, slug=f"hanoi-{attempt}")
    delegation = DelegationFactory(ceremony=ceremony, country="VN", status=DelegationStatus.CONFIRMED)
    son = DelegateFactory(delegation=delegation, name="Bùi Thanh Sơn", is_head=True, **OK)
    officers = [user_in("Security", f"phone-{n}") for n in range(2)]
    (badge,) = badges_issue(delegates=[son], user=officers[0])
    phones = []
    for officer in officers:
        phone = Client()
        phone.force_login(officer)
        phones.append(phone)

    results = run_together(*(lambda phone=phone: phone.post(DOOR, {"code": badge.code}) for phone in phones))

    assert sorted(answer(r)[0] for r in results) == ["enter", "inside"]
    assert Entry.objects.filter(delegate=son).count() == 1
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.ARRIVED


def test_many_scans_of_one_badge_at_once_make_one_entry_and_no_error(needs_postgresql):  # noqa: F811
    ceremony = CeremonyFactory(is_current=True, slug="hanoi")
    delegation = DelegationFactory(ceremony=ceremony, country="VN", status=DelegationStatus.CONFIRMED)
    son = DelegateFactory(delegation=delegation, name="Bùi Thanh Sơn", is_head=True, **OK)
    officer = user_in("Security", "minh")
    (badge,) = badges_issue(delegates=[son], user=officer)

    results = run_together(*(lambda: check_in(typed=badge.code, officer=officer) for _ in range(8)))

    assert sorted(r.verdict for r in results) == [ENTER] + [INSIDE] * 7, results
    assert Entry.objects.count() == 1
    assert REFUSED not in {r.verdict for r in results}
