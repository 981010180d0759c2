"""Pages kept by the data's revision, as the calendars are (ceremony.feeds).

What a page shows depends on the data, the clock's turn and what the reader chose (a day, a search, the
language): it is rendered once per revision and kept in the cache under a key naming all of these, so an edit makes
a new key and the next reader gets the new page at once. What is each reader's own is never kept: a page that is
the same for everyone but the header's CSRF token is kept whole with a hole where the token goes
(``render_with_hole``), each request filling in its own; a page with more of the reader's own (a delegation's "what
changed since your last visit", messages) keeps its heavy parts and renders the rest for each request.

The ETag names the same things and a hash of the reader's CSRF cookie, so a browser's copy stays current only while
its token still matches; a conditional request is answered from the one query that reads the revision.
"""

import datetime

from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.safestring import mark_safe

from .feeds import feed_validators
from .kept import digest

# Bump when a page's templates change for the same data, or what is kept changes form, so copies kept by a shared
# cache are replaced.
FORMAT_VERSION = "2"
#: How long a rendered part is kept. A change makes a new key at once: this only lets unused parts go.
CACHE_SECONDS = 3600


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def micros(moment):
    """An instant as a whole number of microseconds: kept parts that hold many instants hold these, which the cache
    reads back far faster than datetimes."""
    return (moment - _EPOCH) // _MICROSECOND


def instant(number):
    """The instant ``micros`` gave ``number`` for, in UTC."""
    return _EPOCH + number * _MICROSECOND


def _key(parts):
    return f"page:{digest(FORMAT_VERSION, *parts)}"


def kept(parts):
    """The part kept under ``parts``, or None."""
    return cache.get(_key(parts))


def keep(parts, value):
    cache.set(_key(parts), value, timeout=CACHE_SECONDS)
    return value


def kept_or_built(parts, build):
    """The part kept under ``parts``; else ``build()``, kept."""
    value = kept(parts)
    return keep(parts, build()) if value is None else value


#: Where a kept page holds the reader's CSRF token (private-use characters: no text of the page has them).
TOKEN_HOLE = "\ue000csrf-token\ue000"  # noqa: S105 (a placeholder, not a secret)


def render_with_hole(request, template, context):
    """The page ``render`` would give, with ``TOKEN_HOLE`` where the reader's CSRF token goes."""
    return render_to_string(template, {**context, "csrf_token": TOKEN_HOLE}, request=request)


def filled(request, page):
    """The response of a page from ``render_with_hole``, with this reader's token."""
    return HttpResponse(page.replace(TOKEN_HOLE, get_token(request)))


def hole(name):
    """Where the kept part ``name`` goes in a page rendered around it (``spliced``)."""
    return mark_safe(f"\ue000part-{name}\ue000")  # noqa: S308 (private-use characters, nothing a reader wrote)


def spliced(page, parts):
    """The body of ``page``, rendered with ``hole(name)`` where each of ``parts`` goes, with the parts in.

    ``parts`` maps each name to its text as UTF-8 bytes, in the order they come in the page. Kept as bytes, a part of
    megabytes (a delegation's programme) is read back from the cache and put in place with one copy, where text went
    through the template's joins and then was encoded again for each request.
    """
    rest = page.encode()
    pieces = []
    for name, part in parts.items():
        before, rest = rest.split(hole(name).encode(), 1)
        pieces += [before, part]
    pieces.append(rest)
    return b"".join(pieces)


def _validators(request, parts, changed_at):
    # The CSRF middleware puts the reader's secret here, or a new one when the page gives the reader a token.
    reader = digest(request.META.get("CSRF_COOKIE", ""))
    return feed_validators("page", FORMAT_VERSION, *parts, reader, changed_at=changed_at)


def page_response(request, *parts, changed_at, render, conditional=True):
    """A 304 when the reader's copy is current (unless ``conditional`` is false), else ``render()``.

    ``parts`` name everything the page shows besides the CSRF token (the revision, the language, the reader's
    choices); ``changed_at`` is the last change of any of them, for Last-Modified. The page is kept by the reader's
    browser only, and asked again each time (it holds the reader's token).
    """
    response = None
    if conditional:
        etag, last_modified = _validators(request, parts, changed_at)
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = render()
        # A first visit gets its CSRF cookie with this page: the ETag names the token the page holds.
        etag, last_modified = _validators(request, parts, changed_at)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # The language comes from the cookie or the browser's header, as Django's locale middleware says.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    patch_cache_control(response, private=True, no_cache=True)
    return response
