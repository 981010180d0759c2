"""The signing, recorded: who signed, when, by whom and on what authority, or who was deferred.

Protocol marks each delegation at the signing table (the admin's "next up" page); a mistaken mark is corrected
with a reason, which the record's history keeps with the person. Each write locks the ceremony's row first (the
lock order of every writer, ``CeremonyQuerySet.lock``), so two desks marking at once take turns and the second
sees the first's mark. The reads here serve the run-sheet, the public list, its feed and the depositary's export.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ceremony.models import Ceremony

from .enums import DelegationKind, PowersBasis, SignatureOutcome
from .full_powers import FullPowersState, full_powers_state
from .models import Delegate, Signature
from .signing import signs


class SignatureError(ValidationError):
    """The mark cannot be made as asked; nothing was written."""


# How far ahead of the server's clock a typed time may be (a desk's clock a little fast), before it is refused.
CLOCK_SLACK = dt.timedelta(minutes=1)


def _refuse(message, **params):
    raise SignatureError(message % params if params else message)


def _locked_mark(delegation):
    """The delegation's record at its ceremony, read under the ceremony's lock (None if not yet marked)."""
    Ceremony.objects.lock([delegation.ceremony_id])
    marks = Signature.objects.select_for_update().filter(ceremony_id=delegation.ceremony_id, delegation=delegation)
    return marks.first()


def _check_delegation(delegation):
    if not signs(delegation):
        _refuse(_("%(delegation)s has withdrawn from the signing: it cannot be marked."), delegation=delegation.name)


def _authority(delegation, signatory):
    """(basis, full powers) on which ``signatory`` may sign for ``delegation``, or a refusal that says why not."""
    if signatory is None:
        _refuse(_("%(delegation)s has no signatory: name one before marking its signature."), delegation=delegation)
    if signatory.delegation_id != delegation.pk:
        _refuse(
            _("%(person)s is not a member of the delegation of %(delegation)s."),
            person=signatory.name,
            delegation=delegation.name,
        )
    if not signatory.is_signatory:
        _refuse(
            _("%(person)s is not marked as a signatory of %(delegation)s."),
            person=signatory.name,
            delegation=delegation.name,
        )
    state = full_powers_state(signatory)
    if state == FullPowersState.NOT_NEEDED:
        return PowersBasis.NOT_NEEDED, None
    if state == FullPowersState.VERIFIED:
        return PowersBasis.FULL_POWERS, signatory.full_powers
    _refuse(
        _(
            "%(person)s (%(rank)s) needs verified full powers to sign, and their full powers are %(state)s: "
            "verify them first."
        ),
        person=signatory.name,
        rank=signatory.get_rank_display(),
        state=state.label,
    )


def _check_time(signed_at):
    if signed_at is None or timezone.is_naive(signed_at):
        _refuse(_("Give the time of the signature."))
    if signed_at > timezone.now() + CLOCK_SLACK:
        _refuse(_("The time of the signature is in the future."))
    return signed_at.replace(microsecond=0)


def default_signatory(delegation):
    """The delegation's signatory as the run-sheet shows it: its head if the head signs, else by name."""
    return signatories_of(delegation).first()


def _fill_signed(mark, *, delegation, signatory, signed_at):
    basis, powers = _authority(delegation, signatory)
    mark.outcome = SignatureOutcome.SIGNED
    mark.signed_at = _check_time(signed_at)
    mark.signatory = signatory
    mark.powers_basis, mark.full_powers = basis, powers


def _fill_deferred(mark):
    mark.outcome = SignatureOutcome.DEFERRED
    mark.signed_at = mark.signatory = mark.full_powers = None
    mark.powers_basis = ""


def _save(mark, *, user, reason=None):
    mark._history_user = user
    if reason:
        mark._change_reason = reason
    try:
        mark.full_clean()
        mark.save()
    finally:
        mark.__dict__.pop("_history_user", None)
        mark.__dict__.pop("_change_reason", None)
    return mark


def _already(mark):
    return _("%(delegation)s has already signed, at %(time)s: to change that, correct the record.") % {
        "delegation": mark.delegation.name,
        "time": seconds(mark.signed_at, mark.ceremony.zone),
    }


@transaction.atomic
def signature_record(*, delegation, user, signed_at=None, signatory=None, notes=""):
    """Mark that ``delegation`` signed, at ``signed_at`` (now when None; to the second), by ``signatory`` (the
    run-sheet's when None). A deferred delegation that comes back signs on the same record."""
    mark = _locked_mark(delegation)
    if mark is not None and mark.is_signed:
        raise SignatureError(_already(mark))
    _check_delegation(delegation)
    mark = mark or Signature(ceremony_id=delegation.ceremony_id, delegation=delegation)
    signatory = signatory if signatory is not None else default_signatory(delegation)
    _fill_signed(mark, delegation=delegation, signatory=signatory, signed_at=signed_at or timezone.now())
    mark.notes, mark.recorded_by = notes or mark.notes, user
    return _save(mark, user=user)


