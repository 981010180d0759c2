"""The order in which writers lock rows, so that two of them never wait for each other (a deadlock).

A write that changes a ceremony's calendars ends by moving the ceremony's feeds stamp, which locks the
ceremony's row. Writers lock that row first, before any delegation, member or item: the admin does so for every
object with a ceremony (``ceremony.stale_edits``), the delegation's form for its delegation, and the services
that write to several rows (the order of signing, cancelling items) begin with it.
"""

from .models import Ceremony


def lock_ceremonies(ceremony_ids):
    """Lock these ceremonies' rows, in a fixed order, for the rest of the transaction."""
    ids = sorted({pk for pk in ceremony_ids if pk is not None})
    if ids:
        list(Ceremony.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
