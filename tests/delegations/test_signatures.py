"""The signing, recorded (delegations.signatures): marking, deferring, correcting, and the refusals."""

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from delegations.enums import DelegationKind, DelegationStatus, PowersBasis, Rank, SignatureOutcome, VerificationStatus
from delegations.models import Signature
from delegations.signatures import (
    UNMARKED,
    SignatureError,
    called_position,
    marks_by_delegation,
    signature_correct,
    signature_defer,
    signature_record,
    signed_so_far,
)
from tests.ceremony.test_stale_edits import run_together
from tests.factories import CeremonyFactory, DelegateFactory, DelegationFactory, FullPowersFactory, hanoi

NOW = hanoi(25, 11)


@pytest.fixture(autouse=True)
def _now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def ceremony(db):
    return CeremonyFactory(is_current=True, slug="hanoi", host_country="VN")


@pytest.fixture
def lan(db):
    return get_user_model().objects.create_user("lan", password="unused-pw-123", is_staff=True)


def delegation_with(ceremony, code, name, rank=Rank.HEAD_OF_STATE, person=None, **powers):
    delegation = DelegationFactory(ceremony=ceremony, country=code, name=name, intends_to_sign=True)
    DelegateFactory(delegation=delegation, is_signatory=True, rank=rank, name=person or f"Head of {name}")
    signatory = delegation.members.get()
    if powers:
        FullPowersFactory(signatory=signatory, **powers)
    return delegation


def message(error):
    return error.value.messages


def test_record_signature_keeps_time_to_the_second_signatory_and_authority(ceremony, lan):
    france = delegation_with(ceremony, "FR", "France")
    mark = signature_record(delegation=france, user=lan, signed_at=hanoi(25, 10, 31) + dt.timedelta(seconds=5.7))
    mark.refresh_from_db()
    assert (
        mark.outcome,
        mark.signed_at,
        mark.signatory.name,
        mark.powers_basis,
        mark.full_powers,
        mark.recorded_by,
    ) == (
        SignatureOutcome.SIGNED,
        hanoi(25, 10, 31) + dt.timedelta(seconds=5),
        "Head of France",
        PowersBasis.NOT_NEEDED,
        None,
        lan,
    )
    assert [(h.history_type, h.history_user) for h in mark.history.all()] == [("+", lan)]


def test_record_signature_defaults_to_now_and_records_the_verified_full_powers(ceremony, lan):
    chile = delegation_with(
        ceremony, "CL", "Chile", Rank.AMBASSADOR, copy_received_on=dt.date(2025, 10, 1),
        verification_status=VerificationStatus.VERIFIED,
    )  # fmt: skip
    mark = signature_record(delegation=chile, user=lan)
    assert (mark.signed_at, mark.powers_basis, mark.full_powers) == (
        NOW,
        PowersBasis.FULL_POWERS,
        chile.members.get().full_powers,
    )


@pytest.mark.parametrize(
    ("powers", "state"),
    [
        ({}, "missing"),
        ({"copy_received_on": dt.date(2025, 10, 1)}, "copy received"),
        ({"copy_received_on": dt.date(2025, 10, 1), "verification_status": VerificationStatus.REJECTED}, "rejected"),
    ],
)
def test_record_signature_refused_without_verified_full_powers(ceremony, lan, powers, state):
    chile = delegation_with(ceremony, "CL", "Chile", Rank.AMBASSADOR, person="Ana Rojas")
    if powers:
        FullPowersFactory(signatory=chile.members.get(), **powers)
    with pytest.raises(SignatureError) as refused:
        signature_record(delegation=chile, user=lan)
    assert message(refused) == [
        f"Ana Rojas (ambassador or permanent representative) needs verified full powers to sign, and their full "
        f"powers are {state}: verify them first."
    ]
    assert not Signature.objects.exists()


