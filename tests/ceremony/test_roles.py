"""Roles: what each group may do in the admin, field by field, and the history of every change."""

import html
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from ceremony.enums import ItemKind, Visibility
from ceremony.models import Ceremony, ScheduleItem, StaffMember
from ceremony.services import CANCELLED_REASON
from delegations.enums import ClearanceStatus, Rank, VerificationStatus
from delegations.models import Badge, Delegate, Delegation, FullPowers, Signatory
from planner.seeding import SEED_REASON
from tests.adminpages import admin_url, form_values, page_text, plain, run_action, shown_messages
from tests.factories import (
    DelegateFactory,
    FullPowersFactory,
    KeyFigureFactory,
    MilestoneFactory,
    OfficialFactory,
    ScheduleItemFactory,
    SourceFactory,
    StateFactory,
    hanoi,
)

# What each group may do: v(iew), a(dd), c(hange), d(elete). Anything else is refused.
EXPECTED = {
    "Protocol": {
        "ceremony.ceremony": "vac", "ceremony.agency": "v", "ceremony.official": "vacd", "ceremony.venue": "v",
        "ceremony.room": "v", "ceremony.scheduleitem": "vacd", "ceremony.milestone": "vacd",
        "ceremony.keyfigure": "vacd", "ceremony.source": "vac", "ceremony.staffmember": "v",
        "delegations.state": "v", "delegations.delegation": "vacd", "delegations.delegate": "vacd",
        "delegations.fullpowers": "vacd", "delegations.signatory": "vac",
    },
    "Security": {
        "ceremony.ceremony": "v", "ceremony.agency": "v", "ceremony.official": "v", "ceremony.venue": "vacd",
        "ceremony.room": "vacd", "ceremony.scheduleitem": "vacd", "ceremony.milestone": "v", "ceremony.keyfigure": "v",
        "ceremony.source": "v", "ceremony.staffmember": "v", "delegations.state": "v",
        "delegations.delegation": "v", "delegations.delegate": "vc", "delegations.fullpowers": "v",
        "delegations.signatory": "v",
    },
    "Logistics": {
        "ceremony.ceremony": "v", "ceremony.agency": "v", "ceremony.official": "v", "ceremony.venue": "v",
        "ceremony.room": "v", "ceremony.scheduleitem": "va", "ceremony.milestone": "v", "ceremony.keyfigure": "v",
        "ceremony.source": "v", "ceremony.staffmember": "v", "delegations.state": "v",
        "delegations.delegation": "vc", "delegations.delegate": "v", "delegations.fullpowers": "v",
        "delegations.signatory": "v",
    },
    "Viewer": dict.fromkeys(
        (
            "ceremony.ceremony", "ceremony.agency", "ceremony.official", "ceremony.venue", "ceremony.room",
            "ceremony.scheduleitem", "ceremony.milestone", "ceremony.keyfigure", "ceremony.source",
            "ceremony.staffmember", "delegations.state", "delegations.delegation", "delegations.delegate",
            "delegations.fullpowers", "delegations.signatory",
        ),
        "v",
    ),
}  # fmt: skip


