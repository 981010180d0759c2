"""When did anything on a delegation's page last change?

The page shows the programme as the delegation sees it, its invitations, its own row (stay, attendance, place in
the order of signing) and its signing slot: all of these move the ceremony's ``feeds_changed_at``
(ceremony.feeds_state, and the signing services that touch it). It also shows the delegation's members, which no
calendar shows. They are followed by values read with the delegation's row, in the query that finds it by its
token: the latest ``updated_at`` of its members (a member added or changed moves it) and how many there are (one
removed changes that), with the item of its signing slot and the row's own ``updated_at`` for good measure. So a
delegation's page answers "anything new?" from that one query.
"""

from django.db.models import Count, Max, OuterRef, Subquery

from .models import Delegate, SigningSlot


def with_page_revision(delegations):
    """``delegations`` with what ``page_revision`` reads."""
    members = Delegate.objects.filter(delegation=OuterRef("pk")).order_by().values("delegation")
    return delegations.annotate(
        members_changed_at=Subquery(members.annotate(latest=Max("updated_at")).values("latest")[:1]),
        members_count=Subquery(members.annotate(count=Count("pk")).values("count")[:1]),
        slot_item_id=Subquery(SigningSlot.objects.filter(delegation=OuterRef("pk")).values("item_id")[:1]),
    )


def page_revision(delegation):
    """What names the state of the delegation's page (a delegation read ``with_page_revision``, with its ceremony),
    and the last instant any of it changed."""
    instants = [delegation.ceremony.feeds_changed_at, delegation.updated_at, delegation.members_changed_at]
    revision = (
        *(instant.isoformat() if instant else "" for instant in instants),
        delegation.members_count or 0,
        delegation.slot_item_id or "",
        delegation.token_hash,
    )
    return revision, max(filter(None, instants))
