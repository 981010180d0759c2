"""Pages and feeds behind a secret link."""

from functools import wraps

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found


def _plain_not_found(request, exception):
    return HttpResponse(_("Not found."), status=404, content_type="text/plain; charset=utf-8")


# Feeds link nowhere and post nothing: they send no referrer at all. Pages send a referrer to this
# site only. "no-referrer" would also make browsers send "Origin: null" with the page's own forms
# (the delegation's form, the language switcher), which Django's CSRF check rightly refuses; with
# "same-origin" the secret path still never reaches another site.
FEED_REFERRER_POLICY = "no-referrer"
PAGE_REFERRER_POLICY = "same-origin"


def private_link(view=None, *, plain=False):
    """Never send a secret link to another site as a referrer, nor let it be indexed, found or not.

    A wrong, rotated or malformed token gets the same 404 as a missing page
    (plain text for feeds, the friendly page otherwise), so it reveals nothing.
    """

    def decorator(view):
        not_found = _plain_not_found if plain else page_not_found

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                response = view(request, *args, **kwargs)
            except Http404 as exc:
                response = not_found(request, exc)
            response["Referrer-Policy"] = FEED_REFERRER_POLICY if plain else PAGE_REFERRER_POLICY
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return wrapper

    return decorator(view) if view is not None else decorator