def organizer(client, group):
    user = get_user_model().objects.create_user(f"{group.lower()}-officer", password="unused-pw-123", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


@pytest.fixture
def one_of_each(world):
    """An object of every model the admin shows."""
    SourceFactory()
    OfficialFactory(agency=world.mps)
    MilestoneFactory(ceremony=world.ceremony)
    KeyFigureFactory(ceremony=world.ceremony)
    StateFactory()
    signatory = DelegateFactory(delegation=world.alpha, name="Jeanne Martin", is_signatory=True, rank=Rank.AMBASSADOR)
    FullPowersFactory(signatory=signatory)
    Badge.objects.create(delegate=signatory, code="7KQ2M9XH4R")
    return world


def test_the_four_groups_exist(db):
    assert sorted(Group.objects.values_list("name", flat=True)) == ["Logistics", "Protocol", "Security", "Viewer"]


@pytest.mark.parametrize("group", EXPECTED)
@pytest.mark.parametrize("label", EXPECTED["Viewer"])
def test_what_each_group_may_do_in_the_admin(client, admin_client, one_of_each, group, label):
    """Logistics' schedule items: a side event here, see test_logistics_changes_transport_items_only for transport."""
    from django.apps import apps

    model = apps.get_model(label)
    organizer(client, group)
    allowed = EXPECTED[group][label]
    obj = model.objects.get(uid="security-sweep") if model is ScheduleItem else model.objects.order_by("pk").first()
    name = model._meta.verbose_name

    assert client.get(admin_url(model, "changelist")).status_code == (200 if "v" in allowed else 403)
    assert client.get(admin_url(model, "add")).status_code == (200 if "a" in allowed else 403)
    heading = f"<h1>{'Change' if 'c' in allowed else 'View'} {name}</h1>"
    assert heading in page_text(client.get(admin_url(model, "change", obj.pk)))
    assert client.get(admin_url(model, "delete", obj.pk)).status_code == (200 if "d" in allowed else 403)

    # A refused change posted anyway is refused, and nothing is saved.
    history, count = obj.history.count(), model.objects.count()
    if "c" not in allowed:
        values = form_values(admin_client.get(admin_url(model, "change", obj.pk)))
        assert client.post(admin_url(model, "change", obj.pk), values).status_code == 403
    if "a" not in allowed:
        values = form_values(admin_client.get(admin_url(model, "add")))
        assert client.post(admin_url(model, "add"), values).status_code == 403
    if "d" not in allowed:
        assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert (obj.history.count(), model.objects.count()) == (history, count)


# --- field-level rules ---------------------------------------------------------------------------------------------


def _post_change(client, obj, **changes):
    url = admin_url(type(obj), "change", obj.pk)
    values = form_values(client.get(url))
    values.update(changes)
    return client.post(url, values)


@pytest.fixture
def delegate(world):
    return DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR, is_signatory=True)


def test_security_changes_clearance_but_not_who_the_delegate_is(client, delegate):
    organizer(client, "Security")
    page = page_text(client.get(admin_url(Delegate, "change", delegate.pk)))
    assert 'name="clearance_status"' in page
    assert 'name="name"' not in page  # shown, read-only

    assert _post_change(client, delegate, clearance_status=ClearanceStatus.CLEARED).status_code == 302
    delegate.refresh_from_db()
    assert delegate.clearance_status == ClearanceStatus.CLEARED

    refused = _post_change(client, delegate, name="Someone Else", clearance_status=ClearanceStatus.REFUSED)
    assert refused.status_code == 403
    assert "Your role may not change: Name as in passport. Nothing was saved." in html.unescape(page_text(refused))
    delegate.refresh_from_db()
    assert (delegate.name, delegate.clearance_status) == ("Jeanne Martin", ClearanceStatus.CLEARED)


def test_protocol_changes_the_delegate_but_not_the_clearance(client, delegate):
    organizer(client, "Protocol")
    assert _post_change(client, delegate, position="Ambassador to Viet Nam").status_code == 302
    refused = _post_change(client, delegate, clearance_status=ClearanceStatus.CLEARED)
    assert refused.status_code == 403
    delegate.refresh_from_db()
    assert (delegate.position, delegate.clearance_status) == ("Ambassador to Viet Nam", ClearanceStatus.PENDING)


def test_clearance_in_the_delegation_inline_is_refused_to_protocol(client, world, delegate):
    organizer(client, "Protocol")
    url = admin_url(Delegation, "change", world.alpha.pk)
    values = form_values(client.get(url))
    assert "members-0-clearance_status" not in values
    values["members-0-clearance_status"] = ClearanceStatus.CLEARED
    values["hotel"] = "Hotel Metropole"
    assert client.post(url, values).status_code == 403
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == ""
    assert Delegate.objects.get(pk=delegate.pk).clearance_status == ClearanceStatus.PENDING


@pytest.mark.parametrize("group", ["Protocol", "Security", "Logistics"])
def test_a_group_saves_a_delegation_with_members_shown_inline(client, world, group):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin")
    organizer(client, group)
    url = admin_url(Delegation, "change", world.alpha.pk)
    values = form_values(client.get(url))
    if group == "Security":  # Security reads delegations; it changes members on their own page
        assert client.post(url, {**values, "hotel": "Hotel Metropole"}).status_code == 403
        return
    assert "members-0-delegation" in values  # each row's hidden key to its delegation, as a browser posts it

    assert client.post(url, {**values, "hotel": "Hotel Metropole"}).status_code == 302
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Hotel Metropole"


