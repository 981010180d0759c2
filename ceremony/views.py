"""Public pages of the programme, and the health check."""

import datetime

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import selectors
from .enums import ItemKind
from .models import Ceremony


def subscribe_links(request, path, *, lang=None):
    """The https address of a feed (for Google Calendar and copying) and its webcal:// twin (one tap in apps)."""
    url = request.build_absolute_uri(path + (f"?lang={lang}" if lang and lang != "en" else ""))
    return {"https": url, "webcal": "webcal://" + url.split("://", 1)[1]}


def _current_ceremony():
    ceremony = Ceremony.objects.select_related("venue").current()
    if ceremony is None:
        raise Http404("No ceremony yet.")
    return ceremony


@require_safe
def programme(request):
    ceremony = _current_ceremony()
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = None
    kind = request.GET.get("kind") or None
    context = {
        "ceremony": ceremony,
        "days": selectors.programme_days(ceremony=ceremony, day=day, kind=kind),
        "all_days": selectors.ceremony_days(ceremony),
        "kinds": ItemKind.choices,
        "selected_day": day,
        "selected_kind": kind if kind in ItemKind.values else None,
        "feed": subscribe_links(request, reverse("ceremony:programme-ics"), lang=get_language()),
    }
    return render(request, "ceremony/programme.html", context)


@require_safe
def about(request):
    ceremony = _current_ceremony()
    context = {
        "ceremony": ceremony,
        "milestones": ceremony.milestones.select_related("source"),
        "figures": ceremony.key_figures.select_related("source"),
    }
    return render(request, "ceremony/about.html", context)


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 otherwise; for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def security_txt(request):
    """Where to report a security problem (RFC 9116), when the deployment names a contact."""
    contact = settings.PLANNER_SECURITY_CONTACT
    if not contact:
        raise Http404("No security contact is published.")
    expires = (timezone.now() + datetime.timedelta(days=365)).replace(microsecond=0).isoformat()
    lines = [f"Contact: {contact}", f"Expires: {expires}", "Preferred-Languages: en, vi", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
