"""The organizers' groups and what each may do (DESIGN.md, "Roles").

The groups are brought in line with ``ROLES`` after every migrate (planner.apps); running ``groups_sync()``
again (``manage.py create_organizer`` does) does it too. Field-level rules sit on top: ``FIELD_OWNERS`` names the
permission that owns each editable field of every model, enforced by the admin's ``FieldPermissionsMixin`` and by
spreadsheet imports; and ``ITEM_KINDS`` limits which schedule items a group changes.

This module holds the programme's rules and the mechanism. Another app adds the rules of its own models with
``register`` (the delegations app: delegations.roles), so each app's rules sit beside its models.
"""

from .enums import ItemKind

PROTOCOL, SECURITY, LOGISTICS, VIEWER = "Protocol", "Security", "Logistics", "Viewer"

VIEW = ("view",)
EDIT = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

MODELS = {
    "ceremony": ["ceremony", "agency", "official", "officialtitle", "venue", "room", "scheduleitem", "milestone",
                 "keyfigure", "source", "staffmember", "undeliverableaddress"],
}  # fmt: skip

# (app, model) -> actions, per group; anything not listed is view-only for every group.
ROLES = {
    # Ministry of Foreign Affairs: delegations, delegates, full powers, the order of signing, the programme.
    PROTOCOL: {
        ("ceremony", "ceremony"): EDIT,
        ("ceremony", "scheduleitem"): ALL,
        ("ceremony", "milestone"): ALL,
        ("ceremony", "keyfigure"): ALL,
        ("ceremony", "official"): ALL,
        ("ceremony", "officialtitle"): ALL,
        ("ceremony", "source"): EDIT,
        ("ceremony", "undeliverableaddress"): ("view", "delete"),
    },
    # Ministry of Public Security: accreditation, clearances, rooms, all items.
    SECURITY: {
        ("ceremony", "scheduleitem"): ALL,
        ("ceremony", "room"): ALL,
        ("ceremony", "venue"): ALL,
    },
    # Arrivals, hotels, transport.
    LOGISTICS: {
        ("ceremony", "scheduleitem"): EDIT,
    },
    VIEWER: {},
}

# Extra permissions beyond add/change/delete/view, each defined in a model's Meta.permissions.
EXTRA = {PROTOCOL: [], SECURITY: [], LOGISTICS: [], VIEWER: []}

# Who changes each field: every editable field of every model, under the permission that owns it. A field owned
# by the model's own "change" permission is changed by every group that may change the model; the others only by
# the holders of a narrower permission, and everyone else sees them read-only (a posted change is refused). A new
# field without an owner here or in another app's rules fails the suite (tests/ceremony/test_roles.py).

FIELD_OWNERS = {
    "ceremony.source": {
        "ceremony.change_source": ("key", "kind", "title", "title_vi", "publisher", "published_on", "url", "note")
    },
    "ceremony.agency": {
        "ceremony.change_agency": (
            "code", "abbreviation", "name", "name_vi", "kind", "responsibilities", "responsibilities_vi", "contact",
            "email", "source",
        ),
    },
    "ceremony.official": {
        "ceremony.change_official": ("key", "agency", "name", "order", "source"),
    },
    "ceremony.officialtitle": {
        "ceremony.change_officialtitle": ("official", "title", "title_vi", "held_from", "held_until", "source"),
    },
    "ceremony.venue": {"ceremony.change_venue": ("key", "name", "name_vi", "address", "city", "city_vi", "source")},
    "ceremony.room": {"ceremony.change_room": ("key", "venue", "name", "name_vi", "kind", "capacity", "is_available")},
    "ceremony.ceremony": {
        "ceremony.change_ceremony": (
            "name", "name_vi", "slug", "treaty_title", "treaty_title_vi", "city", "city_vi", "venue", "time_zone",
            "first_day", "last_day", "host_agency", "signing_order_rule", "drawn_letter", "host_country",
            "signing_starts_at", "signing_slot_minutes", "signing_room", "is_current", "source", "contact_email",
        ),
    },
    # Logistics changes only transport items: see ITEM_KINDS below.
    "ceremony.scheduleitem": {
        "ceremony.change_scheduleitem": (
            "ceremony", "uid", "title", "title_vi", "description", "description_vi", "kind", "starts_at", "ends_at",
            "room", "lead_agency", "supporting_agencies", "visibility", "status", "source",
        ),
    },
    "ceremony.milestone": {
        "ceremony.change_milestone": (
            "ceremony", "key", "date", "date_precision", "title", "title_vi", "description", "description_vi",
            "place", "place_vi", "official", "source",
        ),
    },
    "ceremony.keyfigure": {
        "ceremony.change_keyfigure": (
            "ceremony", "key", "label", "label_vi", "value", "unit", "unit_vi", "qualifier", "as_of", "as_of_vi",
            "order", "source",
        ),
    },
    # Administrators only: which account is which agency's organizer decides whose staff-only items its calendar
    # link shows, and the link is issued by that member or an administrator (ceremony.services).
    "ceremony.staffmember": {"ceremony.change_staffmember": ("user", "agency", "language")},
    # Marked by the mail worker; Protocol removes a mark once the mailbox works again.
    "ceremony.undeliverableaddress": {"ceremony.change_undeliverableaddress": ("address", "reason", "noted_at")},
}  # fmt: skip