def test_logistics_records_stays_but_not_the_order_of_signing(client, world):
    organizer(client, "Logistics")
    assert _post_change(client, world.alpha, hotel="Hotel Metropole").status_code == 302
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Hotel Metropole"
    assert _post_change(client, world.alpha, signing_order="2").status_code == 403
    assert Delegation.objects.get(pk=world.alpha.pk).signing_order is None


@pytest.fixture
def shuttle(world):
    return ScheduleItemFactory(
        ceremony=world.ceremony, uid="shuttle", title="Shuttle to the hotels", kind=ItemKind.TRANSPORT,
        visibility=Visibility.DELEGATIONS, starts_at=hanoi(25, 18), ends_at=hanoi(25, 18, 30),
    )  # fmt: skip


def test_logistics_changes_transport_items_only(client, world, shuttle):
    organizer(client, "Logistics")
    assert "<h1>Change schedule item</h1>" in page_text(client.get(admin_url(ScheduleItem, "change", shuttle.pk)))
    assert _post_change(client, shuttle, title="Shuttle to the Metropole").status_code == 302
    assert ScheduleItem.objects.get(pk=shuttle.pk).title == "Shuttle to the Metropole"

    opening = world.items.opening
    assert "<h1>View schedule item</h1>" in page_text(client.get(admin_url(ScheduleItem, "change", opening.pk)))
    values = form_values(client.get(admin_url(ScheduleItem, "change", shuttle.pk)))
    values.update(title="Opening", visibility=Visibility.INTERNAL)
    assert client.post(admin_url(ScheduleItem, "change", opening.pk), values).status_code == 403
    opening.refresh_from_db()
    assert (opening.title, opening.visibility) == ("Opening, speeches; and\nwelcome", Visibility.PUBLIC)


def test_logistics_may_not_turn_a_transport_item_into_another_kind(client, world, shuttle):
    organizer(client, "Logistics")
    page = page_text(client.get(admin_url(ScheduleItem, "change", shuttle.pk)))
    assert re.findall(r'<option value="(\w+)"[^>]*>', page.split('name="kind"', 1)[1].split("</select>", 1)[0]) == [
        "transport"
    ]

    response = _post_change(client, shuttle, kind=ItemKind.SIGNING)

    assert response.status_code == 200
    assert "Select a valid choice. signing is not one of the available choices." in html.unescape(page_text(response))
    assert ScheduleItem.objects.get(pk=shuttle.pk).kind == ItemKind.TRANSPORT


def test_logistics_adds_transport_items_only(client, admin_client, world):
    organizer(client, "Logistics")
    values = form_values(admin_client.get(admin_url(ScheduleItem, "add")))
    values.update(
        ceremony=world.ceremony.pk, title="Airport pick-up", starts_at_0="2025-10-24", starts_at_1="10:00",
        ends_at_0="2025-10-24", ends_at_1="11:00", lead_agency=world.mps.pk, visibility=Visibility.INTERNAL,
        status="confirmed",
    )  # fmt: skip

    refused = client.post(admin_url(ScheduleItem, "add"), {**values, "kind": ItemKind.PLENARY})
    assert refused.status_code == 200
    assert "Select a valid choice. plenary is not one of the available choices." in html.unescape(page_text(refused))
    assert not ScheduleItem.objects.filter(title="Airport pick-up").exists()

    assert client.post(admin_url(ScheduleItem, "add"), {**values, "kind": ItemKind.TRANSPORT}).status_code == 302
    assert ScheduleItem.objects.get(title="Airport pick-up").kind == ItemKind.TRANSPORT


