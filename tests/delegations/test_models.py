import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ceremony.fields import ImplausibleDatetimeError
from ceremony.tokens import hash_token
from delegations.enums import DelegationKind
from delegations.models import Delegate, Delegation, sort_key
from delegations.services import delegation_issue_token, delegations_invite
from tests.factories import CeremonyFactory, DelegateFactory, DelegationFactory, FullPowersFactory, StateFactory, hanoi
from tests.rawsql import raw_update

pytestmark = pytest.mark.django_db


def test_second_head_of_delegation_is_refused_by_the_database():
    delegation = DelegationFactory()
    DelegateFactory(delegation=delegation, is_head=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegateFactory(delegation=delegation, is_head=True)


def test_second_head_of_delegation_gets_a_clear_validation_error():
    delegation = DelegationFactory()
    DelegateFactory(delegation=delegation, is_head=True)
    second = DelegateFactory.build(delegation=delegation, is_head=True)
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert caught.value.messages == ["This delegation already has a head of delegation."]


def test_heads_of_different_delegations_coexist():
    DelegateFactory(is_head=True)
    DelegateFactory(is_head=True)
    assert Delegate.objects.filter(is_head=True).count() == 2


def test_second_delegation_of_a_country_at_one_ceremony_is_refused():
    ceremony = CeremonyFactory()
    DelegationFactory(ceremony=ceremony, country="FR")
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegationFactory(ceremony=ceremony, country="FR", name="France (again)")


def test_second_delegation_of_a_country_gets_a_clear_validation_error():
    ceremony = CeremonyFactory()
    DelegationFactory(ceremony=ceremony, country="FR")
    duplicate = Delegation(ceremony=ceremony, kind=DelegationKind.MEMBER_STATE, country="FR", name="French Republic")
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "This country already has a delegation at this ceremony." in caught.value.messages


def test_same_country_at_two_ceremonies_is_allowed():
    DelegationFactory(country="FR")
    DelegationFactory(country="FR")
    assert Delegation.objects.filter(country="FR").count() == 2


def test_unknown_country_code_is_refused_by_validation():
    delegation = Delegation(ceremony=CeremonyFactory(), kind=DelegationKind.MEMBER_STATE, country="XX", name="Nowhere")
    with pytest.raises(ValidationError) as caught:
        delegation.full_clean()
    assert caught.value.message_dict["country"] == ["Value 'XX' is not a valid choice."]


def test_state_delegation_without_a_country_is_refused():
    delegation = Delegation(ceremony=CeremonyFactory(), kind=DelegationKind.MEMBER_STATE, name="Somewhere")
    with pytest.raises(ValidationError) as caught:
        delegation.full_clean()
    assert caught.value.message_dict["country"] == ["A state delegation needs a country."]
    with pytest.raises(IntegrityError), transaction.atomic():
        delegation.save()


def test_organization_with_a_country_is_refused():
    delegation = Delegation(ceremony=CeremonyFactory(), kind=DelegationKind.IGO, country="FR", name="Interpol")
    with pytest.raises(IntegrityError), transaction.atomic():
        delegation.save()


def test_organization_needs_a_name():
    delegation = Delegation(ceremony=CeremonyFactory(), kind=DelegationKind.IGO)
    with pytest.raises(ValidationError) as caught:
        delegation.full_clean()
    assert caught.value.message_dict["name"] == ["An organization needs a name."]


def test_departure_before_arrival_is_refused():
    delegation = DelegationFactory.build(
        ceremony=CeremonyFactory(), arrival_at=hanoi(25, 10), departure_at=hanoi(24, 10)
    )
    with pytest.raises(ValidationError) as caught:
        delegation.full_clean()
    assert caught.value.message_dict["departure_at"] == ["Departure must be after arrival."]
    with pytest.raises(IntegrityError), transaction.atomic():
        delegation.save()


def test_signing_order_is_unique_and_positive_per_ceremony():
    ceremony = CeremonyFactory()
    DelegationFactory(ceremony=ceremony, signing_order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegationFactory(ceremony=ceremony, signing_order=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegationFactory(ceremony=ceremony, signing_order=0)


def test_state_delegation_takes_the_un_name_from_the_list_of_states():
    StateFactory(country="VN", name="Viet Nam")
    delegation = DelegationFactory(country="VN")
    assert delegation.name == "Viet Nam"
    assert delegation.sort_name == "viet nam"


def test_state_missing_from_the_list_falls_back_to_the_country_name():
    assert DelegationFactory(country="JP").name == "Japan"


@pytest.mark.parametrize(
    ("name", "key"),
    [("Côte d'Ivoire", "cote d'ivoire"), ("Türkiye", "turkiye"), ("Viet Nam", "viet nam"), ("Åland", "aland")],
)
def test_sort_key_ignores_accents_and_case(name, key):
    assert sort_key(name) == key


def test_issued_token_is_stored_only_as_a_hash_and_rotation_replaces_it():
    delegation = DelegationFactory()
    first = delegation_issue_token(delegation=delegation)
    delegation.refresh_from_db()
    assert len(first) >= 43  # 32 random bytes in URL-safe base64
    assert first not in delegation.token_hash
    assert delegation.token_hash == hash_token(first)
    second = delegation_issue_token(delegation=delegation)
    delegation.refresh_from_db()
    assert second != first
    assert delegation.token_hash == hash_token(second)


def test_invite_creates_delegations_for_new_states_only():
    ceremony = CeremonyFactory()
    france, japan = StateFactory(country="FR", name="France"), StateFactory(country="JP", name="Japan")
    DelegationFactory(ceremony=ceremony, country="FR")
    created = delegations_invite(ceremony=ceremony, states=[france, japan])
    assert [d.name for d in created] == ["Japan"]
    assert Delegation.objects.get(ceremony=ceremony, country="JP").status == "invited"


def test_full_powers_only_for_a_signatory():
    powers = FullPowersFactory(signatory__is_signatory=False)
    with pytest.raises(ValidationError) as caught:
        powers.full_clean()
    assert caught.value.message_dict["signatory"] == ["Only a delegate marked as signatory holds full powers."]


VERIFY_FIRST = (
    "Full powers can be verified only once a copy was received or the original presented: enter that date first."
)


def test_full_powers_verified_with_nothing_received_are_refused():
    powers = FullPowersFactory(verification_status="verified", copy_received_on=None, original_presented_on=None)
    with pytest.raises(ValidationError) as caught:
        powers.full_clean()
    assert caught.value.message_dict == {"verification_status": [VERIFY_FIRST]}


@pytest.mark.parametrize(
    "fields",
    [
        {"verification_status": "verified", "copy_received_on": dt.date(2025, 10, 1)},
        {"verification_status": "verified", "original_presented_on": dt.date(2025, 10, 25)},
        {"verification_status": "pending"},
        {"verification_status": "rejected"},
    ],
    ids=["verified-copy", "verified-original", "pending-nothing", "rejected-nothing"],
)
def test_full_powers_clean_accepts(fields):
    FullPowersFactory(**fields).full_clean()


# --- Dates a delegation types: within a year of the ceremony (25–26 Oct 2025) -------------------------------------

YEAR_ONE = dt.datetime(1, 1, 1, tzinfo=hanoi(25, 0).tzinfo)  # BC once PostgreSQL moves it to UTC


@pytest.mark.parametrize(
    ("arrival", "departure", "refused"),
    [
        (YEAR_ONE, None, ["arrival_at"]),
        (None, dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), ["departure_at"]),
        (hanoi(1, 10).replace(year=2019), hanoi(1, 10).replace(year=2031), ["arrival_at", "departure_at"]),
        (hanoi(24, 23, 59).replace(year=2024), None, ["arrival_at"]),  # a year and a minute before the first day
        (None, hanoi(27, 0).replace(year=2026), ["departure_at"]),  # the minute after a year after the last day
    ],
)
def test_a_stay_far_from_the_ceremony_is_refused_with_the_window_named(arrival, departure, refused):
    delegation = DelegationFactory.build(ceremony=CeremonyFactory(), arrival_at=arrival, departure_at=departure)
    with pytest.raises(ValidationError) as caught:
        delegation.full_clean()
    assert sorted(caught.value.message_dict) == refused
    assert caught.value.message_dict[refused[0]] == [
        "Enter a time within a year of the ceremony: from 25 October 2024 to 26 October 2026."
    ]


def test_a_stay_at_the_edges_of_the_window_is_accepted():
    delegation = DelegationFactory.build(
        ceremony=CeremonyFactory(),
        arrival_at=hanoi(25, 0).replace(year=2024),
        departure_at=hanoi(26, 23, 59).replace(year=2026),
    )
    delegation.full_clean()


@pytest.mark.parametrize(
    "value", ["0001-01-02 00:00:00+00:00", "1899-12-31 23:59:00+00:00", "2200-01-01 00:00:00+00:00"]
)
@pytest.mark.parametrize("field", ["arrival_at", "departure_at"])
def test_the_database_refuses_a_stay_in_an_implausible_year(field, value):
    delegation = DelegationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_update(delegation, **{field: value})


@pytest.mark.parametrize("value", [dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(2200, 1, 2, tzinfo=dt.UTC)])
def test_code_saving_an_implausible_time_gets_a_clear_error(value):
    delegation = DelegationFactory()
    delegation.arrival_at = value
    with pytest.raises(ImplausibleDatetimeError, match=r"Delegation.arrival_at got .*, outside the plausible years"):
        delegation.save()


@pytest.mark.parametrize("field", ["issued_on", "copy_received_on", "original_presented_on"])
@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(2024, 10, 24), dt.date(2026, 10, 27), dt.date(9999, 1, 1)])
def test_full_powers_dates_far_from_the_ceremony_are_refused(field, day):
    powers = FullPowersFactory.build(signatory=DelegateFactory(is_signatory=True), **{field: day})
    with pytest.raises(ValidationError) as caught:
        powers.full_clean()
    assert caught.value.message_dict == {
        field: ["Enter a date within a year of the ceremony: from 25 October 2024 to 26 October 2026."]
    }


@pytest.mark.parametrize("field", ["issued_on", "copy_received_on", "original_presented_on"])
def test_the_database_refuses_full_powers_dates_in_an_implausible_year(field):
    powers = FullPowersFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_update(powers, **{field: "0001-01-01"})
