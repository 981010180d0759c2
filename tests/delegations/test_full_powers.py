"""Full powers: who needs them by rank, their state, and recording receipt and verification."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError

from delegations.enums import Rank, VerificationStatus
from delegations.full_powers import (
    FullPowersState,
    full_powers_record_receipt,
    full_powers_state,
    full_powers_verify,
    needs_full_powers,
)
from delegations.models import FullPowers
from tests.factories import DelegateFactory, FullPowersFactory

NEEDS = {
    Rank.HEAD_OF_STATE: False,
    Rank.HEAD_OF_GOVERNMENT: False,
    Rank.FOREIGN_MINISTER: False,
    Rank.MINISTER: True,
    Rank.DEPUTY_MINISTER: True,
    Rank.AMBASSADOR: True,  # credentials never substitute
    Rank.SENIOR_OFFICIAL: True,
    Rank.ADVISER: True,
    Rank.SECURITY: True,
    Rank.PRESS: True,
    Rank.OTHER: True,
}


def test_needs_full_powers_rule_covers_every_rank():
    assert set(NEEDS) == set(Rank)


@pytest.mark.parametrize(("rank", "needed"), NEEDS.items(), ids=[r.value for r in NEEDS])
def test_needs_full_powers_for_rank(rank, needed):
    assert needs_full_powers(rank) is needed


@pytest.mark.parametrize("rank", [Rank.HEAD_OF_STATE, Rank.HEAD_OF_GOVERNMENT, Rank.FOREIGN_MINISTER])
def test_full_powers_state_not_needed_even_without_record(db, rank):
    assert full_powers_state(DelegateFactory(is_signatory=True, rank=rank)) == FullPowersState.NOT_NEEDED


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (None, FullPowersState.MISSING),
        ({}, FullPowersState.MISSING),
        ({"copy_received_on": dt.date(2025, 10, 1)}, FullPowersState.RECEIVED),
        ({"original_presented_on": dt.date(2025, 10, 24)}, FullPowersState.RECEIVED),
        ({"copy_received_on": dt.date(2025, 10, 1), "verification_status": "verified"}, FullPowersState.VERIFIED),
        ({"copy_received_on": dt.date(2025, 10, 1), "verification_status": "rejected"}, FullPowersState.REJECTED),
    ],
    ids=["no-record", "nothing-received", "copy", "original", "verified", "rejected"],
)
def test_full_powers_state_of_ambassador(db, fields, expected):
    delegate = DelegateFactory(is_signatory=True, rank=Rank.AMBASSADOR)
    if fields is not None:
        FullPowersFactory(signatory=delegate, **fields)
        delegate.refresh_from_db()

    assert full_powers_state(delegate) == expected


def test_full_powers_record_receipt_creates_record_and_skips_exempt(db):
    ambassador = DelegateFactory(is_signatory=True, rank=Rank.AMBASSADOR)
    president = DelegateFactory(is_signatory=True, rank=Rank.HEAD_OF_STATE)

    result = full_powers_record_receipt(signatories=[ambassador, president], on=dt.date(2025, 10, 20))

    assert result == (1, 1)
    assert list(FullPowers.objects.values_list("signatory__name", "copy_received_on", "original_presented_on")) == [
        (ambassador.name, dt.date(2025, 10, 20), None)
    ]


def test_full_powers_verify_records_who_and_skips_unreceived(db):
    user = get_user_model().objects.create_user("protocol")
    received = FullPowersFactory(copy_received_on=dt.date(2025, 10, 20)).signatory
    unreceived = FullPowersFactory().signatory

    result = full_powers_verify(signatories=[received, unreceived], user=user)

    assert result == (1, 1)
    powers = FullPowers.objects.get(signatory=received)
    assert (powers.verification_status, powers.verified_by) == (VerificationStatus.VERIFIED, user)
    assert powers.verified_at is not None
    assert FullPowers.objects.get(signatory=unreceived).verification_status == VerificationStatus.PENDING


def test_full_powers_verify_of_a_batch_is_all_or_nothing(transactional_db, monkeypatch):
    user = get_user_model().objects.create_user("protocol")
    first = FullPowersFactory(copy_received_on=dt.date(2025, 10, 20)).signatory
    second = FullPowersFactory(copy_received_on=dt.date(2025, 10, 21)).signatory
    save = FullPowers.save

    def save_fails_for_the_second(powers, *args, **kwargs):
        if powers.signatory_id == second.pk:
            raise DatabaseError("disk full")
        return save(powers, *args, **kwargs)

    monkeypatch.setattr(FullPowers, "save", save_fails_for_the_second)
    with pytest.raises(DatabaseError, match="disk full"):
        full_powers_verify(signatories=[first, second], user=user)

    assert list(FullPowers.objects.order_by("signatory__pk").values_list("verification_status", "verified_by")) == [
        (VerificationStatus.PENDING, None),
        (VerificationStatus.PENDING, None),
    ]
