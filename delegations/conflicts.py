"""The delegation rules of the schedule: delegations in two places, signing slots and full powers.

They run with the programme's own rules in ``ceremony.conflicts``, added there when the app is ready
(delegations.apps). Each rule is one function of the schedule and of what ``delegation_data`` read
once for all of them: who is invited where, the delegations and their signatories, three queries
whatever the number of items or delegations.

A delegation is "in two places" when two items it is invited to overlap. Items for every delegation
(public or all-delegation) count against a signing slot only when heads of delegation are expected
there in person: the welcome, the group photo, the opening and the closing. A signatory cannot be at
the table and in the photo; but plenaries, side events and press briefings running alongside the
signing are normal practice at UN signing ceremonies (the delegation sends someone else), so they
are not conflicts.

The stay, the signatory and their full powers are checked only for slots of delegations that still
sign: the slot of one that no longer signs is one conflict, that it should be cancelled.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ceremony.conflicts import ERROR, Conflict, item_url, overlapping_pairs, when_text
from ceremony.enums import ItemKind, ItemStatus, Visibility
from ceremony.times import day_and_time

from .full_powers import FullPowersState, full_powers_state, needs_full_powers
from .models import Delegate, Delegation, Invitation
from .signing import signs

# Items every head of delegation attends in person: a signing slot cannot overlap them.
HEADS_EXPECTED = frozenset({ItemKind.WELCOME, ItemKind.PHOTO, ItemKind.OPENING, ItemKind.CLOSING})


@dataclass(frozen=True)
class DelegationData:
    invited: dict  # item pk -> pks of the delegations invited to it (invited-only items that are not cancelled)
    delegations: dict  # pk -> the ceremony's delegation
    signatories: dict  # delegation pk -> its signatories, the head first, then by name


def delegation_data(schedule):
    """What the delegation rules read, once per check (ceremony.conflicts.register's ``load``)."""
    ceremony = schedule.ceremony
    invited = defaultdict(set)
    for item_id, delegation_id in (
        Invitation.objects.filter(item__ceremony=ceremony, item__visibility=Visibility.INVITED)
        .exclude(item__status=ItemStatus.CANCELLED)
        .values_list("item_id", "delegation_id")
    ):
        invited[item_id].add(delegation_id)
    delegations = {
        d.pk: d
        for d in Delegation.objects.filter(ceremony=ceremony).only(
            "pk", "name", "arrival_at", "departure_at", "status", "intends_to_sign"
        )
    }
    signatories = defaultdict(list)
    for delegate in (
        Delegate.objects.filter(delegation__ceremony=ceremony, is_signatory=True)
        .select_related("full_powers")
        .order_by("-is_head", "name")
    ):
        signatories[delegate.delegation_id].append(delegate)
    return DelegationData(invited=invited, delegations=delegations, signatories=signatories)


def _delegation_url(delegation_id):
    return reverse("admin:delegations_delegation_change", args=[delegation_id])


def _slots(schedule, data):
    """(slot, delegation) for each signing item and each delegation invited to it, by time, then delegation."""
    for item in schedule.items:
        if item.kind == ItemKind.SIGNING:
            for delegation_id in sorted(data.invited.get(item.pk, ())):
                yield item, data.delegations[delegation_id]


def _slots_that_sign(schedule, data):
    """The slots of delegations that still sign: for the others only slot_of_withdrawn_delegation matters."""
    return ((slot, delegation) for slot, delegation in _slots(schedule, data) if signs(delegation))


def _slot_conflict(rule, schedule, slot, delegation, *, message, url, who=None):
    return Conflict(
        rule=rule,
        severity=ERROR,
        message=message,
        who=who or str(delegation),
        when=when_text(slot.starts_at, slot.ends_at, schedule.ceremony),
        url=url,
        starts_at=slot.starts_at,
        item_ids=(slot.pk,),
        delegation_ids=(delegation.pk,),
    )


# --- The rules ------------------------------------------------------------------------------------------------------


def delegation_double_booked(schedule, data):
    by_delegation = defaultdict(list)
    for item in schedule.items:
        for delegation_id in data.invited.get(item.pk, ()):
            by_delegation[delegation_id].append(item)
    for delegation_id, own in by_delegation.items():
        delegation = data.delegations[delegation_id]
        for first, second in overlapping_pairs(own):
            yield Conflict(
                rule="delegation_double_booked",
                severity=ERROR,
                message=_("%(delegation)s is expected at both “%(first)s” and “%(second)s”.")
                % {"delegation": delegation, "first": first, "second": second},
                who=str(delegation),
                when=when_text(second.starts_at, min(first.ends_at, second.ends_at), schedule.ceremony),
                url=item_url(second.pk),
                starts_at=second.starts_at,
                item_ids=(first.pk, second.pk),
                delegation_ids=(delegation_id,),
            )


def signing_during_heads_item(schedule, data):
    expected = [
        item
        for item in schedule.items
        if item.kind in HEADS_EXPECTED and item.visibility in (Visibility.PUBLIC, Visibility.DELEGATIONS)
    ]
    for slot in schedule.items:
        if slot.kind != ItemKind.SIGNING or not data.invited.get(slot.pk):
            continue
        for item in expected:
            if not (item.starts_at < slot.ends_at and slot.starts_at < item.ends_at):
                continue
            starts_at, ends_at = max(slot.starts_at, item.starts_at), min(slot.ends_at, item.ends_at)
            for delegation_id in sorted(data.invited[slot.pk]):
                delegation = data.delegations[delegation_id]
                yield Conflict(
                    rule="signing_during_heads_item",
                    severity=ERROR,
                    message=_("%(delegation)s signs during “%(item)s”, which heads of delegation attend.")
                    % {"delegation": delegation, "item": item},
                    who=str(delegation),
                    when=when_text(starts_at, ends_at, schedule.ceremony),
                    url=item_url(slot.pk),
                    starts_at=starts_at,
                    item_ids=(item.pk, slot.pk),
                    delegation_ids=(delegation_id,),
                )


def slot_of_withdrawn_delegation(schedule, data):
    # Withdrawing cancels the slot (delegations.signing.signing_withdraw); this catches any path that changed the
    # delegation without it.
    for slot, delegation in _slots(schedule, data):
        if not signs(delegation):
            yield _slot_conflict(
                "slot_of_withdrawn_delegation",
                schedule,
                slot,
                delegation,
                message=_("%(delegation)s no longer signs but still has a signing slot; cancel it.")
                % {"delegation": delegation},
                url=item_url(slot.pk),
            )


def signing_before_arrival(schedule, data):
    for slot, delegation in _slots_that_sign(schedule, data):
        if delegation.arrival_at and slot.starts_at < delegation.arrival_at:
            yield _slot_conflict(
                "signing_before_arrival",
                schedule,
                slot,
                delegation,
                message=_("%(delegation)s signs before it arrives (%(arrival)s).")
                % {"delegation": delegation, "arrival": day_and_time(delegation.arrival_at, schedule.ceremony.zone)},
                url=_delegation_url(delegation.pk),
            )


def signing_after_departure(schedule, data):
    for slot, delegation in _slots_that_sign(schedule, data):
        if delegation.departure_at and slot.ends_at > delegation.departure_at:
            yield _slot_conflict(
                "signing_after_departure",
                schedule,
                slot,
                delegation,
                message=_("%(delegation)s signs after it leaves (%(departure)s).")
                % {
                    "delegation": delegation,
                    "departure": day_and_time(delegation.departure_at, schedule.ceremony.zone),
                },
                url=_delegation_url(delegation.pk),
            )


def slot_without_signatory(schedule, data):
    for slot, delegation in _slots_that_sign(schedule, data):
        if not data.signatories.get(delegation.pk):
            yield _slot_conflict(
                "slot_without_signatory",
                schedule,
                slot,
                delegation,
                message=_("%(delegation)s has a signing slot but no signatory.") % {"delegation": delegation},
                url=_delegation_url(delegation.pk),
            )


def full_powers_not_verified(schedule, data):
    """The delegation's first signatory (its head, if the head signs) needs full powers verified before the slot."""
    for slot, delegation in _slots_that_sign(schedule, data):
        own = data.signatories.get(delegation.pk)
        if not own:
            continue  # slot_without_signatory's to say
        signatory = own[0]
        if not needs_full_powers(signatory.rank):
            continue
        state = full_powers_state(signatory)
        verified_in_time = state == FullPowersState.VERIFIED and (
            signatory.full_powers.verified_at is None or signatory.full_powers.verified_at <= slot.starts_at
        )
        if verified_in_time:
            continue
        yield _slot_conflict(
            "full_powers_not_verified",
            schedule,
            slot,
            delegation,
            message=_("%(name)s (%(rank)s) signs for %(delegation)s and needs full powers, which are %(state)s.")
            % {
                "name": signatory.name,
                "rank": signatory.get_rank_display(),
                "delegation": delegation,
                "state": state.label if state != FullPowersState.VERIFIED else _("verified only after the slot"),
            },
            who=f"{delegation} — {signatory.name}",
            url=reverse("admin:delegations_signatory_change", args=[signatory.pk]),
        )


# Name, label (what the admin and the dashboard show), check; all read delegation_data.
RULES = (
    ("delegation_double_booked", gettext_lazy("delegation in two places"), delegation_double_booked),
    (
        "signing_during_heads_item",
        gettext_lazy("signing while heads of delegation are expected elsewhere"),
        signing_during_heads_item,
    ),
    (
        "slot_of_withdrawn_delegation",
        gettext_lazy("signing slot of a delegation that no longer signs"),
        slot_of_withdrawn_delegation,
    ),
    ("signing_before_arrival", gettext_lazy("signing before arrival"), signing_before_arrival),
    ("signing_after_departure", gettext_lazy("signing after departure"), signing_after_departure),
    ("slot_without_signatory", gettext_lazy("signing slot without signatory"), slot_without_signatory),
    ("full_powers_not_verified", gettext_lazy("full powers not verified"), full_powers_not_verified),
)