def test_logistics_cancels_transport_items_only(client, world, shuttle):
    organizer(client, "Logistics")
    response = run_action(client, ScheduleItem, "cancel_items", [shuttle, world.items.opening])
    assert shown_messages(response) == [
        ("error", "1 selected item is not of a kind your role may change (transport); nothing was cancelled.")
    ]
    assert set(ScheduleItem.objects.filter(uid__in=["shuttle", "opening"]).values_list("status", flat=True)) == {
        "confirmed"
    }
    response = run_action(client, ScheduleItem, "cancel_items", [shuttle])
    assert shown_messages(response) == [("success", "1 item cancelled.")]
    assert ScheduleItem.objects.get(pk=shuttle.pk).status == "cancelled"


@pytest.mark.parametrize(
    ("groups", "superuser", "expected"),
    [
        (["Logistics"], False, {"transport"}),
        (["Logistics", "Security"], False, None),  # Security's own reach is not narrowed
        (["Logistics", "Viewer"], False, {"transport"}),
        (["Protocol"], False, None),
        (["Logistics"], True, None),
    ],
)
def test_which_kinds_of_item_a_user_changes(db, groups, superuser, expected):
    from ceremony.roles import item_kinds

    user = get_user_model().objects.create_user("officer", is_staff=True, is_superuser=superuser)
    user.groups.set(Group.objects.filter(name__in=groups))
    assert item_kinds(user) == (None if expected is None else frozenset(expected))


def test_only_protocol_verifies_full_powers_and_is_recorded_as_verifier(client, delegate):
    powers = FullPowersFactory(signatory=delegate, copy_received_on="2025-10-01")
    organizer(client, "Security")  # may see full powers, not judge them
    refused = _post_change(client, powers, verification_status=VerificationStatus.VERIFIED)
    assert refused.status_code == 403
    assert FullPowers.objects.get(pk=powers.pk).verification_status == VerificationStatus.PENDING

    protocol = organizer(client, "Protocol")
    assert _post_change(client, powers, verification_status=VerificationStatus.VERIFIED).status_code == 302
    powers.refresh_from_db()
    assert (powers.verification_status, powers.verified_by) == (VerificationStatus.VERIFIED, protocol)


def test_the_signatories_verify_action_is_protocols_alone(client, delegate):
    FullPowersFactory(signatory=delegate, copy_received_on="2025-10-01")
    organizer(client, "Logistics")
    assert client.get(admin_url(Signatory, "changelist")).status_code == 200
    assert 'value="mark_verified"' not in page_text(client.get(admin_url(Signatory, "changelist")))
    client.logout()
    organizer(client, "Protocol")
    assert 'value="mark_verified"' in page_text(client.get(admin_url(Signatory, "changelist")))


def test_viewer_changes_nothing(client, world):
    organizer(client, "Viewer")
    assert _post_change(client, world.alpha, hotel="Hotel Metropole").status_code == 403
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == ""


# --- history ---------------------------------------------------------------------------------------------------------


def history_rows(response):
    """The rows of an object's history page, each as (object, change, by, reason, what changed), newest first."""
    body = re.search(r'<table id="change-history".*?<tbody>(.*?)</tbody>', page_text(response), re.S)[1]
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    rows = [[plain(cell) for cell in row] for row in cells]
    return [(obj, change, by, reason, " ".join(changes.split())) for obj, _when, change, by, reason, changes in rows]


def test_an_admin_change_is_recorded_with_its_organizer(client, world):
    user = organizer(client, "Protocol")
    _post_change(client, world.items.opening, title="Opening ceremony")
    entry = ScheduleItem.objects.get(uid="opening").history.first()
    assert (entry.history_user, entry.title, entry.history_type) == (user, "Opening ceremony", "~")
    assert history_rows(client.get(admin_url(ScheduleItem, "history", world.items.opening.pk))) == [
        (
            "Opening ceremony",
            "Changed",
            "protocol-officer",
            "None",  # an organizer gives no reason in the form
            "Title (English): Opening, speeches; and welcome → Opening ceremony",
        ),
        ("Opening, speeches; and\nwelcome", "Created", "None", "None", ""),
    ]


def test_a_cancellation_is_recorded_with_its_organizer(client, world):
    user = organizer(client, "Security")
    run_action(client, ScheduleItem, "cancel_items", [world.items.opening])
    entry = ScheduleItem.objects.get(uid="opening").history.first()
    assert (entry.history_user, entry.status, entry.history_change_reason) == (user, "cancelled", CANCELLED_REASON)
    newest = history_rows(client.get(admin_url(ScheduleItem, "history", world.items.opening.pk)))[0]
    assert newest[1:] == ("Changed", "security-officer", CANCELLED_REASON, "Status: confirmed → cancelled")


