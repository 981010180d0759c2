"""Factories for the tests: small, valid objects with aware times in Hanoi."""

import datetime as dt
import zoneinfo

import factory

from ceremony.enums import AgencyKind, ItemKind, ItemStatus, RoomKind, Visibility
from ceremony.models import (
    Agency,
    Ceremony,
    KeyFigure,
    Milestone,
    Official,
    OfficialTitle,
    Room,
    ScheduleItem,
    Source,
    Venue,
)
from delegations.enums import DelegationKind, Membership, Rank
from delegations.models import Delegate, Delegation, FullPowers, State

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def hanoi(day, hour, minute=0, second=0):
    """An aware datetime on 2025-10-<day> at hour:minute(:second) Hanoi time."""
    return dt.datetime(2025, 10, day, hour, minute, second, tzinfo=HANOI)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ["key"]

    key = factory.Sequence(lambda n: f"source-{n}")
    kind = Source.Kind.PUBLIC_RECORD
    title = factory.Sequence(lambda n: f"Source {n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Agency {n}")
    name_vi = factory.Sequence(lambda n: f"Cơ quan {n}")
    kind = AgencyKind.MINISTRY


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    key = factory.Sequence(lambda n: f"official-{n}")
    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Official {n}")


class OfficialTitleFactory(factory.django.DjangoModelFactory):
    """A title held since a day no source records, and still held."""

    class Meta:
        model = OfficialTitle

    official = factory.SubFactory(OfficialFactory)
    title = "Deputy Minister"
    title_vi = "Thứ trưởng"
    source = factory.SubFactory(SourceFactory)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    key = factory.Sequence(lambda n: f"venue-{n}")
    name = factory.Sequence(lambda n: f"Venue {n}")
    city = "Hanoi"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    key = factory.Sequence(lambda n: f"room-{n}")
    venue = factory.SubFactory(VenueFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    kind = RoomKind.MEETING_ROOM


class CeremonyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ceremony

    name = factory.Sequence(lambda n: f"Signing ceremony {n}")
    slug = factory.Sequence(lambda n: f"ceremony-{n}")
    treaty_title = "United Nations Convention against Cybercrime"
    city = "Hanoi"
    first_day = dt.date(2025, 10, 25)
    last_day = dt.date(2025, 10, 26)


class ScheduleItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleItem

    ceremony = factory.SubFactory(CeremonyFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    kind = ItemKind.SIDE_EVENT
    starts_at = factory.LazyFunction(lambda: hanoi(25, 14))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    room = factory.SubFactory(RoomFactory)
    lead_agency = factory.SubFactory(AgencyFactory)
    visibility = Visibility.PUBLIC
    status = ItemStatus.CONFIRMED


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    ceremony = factory.SubFactory(CeremonyFactory)
    key = factory.Sequence(lambda n: f"milestone-{n}")
    date = dt.date(2024, 12, 24)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    source = factory.SubFactory(SourceFactory)


class KeyFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyFigure

    ceremony = factory.SubFactory(CeremonyFactory)
    key = factory.Sequence(lambda n: f"figure-{n}")
    label = factory.Sequence(lambda n: f"Figure {n}")
    value = 42
    source = factory.SubFactory(SourceFactory)


class StateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = State
        django_get_or_create = ["country"]

    country = "FR"
    name = "France"
    membership = Membership.MEMBER
    source = factory.SubFactory(SourceFactory)


# Countries handed out in turn to delegations that do not name one.
COUNTRY_CODES = ["FR", "DE", "JP", "BR", "KE", "CA", "IN", "MX", "NG", "AU", "SE", "EG", "CL", "TH", "PL", "GH"]


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    ceremony = factory.SubFactory(CeremonyFactory)
    kind = DelegationKind.MEMBER_STATE
    country = factory.Sequence(lambda n: COUNTRY_CODES[n % len(COUNTRY_CODES)])


class DelegateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegate

    delegation = factory.SubFactory(DelegationFactory)
    name = factory.Sequence(lambda n: f"Delegate {n}")
    rank = Rank.SENIOR_OFFICIAL


class FullPowersFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FullPowers

    signatory = factory.SubFactory(DelegateFactory, is_signatory=True, rank=Rank.AMBASSADOR)
    issuing_authority = "Minister for Foreign Affairs"


def add_seen_items(world, count):
    """``count`` items the ``world`` fixture's delegation alpha sees (public, all-delegation, invited in turn), and
    ``count`` members of alpha: for pinning query counts at two sizes."""
    for n in range(count):
        start = hanoi(26, 8) + dt.timedelta(minutes=5 * n)
        item = ScheduleItemFactory(
            ceremony=world.ceremony, room=world.room, lead_agency=world.mps,
            visibility=[Visibility.PUBLIC, Visibility.DELEGATIONS, Visibility.INVITED][n % 3],
            starts_at=start, ends_at=start + dt.timedelta(minutes=30),
        )  # fmt: skip
        item.invited_delegations.add(world.alpha)
    DelegateFactory.create_batch(count, delegation=world.alpha)
