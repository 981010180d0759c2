"""A delegation that withdrew and comes back before Protocol reallocates: its place and slot back (signing_return)."""

import pytest
from django.contrib.auth import get_user_model

from ceremony.enums import ItemKind, ItemStatus
from delegations.enums import DelegationStatus
from delegations.models import SELF_SERVICE_REASON, Delegation, SigningSlot
from delegations.signing import delegation_move_in_order, signing_order_clear, signing_withdraw
from delegations.signing_return import RETURNED_REASON, signing_return
from tests.adminpages import admin_url, form_values
from tests.delegations.test_signing import delegation_with_signatory, generate, slots
from tests.factories import CeremonyFactory, RoomFactory, ScheduleItemFactory, hanoi


@pytest.fixture
def ceremony(db):
    return CeremonyFactory(host_country="VN", drawn_letter="C", slug="hanoi")


@pytest.fixture
def signing_room(db):
    return RoomFactory(name="Signing Hall")


@pytest.fixture
def three(ceremony):
    """Viet Nam (the host), Mexico and Afghanistan: from the letter C they sign in that order."""
    return {code: delegation_with_signatory(ceremony, code) for code in ["VN", "MX", "AF"]}


def withdraw(delegation, **change):
    Delegation.objects.filter(pk=delegation.pk).update(**(change or {"status": DelegationStatus.DECLINED}))
    delegation.refresh_from_db()
    signing_withdraw(delegation=delegation)


def come_back(delegation, **change):
    Delegation.objects.filter(pk=delegation.pk).update(**(change or {"status": DelegationStatus.CONFIRMED}))
    delegation.refresh_from_db()
    return signing_return(delegation=delegation, reason=SELF_SERVICE_REASON)


@pytest.mark.parametrize(
    ("leave", "back"),
    [
        ({"status": DelegationStatus.DECLINED}, {"status": DelegationStatus.CONFIRMED}),
        ({"intends_to_sign": False}, {"intends_to_sign": True}),
    ],
)
def test_a_delegation_that_comes_back_gets_its_place_and_slot_back(ceremony, signing_room, three, leave, back):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    slot = SigningSlot.objects.get(delegation=mexico).item
    slot.status = ItemStatus.CONFIRMED  # as Protocol confirmed it: sequence 1
    slot.save()
    withdraw(mexico, **leave)

    result = come_back(mexico, **back)

    assert (result.restored, result.position, result.slot.pk) == (True, 2, slot.pk)
    vn, mx, af = three["VN"], three["MX"], three["AF"]
    assert slots(ceremony) == [
        (f"signing-hanoi-{vn.pk}", "Signature: Viet Nam", hanoi(25, 10, 30), ItemStatus.TENTATIVE, 0),
        (f"signing-hanoi-{mx.pk}", "Signature: Mexico", hanoi(25, 10, 35), ItemStatus.CONFIRMED, 3),
        (f"signing-hanoi-{af.pk}", "Signature: Afghanistan", hanoi(25, 10, 40), ItemStatus.TENTATIVE, 0),
    ]
    assert dict(Delegation.objects.values_list("name", "signing_order")) == {
        "Viet Nam": 1,
        "Mexico": 2,
        "Afghanistan": 3,
    }
    latest = Delegation.objects.get(pk=mexico.pk).history.first()
    assert (latest.signing_order, latest.history_change_reason) == (2, SELF_SERVICE_REASON)
    item_record = slot.history.first()
    assert (item_record.status, item_record.sequence, item_record.history_change_reason) == (
        ItemStatus.CONFIRMED,
        3,
        SELF_SERVICE_REASON,
    )
    assert list(slot.invited_delegations.all()) == [mexico]