def test_an_import_is_recorded_as_such(seeded):
    entry = Ceremony.objects.get(slug="hanoi-2025").history.get()
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == ("+", None, SEED_REASON)
    records = ScheduleItem.history.filter(history_change_reason=SEED_REASON)
    # A version when each item is created, and one more when the 10 items with supporting agencies get them.
    assert (records.filter(history_type="+").count(), records.filter(history_type="~").count()) == (12, 10)


# --- old versions: read, never restored ------------------------------------------------------------------------------


def history_form_url(obj, entry):
    model = type(obj)._meta.concrete_model
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history", args=[obj.pk, entry.pk])


def _old_version_post(admin_client, obj, **changes):
    """What the old-version page's form held before it became read-only: the change form's fields."""
    values = form_values(admin_client.get(admin_url(type(obj), "change", obj.pk)))
    values.update(changes)
    return values


@pytest.mark.parametrize("group", ["Protocol", "Security", "Logistics", "Viewer"])
def test_no_group_can_overwrite_an_item_through_its_old_version(client, admin_client, world, group):
    item = world.items.opening
    oldest = item.history.earliest()
    values = _old_version_post(admin_client, item, title="Hijacked")
    organizer(client, group)

    refused = client.post(history_form_url(item, oldest), values)

    assert refused.status_code == 403
    assert "Old versions can only be viewed. To restore a value, change it in the form. Nothing was saved." in (
        html.unescape(page_text(refused))
    )
    assert ScheduleItem.objects.get(pk=item.pk).title == "Opening, speeches; and\nwelcome"
    assert item.history.count() == 1


def test_protocol_cannot_undo_a_clearance_through_an_old_version(client, admin_client, delegate):
    pending = delegate.history.get()
    security = organizer(client, "Security")
    assert _post_change(client, delegate, clearance_status=ClearanceStatus.CLEARED).status_code == 302
    values = _old_version_post(admin_client, delegate, clearance_status=ClearanceStatus.PENDING)
    client.logout()
    organizer(client, "Protocol")

    assert client.post(history_form_url(delegate, pending), values).status_code == 403

    entry = Delegate.objects.get(pk=delegate.pk).history.first()
    assert (entry.clearance_status, entry.history_user) == (ClearanceStatus.CLEARED, security)


def test_not_even_a_superuser_restores_an_old_version(admin_client, world):
    item = world.items.opening
    values = _old_version_post(admin_client, item, title="Hijacked")
    assert admin_client.post(history_form_url(item, item.history.get()), values).status_code == 403
    assert ScheduleItem.objects.get(pk=item.pk).title == "Opening, speeches; and\nwelcome"


def test_a_viewer_reads_an_old_version_without_a_form_to_post(client, world):
    item = world.items.opening
    oldest = item.history.get()
    ScheduleItem.objects.filter(pk=item.pk).update(title="Opening ceremony")
    organizer(client, "Viewer")

    response = client.get(history_form_url(item, oldest))

    assert response.status_code == 200
    page = page_text(response)
    assert '<div class="readonly">Opening, speeches; and<br>welcome</div>' in page
    assert form_values(response) == {"csrfmiddlewaretoken": form_values(response)["csrfmiddlewaretoken"]}
    assert "Revert" not in page


def test_every_admin_with_a_history_reads_old_versions_only(admin_client, one_of_each):
    from django.contrib import admin

    from ceremony.admin_permissions import HistoryAdmin

    with_history = [model for model in admin.site._registry if hasattr(model._meta.concrete_model, "history")]
    assert len(with_history) == 16
    for model in with_history:
        obj = model.objects.order_by("pk").first()
        if model is Signatory:  # shows the delegate's history
            continue
        assert isinstance(admin.site._registry[model], HistoryAdmin), model
        assert admin_client.get(history_form_url(obj, obj.history.first())).status_code == 200, model


