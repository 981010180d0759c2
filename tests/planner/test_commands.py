"""generate_demo, demo_organizer and the health check."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ceremony.conflicts import ceremony_conflicts
from ceremony.models import Ceremony, ScheduleItem
from delegations.models import Delegate, Delegation
from delegations.run_sheet import signing_run_sheet
from planner.demo import DEMO_NOTES, DemoError, generate_demo

pytestmark = pytest.mark.django_db


def test_generate_demo_adds_plainly_synthetic_items_and_delegations(seeded):
    out = StringIO()
    call_command("generate_demo", items=120, delegations=15, stdout=out)
    demo_items = ScheduleItem.objects.filter(uid__startswith="demo-")
    assert demo_items.count() == 120
    assert not demo_items.exclude(title__startswith="[Demo] ").exists()
    demo_delegations = Delegation.objects.filter(notes=DEMO_NOTES)
    assert demo_delegations.count() == 15
    assert (
        Delegate.objects.filter(delegation__in=demo_delegations).exclude(name__startswith="Demo delegate").count() == 0
    )
    assert Delegate.objects.filter(delegation__in=demo_delegations, is_head=True).count() == 15
    assert "Added 120 demo items, 15 demo delegations" in out.getvalue()


def test_generate_demo_items_fall_within_the_ceremony_days_in_its_zone(seeded):
    ceremony = Ceremony.objects.current()
    generate_demo(ceremony=ceremony, items=200, delegations=0)
    for item in ScheduleItem.objects.filter(uid__startswith="demo-"):
        local = item.starts_at.astimezone(ceremony.zone)
        assert ceremony.first_day <= local.date() <= ceremony.last_day
        assert item.ends_at > item.starts_at


def test_generate_demo_keeps_one_delegation_per_country_and_names_organizations_beyond_the_states(seeded):
    generate_demo(ceremony=Ceremony.objects.current(), items=0, delegations=200)
    assert Delegation.objects.count() == 201
    assert Delegation.objects.exclude(country="").count() == 195  # Viet Nam and the 194 other states
    assert Delegation.objects.filter(name="Demo organization 0006").exists()


def test_generate_demo_writes_in_bulk(seeded):
    with CaptureQueriesContext(connection) as queries:
        generate_demo(ceremony=Ceremony.objects.current(), items=1000, delegations=50)
    # Rows go in batched INSERTs (SQLite caps a batch by its variable limit), never one by one; drawing the
    # letter and generating the order of signing (its slots with their history) add about twenty queries, however
    # many delegations sign.
    assert len(queries) < 75


def test_generate_demo_refuses_negative_counts(seeded):
    with pytest.raises(DemoError):
        generate_demo(ceremony=Ceremony.objects.current(), items=-1, delegations=0)


def test_generate_demo_without_a_ceremony_says_to_seed_first():
    with pytest.raises(CommandError, match=r"run `manage.py seed_ceremony` first"):
        call_command("generate_demo", items=1, delegations=1, stdout=StringIO())


def test_demo_organizer_prints_credentials_that_open_the_admin(client, seeded):
    out = StringIO()
    call_command("demo_organizer", stdout=out)
    password = re.search(r"password: (\S+)", out.getvalue()).group(1)
    assert "username: organizer" in out.getvalue()
    response = client.post("/admin/login/?next=/admin/", {"username": "organizer", "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_demo_organizer_resets_the_password_each_run(seeded):
    first, second = StringIO(), StringIO()
    call_command("demo_organizer", stdout=first)
    call_command("demo_organizer", stdout=second)
    old = re.search(r"password: (\S+)", first.getvalue()).group(1)
    user = get_user_model().objects.get(username="organizer")
    assert not user.check_password(old)
    assert get_user_model().objects.filter(username="organizer").count() == 1


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_generate_demo_books_no_room_twice_and_fills_the_run_sheet(seeded):
    ceremony = Ceremony.objects.current()
    generate_demo(ceremony=ceremony, items=300, delegations=40)

    conflicts = ceremony_conflicts(ceremony=ceremony)
    rules = Counter(c.rule for c in conflicts)
    assert rules["room_double_booked"] == 0, [c.message for c in conflicts if c.rule == "room_double_booked"][:5]
    assert rules["delegation_double_booked"] == 0
    assert ScheduleItem.objects.filter(uid__startswith="demo-", room=None).exists()  # the rooms were full
    ceremony.refresh_from_db()
    rows = signing_run_sheet(ceremony=ceremony)
    signing = Delegation.objects.filter(ceremony=ceremony, intends_to_sign=True).exclude(status="declined")
    assert len(rows) == signing.count() > 20
    assert rows[0].delegation.name == "Viet Nam"  # the host first
    assert all(row.slot and row.slot.status == "tentative" and row.signatory for row in rows)
    assert ceremony.drawn_letter.isalpha() and len(ceremony.drawn_letter) == 1


def test_generate_demo_keeps_an_existing_order_of_signing(seeded):
    ceremony = Ceremony.objects.current()
    generate_demo(ceremony=ceremony, items=0, delegations=10)
    ceremony.refresh_from_db()
    letter, slots = (
        ceremony.drawn_letter,
        list(ScheduleItem.objects.filter(kind="signing").values_list("uid", "sequence")),
    )

    generate_demo(ceremony=ceremony, items=0, delegations=10)

    ceremony.refresh_from_db()
    assert ceremony.drawn_letter == letter
    assert list(ScheduleItem.objects.filter(kind="signing").values_list("uid", "sequence")) == slots


def test_generate_demo_run_twice_adds_twice_the_demo_data(seeded):
    first, second = StringIO(), StringIO()
    call_command("generate_demo", items=120, delegations=15, stdout=first)
    call_command("generate_demo", items=120, delegations=15, stdout=second)

    demo_items = ScheduleItem.objects.filter(uid__startswith="demo-")
    assert demo_items.count() == 240
    assert demo_items.values("uid").distinct().count() == 240
    assert Delegation.objects.filter(notes=DEMO_NOTES).count() == 30
    assert Delegation.objects.filter(notes=DEMO_NOTES).values("country").distinct().count() == 30
    assert "Added 120 demo items, 15 demo delegations" in first.getvalue()
    assert "It now has" not in first.getvalue()
    assert "Added 120 demo items, 15 demo delegations" in second.getvalue()
    assert "It now has 240 demo items and 30 demo delegations." in second.getvalue()
    assert demo_items.filter(title__endswith=" 00240").count() == 1  # numbered on from the first run


def test_generate_demo_run_again_once_every_state_is_there_adds_organizations(seeded):
    ceremony = Ceremony.objects.current()
    generate_demo(ceremony=ceremony, items=0, delegations=196)
    generate_demo(ceremony=ceremony, items=0, delegations=3)

    organizations = Delegation.objects.filter(country="").order_by("name").values_list("name", flat=True)
    assert list(organizations) == [f"Demo organization {n:04d}" for n in range(1, 6)]
    assert Delegation.objects.exclude(country="").count() == 195
