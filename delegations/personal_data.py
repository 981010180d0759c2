"""A delegate's personal data on request: all of it as JSON, or erased everywhere but its trace.

Personal data here is what identifies or reaches a person: name, position, email and telephone.
Rank, head-of-delegation and signatory flags, accreditation and clearance stay, since the ceremony's
records need them and they identify nobody once the name is gone.

Both work for a delegate who has since been deleted (by an organizer, or by the delegation through its
form): the change history still holds what was recorded, and so does the admin's log of actions.
"""

import json

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Badge, Delegate, Delegation, Entry, FullPowers, Signatory

PERSONAL_FIELDS = ("name", "position", "email", "phone")
ERASED_REASON = "Personal data erased on request"


def delegate_find(*, delegate_id):
    """The delegate as the planner holds it: the live record, or once deleted, its last history entry.

    Returns (delegate, deleted_at); the delegate is None if the planner never held one with that id.
    """
    live = Delegate.objects.select_related("delegation").filter(pk=delegate_id).first()
    if live is not None:
        return live, None
    last = _latest(Delegate.history.filter(id=delegate_id))
    if last is None:
        return None, None
    return last.instance, last.history_date


def delegate_export(*, delegate_id):
    """Everything the planner holds about the delegate, history included, as plain data; None if nothing."""
    delegate, deleted_at = delegate_find(delegate_id=delegate_id)
    if delegate is None:
        return None
    history = [
        {
            "at": entry.history_date.isoformat(),
            "change": {"+": "created", "~": "changed", "-": "deleted"}[entry.history_type],
            "by": entry.history_user.get_username() if entry.history_user else None,
            "reason": entry.history_change_reason,
            **{name: getattr(entry, name) for name in PERSONAL_FIELDS},
        }
        for entry in Delegate.history.filter(id=delegate_id).select_related("history_user").order_by("history_date")
    ]
    full_powers = getattr(delegate, "full_powers", None) if deleted_at is None else _deleted_full_powers(delegate_id)
    return {
        "exported_at": timezone.now().isoformat(),
        "deleted_at": deleted_at.isoformat() if deleted_at else None,
        "delegate": {name: getattr(delegate, name) for name in PERSONAL_FIELDS}
        | {
            "delegation": _delegation_name(delegate.delegation_id),
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
        # When they were let in at the door, and their badges' ids (the badges and entries go with the delegate).
        "badges": [
            {"id": code, "printed": issued.isoformat(), "revoked": revoked.isoformat() if revoked else None}
            for code, issued, revoked in Badge.objects.filter(delegate_id=delegate_id)
            .order_by("issued_at", "pk")
            .values_list("code", "issued_at", "revoked_at")
        ],
        "entries": [
            at.isoformat()
            for at in Entry.objects.filter(delegate_id=delegate_id).order_by("at").values_list("at", flat=True)
        ],
        "history": history,
    }


@transaction.atomic
def delegate_erase(*, delegate_id):
    """Erase the delegate's personal data from the record, its history and the admin's log, leaving an entry
    that says so. Returns the name the delegate is known by from now on, or None if the planner never held one.
    """
    entries = Delegate.history.filter(id=delegate_id)
    live = Delegate.objects.select_for_update().filter(pk=delegate_id).first()
    if live is None and not entries.exists():
        return None
    placeholder = f"Erased delegate {delegate_id}"
    names = {name for name in entries.values_list("name", flat=True) if name} | ({live.name} if live else set())
    entries.update(name=placeholder, position="", email="", phone="")
    if live is not None:
        live.name, live.position, live.email, live.phone = placeholder, "", "", ""
        live._change_reason = ERASED_REASON
        live.save()
    else:
        # The record is gone: the trace is a copy of the last entry, still saying the delegate is deleted.
        trace = _latest(entries)
        trace.pk, trace.history_type, trace.history_date = None, "-", timezone.now()
        trace.history_user, trace.history_change_reason = None, ERASED_REASON
        trace.save()
    _admin_log_scrub(delegate_id=delegate_id, names=names, placeholder=placeholder)
    return placeholder


def _latest(entries):
    return entries.order_by("-history_date", "-history_id").first()


def _delegation_name(delegation_id):
    live = Delegation.objects.filter(pk=delegation_id).values_list("name", flat=True).first()
    if live is not None:
        return live
    last = _latest(Delegation.history.filter(id=delegation_id))
    return last.name if last else None


def _deleted_full_powers(delegate_id):
    last = _latest(FullPowers.history.filter(signatory_id=delegate_id))
    return last.instance if last else None


def _admin_log_scrub(*, delegate_id, names, placeholder):
    """The admin's log names the delegate in the delegate's own entries, in those of its full powers
    ("Full powers of …") and in its delegation's when it was added or removed there: replace every name."""
    types = ContentType.objects.get_for_models(Delegate, Signatory, FullPowers, Delegation, for_concrete_models=False)
    full_powers_ids = FullPowers.history.filter(signatory_id=delegate_id).values_list("id", flat=True)
    delegation_ids = Delegate.history.filter(id=delegate_id).values_list("delegation_id", flat=True)
    logged = LogEntry.objects.filter(
        Q(content_type__in=[types[Delegate], types[Signatory]], object_id=str(delegate_id))
        | Q(content_type=types[FullPowers], object_id__in=[str(pk) for pk in set(full_powers_ids)])
        | Q(content_type=types[Delegation], object_id__in=[str(pk) for pk in set(delegation_ids)])
    )
    # Longest first, so that a name containing another is replaced whole.
    ordered = sorted(names, key=len, reverse=True)
    for entry in logged.select_for_update():
        repr_, message = _replace(entry.object_repr, ordered, placeholder), _scrub_message(entry, ordered, placeholder)
        if (repr_, message) != (entry.object_repr, entry.change_message):
            entry.object_repr, entry.change_message = repr_, message
            entry.save(update_fields=["object_repr", "change_message"])


def _replace(text, names, placeholder):
    for name in names:
        text = text.replace(name, placeholder)
    return text


def _scrub_message(entry, names, placeholder):
    """The change message is JSON (Django writes it with non-ASCII escaped) or, from older code, plain text."""
    try:
        message = json.loads(entry.change_message)
    except ValueError:
        return _replace(entry.change_message, names, placeholder)

    def scrub(value):
        if isinstance(value, str):
            return _replace(value, names, placeholder)
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    scrubbed = scrub(message)
    return entry.change_message if scrubbed == message else json.dumps(scrubbed)
