"""The signing desk's reads: where the order of signing stands, what a step would do before it is taken, and who
took the steps so far. Writes are ``delegations.signing``'s; the desk's pages are ``delegations.admin_desk``."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ceremony.enums import ItemStatus, SigningOrderRule
from ceremony.models import Ceremony
from ceremony.times import clock, day_and_time

from .enums import DelegationStatus
from .models import Delegation
from .run_sheet import signing_run_sheet
from .signing import (
    CLEARED_REASON,
    GENERATED_REASON,
    LETTER_DRAWN_REASON,
    LETTER_REDRAWN_REASON,
    MOVED_REASON,
    ceremony_slots,
    delegation_move_in_order,
    signing_generate,
)

NO_LETTER, NOT_GENERATED, GENERATED = "no-letter", "not-generated", "generated"
CEREMONY_STEPS = [LETTER_DRAWN_REASON, LETTER_REDRAWN_REASON, GENERATED_REASON, CLEARED_REASON]
SHOWN_STEPS = 20


@dataclass(frozen=True)
class Step:
    """One step in the history of the order of signing: when (in the ceremony's zone), by whom, what."""

    when: str
    who: str
    what: str
    detail: str = ""


@dataclass(frozen=True)
class DeskStatus:
    state: str
    letter: str
    drawn: Step | None  # when and by whom the letter in force was drawn (or set), from the ceremony's history
    places: int  # delegations with a place
    slots: int  # slots not cancelled: each shown to its delegation on its page and in its calendar
    confirmed: int
    cancelled: int
    waiting: list  # names of delegations that sign but have no place: they came after the order was generated
    withdrawn: list  # names of delegations whose slot was cancelled when they stopped signing

    @property
    def label(self):
        return {
            NO_LETTER: _("No letter drawn yet"),
            NOT_GENERATED: _("Not generated yet"),
            GENERATED: _("Generated"),
        }[self.state]

    @property
    def is_stale(self):
        return self.state == GENERATED and bool(self.waiting or self.withdrawn)


ASK = object()  # desk_status: read when the places were last given out

# The steps that give out the places again: after one, a withdrawal is settled (signing_return gives nothing back).
REALLOCATING_STEPS = [GENERATED_REASON, CLEARED_REASON, LETTER_REDRAWN_REASON]


def order_reallocated_at(*, ceremony):
    """When Protocol last gave out the places of the order of signing: generated, cleared or drew it again, or
    moved a delegation; None if never. One query."""
    steps = Ceremony.history.filter(id=ceremony.pk, history_change_reason__in=REALLOCATING_STEPS)
    moves = Delegation.history.filter(ceremony_id=ceremony.pk, history_change_reason=MOVED_REASON)
    dates = [qs.order_by().values_list("history_date") for qs in (steps, moves)]  # history models sort by default
    latest = dates[0].union(dates[1]).order_by("-history_date")
    return next((at for (at,) in latest[:1]), None)


def _who(user):
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def letter_drawn(*, ceremony):
    """When and by whom the letter in force was drawn: the oldest of the latest history entries that have it."""
    if not ceremony.drawn_letter:
        return None
    found = None
    history = Ceremony.history.filter(id=ceremony.pk).select_related("history_user").order_by("-history_date")
    for record in history.iterator():
        if record.drawn_letter != ceremony.drawn_letter:
            break
        found = record
    if found is None:
        return None
    reason = found.history_change_reason or ""
    what = _(reason) if reason in CEREMONY_STEPS else _("letter set")
    return Step(day_and_time(found.history_date, ceremony.zone), _who(found.history_user), what)


def desk_status(*, ceremony, with_drawn=True, reallocated_at=ASK):
    """Where the order of signing of ``ceremony`` stands: three queries whatever the number of delegations (two when
    given ``reallocated_at``, ``order_reallocated_at``'s answer), and one more for who drew the letter
    (``with_drawn``; the dashboard goes without)."""
    if reallocated_at is ASK:
        reallocated_at = order_reallocated_at(ceremony=ceremony)
    slots = ceremony_slots(ceremony).aggregate(
        live=Count("pk", filter=~Q(status=ItemStatus.CANCELLED)),
        confirmed=Count("pk", filter=Q(status=ItemStatus.CONFIRMED)),
        cancelled=Count("pk", filter=Q(status=ItemStatus.CANCELLED)),
    )
    rows = Delegation.objects.filter(ceremony=ceremony).values_list(
        "name",
        "signing_order",
        "intends_to_sign",
        "status",
        "signing_slot__item__status",
        "signing_slot__item__updated_at",
    )
    places, waiting, withdrawn = 0, [], []
    for name, place, intends, status, slot_status, slot_changed in rows:
        signs = intends and status != DelegationStatus.DECLINED
        if place is not None:
            places += 1
        elif signs:
            waiting.append(name)
        elif slot_status == ItemStatus.CANCELLED and (reallocated_at is None or slot_changed > reallocated_at):
            withdrawn.append(name)  # since the places were last given out: one more reason to generate again
    if ceremony.signing_order_rule == SigningOrderRule.ALPHABETICAL_FROM_LETTER and not ceremony.drawn_letter:
        state = NO_LETTER  # places without a letter (typed in, or seeded) are no alphabetical order yet
    elif places:
        state = GENERATED
    else:
        state = NOT_GENERATED
    return DeskStatus(
        state=state,
        letter=ceremony.drawn_letter,
        drawn=letter_drawn(ceremony=ceremony) if with_drawn else None,
        places=places,
        slots=slots["live"],
        confirmed=slots["confirmed"],
        cancelled=slots["cancelled"],
        waiting=sorted(waiting) if state == GENERATED else [],
        withdrawn=sorted(withdrawn) if state == GENERATED else [],
    )


def desk_steps(*, ceremony, limit=SHOWN_STEPS):
    """The latest steps taken on the order of signing, newest first: draws, generations, clearings and moves."""
    ceremony_records = (
        Ceremony.history.filter(id=ceremony.pk, history_change_reason__in=CEREMONY_STEPS)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    moves = (
        Delegation.history.filter(ceremony_id=ceremony.pk, history_change_reason=MOVED_REASON)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    records = sorted([*ceremony_records, *moves], key=lambda r: r.history_date, reverse=True)[:limit]
    steps = []
    for record in records:
        reason = record.history_change_reason
        if reason == MOVED_REASON:
            detail = _("%(delegation)s to place %(place)s") % {"delegation": record.name, "place": record.signing_order}
        elif reason in (LETTER_DRAWN_REASON, LETTER_REDRAWN_REASON):
            detail = _("letter %(letter)s") % {"letter": record.drawn_letter}
        else:
            detail = ""
        steps.append(
            Step(day_and_time(record.history_date, ceremony.zone), _who(record.history_user), _(reason), detail)
        )
    return steps


class _Undone(Exception):
    def __init__(self, result):
        super().__init__()
        self.result = result


def _dry_run(write):
    """What ``write()`` returns, with nothing it wrote kept: it runs in a savepoint that is rolled back.

    The desk's confirmation pages say exactly what a step will do by taking it and undoing it; a refusal
    (SigningError) comes out as it would.
    """
    try:
        with transaction.atomic():
            raise _Undone(write())
    except _Undone as undone:
        return undone.result


def generate_preview(*, ceremony):
    """The GenerationReport that generating the order now would give; raises SigningError if it would be refused."""
    fresh = Ceremony.objects.select_related("signing_room").get(pk=ceremony.pk)  # the caller's copy stays as it is
    return _dry_run(
        lambda: signing_generate(
            ceremony=fresh,
            starts_at=fresh.signing_starts_at,
            slot_minutes=fresh.signing_slot_minutes,
            room=fresh.signing_room,
        )
    )


@dataclass(frozen=True)
class PlaceChange:
    delegation: str
    before: int
    after: int
    slot_before: str
    slot_after: str


def _places(rows, zone):
    return {
        row.delegation.pk: (row.delegation.name, row.position, clock(row.slot.starts_at, zone) if row.slot else "")
        for row in rows
    }


def move_preview(*, delegation, position):
    """The delegations whose place or slot moving ``delegation`` to ``position`` would change, in their new order;
    raises SigningError if the move would be refused."""
    ceremony = delegation.ceremony
    before = _places(signing_run_sheet(ceremony=ceremony), ceremony.zone)

    def move():
        # A copy: the service notes the new place on the object it is given.
        delegation_move_in_order(delegation=Delegation.objects.get(pk=delegation.pk), position=position)
        return signing_run_sheet(ceremony=ceremony)

    after = _places(_dry_run(move), ceremony.zone)
    changes = [
        PlaceChange(name, before[pk][1], place, before[pk][2], slot)
        for pk, (name, place, slot) in after.items()
        if (place, slot) != before[pk][1:]
    ]
    return sorted(changes, key=lambda change: change.after)


def clear_preview(*, ceremony):
    """(places, slots not cancelled) that clearing the order now would undo."""
    places = Delegation.objects.filter(ceremony=ceremony).exclude(signing_order=None).count()
    slots = ceremony_slots(ceremony).exclude(status=ItemStatus.CANCELLED).count()
    return places, slots
