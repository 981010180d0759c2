"""Who is invited to an item, with its history.

An Invitation saved or deleted one at a time records its own history (simple-history's signals). Those made in bulk
do not: ``invitations_create`` writes theirs, and ``connect`` records the ones added through the many-to-many
managers (``item.invited_delegations.add(...)``, ``delegation.invited_items.add(...)``), which Django creates in
bulk. Withdrawals need nothing: the managers delete invitations one by one, and each records its own.
"""

from django.db.models import Q
from django.db.models.signals import m2m_changed
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from .models import Invitation


def acting_user():
    """The signed-in user of the request being served, if any (simple-history's middleware keeps the request)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def invitations_create(pairs, *, user=None, reason=None):
    """Invite, in one statement, each delegation to each item of ``pairs`` (item_id, delegation_id), with history."""
    invitations = [Invitation(item_id=item, delegation_id=delegation) for item, delegation in pairs]
    if invitations:
        bulk_create_with_history(
            invitations, Invitation, default_user=user or acting_user(), default_change_reason=reason
        )
    return invitations


def _record_added(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "post_add" or not pk_set:
        return
    # reverse: added from the item's side (``item.invited_delegations``), so pk_set holds delegations.
    pairs = (
        Q(item_id=instance.pk, delegation_id__in=pk_set)
        if reverse
        else Q(delegation_id=instance.pk, item_id__in=pk_set)
    )
    added = list(Invitation.objects.filter(pairs))
    Invitation.history.bulk_history_create(added, default_user=acting_user())


def connect():
    m2m_changed.connect(_record_added, sender=Invitation, dispatch_uid="invitation_history")