@transaction.atomic
def signature_defer(*, delegation, user, notes=""):
    """Mark that ``delegation`` was called and did not sign now: it is called again after the others."""
    mark = _locked_mark(delegation)
    if mark is not None and mark.is_signed:
        raise SignatureError(_already(mark))
    _check_delegation(delegation)
    mark = mark or Signature(ceremony_id=delegation.ceremony_id, delegation=delegation)
    _fill_deferred(mark)
    mark.notes, mark.recorded_by = notes or mark.notes, user
    return _save(mark, user=user)


#: The correction that takes a mark back: the delegation is waiting to be called again.
UNMARKED = "unmarked"


@transaction.atomic
def signature_correct(*, signature, user, reason, outcome, signed_at=None, signatory=None, notes=None):
    """Correct a mistaken mark: to ``outcome`` (signed, deferred, or UNMARKED to take it back). The ``reason`` is
    required and goes into the record's history with ``user``. Returns the record, or None when taken back."""
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("Say why the record is corrected."))
    delegation = signature.delegation
    mark = _locked_mark(delegation)
    if mark is None or mark.pk != signature.pk:
        _refuse(_("This record was taken back meanwhile: reload the page."))
    if notes is not None:
        mark.notes = notes
    if outcome == UNMARKED:
        mark._history_user, mark._change_reason = user, reason
        mark.delete()
        return None
    if outcome == SignatureOutcome.SIGNED:
        _fill_signed(mark, delegation=delegation, signatory=signatory, signed_at=signed_at)
    elif outcome == SignatureOutcome.DEFERRED:
        _fill_deferred(mark)
    else:
        _refuse(_("Choose what happened: signed, deferred, or not yet called."))
    return _save(mark, user=user, reason=reason)


# --- Reads ------------------------------------------------------------------------------------------------------------


def seconds(instant, zone):
    """'10:31:05': a signature's time on the clocks of ``zone``."""
    return timezone.localtime(instant, zone).strftime("%H:%M:%S")


def marks_by_delegation(*, ceremony):
    """{delegation pk: its record} for the ceremony, in one query."""
    return {mark.delegation_id: mark for mark in Signature.objects.filter(ceremony=ceremony)}


def called_position(rows, marks):
    """The place called to the table: the first in the order not yet marked, then the deferred ones in order;
    None once every place has signed. ``rows`` are the run-sheet's, ``marks`` from ``marks_by_delegation``."""
    unmarked, deferred = [], []
    for place, row in enumerate(rows, start=1):
        mark = marks.get(row.delegation.pk)
        if mark is None:
            unmarked.append(place)
        elif not mark.is_signed:
            deferred.append(place)
    waiting = unmarked or deferred
    return waiting[0] if waiting else None


@dataclass(frozen=True)
class SignedList:
    ceremony: Ceremony
    states: list  # Signature records of states, in the order signed
    organizations: list  # and of organizations (a regional economic integration organization may sign)

    @property
    def all(self):
        return sorted([*self.states, *self.organizations], key=lambda mark: (mark.signed_at, mark.pk))


def signed_so_far(*, ceremony):
    """Who has signed at ``ceremony``, in the order signed, states and organizations apart; one query."""
    marks = list(
        Signature.objects.filter(ceremony=ceremony)
        .signed()
        .select_related("delegation", "signatory", "full_powers__verified_by")
    )
    for mark in marks:
        mark.ceremony = ceremony  # the one read already: its zone writes each time
    is_state = [m.delegation.kind in DelegationKind.states() for m in marks]
    return SignedList(
        ceremony=ceremony,
        states=[m for m, state in zip(marks, is_state, strict=True) if state],
        organizations=[m for m, state in zip(marks, is_state, strict=True) if not state],
    )


def signatures_changed(*, ceremony):
    """(the last change of the ceremony's signature records, how many changes): one query over their history,
    which also holds a record taken back; for honest ETag and Last-Modified headers."""
    stamp = Signature.history.filter(ceremony_id=ceremony.pk).aggregate(last=Max("history_date"), n=Count("pk"))
    return stamp["last"], stamp["n"]


def signatory_title(signatory):
    """'Minister for Foreign Affairs' (the position typed), else the rank's label."""
    return signatory.position or signatory.get_rank_display()


def signatories_of(delegation):
    """The delegation's signatories, for the desk to choose from."""
    return (
        Delegate.objects.filter(delegation=delegation, is_signatory=True)
        .select_related("full_powers")
        .order_by("-is_head", "name")
    )