def test_a_signatorys_history_is_the_delegates(admin_client, one_of_each):
    signatory = Signatory.objects.get(name="Jeanne Martin")
    response = admin_client.get(admin_url(Signatory, "history", signatory.pk))
    assert (response.status_code, response["Location"]) == (302, admin_url(Delegate, "history", signatory.pk))
    page = page_text(admin_client.get(response["Location"]))
    assert "View history: Jeanne Martin" in page


# --- create_organizer -------------------------------------------------------------------------------------------------


def test_create_organizer_makes_a_staff_account_in_its_group_and_agency(world):
    out = StringIO()
    call_command("create_organizer", "lan", group="Security", agency="mps", email="lan@mps.example", stdout=out)
    user = get_user_model().objects.get(username="lan")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Security"]
    assert StaffMember.objects.get(user=user).agency == world.mps
    password = out.getvalue().split("password: ", 1)[1].split()[0]
    assert user.check_password(password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"group": "Security", "agency": "nowhere"}, "No agency with code 'nowhere' (known: mofa, mps)."),
        ({"group": "Security", "agency": "mps", "username": "officer"}, "A user named 'officer' already exists."),
    ],
)
def test_create_organizer_refusals(world, args, message):
    username = args.pop("username", "lan")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("create_organizer", username, stdout=StringIO(), **args)


def test_create_organizer_refuses_a_weak_password(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("password\n"))
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_organizer", "lan", group="Viewer", agency="mps", password_stdin=True, stdout=StringIO())
    assert not get_user_model().objects.filter(username="lan").exists()


def test_create_organizer_refuses_an_unknown_group(world):
    with pytest.raises(CommandError, match="invalid choice: 'Admins'"):
        call_command("create_organizer", "lan", "--group", "Admins", "--agency", "mps", stdout=StringIO())
    assert not get_user_model().objects.filter(username="lan").exists()
    assert not StaffMember.objects.filter(user__username="lan").exists()


# --- Every editable field has an owner -------------------------------------------------------------------------------


def _planner_models():
    from django.apps import apps

    return [
        model
        for label in ("ceremony", "delegations")
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and not model.__name__.startswith("Historical")
    ]


def test_every_editable_field_of_every_model_has_an_owner_in_the_role_table():
    from ceremony.roles import FIELD_PERMISSIONS

    unowned = [
        f"{model._meta.label_lower}.{field.name}"
        for model in _planner_models()
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if field.editable and not field.auto_created and not field.primary_key
        and field.name not in FIELD_PERMISSIONS.get(model._meta.label_lower, {})
    ]  # fmt: skip
    assert unowned == []


def test_the_role_table_names_only_real_fields_and_permissions(db):
    from django.contrib.auth.models import Permission

    from ceremony.roles import FIELD_PERMISSIONS

    models = {model._meta.label_lower: model for model in _planner_models()}
    named = {(label, field) for label, fields in FIELD_PERMISSIONS.items() for field in fields}
    real = {(label, f.name) for label, model in models.items() for f in model._meta.get_fields()}
    assert named - real == set()
    known = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    assert {p for fields in FIELD_PERMISSIONS.values() for p in fields.values()} - known == set()


# --- The leaks: who moves members, withdraws a delegation, issues links ---------------------------------------------


def test_security_may_not_move_a_delegate_to_another_delegation(client, world, delegate):
    organizer(client, "Security")
    page = page_text(client.get(admin_url(Delegate, "change", delegate.pk)))
    assert 'name="delegation"' not in page  # shown, read-only

    refused = _post_change(client, delegate, delegation=str(world.beta.pk))
    assert refused.status_code == 403
    assert "Your role may not change: Delegation. Nothing was saved." in html.unescape(page_text(refused))
    assert Delegate.objects.get(pk=delegate.pk).delegation == world.alpha


def test_security_moving_a_head_to_a_delegation_with_a_head_is_refused_not_an_error(client, world):
    head = DelegateFactory(delegation=world.alpha, name="Jeanne Martin", is_head=True)
    DelegateFactory(delegation=world.beta, name="Taro Yamada", is_head=True)
    organizer(client, "Security")

    assert _post_change(client, head, delegation=str(world.beta.pk)).status_code == 403
    assert Delegate.objects.get(pk=head.pk).delegation == world.alpha