def test_record_signature_refused_for_a_signatory_of_another_delegation(ceremony, lan):
    france, chile = delegation_with(ceremony, "FR", "France"), delegation_with(ceremony, "CL", "Chile")
    with pytest.raises(SignatureError) as refused:
        signature_record(delegation=france, user=lan, signatory=chile.members.get())
    assert message(refused) == ["Head of Chile is not a member of the delegation of France."]
    adviser = DelegateFactory(delegation=france, name="Paul Adviser", rank=Rank.ADVISER)
    with pytest.raises(SignatureError) as refused:
        signature_record(delegation=france, user=lan, signatory=adviser)
    assert message(refused) == ["Paul Adviser is not marked as a signatory of France."]
    assert not Signature.objects.exists()


def test_record_signature_refused_for_a_withdrawn_delegation(ceremony, lan):
    france = delegation_with(ceremony, "FR", "France")
    france.status = DelegationStatus.DECLINED
    france.save()
    with pytest.raises(SignatureError) as refused:
        signature_record(delegation=france, user=lan)
    assert message(refused) == ["France has withdrawn from the signing: it cannot be marked."]
    with pytest.raises(SignatureError):
        signature_defer(delegation=france, user=lan)
    assert not Signature.objects.exists()


def test_record_signature_refused_twice_and_in_the_future(ceremony, lan):
    france = delegation_with(ceremony, "FR", "France")
    with pytest.raises(SignatureError) as refused:
        signature_record(delegation=france, user=lan, signed_at=NOW + dt.timedelta(minutes=2))
    assert message(refused) == ["The time of the signature is in the future."]
    signature_record(delegation=france, user=lan, signed_at=hanoi(25, 10, 31, 5))
    for again in (signature_record, signature_defer):
        with pytest.raises(SignatureError) as refused:
            again(delegation=france, user=lan)
        assert message(refused) == ["France has already signed, at 10:31:05: to change that, correct the record."]
    assert Signature.objects.count() == 1


def test_deferred_delegation_signs_later_on_the_same_record(ceremony, lan):
    france = delegation_with(ceremony, "FR", "France")
    deferred = signature_defer(delegation=france, user=lan, notes="Minister delayed")
    assert (deferred.outcome, deferred.signed_at, deferred.signatory) == (SignatureOutcome.DEFERRED, None, None)
    signed = signature_record(delegation=france, user=lan)
    assert (signed.pk, signed.outcome, signed.notes) == (deferred.pk, SignatureOutcome.SIGNED, "Minister delayed")
    assert [h.outcome for h in signed.history.order_by("history_date", "history_id")] == ["deferred", "signed"]


def test_correct_a_mark_requires_a_reason_and_records_it(ceremony, lan):
    france = delegation_with(ceremony, "FR", "France")
    mark = signature_record(delegation=france, user=lan, signed_at=hanoi(25, 10, 31, 5))
    minh = get_user_model().objects.create_user("minh", password="unused-pw-123", is_staff=True)
    with pytest.raises(SignatureError) as refused:
        signature_correct(signature=mark, user=minh, reason="  ", outcome=SignatureOutcome.DEFERRED)
    assert message(refused) == ["Say why the record is corrected."]
    corrected = signature_correct(
        signature=mark, user=minh, reason="Typed 10:31 for 10:13", outcome=SignatureOutcome.SIGNED,
        signed_at=hanoi(25, 10, 13, 5), signatory=france.members.get(),
    )  # fmt: skip
    latest = corrected.history.latest()
    assert (corrected.signed_at, latest.history_user, latest.history_change_reason) == (
        hanoi(25, 10, 13, 5),
        minh,
        "Typed 10:31 for 10:13",
    )
    assert signature_correct(signature=corrected, user=minh, reason="Wrong row", outcome=UNMARKED) is None
    assert not Signature.objects.exists()
    gone = Signature.history.latest()
    assert (gone.history_type, gone.history_user, gone.history_change_reason) == ("-", minh, "Wrong row")


def test_correct_to_signed_still_needs_verified_full_powers(ceremony, lan):
    chile = delegation_with(ceremony, "CL", "Chile", Rank.AMBASSADOR, person="Ana Rojas")
    mark = signature_defer(delegation=chile, user=lan)
    with pytest.raises(SignatureError) as refused:
        signature_correct(
            signature=mark, user=lan, reason="She signed", outcome=SignatureOutcome.SIGNED,
            signed_at=hanoi(25, 10, 40), signatory=chile.members.get(),
        )  # fmt: skip
    assert message(refused)[0].startswith("Ana Rojas (ambassador or permanent representative) needs verified")
    assert Signature.objects.get().outcome == SignatureOutcome.DEFERRED


