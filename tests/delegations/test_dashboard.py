"""The readiness dashboard on the admin index: figures on known data, each linking to the list behind it,
in a number of queries that does not grow with the data."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_countries import countries

from ceremony.enums import ItemKind, Visibility
from ceremony.models import ScheduleItem
from delegations.dashboard import readiness
from delegations.enums import AccreditationStatus, ClearanceStatus, DelegationStatus, Rank
from delegations.models import Delegation, SigningSlot
from delegations.signing import signing_withdraw
from tests.adminpages import changelist_rows, page_text, plain
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
    # A week before the first day to three days after the last, whatever the data.
    assert [(d.day.isoformat(), d.arrival.count, d.departure.count) for d in chart["days"]] == [
        ("2025-10-18", 0, 0),
        ("2025-10-19", 0, 0),
        ("2025-10-20", 0, 0),
        ("2025-10-21", 0, 0),
        ("2025-10-22", 0, 0),
        ("2025-10-23", 1, 0),
        ("2025-10-24", 2, 0),  # 23:30 in Hanoi is still the 24th, though 16:30 UTC
        ("2025-10-25", 0, 0),
        ("2025-10-26", 0, 1),
        ("2025-10-27", 0, 1),
        ("2025-10-28", 0, 0),
        ("2025-10-29", 0, 0),
    ]
    assert chart["days"][6].arrival.height == 130  # the peak fills the chart
    assert chart["days"][5].arrival.height == 65
    assert [(f.key, f.count) for f in chart["earlier"] + chart["later"]] == [
        ("arrivals", 0),
        ("departures", 0),
        ("arrivals", 0),
        ("departures", 0),
    ]
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

    assert [title for _url, title in bars][4:10] == [
        "Wed 22 Oct: 0 arrivals",
        "Thu 23 Oct: 1 arrival",
        "Fri 24 Oct: 2 arrivals",
        "Sat 25 Oct: 0 arrivals",
        "Sun 26 Oct: 0 arrivals",
        "Mon 27 Oct: 0 arrivals",
    ]
    response = admin_client.get(bars[6][0].replace("&amp;", "&"))
    assert sorted(row["name"] for row in changelist_rows(response)) == ["France", "Viet Nam"]


@pytest.fixture
def strays(known):
    """Stays years away from the ceremony, and movements on either side of the chart's first and last midnight."""
    far = dt.datetime(2019, 6, 1, 9, tzinfo=dt.UTC), dt.datetime(2031, 1, 1, 9, tzinfo=dt.UTC)
    DelegationFactory(ceremony=known, country="IT", name="Italy", arrival_at=far[0], departure_at=far[1])
    DelegationFactory(ceremony=known, country="ES", name="Spain", arrival_at=hanoi(17, 23, 59))
    DelegationFactory(ceremony=known, country="PT", name="Portugal", arrival_at=hanoi(18, 0))
    DelegationFactory(ceremony=known, country="NL", name="Netherlands", departure_at=hanoi(29, 23, 59))
    DelegationFactory(ceremony=known, country="BE", name="Belgium", departure_at=hanoi(30, 0))
    return known


def outside_figures(text, side):
    section = re.search(rf'<div class="movements-outside" id="movements-{side}">(.*?)</div>', text, re.S)[1]
    heading = re.search(r"<h4>(.*?)</h4>", section)[1]
    figures = re.findall(r'<li class="figure-([\w-]+)"><a href="([^"]+)"><b>(\d+)</b> ([^<]+)</a></li>', section)
    return heading, [(key, int(count), label) for key, _url, count, label in figures], figure_links(section)


def test_dashboard_chart_keeps_to_the_ceremony_days_and_counts_the_rest_beside_it(admin_client, strays):
    text = page_text(admin_client.get("/admin/"))

    arrivals = re.findall(r'<rect class="bar-arrival"[^>]*><title>([^<]+)</title>', text)
    departures = re.findall(r'<rect class="bar-departure"[^>]*><title>([^<]+)</title>', text)
    assert len(arrivals) == len(departures) == 12
    assert (arrivals[0], arrivals[-1]) == ("Sat 18 Oct: 1 arrival", "Wed 29 Oct: 0 arrivals")  # Portugal at 00:00
    assert departures[-1] == "Wed 29 Oct: 1 departure"  # the Netherlands at 23:59
    earlier = outside_figures(text, "earlier")
    later = outside_figures(text, "later")
    assert earlier[:2] == ("Before 18 Oct", [("arrivals", 2, "arrivals"), ("departures", 0, "departures")])
    assert later[:2] == ("After 29 Oct", [("arrivals", 0, "arrivals"), ("departures", 2, "departures")])
    earlier_arrivals = admin_client.get(earlier[2]["arrivals"].replace("&amp;", "&"))
    assert sorted(row["name"] for row in changelist_rows(earlier_arrivals)) == ["Italy", "Spain"]
    later_departures = admin_client.get(later[2]["departures"].replace("&amp;", "&"))
    assert sorted(row["name"] for row in changelist_rows(later_departures)) == ["Belgium", "Italy"]