def test_moving_a_head_to_a_delegation_with_a_head_is_a_form_error(client, world):
    head = DelegateFactory(delegation=world.alpha, name="Jeanne Martin", is_head=True)
    DelegateFactory(delegation=world.beta, name="Taro Yamada", is_head=True)
    organizer(client, "Protocol")

    response = _post_change(client, head, delegation=str(world.beta.pk))

    assert response.status_code == 200
    assert "This delegation already has a head of delegation." in page_text(response)
    assert Delegate.objects.get(pk=head.pk).delegation == world.alpha


@pytest.fixture
def signing_slot(world):
    world.alpha.intends_to_sign, world.alpha.status, world.alpha.signing_order = True, "confirmed", 1
    world.alpha.save()
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.HEAD_OF_STATE, is_signatory=True)
    slot = ScheduleItemFactory(
        ceremony=world.ceremony, uid=f"signing-{world.ceremony.slug}-{world.alpha.pk}", kind=ItemKind.SIGNING,
        visibility=Visibility.INVITED, starts_at=hanoi(25, 10, 30), ends_at=hanoi(25, 10, 33),
    )  # fmt: skip
    slot.invited_delegations.add(world.alpha)
    return slot


def test_logistics_may_not_withdraw_a_delegation_in_the_admin(client, world, signing_slot):
    organizer(client, "Logistics")
    assert 'name="status"' not in page_text(client.get(admin_url(Delegation, "change", world.alpha.pk)))

    assert _post_change(client, world.alpha, status="declined").status_code == 403

    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.status, alpha.signing_order) == ("confirmed", 1)
    assert ScheduleItem.objects.get(pk=signing_slot.pk).status == "confirmed"


def test_logistics_may_not_withdraw_a_delegation_by_spreadsheet(client, world, signing_slot):
    from tests.ceremony.test_spreadsheets import as_csv, import_sheet, row_errors

    organizer(client, "Logistics")
    row = {"country": "FR", "name": "France", "kind": "member_state", "status": "declined", "intends_to_sign": "1",
           "hotel": "Hotel Metropole"}  # fmt: skip

    preview, result = import_sheet(client, Delegation, as_csv([row]))

    assert result is None
    assert "status: Your role may not change this field." in row_errors(preview)
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.status, alpha.signing_order, alpha.hotel) == ("confirmed", 1, "")
    assert ScheduleItem.objects.get(pk=signing_slot.pk).status == "confirmed"


@pytest.mark.parametrize("group", ["Logistics", "Security", "Viewer"])
def test_only_protocol_issues_a_delegations_access_link(client, world, group):
    organizer(client, group)
    stored = Delegation.objects.get(pk=world.alpha.pk).token_hash

    response = run_action(client, Delegation, "issue_access_links", [world.alpha])

    assert not re.search(r"<code class=\"(calendar|page)-link\">http", page_text(response))
    assert Delegation.objects.get(pk=world.alpha.pk).token_hash == stored
    assert client.get(f"/d/{world.alpha_token}/").status_code == 200  # the delegation's own link still works


def test_issuing_an_access_link_asks_first_and_records_who_issued_it(client, world):
    user = organizer(client, "Protocol")
    stored = Delegation.objects.get(pk=world.alpha.pk).token_hash

    asked = run_action(client, Delegation, "issue_access_links", [world.alpha])

    text = html.unescape(page_text(asked))
    assert "Issue new access links?" in text
    assert "France" in text and "Japan" not in text
    assert "its current link stops working at once" in text
    assert Delegation.objects.get(pk=world.alpha.pk).token_hash == stored  # nothing happened yet

    issued = run_action(client, Delegation, "issue_access_links", [world.alpha], post="yes")

    [url] = re.findall(r"<code class=\"calendar-link\">(https?://[^<]+)</code>", page_text(issued))
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert alpha.token_hash != stored
    assert alpha.token_issued_by == user
    entry = alpha.history.first()
    assert (entry.history_user, entry.history_change_reason) == (user, "access link issued")
    assert client.get(f"/d/{world.alpha_token}/").status_code == 404
    assert client.get(url).status_code == 200


