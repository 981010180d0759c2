"""Badges: who gets one, in which category, and printing them (which issues new ids and revokes the old).

A badge id is random and opaque: ten characters of Crockford's base 32 (digits and capitals without I, L, O, U),
short enough to type at the door; ``normalise`` reads what an officer types (case, spaces, dashes, and the
look-alikes O for 0, I and L for 1). The QR code carries the id alone. The PDF is drawn by delegations.badge_pdf.
"""

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .enums import AccreditationStatus, ClearanceStatus, Rank
from .models import Badge, Delegate

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
CODE_LENGTH = 10  # 50 random bits
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    colour: str  # the band's colour, with white text on it (each at least 4.5:1)


# One table: the category of every delegate, its word and its colour. The word is printed too, so the colour is
# never the only cue.
PRINCIPAL = Category("principal", _("Head of delegation / signatory"), "#9B1C1C")
DELEGATE = Category("delegate", _("Delegate"), "#1D4E89")
ADVISER = Category("adviser", _("Adviser"), "#1E6B34")
SECURITY = Category("security", _("Security"), "#3B3B3B")
PRESS = Category("press", _("Press"), "#A34400")
CATEGORIES = [PRINCIPAL, DELEGATE, ADVISER, SECURITY, PRESS]
BY_RANK = {Rank.ADVISER: ADVISER, Rank.SECURITY: SECURITY, Rank.PRESS: PRESS}


def category(delegate):
    """The heads of delegation and signatories first; then by rank (advisers, security, press), else delegates."""
    if delegate.is_head or delegate.is_signatory:
        return PRINCIPAL
    return BY_RANK.get(delegate.rank, DELEGATE)


def role(delegate):
    """What the badge says the holder does: their position, else their rank ("Minister for foreign affairs")."""
    return capfirst(delegate.position or delegate.get_rank_display())


def new_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(typed):
    """'abcd-efg hjk' → 'ABCDEFGHJK': what an officer types or a scanner reads, as a badge id is stored."""
    return "".join(typed.split()).replace("-", "").upper().translate(LOOK_ALIKES)


def grouped(code):
    """'ABCDE FGHJK': as the badge prints the id, to read it aloud or type it."""
    return f"{code[:5]} {code[5:]}"


def refusal(delegate):
    """Why ``delegate`` gets no badge (not accredited, not cleared), or None when they get one."""
    reasons = []
    if delegate.accreditation_status != AccreditationStatus.ACCREDITED:
        reasons.append(_("not accredited"))
    if delegate.clearance_status != ClearanceStatus.CLEARED:
        reasons.append(_("not security-cleared"))
    return ", ".join(str(r) for r in reasons) or None


@dataclass(frozen=True)
class PrintPlan:
    printed: list  # delegates who get a badge
    skipped: list  # (delegate, reason)
    reprinted: int  # how many of ``printed`` hold a live badge that printing revokes


def print_plan(delegates):
    """Who of ``delegates`` would get a badge and who is skipped, and why; reads, writes nothing."""
    delegates = list(delegates.select_related("delegation").order_by("delegation__sort_name", "-is_head", "name"))
    printed = [d for d in delegates if refusal(d) is None]
    skipped = [(d, refusal(d)) for d in delegates if refusal(d) is not None]
    live = Badge.objects.live().filter(delegate__in=printed).count()
    return PrintPlan(printed=printed, skipped=skipped, reprinted=live)


@transaction.atomic
def badges_issue(*, delegates, user):
    """A new badge for each of ``delegates`` who may have one (accredited and cleared), revoking their live badge;
    returns the new badges. The delegates' rows are locked, and their status read again under the lock, so a
    clearance withdrawn meanwhile is honoured and two printings at once leave one live badge each."""
    ids = [d.pk for d in delegates]
    locked = list(
        Delegate.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("delegation")
        .order_by("delegation__sort_name", "-is_head", "name", "pk")
    )
    now = timezone.now()
    badges = []
    for delegate in locked:
        if refusal(delegate) is not None:
            continue
        for old in Badge.objects.live().filter(delegate=delegate):
            old.revoked_at, old.revoked_by, old._history_user = now, user, user
            old.save(update_fields=["revoked_at", "revoked_by"])
        badges.append(_new_badge(delegate, user, now))
    return badges


def _new_badge(delegate, user, now):
    while True:  # a clash of 50 random bits is all but impossible; the database's unique id is the judge
        badge = Badge(delegate=delegate, code=new_code(), issued_at=now, issued_by=user)
        badge._history_user = user
        try:
            with transaction.atomic():
                badge.save()
        except IntegrityError:
            if Badge.objects.filter(code=badge.code).exists():
                continue
            raise
        return badge