def test_dashboard_chart_with_only_stays_far_away_shows_the_ceremony_days(admin_client, db):
    ceremony = CeremonyFactory(is_current=True, slug="hanoi")
    # The farthest the database keeps (forms refuse anything more than a year away; other paths may not).
    DelegationFactory(ceremony=ceremony, country="IT", arrival_at=dt.datetime(1900, 1, 1, tzinfo=dt.UTC))
    DelegationFactory(ceremony=ceremony, country="ES", departure_at=dt.datetime(2199, 12, 31, 23, tzinfo=dt.UTC))

    text = page_text(admin_client.get("/admin/"))

    arrivals = re.findall(r'<rect class="bar-arrival"[^>]*><title>([^<]+)</title>', text)
    assert (len(arrivals), arrivals[0], arrivals[-1]) == (12, "Sat 18 Oct: 0 arrivals", "Wed 29 Oct: 0 arrivals")
    assert outside_figures(text, "earlier")[1][0] == ("arrivals", 1, "arrival")
    assert outside_figures(text, "later")[1][1] == ("departures", 1, "departure")


def test_chart_leaves_an_absurd_arrival_out_of_the_bars_and_counts_it_with_its_fix(db):
    ceremony = CeremonyFactory(is_current=True, slug="hanoi")
    for code in ["FR", "DE", "IT"]:
        DelegationFactory(ceremony=ceremony, country=code, arrival_at=hanoi(24, 10))
    DelegationFactory(ceremony=ceremony, country="JP", arrival_at=hanoi(23, 9), departure_at=hanoi(27, 9))
    # A year typed as 2125 for 2025: one delegation, which would have squeezed every real arrival into one bar.
    DelegationFactory(
        ceremony=ceremony, country="KE", name="Kenya", arrival_at=dt.datetime(2125, 10, 24, tzinfo=dt.UTC)
    )

    chart = readiness(ceremony=ceremony)["movements"]

    assert (chart["first"], chart["last"], len(chart["days"])) == (dt.date(2025, 10, 18), dt.date(2025, 10, 29), 12)
    bars = {day.day.isoformat(): (day.arrival.count, day.arrival.height, day.arrival.label) for day in chart["days"]}
    assert bars["2025-10-23"] == (1, 43, "Thu 23 Oct: 1 arrival")
    assert bars["2025-10-24"] == (3, 130, "Fri 24 Oct: 3 arrivals")  # the real peak fills the chart
    assert sum(count for count, _height, _label in bars.values()) == 4
    later = {figure.key: figure for figure in chart["later"]}
    assert (later["arrivals"].count, str(later["arrivals"].label)) == (1, "arrival")
    assert (later["departures"].count, str(later["departures"].label)) == (0, "departures")
    assert str(chart["days"][9].departure.label) == "Mon 27 Oct: 1 departure"


def test_dashboard_names_counts_in_their_plural_forms(admin_client, db):
    ceremony = CeremonyFactory(is_current=True, slug="hanoi")
    DelegateFactory(delegation__ceremony=ceremony, is_signatory=True, rank=Rank.HEAD_OF_STATE)

    text = " ".join(page_text(admin_client.get("/admin/")).split())

    assert "1 delegation</a>" in text
    assert "1 signatory</a>" in text
    assert "<b>1</b> delegate</a>" in text
    assert "<b>0</b> errors</a>" in text


def test_dashboard_lists_conflicts_with_links(admin_client, known):
    text = page_text(admin_client.get("/admin/"))

    assert "Bilateral Room 1 is booked for both “France–Japan” and “Kenya–Brazil”." in text
    assert "2 open conflicts" in text
    assert re.search(r'<a href="/admin/ceremony/scheduleitem/\d+/change/">fix</a>', text)


def test_dashboard_hidden_without_ceremony(admin_client, db):
    assert 'id="readiness"' not in page_text(admin_client.get("/admin/"))


