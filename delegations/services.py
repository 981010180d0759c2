"""Writes to delegations. Views, admin actions and commands call these."""

from django.db import transaction
from django.utils import timezone

from ceremony.feeds_state import feeds_touch
from ceremony.tokens import new_token

from .enums import DelegationKind, DelegationStatus, Membership
from .models import Delegation, sort_key

#: What the history says of a new access link.
ACCESS_LINK_REASON = "access link issued"


def delegation_issue_token(*, delegation, issued_by=None):
    """Give the delegation a new 256-bit access token and return it; the old one stops working.

    Only the hash is stored, so the raw token is shown once, to ``issued_by``, who is recorded: whoever holds the
    link may act as the delegation, so its changes through the link are traced to the issuer too.
    """
    raw, delegation.token_hash = new_token()
    delegation.token_issued_at, delegation.token_issued_by = timezone.now(), issued_by
    delegation._change_reason, delegation._history_user = ACCESS_LINK_REASON, issued_by
    delegation.save(update_fields=["token_hash", "token_issued_at", "token_issued_by", "updated_at"])
    return raw


@transaction.atomic
def delegations_invite(*, ceremony, states):
    """Invite each state that has no delegation at the ceremony yet; returns the new delegations."""
    taken = set(Delegation.objects.filter(ceremony=ceremony).exclude(country="").values_list("country", flat=True))
    new = [
        Delegation(
            ceremony=ceremony,
            kind=DelegationKind.MEMBER_STATE
            if state.membership == Membership.MEMBER
            else DelegationKind.OBSERVER_STATE,
            country=state.country,
            name=state.name,
            sort_name=sort_key(state.name),
            status=DelegationStatus.INVITED,
        )
        for state in states
        if state.country.code not in taken
    ]
    created = Delegation.objects.bulk_create(new)
    feeds_touch(ceremony_ids=[ceremony.pk])
    return created
