"""A delegate's personal data, exported or erased on request."""

import json
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from delegations.badges import badges_issue
from delegations.door import check_in
from delegations.enums import AccreditationStatus, ClearanceStatus, Rank
from delegations.models import Delegate, Delegation, Entry
from delegations.personal_data import ERASED_REASON, delegate_export
from delegations.views import SELF_SERVICE_REASON
from tests.adminpages import add_inline_row, admin_url, form_values
from tests.delegations.test_views import form_data
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
    assert (data["badges"], data["entries"]) == ([], [])


def test_export_gives_the_badges_and_the_times_of_entry(delegate):
    Delegate.objects.filter(pk=delegate.pk).update(
        accreditation_status=AccreditationStatus.ACCREDITED, clearance_status=ClearanceStatus.CLEARED
    )
    (old,) = badges_issue(delegates=[delegate], user=None)
    (badge,) = badges_issue(delegates=[delegate], user=None)
    check_in(typed=badge.code, officer=None)
    entry = Entry.objects.get()
    old.refresh_from_db()

    data = delegate_export(delegate_id=delegate.pk)

    assert data["badges"] == [
        {"id": old.code, "printed": old.issued_at.isoformat(), "revoked": old.revoked_at.isoformat()},
        {"id": badge.code, "printed": badge.issued_at.isoformat(), "revoked": None},
    ]
    assert data["entries"] == [entry.at.isoformat()]


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
    with pytest.raises(CommandError, match=r"^No delegate with id 999, neither in the records nor in the history\.$"):
        call_command(*args, stdout=StringIO())


# --- after the delegate was deleted, and in the admin's log ---------------------------------------------------------


@pytest.fixture
def removed(client, world):
    """A delegate added and changed by organizers in the admin, then removed by the delegation through its form."""
    organizer = get_user_model().objects.create_superuser("lan", password="unused-pw-123")
    client.force_login(organizer)
    url = admin_url(Delegation, "change", world.alpha.pk)
    values = form_values(client.get(url))
    add_inline_row(values, "members", name="Nguyễn Thị Lan", position="Counsellor", rank=Rank.ADVISER)
    assert client.post(url, values).status_code == 302
    person = Delegate.objects.get(name="Nguyễn Thị Lan")
    url = admin_url(Delegate, "change", person.pk)
    values = form_values(client.get(url))
    values.update(email="lan@example.vn", phone="+84 24 1234")
    assert client.post(url, values).status_code == 302
    client.logout()
    data = form_data(world.alpha, **{"members-0-DELETE": "on"})
    assert client.post(f"/d/{world.alpha_token}/edit/", data).status_code == 302
    assert not Delegate.objects.filter(pk=person.pk).exists()
    return person.pk


def _logged_text():
    return [(entry.object_repr, entry.get_change_message()) for entry in LogEntry.objects.order_by("pk")]


def test_export_of_a_deleted_delegate_comes_from_its_history(removed):
    out = StringIO()
    call_command("export_personal_data", str(removed), stdout=out)
    data = json.loads(out.getvalue())
    last = Delegate.history.filter(id=removed).latest("history_date")
    assert data["deleted_at"] == last.history_date.isoformat()
    assert data["delegate"] == {
        "name": "Nguyễn Thị Lan",
        "position": "Counsellor",
        "email": "lan@example.vn",
        "phone": "+84 24 1234",
        "delegation": "France",
        "rank": "adviser",
        "head_of_delegation": False,
        "signatory": False,
        "accreditation": "pending",
        "security_clearance": "pending",
    }
    assert [(h["change"], h["by"], h["email"]) for h in data["history"]] == [
        ("created", "lan", ""),
        ("changed", "lan", "lan@example.vn"),
        ("deleted", None, "lan@example.vn"),
    ]


def test_erasing_a_deleted_delegate_clears_its_history_and_keeps_it_deleted(removed):
    out = StringIO()
    call_command("erase_personal_data", str(removed), "--yes", stdout=out)

    assert out.getvalue().strip() == (
        f"Personal data of delegate {removed} erased (deleted earlier; erased from its history); "
        f"now “Erased delegate {removed}”."
    )
    history = list(Delegate.history.filter(id=removed).order_by("history_date", "history_id"))
    assert [(e.history_type, e.history_change_reason) for e in history] == [
        ("+", None),
        ("~", None),
        ("-", SELF_SERVICE_REASON),
        ("-", ERASED_REASON),
    ]
    assert {(e.name, e.position, e.email, e.phone) for e in history} == {(f"Erased delegate {removed}", "", "", "")}
    assert removed not in [delegate.pk for delegate in Delegate.history.as_of(timezone.now())]


def test_erasure_scrubs_the_name_from_the_admins_log(removed):
    before = _logged_text()
    assert any("Nguyễn Thị Lan" in repr_ + message for repr_, message in before)

    call_command("erase_personal_data", str(removed), "--yes", stdout=StringIO())

    assert _logged_text() == [
        ("France", f"Added delegate “Erased delegate {removed}”."),
        (f"Erased delegate {removed}", "Changed Email and Telephone."),
    ]


def test_erasing_a_live_delegate_scrubs_the_admins_log_too(admin_client, delegate):
    url = admin_url(Delegate, "change", delegate.pk)
    values = form_values(admin_client.get(url))
    assert admin_client.post(url, {**values, "position": "Minister"}).status_code == 302

    call_command("erase_personal_data", str(delegate.pk), "--yes", stdout=StringIO())

    assert _logged_text() == [(f"Erased delegate {delegate.pk}", "Changed Position.")]
