"""A delegate's personal data, exported or erased on request."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from delegations.models import Delegate
from delegations.privacy import ERASED_REASON
from tests.factories import DelegateFactory, FullPowersFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegate():
    person = DelegateFactory(name="Jeanne Martin", position="Ambassador", email="jeanne@example.fr", phone="+33 1")
    person.phone = "+33 1 23 45 67 89"
    person.save()
    return person


def test_export_gives_all_personal_data_with_its_history(delegate):
    FullPowersFactory(signatory=delegate, issuing_authority="Minister for Europe and Foreign Affairs")
    out = StringIO()
    call_command("export_personal_data", str(delegate.pk), stdout=out)
    data = json.loads(out.getvalue())
    assert data["delegate"]["name"] == "Jeanne Martin"
    assert data["delegate"]["email"] == "jeanne@example.fr"
    assert data["delegate"]["delegation"] == delegate.delegation.name
    assert data["full_powers"]["issued_by"] == "Minister for Europe and Foreign Affairs"
    assert [(h["change"], h["phone"]) for h in data["history"]] == [
        ("created", "+33 1"),
        ("changed", "+33 1 23 45 67 89"),
    ]


def test_erase_removes_personal_data_everywhere_and_keeps_a_trace(delegate):
    call_command("erase_personal_data", str(delegate.pk), "--yes", stdout=StringIO())
    delegate.refresh_from_db()
    assert (delegate.name, delegate.position, delegate.email, delegate.phone) == (
        f"Erased delegate {delegate.pk}", "", "", "",
    )  # fmt: skip
    history = list(delegate.history.order_by("history_date"))
    assert len(history) == 3
    assert history[-1].history_change_reason == ERASED_REASON
    for entry in history:
        assert "Jeanne" not in entry.name
        assert (entry.email, entry.phone, entry.position) == ("", "", "")


def test_erase_needs_confirmation(delegate):
    with pytest.raises(CommandError, match="add --yes to confirm"):
        call_command("erase_personal_data", str(delegate.pk), stdout=StringIO())
    assert Delegate.objects.get(pk=delegate.pk).name == "Jeanne Martin"


@pytest.mark.parametrize("args", [["export_personal_data", "999"], ["erase_personal_data", "999", "--yes"]])
def test_unknown_delegate_is_a_clear_error(args):
    with pytest.raises(CommandError, match="No delegate with id 999"):
        call_command(*args, stdout=StringIO())
