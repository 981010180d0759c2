"""Plainly synthetic data on top of the seeds, for demonstrations and benchmarks.

Every row it writes says so: item titles start with "[Demo]" and their UIDs
with "demo-"; delegations carry "[Demo] synthetic data" in their notes and
their members are called "Demo delegate …". Writes are bulk inserts, so
thousands of items take seconds, not minutes.

The programme stays plausible: a demo item never takes a room or a delegation
that is already busy (seeded items included); when no room is free after a few
tries it has no room, as a coach transfer or a reception "venue to be confirmed"
would. If the ceremony has no order of signing yet, the letter is drawn and the
order generated with the ceremony's own settings, so the run-sheet has rows.
"""

import random
import uuid
from datetime import datetime, time, timedelta

from django.db import transaction

from ceremony.enums import ItemKind, ItemStatus, RoomKind, Visibility
from ceremony.feeds_state import feeds_touch
from ceremony.models import Agency, Room, ScheduleItem
from delegations.enums import (
    AccreditationStatus,
    ClearanceStatus,
    DelegationKind,
    DelegationStatus,
    Membership,
    Rank,
    VerificationStatus,
)
from delegations.full_powers import needs_full_powers
from delegations.models import Delegate, Delegation, FullPowers, Invitation, SigningSlot, State, sort_key
from delegations.signing import SigningError, signing_draw_letter, signing_generate

DEMO_MARK = "[Demo]"
DEMO_NOTES = "[Demo] synthetic data"
BATCH = 500

ITEM_KINDS = [
    ItemKind.SIDE_EVENT,
    ItemKind.BILATERAL,
    ItemKind.BRIEFING,
    ItemKind.TRANSPORT,
    ItemKind.REHEARSAL,
    ItemKind.PLENARY,
    ItemKind.PRESS,
]
VISIBILITIES = [Visibility.PUBLIC, Visibility.DELEGATIONS, Visibility.INVITED, Visibility.INTERNAL]
STATUSES = [ItemStatus.CONFIRMED, ItemStatus.TENTATIVE, ItemStatus.CANCELLED]
HEAD_RANKS = [Rank.HEAD_OF_STATE, Rank.HEAD_OF_GOVERNMENT, Rank.FOREIGN_MINISTER, Rank.MINISTER, Rank.AMBASSADOR]
MEMBER_RANKS = [Rank.SENIOR_OFFICIAL, Rank.ADVISER, Rank.SECURITY, Rank.PRESS]


class DemoError(ValueError):
    """The demo data cannot be generated as asked."""


@transaction.atomic
def generate_demo(*, ceremony, items, delegations, seed=2025):
    """Add ``delegations`` delegations (with members) and ``items`` schedule items to the ceremony.

    Returns (number of items, number of delegations, number of delegates) written.
    """
    if items < 0 or delegations < 0:
        raise DemoError("--items and --delegations must be zero or more.")
    earlier = demo_counts(ceremony)
    # The same seed gives the same demo on the same data; a run on top of an earlier demo draws afresh, or its
    # UIDs would repeat the earlier ones.
    rng = random.Random(seed if earlier == (0, 0) else f"{seed}+{earlier[0]}+{earlier[1]}")
    new_delegations = _delegations(ceremony, delegations, rng)
    delegates = _delegates(new_delegations, rng)
    delegates += _signatories_and_full_powers(ceremony, rng)
    _signing(ceremony)  # before the items, so that they keep clear of the signing slots
    count = _items(ceremony, items, rng, first_number=earlier[0] + 1)
    feeds_touch(ceremony_ids=[ceremony.pk])  # bulk writes send no signals
    return count, len(new_delegations), delegates


def demo_counts(ceremony):
    """(demo items, demo delegations) the ceremony has."""
    return (
        ScheduleItem.objects.filter(ceremony=ceremony, uid__startswith="demo-").count(),
        Delegation.objects.filter(ceremony=ceremony, notes=DEMO_NOTES).count(),
    )


