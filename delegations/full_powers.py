"""Full powers: who needs them, their state, and recording their receipt and verification.

They follow the Vienna Convention on the Law of Treaties, art. 7: a head of state, a head of
government or a minister for foreign affairs signs without them; anyone else needs them, and
credentials never substitute.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import Rank, VerificationStatus
from .models import FullPowers

# Art. 7(2)(a) VCLT: these sign by virtue of their functions.
EXEMPT_RANKS = frozenset({Rank.HEAD_OF_STATE, Rank.HEAD_OF_GOVERNMENT, Rank.FOREIGN_MINISTER})


class FullPowersState(models.TextChoices):
    NOT_NEEDED = "not_needed", _("not needed")
    MISSING = "missing", _("missing")
    RECEIVED = "received", _("copy received")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")


# The states the protocol desk still has to act on.
ATTENTION_STATES = (FullPowersState.MISSING, FullPowersState.RECEIVED, FullPowersState.REJECTED)


def needs_full_powers(rank):
    """Whether a signatory of this rank must present full powers."""
    return rank not in EXEMPT_RANKS


def full_powers_state(delegate):
    """The state of a signatory's full powers, one of FullPowersState."""
    if not needs_full_powers(delegate.rank):
        return FullPowersState.NOT_NEEDED
    try:
        powers = delegate.full_powers
    except ObjectDoesNotExist:
        return FullPowersState.MISSING
    if powers.verification_status == VerificationStatus.VERIFIED:
        return FullPowersState.VERIFIED
    if powers.verification_status == VerificationStatus.REJECTED:
        return FullPowersState.REJECTED
    if powers.copy_received_on or powers.original_presented_on:
        return FullPowersState.RECEIVED
    return FullPowersState.MISSING


def full_powers_state_expression(prefix=""):
    """The same rule as :func:`full_powers_state`, as an SQL expression on delegates (``prefix`` reaches them)."""
    fp = f"{prefix}full_powers__"
    return Case(
        When(**{f"{prefix}rank__in": list(EXEMPT_RANKS)}, then=Value(FullPowersState.NOT_NEEDED.value)),
        When(**{f"{fp}verification_status": VerificationStatus.VERIFIED}, then=Value(FullPowersState.VERIFIED.value)),
        When(**{f"{fp}verification_status": VerificationStatus.REJECTED}, then=Value(FullPowersState.REJECTED.value)),
        When(
            Q(**{f"{fp}copy_received_on__isnull": False}) | Q(**{f"{fp}original_presented_on__isnull": False}),
            then=Value(FullPowersState.RECEIVED.value),
        ),
        default=Value(FullPowersState.MISSING.value),
        output_field=models.CharField(),
    )


@transaction.atomic
def full_powers_record_receipt(*, signatories, on, original=False):
    """Record that a copy (or, with ``original``, the original) of each signatory's full powers arrived ``on``.

    Signatories who need no full powers are skipped. Returns (recorded, skipped).
    """
    recorded = skipped = 0
    field = "original_presented_on" if original else "copy_received_on"
    for signatory in signatories:
        if not signatory.is_signatory or not needs_full_powers(signatory.rank):
            skipped += 1
            continue
        powers, _created = FullPowers.objects.get_or_create(signatory=signatory)
        setattr(powers, field, on)
        powers.save(update_fields=[field])
        recorded += 1
    return recorded, skipped


def record_verifier(powers, user):
    """Who judged the full powers and when; cleared again when they go back to "not yet verified"."""
    judged = powers.verification_status != VerificationStatus.PENDING
    powers.verified_by = user if judged else None
    powers.verified_at = timezone.now() if judged else None


@transaction.atomic
def full_powers_verify(*, signatories, user, status=VerificationStatus.VERIFIED):
    """Mark the full powers of each signatory verified (or rejected) by ``user``, now.

    Only full powers that were received (a copy or the original) can be judged; the others, and
    signatories who need none, are skipped. Returns (verified, skipped). A batch is judged whole or
    not at all.
    """
    done = skipped = 0
    now = timezone.now()
    for signatory in signatories:
        powers = FullPowers.objects.filter(signatory=signatory).first()
        received = powers is not None and (powers.copy_received_on or powers.original_presented_on)
        if not needs_full_powers(signatory.rank) or not received:
            skipped += 1
            continue
        powers.verification_status, powers.verified_by, powers.verified_at = status, user, now
        powers.save(update_fields=["verification_status", "verified_by", "verified_at"])
        done += 1
    return done, skipped
