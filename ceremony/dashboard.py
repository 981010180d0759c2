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
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from delegations.enums import AccreditationStatus, ClearanceStatus, DelegationStatus
from delegations.full_powers import FullPowersState, full_powers_state_expression
from delegations.models import Delegate, Delegation

from .conflicts import ceremony_conflicts

CHART_WIDTH, CHART_HEIGHT, CHART_BASE = 640, 180, 150  # the bars stand on y = CHART_BASE
MAX_CHART_DAYS = 21
SHOWN_CONFLICTS = 30


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
        Figure(_("delegates"), people["delegates"], _changelist("delegations.delegate", **delegate_scope), "all"),
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
    return {
        "ceremony": ceremony,
        "delegation_total": Figure(
            _("delegations"), by_status["total"], _changelist("delegations.delegation", **delegation_scope), "all"
        ),
        "delegations": delegations,
        "signatory_total": Figure(
            _("signatories"), people["signatories"], _changelist("delegations.signatory", **delegate_scope), "all"
        ),
        "signatories": signatories,
        "accreditation": accreditation,
        "movements": movements_chart(ceremony=ceremony),
        "conflicts": conflicts[:SHOWN_CONFLICTS],
        "conflict_total": len(conflicts),
        "conflict_errors": errors,
        "conflict_warnings": len(conflicts) - errors,
        "conflicts_hidden": max(0, len(conflicts) - SHOWN_CONFLICTS),
    }


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
    """Arrivals and departures per day (in the ceremony's zone), as geometry for an SVG bar chart."""
    arrivals, departures = Counter(), Counter()
    for arrival, departure in Delegation.objects.filter(ceremony=ceremony).values_list("arrival_at", "departure_at"):
        if arrival:
            arrivals[timezone.localtime(arrival, ceremony.zone).date()] += 1
        if departure:
            departures[timezone.localtime(departure, ceremony.zone).date()] += 1
    known = set(arrivals) | set(departures)
    if not known:
        return {"days": [], "width": CHART_WIDTH, "height": CHART_HEIGHT, "base": CHART_BASE, "peak": 0}
    first, last = min(known), max(known)
    last = min(last, first + dt.timedelta(days=MAX_CHART_DAYS - 1))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    peak = max(max(arrivals.values(), default=0), max(departures.values(), default=0), 1)
    step = CHART_WIDTH // len(days)
    bar = max(4, (step - 8) // 2)
    chart_days = []
    for index, day in enumerate(days):
        x = index * step + (step - 2 * bar) // 2
        chart_days.append(
            ChartDay(
                day=day,
                label=date_format(day, "j M"),
                x=index * step + step // 2,
                arrival=_bar(ceremony, "arrival_at", day, arrivals[day], peak, x, bar, _("arrivals")),
                departure=_bar(ceremony, "departure_at", day, departures[day], peak, x + bar, bar, _("departures")),
            )
        )
    return {
        "days": chart_days,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "base": CHART_BASE,
        "peak": peak,
        "bar": bar,
    }


def _bar(ceremony, field, day, count, peak, x, width, what):
    height = round((CHART_BASE - 20) * count / peak)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=ceremony.zone)
    end = start + dt.timedelta(days=1)
    url = _changelist(
        "delegations.delegation",
        ceremony__id__exact=ceremony.pk,
        **{f"{field}__gte": start.isoformat(), f"{field}__lt": end.isoformat()},
    )
    label = f"{date_format(day, 'D j M')}: {count} {what}"
    return Bar(x=x, y=CHART_BASE - height, height=height, count=count, url=url, label=label)
