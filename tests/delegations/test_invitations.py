"""Who is invited to an item: the delegations app's Invitation, with its history however it is changed."""

import pytest
from django.db import IntegrityError, transaction

from ceremony.enums import Visibility
from ceremony.models import ScheduleItem
from ceremony.services import schedule_item_cancel
from delegations.invitations import invitations_create
from delegations.models import Invitation
from tests.adminpages import admin_url, form_values, page_text
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


# --- In the item's admin page: an invitation withdrawn by someone else while the page is open -----------------------


def opened_with_france(admin_client):
    item = ScheduleItemFactory(title="Bilateral", visibility=Visibility.INVITED)
    france = DelegationFactory(ceremony=item.ceremony, country="FR", name="France")
    item.invited_delegations.add(france)
    url = admin_url(ScheduleItem, "change", item.pk)
    return item, france, url, form_values(admin_client.get(url))


def test_saving_over_an_invitation_withdrawn_meanwhile_keeps_it_withdrawn(admin_client):
    item, france, url, values = opened_with_france(admin_client)
    item.invited_delegations.remove(france)  # someone else, meanwhile

    response = admin_client.post(url, {**values, "title": "Bilateral meeting"})

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, list(item.invited_delegations.all())) == ("Bilateral meeting", [])


def test_withdrawing_an_invitation_someone_withdrew_meanwhile_is_no_error(admin_client):
    item, france, url, values = opened_with_france(admin_client)
    item.invited_delegations.remove(france)

    response = admin_client.post(url, {**values, "invitations-0-DELETE": "on"})

    assert response.status_code == 302
    assert list(item.invited_delegations.all()) == []


def test_changing_an_invitation_someone_withdrew_meanwhile_is_refused_saying_why(admin_client):
    item, france, url, values = opened_with_france(admin_client)
    japan = DelegationFactory(ceremony=item.ceremony, country="JP", name="Japan")
    item.invited_delegations.remove(france)

    response = admin_client.post(
        url, {**values, "title": "Bilateral meeting", "invitations-0-delegation": str(japan.pk)}
    )

    assert response.status_code == 200
    assert "This invitation was deleted after you opened this page; nothing was saved." in page_text(response)
    item.refresh_from_db()
    assert (item.title, list(item.invited_delegations.all())) == ("Bilateral", [])


def test_the_items_history_page_names_who_is_invited_even_without_a_recorded_change(admin_client):
    item = ScheduleItemFactory(title="Bilateral", visibility=Visibility.INVITED)
    france = DelegationFactory(ceremony=item.ceremony, country="FR", name="France")
    Invitation.objects.bulk_create([Invitation(item=item, delegation=france)])

    text = " ".join(page_text(admin_client.get(admin_url(ScheduleItem, "history", item.pk))).split())

    assert "Invited now: France" in text
    assert "No change to the invitations has been recorded." in text
