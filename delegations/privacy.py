"""A delegate's personal data on request: all of it as JSON, or erased everywhere but its trace.

Personal data here is what identifies or reaches a person: name, position, email and telephone.
Rank, head-of-delegation and signatory flags, accreditation and clearance stay, since the ceremony's
records need them and they identify nobody once the name is gone.
"""

from django.db import transaction
from django.utils import timezone

from .models import Delegate

PERSONAL_FIELDS = ("name", "position", "email", "phone")
ERASED_REASON = "Personal data erased on request"


def delegate_export(*, delegate):
    """Everything the planner holds about the delegate, history included, as plain data."""
    history = [
        {
            "at": entry.history_date.isoformat(),
            "change": {"+": "created", "~": "changed", "-": "deleted"}[entry.history_type],
            "by": entry.history_user.get_username() if entry.history_user else None,
            "reason": entry.history_change_reason,
            **{name: getattr(entry, name) for name in PERSONAL_FIELDS},
        }
        for entry in delegate.history.select_related("history_user").order_by("history_date")
    ]
    full_powers = getattr(delegate, "full_powers", None)
    return {
        "exported_at": timezone.now().isoformat(),
        "delegate": {name: getattr(delegate, name) for name in PERSONAL_FIELDS}
        | {
            "delegation": delegate.delegation.name,
            "rank": delegate.get_rank_display(),
            "head_of_delegation": delegate.is_head,
            "signatory": delegate.is_signatory,
            "accreditation": delegate.get_accreditation_status_display(),
            "security_clearance": delegate.get_clearance_status_display(),
        },
        "full_powers": None
        if full_powers is None
        else {
            "issued_by": full_powers.issuing_authority,
            "issued_on": full_powers.issued_on.isoformat() if full_powers.issued_on else None,
            "verification": full_powers.get_verification_status_display(),
        },
        "history": history,
    }


@transaction.atomic
def delegate_erase(*, delegate):
    """Erase the delegate's personal data from the record and from its history, leaving an entry that says so."""
    placeholder = f"Erased delegate {delegate.pk}"
    delegate.history.update(name=placeholder, position="", email="", phone="")
    delegate = Delegate.objects.select_for_update().get(pk=delegate.pk)
    delegate.name, delegate.position, delegate.email, delegate.phone = placeholder, "", "", ""
    delegate._change_reason = ERASED_REASON
    delegate.save()
    return delegate
