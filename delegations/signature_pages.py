"""The public list of signatures: a page (``/signatures/``), the JSON its script polls to stay live, and an Atom
feed, in English and Vietnamese.

Each answers a conditional request first (304), from one stamp: the last change of the ceremony's signature
records (their history, so a mark taken back counts too) or of its calendars (a delegation renamed), and the
number of changes. The list itself is read in one query (``delegations.signatures.signed_so_far``).
"""

from django.contrib.syndication.views import Feed
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from ceremony.feeds import feed_language, feed_validators
from ceremony.models import Ceremony
from ceremony.times import in_zone

from .signatures import signatory_title, signatures_changed, signed_so_far

#: How often the page's script asks for news (seconds); the JSON may be kept that long by caches.
POLL_SECONDS = 20


def _current_ceremony():
    ceremony = Ceremony.objects.select_related("venue").current()
    if ceremony is None:
        raise Http404("No ceremony yet.")
    return ceremony


def _validators(ceremony, *parts):
    last, changes = signatures_changed(ceremony=ceremony)
    changed_at = max(filter(None, [last, ceremony.feeds_changed_at]))
    return feed_validators("signatures", ceremony.pk, changes, *parts, changed_at=changed_at)


def _conditional(request, validators, build, *, max_age, by_cookie=True):
    """304 when the client's copy is current, else ``build()``; with the validators and cache headers.

    The page and its JSON speak the language of the reader's cookie, so caches keep one copy per cookie."""
    etag, last_modified = validators
    response = get_conditional_response(request, etag=etag, last_modified=last_modified) or build()
    if by_cookie:
        patch_vary_headers(response, ("Cookie",))
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    if max_age:
        patch_cache_control(response, public=True, max_age=max_age)
    else:  # a page with the language form's CSRF token: kept by the reader's browser only, asked again each time
        patch_cache_control(response, private=True, no_cache=True)
    return response


def signed_at_text(mark, zone):
    """'Sat 25 Oct, 10:31:05': when it was signed, on the ceremony's clocks, in the reader's language."""
    return date_format(in_zone(mark.signed_at, zone), "D j M, H:i:s")


def headings(signed):
    """('3 states have signed', '1 organization has signed' or '')."""
    states, organizations = len(signed.states), len(signed.organizations)
    return (
        ngettext("%(count)s state has signed", "%(count)s states have signed", states) % {"count": states},
        ngettext("%(count)s organization has signed", "%(count)s organizations have signed", organizations)
        % {"count": organizations}
        if organizations
        else "",
    )


def _rows(marks, zone):
    return [
        {
            "order": order,
            "id": f"signature-{mark.pk}",
            "name": mark.delegation.localized("name"),
            "time": signed_at_text(mark, zone),
        }
        for order, mark in enumerate(marks, start=1)
    ]


def listing(ceremony):
    """What the page and its JSON show, in the current language."""
    signed = signed_so_far(ceremony=ceremony)
    states_heading, organizations_heading = headings(signed)
    zone = ceremony.zone
    return {
        "heading": states_heading,
        "organizations_heading": organizations_heading,
        "states": _rows(signed.states, zone),
        "organizations": _rows(signed.organizations, zone),
    }


@require_safe
def page(request):
    ceremony = _current_ceremony()

    def build():
        return render(
            request,
            "delegations/signatures.html",
            {
                "ceremony": ceremony,
                **listing(ceremony),
                "poll_seconds": POLL_SECONDS,
                "feed_url": reverse("delegations:signatures-feed")
                + ("?lang=vi" if translation.get_language() == "vi" else ""),
            },
        )

    return _conditional(request, _validators(ceremony, "page", translation.get_language()), build, max_age=0)


@require_safe
def page_json(request):
    ceremony = _current_ceremony()

    def build():
        return JsonResponse(listing(ceremony), json_dumps_params={"ensure_ascii": False})

    return _conditional(request, _validators(ceremony, "json", translation.get_language()), build, max_age=POLL_SECONDS)


class SignaturesFeed(Feed):
    """The list as an Atom feed, one entry per signature, the latest first (``?lang=vi`` for Vietnamese)."""

    feed_type = Atom1Feed

    def get_object(self, request):
        return signed_so_far(ceremony=request.ceremony)

    def title(self, signed):
        return _("Signatures of the %(treaty)s") % {"treaty": signed.ceremony.localized("treaty_title")}

    def subtitle(self, signed):
        return headings(signed)[0]

    def link(self, signed):
        return reverse("delegations:signatures")

    def items(self, signed):
        return list(reversed(signed.all))

    def item_title(self, mark):
        return _("%(name)s signed") % {"name": mark.delegation.localized("name")}

    def item_description(self, mark):
        zone = mark.ceremony.zone
        return _("Signed at %(time)s (%(zone)s) by %(person)s, %(title)s.") % {
            "time": signed_at_text(mark, zone),
            "zone": zone.key,
            "person": mark.signatory.name,
            "title": signatory_title(mark.signatory),
        }

    def item_link(self, mark):
        return f"{reverse('delegations:signatures')}#signature-{mark.pk}"

    def item_pubdate(self, mark):
        return mark.signed_at

    def item_updateddate(self, mark):
        return mark.updated_at


_feed = SignaturesFeed()


@require_safe
def feed(request):
    ceremony = _current_ceremony()
    lang = feed_language(request)
    request.ceremony = ceremony

    def build():
        with translation.override(lang):
            return _feed(request)

    return _conditional(request, _validators(ceremony, "atom", lang), build, max_age=300, by_cookie=False)