# model label -> {field: the permission that owns it}
FIELD_PERMISSIONS = {}


def _owners_by_field():
    FIELD_PERMISSIONS.update(
        {
            model: {field: permission for permission, fields in owners.items() for field in fields}
            for model, owners in FIELD_OWNERS.items()
        }
    )


_owners_by_field()


def register(app_label, *, models, roles, extra, field_owners):
    """Add an app's rules: its ``models`` (names), each group's ``roles`` on them and ``extra`` permissions,
    and the ``field_owners`` of their fields, in the shapes of this module's own tables. Registering again
    (a module reloaded) replaces, never duplicates."""
    MODELS[app_label] = list(models)
    for group, grants in roles.items():
        ROLES[group].update(grants)
    for group, permissions in extra.items():
        EXTRA[group] = [*(p for p in EXTRA[group] if p not in permissions), *permissions]
    FIELD_OWNERS.update(field_owners)
    _owners_by_field()


# Kinds of schedule item a group adds and changes; the others it sees read-only. Logistics plans the
# transport, not the ceremony: signing slots, speeches and who is invited are Protocol's and Security's.
ITEM_KINDS = {LOGISTICS: (ItemKind.TRANSPORT,)}


def item_kinds(user):
    """The kinds of schedule item ``user`` may add and change, or None for every kind.

    A user in a group without such a limit (Protocol, Security) or a superuser changes every kind; one
    whose only groups that change items are limited (Logistics) changes just the kinds ``ITEM_KINDS`` names.
    """
    if not hasattr(user, "_planner_item_kinds"):
        user._planner_item_kinds = _item_kinds(user)
    return user._planner_item_kinds


def _item_kinds(user):
    if not user.is_active or user.is_superuser:
        return None
    groups = set(user.groups.values_list("name", flat=True))
    limited = groups & ITEM_KINDS.keys()
    unlimited = [g for g in groups - limited if "change" in ROLES.get(g, {}).get(("ceremony", "scheduleitem"), VIEW)]
    if not limited or unlimited:
        return None
    return frozenset(kind for group in limited for kind in ITEM_KINDS[group])


def codenames(group):
    """Every (app_label, codename) the group holds."""
    granted = set()
    for app_label, models in MODELS.items():
        for model in models:
            actions = ROLES[group].get((app_label, model), VIEW)
            granted |= {(app_label, f"{action}_{model}") for action in actions}
    granted |= set(EXTRA[group])
    return granted


def groups_sync(*, group_model, permission_model, strict=True):
    """Create or update the groups so each holds exactly its permissions; works on historical models too.

    ``strict`` refuses when a permission does not exist; the first migration passes False, since
    models added later have no permissions yet when it runs.
    """
    for name in ROLES:
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = codenames(name)
        permissions = [
            p
            for p in permission_model.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing and strict:
            raise LookupError(f"Permissions missing for group {name}: {sorted(missing)}; run migrate first.")
        group.permissions.set(permissions)


def sync_groups_after_migrate(sender, **kwargs):
    """Keep the groups in line with ROLES after every migrate (connected in the app's ready())."""
    from django.contrib.auth.models import Group, Permission

    groups_sync(group_model=Group, permission_model=Permission)