def test_a_change_through_a_link_names_whoever_issued_the_link(client, world):
    from tests.delegations.test_views import form_data

    user = organizer(client, "Protocol")
    issued = run_action(client, Delegation, "issue_access_links", [world.alpha], post="yes")
    [url] = re.findall(r"<code class=\"calendar-link\">(https?://[^<]+)</code>", page_text(issued))
    token = url.split("/")[-2]
    world.alpha.refresh_from_db()

    client.logout()  # as anyone holding the link
    assert client.post(f"/d/{token}/edit/", form_data(world.alpha, hotel="Hotel Metropole")).status_code == 302

    entry = Delegation.objects.get(pk=world.alpha.pk).history.first()
    assert (entry.history_user, entry.hotel, entry.token_issued_by) == (None, "Hotel Metropole", user)
    client.force_login(user)
    rows = history_rows(client.get(admin_url(Delegation, "history", world.alpha.pk)))
    assert rows[0][2:4] == (
        "the delegation's access link, issued by protocol-officer",
        "Changed through the delegation's access link",
    )


@pytest.fixture
def colleague(world):
    user = get_user_model().objects.create_user("colleague", password="unused-pw-123", is_staff=True)
    return StaffMember.objects.create(user=user, agency=world.mofa)


def test_security_may_not_make_another_organizers_calendar_its_own(client, world, colleague):
    user = organizer(client, "Security")
    url = admin_url(StaffMember, "change", colleague.pk)
    values = form_values(client.get(url))

    assert client.post(url, {**values, "user": str(user.pk)}).status_code == 403
    assert client.post(url, {**values, "agency": str(world.mps.pk)}).status_code == 403
    colleague.refresh_from_db()
    assert (colleague.user.username, colleague.agency) == ("colleague", world.mofa)
    assert client.post("/admin/my-calendar-link/", {"post": "yes"}).status_code == 200
    assert StaffMember.objects.filter(user=user).count() == 0  # Security has no calendar of MOFA's


def test_an_accounts_staff_record_keeps_its_account(admin_client, world, colleague):
    page = page_text(admin_client.get(admin_url(StaffMember, "change", colleague.pk)))
    assert 'name="user"' not in page  # read-only once made: the calendar link belongs to that account
    assert 'name="agency"' in page


def test_security_may_not_reissue_another_organizers_calendar_link(client, world, colleague):
    from ceremony.services import staff_issue_token

    staff_issue_token(user=colleague.user)
    stored = StaffMember.objects.get(pk=colleague.pk).token_hash
    organizer(client, "Security")

    response = run_action(client, StaffMember, "issue_calendar_links", [colleague], post="yes")

    assert not re.search(r"<code class=\"(calendar|page)-link\">http", page_text(response))
    assert StaffMember.objects.get(pk=colleague.pk).token_hash == stored


def test_an_organizer_issues_their_own_calendar_link_after_confirming(client, world):
    user = organizer(client, "Viewer")
    member = StaffMember.objects.create(user=user, agency=world.mps)

    asked = client.get("/admin/my-calendar-link/")
    assert "Issue a new link to your calendar?" in html.unescape(page_text(asked))
    assert StaffMember.objects.get(pk=member.pk).token_hash == ""

    issued = client.post("/admin/my-calendar-link/", {"post": "yes"})

    [url] = re.findall(r"<code class=\"calendar-link\">(https?://[^<]+)</code>", page_text(issued))
    assert client.get(url).status_code == 200
    member.refresh_from_db()
    assert member.token_issued_by == user
    assert (member.history.first().history_user, member.history.first().history_change_reason) == (
        user,
        "calendar link issued",
    )


def test_an_administrator_issues_an_organizers_calendar_link(admin_client, admin_user, world, colleague):
    asked = run_action(admin_client, StaffMember, "issue_calendar_links", [colleague])
    assert "Issue new calendar links?" in html.unescape(page_text(asked))

    issued = run_action(admin_client, StaffMember, "issue_calendar_links", [colleague], post="yes")

    [url] = re.findall(r"<code class=\"calendar-link\">(https?://[^<]+)</code>", page_text(issued))
    assert admin_client.get(url).status_code == 200
    assert StaffMember.objects.get(pk=colleague.pk).token_issued_by == admin_user
