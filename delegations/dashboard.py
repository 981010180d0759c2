"""The readiness dashboard on the admin index: what stands between the ceremony and its signing.

``readiness(ceremony=...)`` returns plain figures, each with the admin list behind it, in a fixed
number of queries whatever the number of delegations or items.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import npgettext

from ceremony.conflicts import ceremony_conflicts
from ceremony.enums import ItemStatus
from ceremony.times import day_and_time, day_span, in_zone

from .door import inside_today
from .enums import AccreditationStatus, ClearanceStatus, DelegationStatus
from .full_powers import FullPowersState, full_powers_state_expression
from .models import Delegate, Delegation, SigningSlot
from .signing_desk import desk_status, order_reallocated_at

CHART_WIDTH, CHART_HEIGHT, CHART_BASE = 640, 180, 150  # the bars stand on y = CHART_BASE
MIN_DAY_WIDTH = 16  # two bars of 4 and their gaps: a longer ceremony widens the chart instead
# The chart covers a fixed span: from a week before the first day (advance and security teams, then the heads of
# delegation, arrive over the days before a signing) to three days after the last (departures run a day or two
# past the closing). A stray date, however far, neither stretches nor moves it: it is counted beside the chart.
DAYS_BEFORE, DAYS_AFTER = 7, 3
SHOWN_CONFLICTS = 30
SHOWN_WITHDRAWALS = 10


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    url: str
    key: str = ""


def _changelist(model_label, **params):
    app, model = model_label.split(".")
    return f"{reverse(f'admin:{app}_{model}_changelist')}?{urlencode(params)}"


def readiness(*, ceremony):
    """Figures for the dashboard of ``ceremony``."""
    delegation_scope = {"ceremony__id__exact": ceremony.pk}
    delegate_scope = {"delegation__ceremony__id__exact": ceremony.pk}

    by_status = Delegation.objects.filter(ceremony=ceremony).aggregate(
        total=Count("pk"), **{status.value: Count("pk", filter=Q(status=status)) for status in DelegationStatus}
    )
    delegations = [
        Figure(
            status.label,
            by_status[status.value],
            _changelist("delegations.delegation", **delegation_scope, status__exact=status.value),
            status.value,
        )
        for status in DelegationStatus
    ]

    state = full_powers_state_expression()
    people = Delegate.objects.filter(delegation__ceremony=ceremony).aggregate(
        delegates=Count("pk"),
        accredited=Count("pk", filter=Q(accreditation_status=AccreditationStatus.ACCREDITED)),
        cleared=Count("pk", filter=Q(clearance_status=ClearanceStatus.CLEARED)),
        signatories=Count("pk", filter=Q(is_signatory=True)),
        **{s.value: Count("pk", filter=Q(is_signatory=True) & Exact(state, s.value)) for s in FullPowersState},
    )
    signatories = [
        Figure(
            s.label,
            people[s.value],
            _changelist("delegations.signatory", **delegate_scope, full_powers_state=s.value),
            s.value,
        )
        for s in FullPowersState
    ]
    accreditation = [
        Figure(
            npgettext("a count of", "delegate", "delegates", people["delegates"]),
            people["delegates"],
            _changelist("delegations.delegate", **delegate_scope),
            "all",
        ),
        Figure(
            _("accredited"),
            people["accredited"],
            _changelist(
                "delegations.delegate", **delegate_scope, accreditation_status__exact=AccreditationStatus.ACCREDITED
            ),
            "accredited",
        ),
        Figure(
            _("security-cleared"),
            people["cleared"],
            _changelist("delegations.delegate", **delegate_scope, clearance_status__exact=ClearanceStatus.CLEARED),
            "cleared",
        ),
    ]

    conflicts = ceremony_conflicts(ceremony=ceremony)
    errors = sum(1 for c in conflicts if c.is_error)
    reallocated_at = order_reallocated_at(ceremony=ceremony)
    withdrawals = signing_withdrawals(ceremony=ceremony, reallocated_at=reallocated_at)
    today, inside = inside_today(ceremony=ceremony)
    return {
        "ceremony": ceremony,
        "inside": Figure(
            npgettext("a count of", "person checked in today", "people checked in today", inside),
            inside,
            _changelist(
                "delegations.entry",
                delegate__delegation__ceremony__id__exact=ceremony.pk,
                day__gte=today.isoformat(),
                day__lt=(today + dt.timedelta(days=1)).isoformat(),
            ),
            "inside",
        ),
        "delegation_total": Figure(
            npgettext("a count of", "delegation", "delegations", by_status["total"]),
            by_status["total"],
            _changelist("delegations.delegation", **delegation_scope),
            "all",
        ),
        "delegations": delegations,
        "signatory_total": Figure(
            npgettext("a count of", "signatory", "signatories", people["signatories"]),
            people["signatories"],
            _changelist("delegations.signatory", **delegate_scope),
            "all",
        ),
        "signatories": signatories,
        "accreditation": accreditation,
        "movements": movements_chart(ceremony=ceremony),
        "conflicts": conflicts[:SHOWN_CONFLICTS],
        "conflict_total": len(conflicts),
        "conflict_errors": errors,
        "conflict_warnings": len(conflicts) - errors,
        "conflicts_hidden": max(0, len(conflicts) - SHOWN_CONFLICTS),
        "withdrawals": withdrawals[:SHOWN_WITHDRAWALS],
        "withdrawal_total": len(withdrawals),
        "withdrawals_hidden": max(0, len(withdrawals) - SHOWN_WITHDRAWALS),
        "signing": desk_status(ceremony=ceremony, with_drawn=False, reallocated_at=reallocated_at),
        "signing_desk": reverse("admin:ceremony_ceremony_signing_desk", args=[ceremony.pk]),
    }


@dataclass(frozen=True)
class Withdrawal:
    name: str
    why: str
    when: str
    url: str


def signing_withdrawals(*, ceremony, reallocated_at):
    """Delegations that gave up their signing slot (declined, or no longer intend to sign) since Protocol last gave
    out the places (``reallocated_at``, see ``order_reallocated_at``) and have not come back, latest first: Protocol
    reallocates their places, or waits for them. In one query."""
    since = Q(item__updated_at__gt=reallocated_at) if reallocated_at else Q()
    links = (
        SigningSlot.objects.filter(since, item__ceremony=ceremony, item__status=ItemStatus.CANCELLED)
        .filter(Q(delegation__status=DelegationStatus.DECLINED) | Q(delegation__intends_to_sign=False))
        .select_related("delegation", "item")
        .order_by("-item__updated_at", "delegation__sort_name")
    )
    return [
        Withdrawal(
            name=link.delegation.name,
            why=_("declined") if link.delegation.status == DelegationStatus.DECLINED else _("no longer signs"),
            when=day_and_time(link.item.updated_at, ceremony.zone),
            url=reverse("admin:delegations_delegation_change", args=[link.delegation.pk]),
        )
        for link in links
    ]


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    count: int
    url: str
    label: str


@dataclass(frozen=True)
class ChartDay:
    day: dt.date
    label: str
    x: int
    arrival: Bar
    departure: Bar


def movements_chart(*, ceremony):
    """Arrivals and departures per day (in the ceremony's zone) around the ceremony, as geometry for an SVG bar
    chart, with those before and after the chart's span counted apart."""
    first = ceremony.first_day - dt.timedelta(days=DAYS_BEFORE)
    last = ceremony.last_day + dt.timedelta(days=DAYS_AFTER)
    start, end = day_span(first, last, ceremony.zone)
    per_day = {"arrival_at": Counter(), "departure_at": Counter()}
    earlier, later = Counter(), Counter()
    for stay in Delegation.objects.filter(ceremony=ceremony).values("arrival_at", "departure_at"):
        for field, moment in stay.items():
            # Instants are compared before any is turned into a local date: a year-9999 time has none.
            if moment is None:
                continue
            if moment < start:
                earlier[field] += 1
            elif moment >= end:
                later[field] += 1
            else:
                per_day[field][in_zone(moment, ceremony.zone).date()] += 1
    arrivals, departures = per_day["arrival_at"], per_day["departure_at"]
    chart = {"width": CHART_WIDTH, "height": CHART_HEIGHT, "base": CHART_BASE, "first": first, "last": last}
    if not (arrivals or departures or earlier or later):
        return {**chart, "days": [], "peak": 0}
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    peak = max(max(arrivals.values(), default=0), max(departures.values(), default=0), 1)
    step = max(CHART_WIDTH // len(days), MIN_DAY_WIDTH)
    bar = max(4, (step - 8) // 2)
    chart_days = []
    for index, day in enumerate(days):
        x = index * step + (step - 2 * bar) // 2
        chart_days.append(
            ChartDay(
                day=day,
                label=date_format(day, "j M"),
                x=index * step + step // 2,
                arrival=_bar(ceremony, "arrival_at", day, arrivals[day], peak, x, bar),
                departure=_bar(ceremony, "departure_at", day, departures[day], peak, x + bar, bar),
            )
        )
    return {
        **chart,
        "width": max(CHART_WIDTH, step * len(days)),
        "days": chart_days,
        "peak": peak,
        "bar": bar,
        "earlier": _outside(ceremony, earlier, "lt", start),
        "later": _outside(ceremony, later, "gte", end),
    }


def _outside(ceremony, counts, lookup, moment):
    """Arrivals and departures on one side of the chart, each linked to its list."""
    return [
        Figure(
            _movements(field, counts[field]),
            counts[field],
            _changelist(
                "delegations.delegation", ceremony__id__exact=ceremony.pk, **{f"{field}__{lookup}": moment.isoformat()}
            ),
            key,
        )
        for field, key in (("arrival_at", "arrivals"), ("departure_at", "departures"))
    ]


def _movements(field, count):
    """'1 arrival', '2 departures': a count's noun, in its plural form (the count itself is written apart)."""
    if field == "arrival_at":
        return npgettext("a count of", "arrival", "arrivals", count)
    return npgettext("a count of", "departure", "departures", count)


def _bar(ceremony, field, day, count, peak, x, width):
    height = round((CHART_BASE - 20) * count / peak)
    start, end = day_span(day, day, ceremony.zone)
    url = _changelist(
        "delegations.delegation",
        ceremony__id__exact=ceremony.pk,
        **{f"{field}__gte": start.isoformat(), f"{field}__lt": end.isoformat()},
    )
    label = f"{date_format(day, 'D j M')}: {count} {_movements(field, count)}"
    return Bar(x=x, y=CHART_BASE - height, height=height, count=count, url=url, label=label)