def test_database_refuses_two_records_for_one_delegation_and_a_signature_without_time(ceremony, lan):
    france = delegation_with(ceremony, "FR", "France")
    signature_defer(delegation=france, user=lan)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(ceremony=ceremony, delegation=france, outcome=SignatureOutcome.DEFERRED)
    chile = delegation_with(ceremony, "CL", "Chile")
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            ceremony=ceremony, delegation=chile, outcome=SignatureOutcome.SIGNED, signatory=chile.members.get(),
            powers_basis=PowersBasis.NOT_NEEDED,
        )  # fmt: skip


def test_called_position_is_the_first_unmarked_then_the_deferred(ceremony, lan):
    from delegations.run_sheet import signing_run_sheet

    names = ["Viet Nam", "Afghanistan", "Brazil", "Chile"]
    order = [delegation_with(ceremony, code, name) for code, name in zip(["VN", "AF", "BR", "CL"], names, strict=True)]
    for place, delegation in enumerate(order, start=1):
        delegation.signing_order = place
        delegation.save()
    rows = signing_run_sheet(ceremony=ceremony)
    assert called_position(rows, marks_by_delegation(ceremony=ceremony)) == 1
    signature_record(delegation=order[0], user=lan)
    signature_defer(delegation=order[1], user=lan)
    assert called_position(rows, marks_by_delegation(ceremony=ceremony)) == 3
    signature_record(delegation=order[2], user=lan)
    signature_record(delegation=order[3], user=lan)
    assert called_position(rows, marks_by_delegation(ceremony=ceremony)) == 2
    signature_record(delegation=order[1], user=lan)
    assert called_position(rows, marks_by_delegation(ceremony=ceremony)) is None


def test_signed_so_far_lists_states_and_organizations_apart_in_the_order_signed(ceremony, lan):
    france, chile = delegation_with(ceremony, "FR", "France"), delegation_with(ceremony, "CL", "Chile")
    eu = DelegationFactory(
        ceremony=ceremony, kind=DelegationKind.REIO, country="", name="European Union", intends_to_sign=True
    )
    DelegateFactory(delegation=eu, is_signatory=True, rank=Rank.FOREIGN_MINISTER, name="EU High Representative")
    signature_record(delegation=chile, user=lan, signed_at=hanoi(25, 10, 5))
    signature_record(delegation=eu, user=lan, signed_at=hanoi(25, 10, 7))
    signature_record(delegation=france, user=lan, signed_at=hanoi(25, 10, 9))
    signed = signed_so_far(ceremony=ceremony)
    assert [m.delegation.name for m in signed.states] == ["Chile", "France"]
    assert [m.delegation.name for m in signed.organizations] == ["European Union"]
    assert [m.delegation.name for m in signed.all] == ["Chile", "European Union", "France"]


# --- Two desks at once: threads against PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def needs_postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("runs concurrent writers: SQLite serialises whole transactions, PostgreSQL locks rows")


@pytest.mark.parametrize("attempt", range(3))
def test_two_desks_marking_one_delegation_at_once_record_one_signature(needs_postgresql, attempt):
    ceremony = CeremonyFactory(is_current=True, slug=f"race-{attempt}")
    france = delegation_with(ceremony, "FR", "France")
    lan = get_user_model().objects.create_user(f"lan-{attempt}", password="unused-pw-123")
    minh = get_user_model().objects.create_user(f"minh-{attempt}", password="unused-pw-123")

    results = run_together(
        lambda: signature_record(delegation=france, user=lan, signed_at=hanoi(25, 10, 31, 5)),
        lambda: signature_record(delegation=france, user=minh, signed_at=hanoi(25, 10, 31, 9)),
    )

    refused = [r for r in results if isinstance(r, SignatureError)]
    assert len(refused) == 1, results
    assert refused[0].messages[0].startswith("France has already signed, at 10:31:0")
    assert Signature.objects.filter(delegation=france).count() == 1
    assert Signature.history.filter(delegation_id=france.pk).count() == 1
