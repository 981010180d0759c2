"""The address of a client behind the planner's reverse proxies, for login throttling (django-axes)."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's address as the outermost of our ``PLANNER_PROXY_COUNT`` proxies saw it.

    Each proxy appends the address it got the request from to ``X-Forwarded-For``, so with N proxies the
    N-th entry from the right is the client as our outermost proxy saw it. Entries further left came from
    the client and may be forged; they are never used.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "PLANNER_PROXY_COUNT", 0)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not count or not forwarded:
        return remote
    # Fewer entries than proxies: every entry was written by one of ours, the left-most is the client.
    candidate = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
