"""The readiness dashboard on the admin index: figures on known data, each linking to the list behind it,
in a number of queries that does not grow with the data."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_countries import countries

from ceremony.dashboard import readiness
from delegations.enums import AccreditationStatus, ClearanceStatus, DelegationStatus, Rank
from tests.adminpages import changelist_rows, page_text
from tests.factories import (
    CeremonyFactory,
    DelegateFactory,
    DelegationFactory,
    FullPowersFactory,
    RoomFactory,
    ScheduleItemFactory,
    hanoi,
)


def delegation(ceremony, code, name, status, rank=None, powers=None, **extra):
    made = DelegationFactory(ceremony=ceremony, country=code, name=name, status=status, intends_to_sign=True, **extra)
    if rank is not None:
        signatory = DelegateFactory(
            delegation=made,
            is_signatory=True,
            rank=rank,
            accreditation_status=AccreditationStatus.ACCREDITED,
            clearance_status=ClearanceStatus.CLEARED,
        )
        if powers is not None:
            FullPowersFactory(signatory=signatory, **powers)
    return made


@pytest.fixture
def known(db):
    ceremony = CeremonyFactory(is_current=True, host_country="VN", slug="hanoi")
    delegation(ceremony, "VN", "Viet Nam", DelegationStatus.CONFIRMED, Rank.HEAD_OF_STATE, arrival_at=hanoi(24, 10))
    delegation(
        ceremony,
        "FR",
        "France",
        DelegationStatus.CONFIRMED,
        Rank.AMBASSADOR,
        {"copy_received_on": dt.date(2025, 10, 1), "verification_status": "verified"},
        arrival_at=hanoi(24, 23, 30),
        departure_at=hanoi(27, 9),
    )
    delegation(
        ceremony,
        "JP",
        "Japan",
        DelegationStatus.ARRIVED,
        Rank.DEPUTY_MINISTER,
        {"copy_received_on": dt.date(2025, 10, 2)},
        arrival_at=hanoi(23, 20),
        departure_at=hanoi(26, 18),
    )
    delegation(ceremony, "KE", "Kenya", DelegationStatus.INVITED, Rank.ADVISER)
    delegation(
        ceremony, "MX", "Mexico", DelegationStatus.INVITED, Rank.SENIOR_OFFICIAL, {"verification_status": "rejected"}
    )
    delegation(ceremony, "BR", "Brazil", DelegationStatus.DECLINED)
    DelegateFactory(delegation__ceremony=ceremony, delegation__country="DE", delegation__name="Germany")
    room = RoomFactory(name="Bilateral Room 1")
    for title in ["France–Japan", "Kenya–Brazil"]:
        ScheduleItemFactory(ceremony=ceremony, room=room, title=title, starts_at=hanoi(25, 14), ends_at=hanoi(25, 15))
    ScheduleItemFactory(ceremony=ceremony, title="Rehearsal", starts_at=hanoi(24, 15), ends_at=hanoi(24, 16))
    return ceremony


def counts(figures):
    return [(str(f.label), f.count) for f in figures]


def test_readiness_figures_on_known_data(known):
    r = readiness(ceremony=known)

    assert r["delegation_total"].count == 7
    assert counts(r["delegations"]) == [
        ("invited", 3),
        ("confirmed", 2),
        ("declined", 1),
        ("arrived", 1),
        ("departed", 0),
    ]
    assert r["signatory_total"].count == 5
    assert counts(r["signatories"]) == [
        ("not needed", 1),
        ("missing", 1),
        ("copy received", 1),
        ("verified", 1),
        ("rejected", 1),
    ]
    assert counts(r["accreditation"]) == [("delegates", 6), ("accredited", 5), ("security-cleared", 5)]
    chart = r["movements"]
    assert [(d.day.isoformat(), d.arrival.count, d.departure.count) for d in chart["days"]] == [
        ("2025-10-23", 1, 0),
        ("2025-10-24", 2, 0),  # 23:30 in Hanoi is still the 24th, though 16:30 UTC
        ("2025-10-25", 0, 0),
        ("2025-10-26", 0, 1),
        ("2025-10-27", 0, 1),
    ]
    assert chart["days"][1].arrival.height == 130  # the peak fills the chart
    assert chart["days"][0].arrival.height == 65
    assert (r["conflict_total"], r["conflict_errors"], r["conflict_warnings"]) == (2, 1, 1)
    assert [c.rule for c in r["conflicts"]] == ["room_double_booked", "outside_ceremony_days"]


def figure_links(text):
    return dict(re.findall(r'<li class="figure-([\w-]+)"><a href="([^"]+)">', text))


@pytest.mark.parametrize(
    ("card", "key", "rows"),
    [
        ("readiness-delegations", "invited", 3),
        ("readiness-delegations", "confirmed", 2),
        ("readiness-signatories", "missing", 1),
        ("readiness-signatories", "rejected", 1),
        ("readiness-signatories", "not_needed", 1),
        ("readiness-accreditation", "accredited", 5),
        ("readiness-accreditation", "cleared", 5),
    ],
)
def test_dashboard_figure_links_to_the_filtered_list(admin_client, known, card, key, rows):
    text = page_text(admin_client.get("/admin/"))
    section = re.search(rf'<div class="readiness-card" id="{card}">(.*?)</div>', text, re.S)[1]
    url = figure_links(section)[key].replace("&amp;", "&")

    response = admin_client.get(url)

    assert response.status_code == 200
    assert len(changelist_rows(response)) == rows


def test_dashboard_chart_bars_link_to_arrivals_of_the_day(admin_client, known):
    text = page_text(admin_client.get("/admin/"))
    bars = re.findall(r'<a href="([^"]+)"><rect class="bar-arrival"[^>]*><title>([^<]+)</title>', text)

    assert [title for _url, title in bars] == [
        "Thu 23 Oct: 1 arrivals",
        "Fri 24 Oct: 2 arrivals",
        "Sat 25 Oct: 0 arrivals",
        "Sun 26 Oct: 0 arrivals",
        "Mon 27 Oct: 0 arrivals",
    ]
    response = admin_client.get(bars[1][0].replace("&amp;", "&"))
    assert sorted(row["name"] for row in changelist_rows(response)) == ["France", "Viet Nam"]


def test_dashboard_lists_conflicts_with_links(admin_client, known):
    text = page_text(admin_client.get("/admin/"))

    assert "Bilateral Room 1 is booked for both “France–Japan” and “Kenya–Brazil”." in text
    assert "2 open conflicts" in text
    assert re.search(r'<a href="/admin/ceremony/scheduleitem/\d+/change/">fix</a>', text)


def test_dashboard_hidden_without_ceremony(admin_client, db):
    assert 'id="readiness"' not in page_text(admin_client.get("/admin/"))


def add_data(ceremony, numbers):
    codes = [code for code, _name in countries if code not in {"VN", "FR", "JP", "KE", "MX", "BR", "DE"}]
    room = RoomFactory()
    for n in numbers:
        delegation(
            ceremony,
            codes[n],
            f"Country {n}",
            DelegationStatus.CONFIRMED,
            Rank.AMBASSADOR,
            {"copy_received_on": dt.date(2025, 10, 1)},
            arrival_at=hanoi(24, 8) - dt.timedelta(days=n % 4),
            departure_at=hanoi(27, 8),
        )
        ScheduleItemFactory(ceremony=ceremony, room=room, starts_at=hanoi(25, 9) + dt.timedelta(minutes=n))


def index_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/")
    assert response.status_code == 200
    return len(queries)


# Session, user, the header's ceremony; delegations by status, people by state, the chart's stays;
# conflicts: items, invitations, delegations, signatories; the sidebar's recent actions: 11.
def test_dashboard_queries_do_not_grow_with_data(admin_client, known):
    add_data(known, range(3))
    small = index_queries(admin_client)
    add_data(known, range(3, 30))
    large = index_queries(admin_client)

    assert small == large == 11