def _delegations(ceremony, count, rng):
    taken = set(Delegation.objects.filter(ceremony=ceremony).values_list("country", flat=True))
    states = [s for s in State.objects.order_by("name") if s.country.code not in taken]
    rng.shuffle(states)
    first_day = datetime.combine(ceremony.first_day, time(12, 0), tzinfo=ceremony.zone)
    last_day = datetime.combine(ceremony.last_day, time(12, 0), tzinfo=ceremony.zone)
    existing_orgs = Delegation.objects.filter(ceremony=ceremony, name__startswith="Demo organization").count()

    rows = []
    for index in range(count):
        if index < len(states):
            state = states[index]
            kind = (
                DelegationKind.MEMBER_STATE if state.membership == Membership.MEMBER else DelegationKind.OBSERVER_STATE
            )
            name, country = state.name, state.country.code
        else:
            existing_orgs += 1
            kind, name, country = DelegationKind.IGO, f"Demo organization {existing_orgs:04d}", ""
        status = rng.choices(list(DelegationStatus), weights=[3, 6, 1, 2, 0])[0]
        arrival = first_day - timedelta(hours=rng.randint(12, 60))
        rows.append(
            Delegation(
                ceremony=ceremony,
                kind=kind,
                country=country,
                name=name,
                sort_name=sort_key(name),
                status=status,
                intends_to_sign=status != DelegationStatus.DECLINED and rng.random() < 0.8,
                arrival_at=arrival,
                departure_at=last_day + timedelta(hours=rng.randint(6, 48)),
                hotel=f"Demo hotel {rng.randint(1, 12)}",
                notes=DEMO_NOTES,
            )
        )
    return Delegation.objects.bulk_create(rows, batch_size=BATCH)


def _delegates(delegations, rng):
    rows = []
    for delegation in delegations:
        for number in range(1, rng.randint(2, 6) + 1):
            head = number == 1
            rows.append(
                Delegate(
                    delegation=delegation,
                    name=f"Demo delegate {delegation.pk}-{number}",
                    position="Head of delegation" if head else "Member",
                    rank=rng.choice(HEAD_RANKS if head else MEMBER_RANKS),
                    is_head=head,
                    is_signatory=head and delegation.intends_to_sign,
                    email=f"delegate{delegation.pk}-{number}@demo.invalid",
                    accreditation_status=rng.choice(list(AccreditationStatus)),
                    clearance_status=rng.choice(list(ClearanceStatus)),
                )
            )
    Delegate.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _signatories_and_full_powers(ceremony, rng):
    """Give a demo signatory to each delegation that means to sign without one (the seeded host has none),
    and full powers in every state to the signatories who need them. Returns the delegates added."""
    lacking = Delegation.objects.filter(ceremony=ceremony, intends_to_sign=True).exclude(members__is_signatory=True)
    added = Delegate.objects.bulk_create(
        [
            Delegate(
                delegation=delegation,
                name=f"Demo signatory {delegation.pk}",
                position="Head of delegation (demo)",
                rank=Rank.HEAD_OF_STATE,
                is_signatory=True,
                email=f"signatory{delegation.pk}@demo.invalid",
            )
            for delegation in lacking
        ]
    )
    first_day = ceremony.first_day
    powers = []
    for signatory in Delegate.objects.filter(
        delegation__ceremony=ceremony, is_signatory=True, full_powers__isnull=True, email__endswith="@demo.invalid"
    ).order_by("pk"):
        if not needs_full_powers(signatory.rank) or rng.random() < 0.2:
            continue  # some have sent nothing yet
        status = rng.choices(list(VerificationStatus), weights=[4, 5, 1])[0]
        powers.append(
            FullPowers(
                signatory=signatory,
                issuing_authority="Demo Ministry of Foreign Affairs",
                issued_on=first_day - timedelta(days=rng.randint(20, 60)),
                copy_received_on=first_day - timedelta(days=rng.randint(2, 15)),
                verification_status=status,
            )
        )
    FullPowers.objects.bulk_create(powers, batch_size=BATCH)
    return len(added)


def _signing(ceremony):
    """Draw the letter and generate the order of signing, unless the ceremony already has its slots."""
    if not (ceremony.signing_starts_at and ceremony.signing_room_id):
        return
    if SigningSlot.objects.filter(item__ceremony=ceremony).exists():
        return  # organizers' order (or an earlier demo's) stays as it is
    try:
        if not ceremony.drawn_letter:
            signing_draw_letter(ceremony=ceremony)
        signing_generate(  # atomic itself: a refusal leaves the rest of the demo standing
            ceremony=ceremony,
            starts_at=ceremony.signing_starts_at,
            slot_minutes=ceremony.signing_slot_minutes,
            room=ceremony.signing_room,
        )
    except SigningError:
        pass  # e.g. more slots than the days hold: the demo goes on without an order of signing


