"""Who is invited to an item: the delegations app's Invitation, with its history however it is changed."""

import pytest
from django.db import IntegrityError, transaction

from ceremony.enums import Visibility
from ceremony.services import schedule_item_cancel
from delegations.invitations import invitations_create
from delegations.models import Invitation
from tests.factories import DelegationFactory, ScheduleItemFactory

pytestmark = pytest.mark.django_db


def changes(item):
    return [(h.delegation.name, h.history_type) for h in Invitation.history.filter(item_id=item.pk).order_by("pk")]


def test_the_history_says_who_was_invited_and_withdrawn_in_order():
    item = ScheduleItemFactory(visibility=Visibility.INVITED)
    france, japan = DelegationFactory(ceremony=item.ceremony, country="FR"), DelegationFactory(country="JP")
    item.invited_delegations.add(france)
    item.invited_delegations.set([japan])

    assert [d.name for d in item.invited_delegations.all()] == ["Japan"]
    assert changes(item) == [("France", "+"), ("France", "-"), ("Japan", "+")]


def test_invitations_added_from_the_delegations_side_are_recorded_too():
    item = ScheduleItemFactory(visibility=Visibility.INVITED)
    france = DelegationFactory(ceremony=item.ceremony, country="FR")
    france.invited_items.add(item)
    france.invited_items.remove(item)

    assert changes(item) == [("France", "+"), ("France", "-")]


def test_invitations_made_in_bulk_record_who_made_them_and_why(django_user_model):
    item = ScheduleItemFactory(visibility=Visibility.INVITED)
    france = DelegationFactory(ceremony=item.ceremony, country="FR")
    lan = django_user_model.objects.create(username="lan")

    invitations_create([(item.pk, france.pk)], user=lan, reason="order of signing")

    (record,) = Invitation.history.filter(item_id=item.pk)
    assert (record.delegation, record.history_type, record.history_user, record.history_change_reason) == (
        france, "+", lan, "order of signing",
    )  # fmt: skip


def test_a_cancellation_keeps_the_invitations_and_their_history():
    item = ScheduleItemFactory(visibility=Visibility.INVITED)
    item.invited_delegations.add(DelegationFactory(ceremony=item.ceremony, country="FR"))
    schedule_item_cancel(item=item)

    cancelled, _before = item.history.all()[:2]
    assert cancelled.history_change_reason == "Cancelled"
    assert [d.name for d in item.invited_delegations.all()] == ["France"]
    assert changes(item) == [("France", "+")]


def test_a_delegation_is_invited_to_an_item_once():
    item = ScheduleItemFactory(visibility=Visibility.INVITED)
    france = DelegationFactory(ceremony=item.ceremony, country="FR")
    Invitation.objects.create(item=item, delegation=france)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(item=item, delegation=france)
