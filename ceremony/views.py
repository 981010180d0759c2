"""Public pages of the programme, and the health check."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import item_entries, page_cache, selectors, times
from .forms import ALL_DAYS, ProgrammeFilterForm
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


class _ProgrammeLinks:
    """Addresses of the programme that keep the reader's choices (``kept``), changing some."""

    def __init__(self, path, kept):
        self.path, self.kept = path, kept

    def __call__(self, **changes):
        query = urlencode({key: value for key, value in {**self.kept, **changes}.items() if value}, safe="/")
        return f"{self.path}?{query}" if query else self.path

    def day(self, date):
        """A day's tab (``date`` None: all days), on its first page."""
        return self(day=date.isoformat() if date else ALL_DAYS)

    def item(self, date, page, item):
        """The page of the unfiltered day where ``item`` is, scrolled to it; only the zone is kept."""
        return self(day=date.isoformat(), kind="", q="", page=page) + f"#item-{item.uid}"


#: What a reader chooses in the programme's address.
PROGRAMME_CHOICES = ("day", "kind", "q", "tz", "page")


@require_safe
def programme(request):
    """The public programme: day tabs, search, a kind, the reader's zone, in pages; now and next during it.

    Rendered once per revision of the programme (the ceremony's ``feeds_changed_at``), turn of the clock, language
    and address, and kept (ceremony.page_cache); a warm page and a 304 cost the one query of the ceremony's row.
    """
    ceremony = Ceremony.objects.current()
    if ceremony is None:
        raise Http404("No ceremony yet.")
    now = timezone.now()
    stamp = ceremony.feeds_changed_at
    turn, turned_at = _programme_turn(ceremony, now)
    # The whole address: the language form sends the reader back to it.
    parts = ("programme", ceremony.pk, stamp.isoformat(), get_language(), request.scheme, request.get_host(), turn)
    parts = (*parts, request.get_full_path())

    def render_page():
        page = page_cache.kept(parts)
        if page is None:
            context = _programme_context(request, _current_ceremony(), now)
            page = page_cache.render_with_hole(request, "ceremony/programme.html", context)
            if _plain_address(request, context):
                page_cache.keep(parts, page)
        return page_cache.filled(request, page)

    changed_at = max(stamp, turned_at) if turned_at else stamp
    return page_cache.page_response(request, *parts, changed_at=changed_at, render=render_page)


def _programme_turn(ceremony, now):
    """Which stretch of the ceremony's clock the page is rendered for, and when it began (see
    ``selectors.programme_turns``); outside the ceremony's days the page does not move with the clock."""
    first, after = ceremony.bounds()
    if now < first:
        return "before", None
    if now >= after:
        return "after", after
    turns = page_cache.kept_or_built(
        ("programme-turns", ceremony.pk, ceremony.feeds_changed_at.isoformat()),
        lambda: [page_cache.micros(turn) for turn in selectors.programme_turns(ceremony)],
    )
    turn, turned_at = selectors.programme_turn(turns, page_cache.micros(now))
    return turn, page_cache.instant(turned_at) if turned_at is not None else None


def _programme_context(request, ceremony, now):
    """What the programme's page shows, as the reader chose it."""
    filters = ProgrammeFilterForm(request.GET, ceremony=ceremony, default_day=selectors.default_day(ceremony, now))
    chosen = filters.choices()
    result = selectors.public_programme(
        ceremony=ceremony,
        day=chosen["day"],
        kind=chosen["kind"],
        words=chosen["q"],
        page=request.GET.get("page"),
        now=now,
    )
    reader_zone = chosen["tz"]
    kept = {
        "day": chosen["day"].isoformat() if chosen["day"] else ALL_DAYS,
        "kind": chosen["kind"],
        "q": chosen["q"],
        "tz": reader_zone.key if reader_zone else "",
    }

    links = _ProgrammeLinks(request.path, kept)
    shown = result.page
    first_noon = times.noon(ceremony.first_day, ceremony.zone)
    now_uids, next_uids = {item.uid for item in result.now}, {item.uid for item in result.next}
    context = {
        "ceremony": ceremony,
        "programme": result,
        "filters": filters,
        "chosen": chosen,
        "kept": kept,
        "problems": filters.problems(),
        "tabs": [{"tab": tab, "url": links.day(tab.date), "current": tab.date == result.day} for tab in result.tabs],
        "pages": [
            {"number": number, "url": links(page=number) if number != shown.paginator.ELLIPSIS else None}
            for number in shown.paginator.get_elided_page_range(shown.number, on_each_side=1, on_ends=1)
        ],
        "previous_url": links(page=shown.previous_page_number()) if shown.has_previous() else None,
        "next_url": links(page=shown.next_page_number()) if shown.has_next() else None,
        "clear_url": links(kind="", q=""),
        "home_zone_url": links(tz="", page=shown.number if shown.number > 1 else ""),
        "now_url": links.item(*result.now_at) if result.now_at else None,
        "entries": item_entries.entries(
            [item for day in result.days for item in day.items],
            zone=timezone.get_current_timezone(),
            reader_zone=reader_zone,
            now_uids=now_uids,
            next_uids=next_uids,
        ),
        "reader_zone": reader_zone,
        "reader_zone_label": times.zone_label(reader_zone, first_noon) if reader_zone else "",
        "zone_choices": [
            (name, label)
            for name, label in times.reader_zone_choices(first_noon, first=[kept["tz"]] if reader_zone else [])
            if name != ceremony.time_zone
        ],
        "feed": subscribe_links(request, reverse("ceremony:programme-ics"), lang=get_language()),
    }
    return context


def _plain_address(request, context):
    """Whether the address says what the page shows the usual way: only the reader's choices, nothing dropped, the
    page asked for is the page shown. Other addresses are answered, never kept: nonsense does not fill the cache."""
    asked = request.GET.get("page", "")
    return (
        set(request.GET) <= set(PROGRAMME_CHOICES)
        and not context["problems"]
        and asked in ("", str(context["programme"].page.number))
    )


@require_safe
def about(request):
    ceremony = _current_ceremony()
    context = {"ceremony": ceremony, **selectors.about_the_convention(ceremony)}
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
