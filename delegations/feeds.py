"""A delegation's calendar, and the item links in it, built on the programme's calendar HTTP (ceremony.feeds)."""

from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ceremony.enums import Visibility
from ceremony.feeds import calendar_response, feed_language, item_url
from ceremony.ical import build_feed
from ceremony.models import ScheduleItem
from ceremony.private_links import private_link
from ceremony.tokens import DELEGATION, find_by_token, item_link_holder, item_link_key, item_link_valid

from .models import Delegation
from .selectors import items_visible_to


def _may_see(item, delegation):
    return items_visible_to(delegation, ScheduleItem.objects.filter(pk=item.pk)).exists()


def delegation_reads_item(item, request):
    """For ``ceremony.feeds.item_readers``: a read-only item link from a delegation's feed (``?key=``, see
    :func:`ceremony.tokens.item_link_key`), or the delegation's raw token (``?token=``: its own page links with it),
    of a delegation that sees the item."""
    key, token = request.GET.get("key"), request.GET.get("token")
    if key:
        holder = item_link_holder(key)
        if holder is None or holder[0] != DELEGATION:
            return False  # staff feeds link to the admin, which asks for a login: only delegations hold such links
        delegation = Delegation.objects.filter(pk=holder[1]).first()
        return item_link_valid(key, uid=item.uid, holder=delegation) and _may_see(item, delegation)
    delegation = find_by_token(Delegation.objects.all(), token) if token else None
    return delegation is not None and _may_see(item, delegation)


@private_link(plain=True)
@require_safe
def delegation_calendar(request, token):
    delegation = find_by_token(Delegation.objects.select_related("ceremony"), token)
    if delegation is None:
        raise Http404
    ceremony = delegation.ceremony
    lang = feed_language(request)

    def build():
        items = items_visible_to(delegation).for_calendar()
        download = item_url(request)

        def url_for(item):
            url = download(item)
            if item.visibility == Visibility.PUBLIC:
                return url
            # Never the token itself: it also opens the delegation's form, and events get forwarded.
            return f"{url}?key={item_link_key(uid=item.uid, kind=DELEGATION, holder=delegation)}"

        # A public event is the programme's own, shared with it; the others carry this delegation's key, which its
        # token makes.
        site = f"{request.scheme}://{request.get_host()}"
        own = f"{site}|{delegation.pk}|{delegation.token_hash}"

        def variant(visibility):
            return site if visibility == Visibility.PUBLIC else own

        with_name = _("%(ceremony)s — %(delegation)s")
        return build_feed(
            ceremony=ceremony,
            items=items,
            name=with_name % {"ceremony": ceremony.localized("name"), "delegation": delegation.name},
            url_for=url_for,
            variant=variant,
            store=cache,
        )

    parts = ("delegation", delegation.pk, lang)
    return calendar_response(
        request, *parts, changed_at=ceremony.feeds_changed_at, build=build, lang=lang, private=True
    )
