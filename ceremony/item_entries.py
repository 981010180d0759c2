"""Each schedule item's entry in a list (``templates/ceremony/_item.html``), kept under everything it shows.

The programme and a delegation's page list items one entry each, and rendering those entries was most of rendering
the page. An edit changes the revision of every page (ceremony.page_cache), so each variant of each page was
rendered again, every entry of it. Now a page is rendered around its entries, and each entry is kept in the cache
under a key naming what it shows: the item's row and those of its room and lead agency (their ``updated_at``), the
ceremony's city and zone, the language, the zone the page is shown in, and what the page marks on it (happening now
or next, the delegation's own signing slot, changed since the last visit, the private link of a non-public item).
An edit renders the entry of the item it changed; the others are read back.
"""

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import get_language

from .enums import Visibility
from .kept import digest
from .page_cache import CACHE_SECONDS

TEMPLATE = "ceremony/_item.html"
# Bump when the entry's template changes for the same data, so copies kept by a shared cache are replaced.
FORMAT_VERSION = "1"


def _shows(item):
    """What of the item's own row and the rows it reads its entry shows, as values that move with any change."""
    ceremony, room, agency = item.ceremony, item.room, item.lead_agency
    return (
        item.pk,
        item.updated_at.isoformat(),
        room.updated_at.isoformat() if room else "",
        agency.updated_at.isoformat() if agency else "",
        ceremony.city,
        ceremony.city_vi,
        ceremony.time_zone,
    )


def entries(
    items,
    *,
    zone,
    reader_zone=None,
    now_uids=frozenset(),
    next_uids=frozenset(),
    own_slots=frozenset(),
    changed_uids=frozenset(),
    item_token="",
    delegation=None,
):
    """``{pk: HTML}``: the entry of each of ``items`` as ``{% include "ceremony/_item.html" %}`` renders it in a
    page whose context has these values (the template's optional context) and whose active zone is ``zone``.

    Entries kept in the cache are read back in one request to it; the others are rendered and kept.
    """
    page = (FORMAT_VERSION, get_language(), str(zone), reader_zone.key if reader_zone else "")
    keys = {}
    for item in items:
        uid = item.uid
        marks = (
            "now" if uid in now_uids else "next" if uid in next_uids else "",
            delegation.signing_order if uid in own_slots else "",
            uid in changed_uids,
            item_token if item_token and item.visibility != Visibility.PUBLIC else "",
        )
        keys[item.pk] = f"item-entry:{digest(*page, *_shows(item), *marks)}"
    kept = cache.get_many(list(keys.values())) if keys else {}
    missing = {}
    context = {
        "reader_zone": reader_zone,
        "now_uids": now_uids,
        "next_uids": next_uids,
        "own_slots": own_slots,
        "changed_uids": changed_uids,
        "item_token": item_token,
        "delegation": delegation,
    }
    template = None
    with timezone.override(zone):
        for item in items:
            key = keys[item.pk]
            if key not in kept:
                template = template or get_template(TEMPLATE)
                kept[key] = missing[key] = template.render({**context, "item": item})
    if missing:
        cache.set_many(missing, timeout=CACHE_SECONDS)
    return {pk: kept[key] for pk, key in keys.items()}
