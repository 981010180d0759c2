"""HTTP for calendars: the public programme, one item, a staff member's feed, and what other feeds build on.

Each view first reads one row that carries the ceremony's ``feeds_changed_at``
and answers a conditional request from it (304 after one query); only then does
it load the items and build the calendar with :mod:`ceremony.ical`.

Other apps build their feeds on ``calendar_response`` (in the spirit of ``django.contrib.syndication``): the
delegations app serves a delegation's feed with it (delegations.feeds). An app that links private items from its
feeds adds an ``item_readers`` function, which says whether a request may read a non-public item.
"""

import hashlib

from django.core.cache import cache
from django.db.models import Subquery
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .enums import Visibility
from .ical import build_calendar, build_feed
from .kept import digest, kept_copy
from .models import Ceremony, ScheduleItem, StaffMember
from .private_links import private_link
from .tokens import find_by_token

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Bump when the builder's output changes for the same data, so cached copies are replaced.
FORMAT_VERSION = "2"
LANGUAGES = ("en", "vi")


def feed_language(request):
    """The language a calendar is asked for (``?lang=``), English unless Vietnamese is asked."""
    lang = request.GET.get("lang", "en")
    return lang if lang in LANGUAGES else "en"


def _validators(*parts, changed_at):
    """A strong ETag and the Last-Modified time (whole seconds, or None) for a feed identified by ``parts``.

    Last-Modified has whole seconds, so while the second of the last change is still running another
    change may follow within it under the same value, and a client holding it would get a 304 for a
    stale copy. Until that second is over there is no Last-Modified; the ETag, which every change
    moves, answers alone.
    """
    key = ":".join(str(p) for p in (FORMAT_VERSION, changed_at.isoformat(), *parts))
    digest = hashlib.sha256(key.encode()).hexdigest()
    last_modified = int(changed_at.timestamp())
    return f'"{digest[:40]}"', (last_modified if last_modified < int(timezone.now().timestamp()) else None)


def feed_validators(*parts, changed_at):
    """The ETag and Last-Modified of any feed or page kept current by a change stamp, as calendars have them: for
    other apps' lists (delegations.signature_pages)."""
    return _validators(*parts, changed_at=changed_at)


def calendar_response(request, *parts, changed_at, build, lang, private, filename=None):
    """The HTTP answer for a calendar: a 304 when the client's copy is current, else the text ``build()`` returns,
    in ``lang``, cached until the next change.

    ``parts`` name the feed and its audience (e.g. ``"programme", ceremony.pk, lang``), ``changed_at`` is the last
    change of anything it shows (the ceremony's ``feeds_changed_at``); together they make its ETag. ``private``
    feeds (behind a secret link) are never kept by shared caches.
    """
    etag, last_modified = _validators(*parts, changed_at=changed_at)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        # Equal validators mean equal bytes, so a body built once serves every poll until the next change.
        # Event URLs are absolute, hence the site's address in the key.
        key = f"feed:{digest(FORMAT_VERSION, *parts, request.scheme, request.get_host())}"

        def build_in_language():
            with translation.override(lang):
                return build()

        body = kept_copy(key, version=etag, build=build_in_language, what=f"the {parts[0]} calendar ({lang})")
        response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=CONTENT_TYPE)
        response["Content-Length"] = str(len(body))
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    if private:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response


def item_url(request):
    """``url_for`` of a feed whose events link to their own download, ``/items/<uid>.ics`` on the site asked."""
    pattern = request.build_absolute_uri(reverse("ceremony:item-ics", args=["UID"]))
    return lambda item: pattern.replace("UID", item.uid)


def _current_stamp():
    """The current ceremony's pk and feeds stamp, as a subquery to join onto a token lookup."""
    current = Ceremony.objects.by_currency()
    return Subquery(current.values("pk")[:1]), Subquery(current.values("feeds_changed_at")[:1])


@require_safe
def programme(request):
    ceremony = Ceremony.objects.current()
    if ceremony is None:
        raise Http404("No ceremony yet.")
    lang = feed_language(request)

    def build():
        items = ScheduleItem.objects.filter(ceremony=ceremony).public().for_calendar()
        site = f"{request.scheme}://{request.get_host()}"
        return build_feed(
            ceremony=ceremony,
            items=items,
            name=ceremony.localized("name"),
            url_for=item_url(request),
            variant=lambda visibility: site,
            store=cache,
        )

    return calendar_response(
        request,
        "programme",
        ceremony.pk,
        lang,
        changed_at=ceremony.feeds_changed_at,
        build=build,
        lang=lang,
        private=False,
    )


#: Functions ``(item, request) -> bool``: may this request read this non-public item? Apps whose private links
#: carry item links add theirs when ready (delegations.apps); a staff member's raw token is the programme's own.
item_readers = []


def _staff_reads(item, request):
    """A raw staff token (``?token=``) of an agency that leads or supports the item."""
    token = request.GET.get("token")
    if not token or "key" in request.GET:
        return False
    member = find_by_token(StaffMember.objects.select_related("agency"), token)
    return member is not None and ScheduleItem.objects.filter(pk=item.pk).for_agency(member.agency).exists()


@private_link(plain=True)
@require_safe
def item_ics(request, uid):
    item = ScheduleItem.objects.for_calendar().filter(uid=uid).first()
    if item is None:
        raise Http404
    if item.visibility != Visibility.PUBLIC and not any(read(item, request) for read in [*item_readers, _staff_reads]):
        raise Http404
    lang = feed_language(request)
    ceremony = item.ceremony
    return calendar_response(
        request,
        "item",
        item.pk,
        lang,
        changed_at=ceremony.feeds_changed_at,
        build=lambda: build_calendar(ceremony=ceremony, items=[item], name=item.localized("title")),
        lang=lang,
        private=item.visibility != Visibility.PUBLIC,
        filename=f"{item.uid}.ics",
    )


@private_link(plain=True)
@require_safe
def staff_calendar(request, token):
    ceremony_pk, ceremony_stamp = _current_stamp()
    member = find_by_token(
        StaffMember.objects.select_related("agency").annotate(ceremony_pk=ceremony_pk, ceremony_stamp=ceremony_stamp),
        token,
    )
    if member is None or member.ceremony_pk is None:
        raise Http404
    lang = feed_language(request)

    def build():
        ceremony = Ceremony.objects.get(pk=member.ceremony_pk)
        items = ScheduleItem.objects.filter(ceremony=ceremony).for_agency(member.agency).for_calendar()
        with_name = _("%(ceremony)s — %(agency)s")
        # Events link to the item's page in the admin, by its pk (which every event's stamp holds).
        change = request.build_absolute_uri(reverse("admin:ceremony_scheduleitem_change", args=[0]))
        return build_feed(
            ceremony=ceremony,
            items=items,
            name=with_name % {"ceremony": ceremony.localized("name"), "agency": member.agency.localized("name")},
            url_for=lambda item: change.replace("/0/", f"/{item.pk}/"),
            variant=lambda visibility: change,
            store=cache,
        )

    parts = ("staff", member.pk, member.agency_id, lang, member.ceremony_pk)
    return calendar_response(request, *parts, changed_at=member.ceremony_stamp, build=build, lang=lang, private=True)