class _Bookings:
    """Who is busy when, so that demo items avoid double-booking rooms and delegations while there is room."""

    def __init__(self):
        self.busy = {}

    def free(self, key, start, end):
        return all(end <= s or start >= e for s, e in self.busy.get(key, ()))

    def book(self, key, start, end):
        self.busy.setdefault(key, []).append((start, end))


def _items(ceremony, count, rng, first_number):
    # The signing hall belongs to the signing; demo items go elsewhere.
    rooms = list(Room.objects.exclude(kind=RoomKind.SIGNING_HALL).values_list("pk", flat=True))
    agencies = list(Agency.objects.values_list("pk", flat=True))
    delegation_ids = list(Delegation.objects.filter(ceremony=ceremony).values_list("pk", flat=True))
    if count and not (rooms and agencies):
        raise DemoError("Demo items need rooms and agencies: run seed_ceremony first.")
    days = (ceremony.last_day - ceremony.first_day).days + 1
    bookings = _Bookings()
    existing = ScheduleItem.objects.filter(ceremony=ceremony).exclude(status=ItemStatus.CANCELLED)
    for room_id, starts_at, ends_at in existing.exclude(room=None).values_list("room_id", "starts_at", "ends_at"):
        bookings.book(("room", room_id), starts_at, ends_at)
    for delegation_id, starts_at, ends_at in Invitation.objects.filter(
        item__in=existing.filter(visibility=Visibility.INVITED)
    ).values_list("delegation_id", "item__starts_at", "item__ends_at"):
        bookings.book(("delegation", delegation_id), starts_at, ends_at)

    items, invitations, support = [], [], []
    for number in range(count):
        length = timedelta(minutes=rng.choice([30, 45, 60, 90, 120]))
        status = rng.choices(STATUSES, weights=[6, 3, 1])[0]
        # A few tries at a free room and hour; when the rooms are full, the item has none rather than
        # double-booking one. A cancelled item holds nothing, so it keeps its first draw.
        for _attempt in range(25):
            day = ceremony.first_day + timedelta(days=rng.randrange(days))
            start = datetime.combine(day, time(8, 0), tzinfo=ceremony.zone) + timedelta(minutes=15 * rng.randrange(48))
            room_id = rng.choice(rooms)
            if status == ItemStatus.CANCELLED or bookings.free(("room", room_id), start, start + length):
                break
        else:
            room_id = None
        if status != ItemStatus.CANCELLED and room_id is not None:
            bookings.book(("room", room_id), start, start + length)
        kind = rng.choice(ITEM_KINDS)
        visibility = rng.choice(VISIBILITIES)
        item = ScheduleItem(
            ceremony=ceremony,
            uid=f"demo-{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            title=f"{DEMO_MARK} {kind.label.capitalize()} {first_number + number:05d}",
            title_vi=f"{DEMO_MARK} Hoạt động {first_number + number:05d}",
            description="Synthetic item generated for a demonstration.",
            kind=kind,
            starts_at=start,
            ends_at=start + length,
            room_id=room_id,
            lead_agency_id=rng.choice(agencies),
            visibility=visibility,
            status=status,
        )
        items.append(item)
        if visibility == Visibility.INVITED and delegation_ids:
            candidates = rng.sample(delegation_ids, min(len(delegation_ids), 12))
            invited = [d for d in candidates if bookings.free(("delegation", d), start, start + length)][
                : rng.randint(1, 3)
            ]
            if status != ItemStatus.CANCELLED:
                for delegation_id in invited:
                    bookings.book(("delegation", delegation_id), start, start + length)
            invitations.append((item, invited))
        if rng.random() < 0.5:
            support.append((item, rng.choice(agencies)))

    ScheduleItem.objects.bulk_create(items, batch_size=BATCH)
    Invitation.objects.bulk_create(
        [Invitation(item_id=item.pk, delegation_id=d) for item, ids in invitations for d in ids], batch_size=BATCH
    )
    Supporting = ScheduleItem.supporting_agencies.through
    Supporting.objects.bulk_create(
        [Supporting(scheduleitem_id=item.pk, agency_id=a) for item, a in support], batch_size=BATCH
    )
    return len(items)
