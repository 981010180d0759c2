"""HTTP for calendars: the public programme, one item, a delegation's and a staff member's feed.

Each view first reads one row that carries the ceremony's ``feeds_changed_at``
and answers a conditional request from it (304 after one query); only then does
it load the items and build the calendar with :mod:`ceremony.ical`.
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

from delegations.models import Delegation

from .enums import Visibility
from .ical import build_calendar
from .models import Ceremony, ScheduleItem, StaffMember
from .private_links import private_link
from .tokens import DELEGATION, find_by_token, item_link_holder, item_link_key, item_link_valid

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Bump when the builder's output changes for the same data, so cached copies are replaced.
FORMAT_VERSION = "2"
LANGUAGES = ("en", "vi")
CACHE_SECONDS = 24 * 3600


def _language(request):
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


def _respond(request, *, etag, last_modified, private, build, lang, filename=None):
    """A 304 when the client's copy is current, else the calendar ``build()`` returns, in ``lang``."""
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        # Equal validators mean equal bytes, so a body built once serves every poll until the next change.
        # Event URLs are absolute, hence the host in the key.
        key = f"feed:{etag}:{request.scheme}:{request.get_host()}"
        body = cache.get(key)
        if body is None:
            with translation.override(lang):
                body = build()
            cache.set(key, body, timeout=CACHE_SECONDS)
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


def _current_stamp():
    """The current ceremony's pk and feeds stamp, as a subquery to join onto a token lookup."""
    current = Ceremony.objects.by_currency()
    return Subquery(current.values("pk")[:1]), Subquery(current.values("feeds_changed_at")[:1])


@require_safe
def programme(request):
    ceremony = Ceremony.objects.current()
    if ceremony is None:
        raise Http404("No ceremony yet.")
    lang = _language(request)
    etag, last_modified = _validators("programme", ceremony.pk, lang, changed_at=ceremony.feeds_changed_at)

    def build():
        items = ScheduleItem.objects.filter(ceremony=ceremony).public().for_calendar()
        return build_calendar(
            ceremony=ceremony,
            items=items,
            name=ceremony.localized("name"),
            url_for=lambda item: request.build_absolute_uri(reverse("ceremony:item-ics", args=[item.uid])),
        )

    return _respond(request, etag=etag, last_modified=last_modified, private=False, build=build, lang=lang)


def _may_see(item, *, delegation=None, member=None):
    if delegation is not None:
        return ScheduleItem.objects.filter(pk=item.pk).visible_to_delegation(delegation).exists()
    if member is not None:
        return ScheduleItem.objects.filter(pk=item.pk).for_agency(member.agency).exists()
    return False


def _item_visible_with_token(item, token):
    """A raw delegation or staff token (the delegation's own page links with it)."""
    delegation = find_by_token(Delegation.objects.all(), token)
    if delegation is not None:
        return _may_see(item, delegation=delegation)
    return _may_see(item, member=find_by_token(StaffMember.objects.select_related("agency"), token))


def _item_visible_with_key(item, key):
    """A read-only item link from a delegation's feed (see :func:`ceremony.tokens.item_link_key`).

    Staff feeds link to the admin, which asks for a login, so only delegations hold such links.
    """
    holder = item_link_holder(key)
    if holder is None or holder[0] != DELEGATION:
        return False
    delegation = Delegation.objects.filter(pk=holder[1]).first()
    return item_link_valid(key, uid=item.uid, holder=delegation) and _may_see(item, delegation=delegation)


@private_link(plain=True)
@require_safe
def item_ics(request, uid):
    item = ScheduleItem.objects.for_calendar().filter(uid=uid).first()
    if item is None:
        raise Http404
    if item.visibility != Visibility.PUBLIC:
        key, token = request.GET.get("key"), request.GET.get("token")
        if not (_item_visible_with_key(item, key) if key else _item_visible_with_token(item, token)):
            raise Http404
    lang = _language(request)
    ceremony = item.ceremony
    etag, last_modified = _validators("item", item.pk, lang, changed_at=ceremony.feeds_changed_at)
    return _respond(
        request,
        etag=etag,
        last_modified=last_modified,
        private=item.visibility != Visibility.PUBLIC,
        filename=f"{item.uid}.ics",
        build=lambda: build_calendar(ceremony=ceremony, items=[item], name=item.localized("title")),
        lang=lang,
    )


@private_link(plain=True)
@require_safe
def delegation_calendar(request, token):
    delegation = find_by_token(Delegation.objects.select_related("ceremony"), token)
    if delegation is None:
        raise Http404
    ceremony = delegation.ceremony
    lang = _language(request)
    etag, last_modified = _validators("delegation", delegation.pk, lang, changed_at=ceremony.feeds_changed_at)

    def build():
        items = ScheduleItem.objects.visible_to_delegation(delegation).for_calendar()
        item_url = reverse("ceremony:item-ics", args=["UID"])

        def url_for(item):
            url = request.build_absolute_uri(item_url.replace("UID", item.uid))
            if item.visibility == Visibility.PUBLIC:
                return url
            # Never the token itself: it also opens the delegation's form, and events get forwarded.
            return f"{url}?key={item_link_key(uid=item.uid, kind=DELEGATION, holder=delegation)}"

        with_name = _("%(ceremony)s — %(delegation)s")
        return build_calendar(
            ceremony=ceremony,
            items=items,
            name=with_name % {"ceremony": ceremony.localized("name"), "delegation": delegation.name},
            url_for=url_for,
        )

    return _respond(request, etag=etag, last_modified=last_modified, private=True, build=build, lang=lang)


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
    lang = _language(request)
    etag, last_modified = _validators(
        "staff", member.pk, member.agency_id, lang, member.ceremony_pk, changed_at=member.ceremony_stamp
    )

    def build():
        ceremony = Ceremony.objects.get(pk=member.ceremony_pk)
        items = ScheduleItem.objects.filter(ceremony=ceremony).for_agency(member.agency).for_calendar()
        with_name = _("%(ceremony)s — %(agency)s")
        return build_calendar(
            ceremony=ceremony,
            items=items,
            name=with_name % {"ceremony": ceremony.localized("name"), "agency": member.agency.localized("name")},
            url_for=lambda item: request.build_absolute_uri(
                reverse("admin:ceremony_scheduleitem_change", args=[item.pk])
            ),
        )

    return _respond(request, etag=etag, last_modified=last_modified, private=True, build=build, lang=lang)
