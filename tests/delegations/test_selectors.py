"""What a delegation sees, and which signing items are its own."""

import pytest

from ceremony.enums import ItemKind, ItemStatus, Visibility
from ceremony.models import ScheduleItem
from delegations.models import SigningSlot
from delegations.selectors import delegations_seeing, items_visible_to, signing_slots
from tests.factories import CeremonyFactory, DelegationFactory, ScheduleItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    ceremony = CeremonyFactory()
    return (
        ceremony,
        DelegationFactory(ceremony=ceremony, country="FR"),
        DelegationFactory(ceremony=ceremony, country="JP"),
    )


def signing(ceremony, *invited, **extra):
    item = ScheduleItemFactory(ceremony=ceremony, kind=ItemKind.SIGNING, visibility=Visibility.INVITED, **extra)
    item.invited_delegations.set(invited)
    return item


def test_a_delegation_sees_public_and_all_delegation_items_and_those_it_is_invited_to(two):
    ceremony, france, japan = two
    public = ScheduleItemFactory(ceremony=ceremony, visibility=Visibility.PUBLIC)
    everyone = ScheduleItemFactory(ceremony=ceremony, visibility=Visibility.DELEGATIONS)
    ScheduleItemFactory(ceremony=ceremony, visibility=Visibility.INTERNAL)
    ScheduleItemFactory(visibility=Visibility.PUBLIC)  # another ceremony's
    own = signing(ceremony, france)
    signing(ceremony, japan)

    assert set(items_visible_to(france)) == {public, everyone, own}


def test_signing_slots_are_the_delegations_own_among_the_items_given(two):
    ceremony, france, japan = two
    french, japanese = signing(ceremony, france), signing(ceremony, japan)
    SigningSlot.objects.create(delegation=japan, item=japanese)
    by_hand = signing(ceremony, france, japan)
    signing(ceremony, france, status=ItemStatus.CANCELLED)
    everything = list(ScheduleItem.objects.filter(ceremony=ceremony))

    assert set(signing_slots(everything, france)) == {french, by_hand}
    assert set(signing_slots(everything, japan)) == {japanese, by_hand}


def test_delegations_seeing_reads_items_visible_to_the_other_way_round(two):
    ceremony, france, japan = two
    other = DelegationFactory(country="DE")  # of another ceremony: sees none of these
    items = [
        ScheduleItemFactory(ceremony=ceremony, visibility=Visibility.PUBLIC),
        ScheduleItemFactory(ceremony=ceremony, visibility=Visibility.DELEGATIONS),
        ScheduleItemFactory(ceremony=ceremony, visibility=Visibility.INTERNAL),
        signing(ceremony, france),
        signing(ceremony, france, japan),
        signing(ceremony),
    ]
    chosen = ScheduleItem.objects.filter(pk__in=[item.pk for item in items])

    pairs = delegations_seeing(chosen)

    expected = {
        (pk, d.pk) for d in (france, japan, other) for pk in items_visible_to(d, chosen).values_list("pk", flat=True)
    }
    assert pairs == expected
    assert pairs == {
        (items[0].pk, france.pk), (items[0].pk, japan.pk), (items[1].pk, france.pk), (items[1].pk, japan.pk),
        (items[3].pk, france.pk), (items[4].pk, france.pk), (items[4].pk, japan.pk),
    }  # fmt: skip