def add_data(ceremony, numbers):
    codes = [code for code, _name in countries if code not in {"VN", "FR", "JP", "KE", "MX", "BR", "DE", "AR", "CL"}]
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
        if n % 3 == 0:
            withdrawn(ceremony, f"Withdrawn {n}", codes[n + 100], hanoi(25, 10) + dt.timedelta(minutes=n))


def index_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/")
    assert response.status_code == 200
    return len(queries)


# Session, user, the header's ceremony; delegations by status, people by state, the chart's stays;
# conflicts: items, invitations, delegations, signatories; when the places were last given out; the withdrawals
# from the signing; the order of signing: its slots, its places; who came in today; the sidebar's recent actions: 16.
def test_dashboard_queries_do_not_grow_with_data(admin_client, known):
    add_data(known, range(3))
    small = index_queries(admin_client)
    add_data(known, range(3, 30))
    large = index_queries(admin_client)

    assert small == large == 18  # 2 of them: mail not delivered (addresses that bounced, messages that failed)


def test_dashboard_queries_do_not_grow_with_stays_far_away(admin_client, strays):
    before = index_queries(admin_client)
    for n, code in enumerate(["AT", "CH", "SE", "NO", "FI", "DK", "PL", "CZ"]):
        far = dt.datetime(2000 + n, 1, 1, tzinfo=dt.UTC), dt.datetime(2040 + n, 1, 1, tzinfo=dt.UTC)
        DelegationFactory(ceremony=strays, country=code, arrival_at=far[0], departure_at=far[1])

    assert index_queries(admin_client) == before == 18


# --- withdrawals from the signing ------------------------------------------------------------------------------------


def withdrawn(ceremony, name, code, cancelled_at, **change):
    """A delegation with a slot that it gave up (declined unless ``change`` says otherwise) at ``cancelled_at``."""
    made = delegation(ceremony, code, name, DelegationStatus.CONFIRMED)
    start = hanoi(25, 14) + dt.timedelta(minutes=5 * made.pk)
    item = ScheduleItemFactory(
        ceremony=ceremony, kind=ItemKind.SIGNING, visibility=Visibility.INVITED,
        starts_at=start, ends_at=start + dt.timedelta(minutes=5),
    )  # fmt: skip
    SigningSlot.objects.create(delegation=made, item=item)
    Delegation.objects.filter(pk=made.pk).update(**(change or {"status": DelegationStatus.DECLINED}))
    made.refresh_from_db()
    signing_withdraw(delegation=made)
    ScheduleItem.objects.filter(pk=item.pk).update(updated_at=cancelled_at)
    return made


def test_dashboard_lists_withdrawals_from_the_signing_latest_first_in_hanoi_time(admin_client, known):
    argentina = withdrawn(known, "Argentina", "AR", hanoi(24, 9, 15))
    chile = withdrawn(known, "Chile", "CL", hanoi(24, 23, 50), intends_to_sign=False)

    text = page_text(admin_client.get("/admin/"))

    heading = re.search(r'<h3 id="withdrawals">(.*?)</h3>', text, re.S)[1]
    assert plain(heading) == "2 delegations withdrew from the signing (Asia/Ho_Chi_Minh)"
    rows = re.findall(r"<li>(.*?)</li>", re.search(r'<ul class="withdrawals">(.*?)</ul>', text, re.S)[1])
    assert [plain(row) for row in rows] == [
        "Chile — no longer signs, Fri 24 Oct, 23:50",
        "Argentina — declined, Fri 24 Oct, 09:15",
    ]
    assert [re.search(r'href="([^"]+)"', row)[1] for row in rows] == [
        f"/admin/delegations/delegation/{chile.pk}/change/",
        f"/admin/delegations/delegation/{argentina.pk}/change/",
    ]


def test_a_delegation_that_came_back_leaves_the_withdrawals(admin_client, known):
    argentina = withdrawn(known, "Argentina", "AR", hanoi(24, 9, 15))
    assert "1 delegation withdrew from the signing" in page_text(admin_client.get("/admin/"))
    ScheduleItem.objects.filter(signing_slot__delegation=argentina).update(status="confirmed")
    Delegation.objects.filter(pk=argentina.pk).update(status=DelegationStatus.CONFIRMED)

    text = page_text(admin_client.get("/admin/"))

    assert "0 delegations withdrew from the signing" in text
    assert "Argentina —" not in text