def test_the_return_is_recorded_with_who_made_it(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    withdraw(mexico)
    Delegation.objects.filter(pk=mexico.pk).update(status=DelegationStatus.CONFIRMED)
    mexico.refresh_from_db()
    lan = get_user_model().objects.create_user("lan", password="unused-password-123")

    assert signing_return(delegation=mexico, user=lan).restored

    latest = Delegation.objects.get(pk=mexico.pk).history.first()
    assert (latest.history_user, latest.history_change_reason) == (lan, RETURNED_REASON)
    assert SigningSlot.objects.get(delegation=mexico).item.history.first().history_user == lan


def test_no_return_after_protocol_moved_another_delegation_into_the_place(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico, afghanistan = three["MX"], three["AF"]
    withdraw(mexico)
    delegation_move_in_order(delegation=afghanistan, position=2)  # the order closes up: Afghanistan is 2nd
    before = slots(ceremony)

    result = come_back(mexico)

    assert result.restored is False
    assert slots(ceremony) == before
    assert Delegation.objects.get(pk=mexico.pk).signing_order is None
    assert SigningSlot.objects.get(delegation=mexico).item.status == ItemStatus.CANCELLED


def test_no_return_after_protocol_regenerated_the_order(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    withdraw(mexico)
    generate(ceremony, signing_room)  # Afghanistan takes place 2 and its time
    before = slots(ceremony)

    assert come_back(mexico).restored is False
    assert slots(ceremony) == before
    assert Delegation.objects.get(pk=mexico.pk).signing_order is None


def test_no_return_for_the_last_in_the_order_after_protocol_regenerated_it(ceremony, signing_room, three):
    """Afghanistan signed last: after the order is generated without it, its old place number is free, but the
    places were given out again (here from a later start), so it waits for Protocol like any other."""
    generate(ceremony, signing_room)
    afghanistan = three["AF"]
    withdraw(afghanistan)
    generate(ceremony, signing_room, start=hanoi(25, 11, 0))
    before = slots(ceremony)

    assert come_back(afghanistan).restored is False
    assert slots(ceremony) == before
    assert Delegation.objects.get(pk=afghanistan.pk).signing_order is None


def test_no_return_after_protocol_cleared_the_order(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    withdraw(mexico)
    signing_order_clear(ceremony=ceremony)
    before = slots(ceremony)

    assert come_back(mexico).restored is False
    assert slots(ceremony) == before
    assert set(Delegation.objects.values_list("signing_order", flat=True)) == {None}


def test_no_return_when_another_signing_slot_took_the_time(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    withdraw(mexico)
    afghanistan_slot = SigningSlot.objects.get(delegation=three["AF"]).item
    afghanistan_slot.starts_at, afghanistan_slot.ends_at = hanoi(25, 10, 36), hanoi(25, 10, 41)
    afghanistan_slot.save()  # moved by hand into Mexico's former time

    assert come_back(mexico).restored is False
    assert SigningSlot.objects.get(delegation=mexico).item.status == ItemStatus.CANCELLED


def test_the_signing_session_around_the_slots_does_not_keep_a_delegation_out(ceremony, signing_room, three):
    ScheduleItemFactory(
        ceremony=ceremony, kind=ItemKind.SIGNING, room=signing_room, title="Signing session",
        starts_at=hanoi(25, 10), ends_at=hanoi(25, 12),
    )  # fmt: skip
    generate(ceremony, signing_room)
    mexico = three["MX"]
    withdraw(mexico)

    assert come_back(mexico).restored is True
    assert SigningSlot.objects.get(delegation=mexico).item.status == ItemStatus.TENTATIVE


def test_a_delegation_that_still_does_not_sign_or_never_left_gets_nothing(ceremony, signing_room, three):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    before = slots(ceremony)
    assert signing_return(delegation=mexico).restored is False  # never left

    withdraw(mexico)
    mexico.refresh_from_db()
    assert signing_return(delegation=mexico).restored is False  # still declined
    assert Delegation.objects.get(pk=mexico.pk).signing_order is None
    assert slots(ceremony)[1][3:] == (ItemStatus.CANCELLED, 1)
    assert [s[:4] for s in slots(ceremony)] != [s[:4] for s in before]


def test_an_organizer_who_sets_a_delegation_back_to_confirmed_gives_it_its_place_and_slot_back(
    admin_client, ceremony, signing_room, three
):
    generate(ceremony, signing_room)
    mexico = three["MX"]
    url = admin_url(Delegation, "change", mexico.pk)
    values = form_values(admin_client.get(url))
    assert admin_client.post(url, {**values, "status": DelegationStatus.DECLINED}).status_code == 302
    assert slots(ceremony)[1][3:] == (ItemStatus.CANCELLED, 1)

    values = form_values(admin_client.get(url))
    assert admin_client.post(url, {**values, "status": DelegationStatus.CONFIRMED}).status_code == 302

    assert slots(ceremony)[1][3:] == (ItemStatus.TENTATIVE, 2)
    latest = Delegation.objects.get(pk=mexico.pk).history.first()
    assert (latest.signing_order, latest.history_user.username, latest.history_change_reason) == (
        2,
        "admin",
        RETURNED_REASON,
    )
