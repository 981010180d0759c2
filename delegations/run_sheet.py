"""The run-sheet of the signing: the order of signing as the stage manager reads it, and "next up".

Reads only; the order and its slots are written by ``delegations.signing``.
"""

from dataclasses import dataclass

from django.db.models import Prefetch

from ceremony.models import ScheduleItem

from .full_powers import FullPowersState, full_powers_state
from .models import Delegate, Delegation, Signature


@dataclass(frozen=True)
class RunSheetRow:
    position: int
    delegation: Delegation
    slot: ScheduleItem | None
    signatory: Delegate | None
    state: FullPowersState | None
    mark: Signature | None = None  # what happened at the table (delegations.signatures), when the page asks

    @property
    def state_label(self):
        return self.state.label if self.state else ""


def slot_of(delegation):
    """The delegation's signing slot (an item), or None: a missing reverse one-to-one raises an AttributeError."""
    slot = getattr(delegation, "signing_slot", None)
    return slot.item if slot is not None else None


def signing_run_sheet(*, ceremony):
    """The order of signing as the stage manager reads it: one row per place, in three queries."""
    delegations = (
        Delegation.objects.filter(ceremony=ceremony)
        .exclude(signing_order=None)
        .order_by("signing_order")
        .select_related("signing_slot__item__room")
        .prefetch_related(
            Prefetch(
                "members",
                Delegate.objects.filter(is_signatory=True).select_related("full_powers").order_by("-is_head", "name"),
                to_attr="signatories",
            )
        )
    )
    rows = []
    for delegation in delegations:
        signatory = delegation.signatories[0] if delegation.signatories else None
        rows.append(
            RunSheetRow(
                position=delegation.signing_order,
                delegation=delegation,
                slot=slot_of(delegation),
                signatory=signatory,
                state=full_powers_state(signatory) if signatory else None,
            )
        )
    return rows


def next_up_position(rows, *, now):
    """The place at the table at ``now``: the first row whose slot has not ended.

    Returns None once every slot has ended (the signing is over), and 1 when no row has a live slot
    yet (nothing timed: start at the top). Cancelled slots are skipped.
    """
    timed = [(place, row.slot) for place, row in enumerate(rows, start=1) if row.slot and not row.slot.is_cancelled]
    if not timed:
        return 1
    return next((place for place, slot in timed if slot.ends_at > now), None)
