"""The organizers' groups and what each may do (DESIGN.md, "Roles").

A migration creates the groups from ``ROLES``; running ``groups_sync()`` again
(``manage.py create_organizer`` does) brings them back in line after a change here.
Field-level rules sit on top: see ``FIELD_PERMISSIONS`` and the admin's
``FieldPermissionsMixin``; and ``ITEM_KINDS`` limits which schedule items a group changes.
"""

from .enums import ItemKind

PROTOCOL, SECURITY, LOGISTICS, VIEWER = "Protocol", "Security", "Logistics", "Viewer"

VIEW = ("view",)
EDIT = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

MODELS = {
    "ceremony": ["ceremony", "agency", "official", "venue", "room", "scheduleitem", "milestone", "keyfigure",
                 "source", "staffmember"],
    "delegations": ["state", "delegation", "delegate", "fullpowers", "signatory"],
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
        ("ceremony", "source"): EDIT,
        ("delegations", "delegation"): ALL,
        ("delegations", "delegate"): ALL,
        ("delegations", "fullpowers"): ALL,
        ("delegations", "signatory"): EDIT,
        ("delegations", "state"): VIEW,
    },
    # Ministry of Public Security: accreditation, clearances, rooms, all items.
    SECURITY: {
        ("ceremony", "scheduleitem"): ALL,
        ("ceremony", "room"): ALL,
        ("ceremony", "venue"): ALL,
        ("ceremony", "staffmember"): EDIT,
        ("delegations", "delegate"): ("view", "change"),
    },
    # Arrivals, hotels, transport.
    LOGISTICS: {
        ("ceremony", "scheduleitem"): EDIT,
        ("delegations", "delegation"): ("view", "change"),
    },
    VIEWER: {},
}

# Extra permissions beyond add/change/delete/view, each defined in a model's Meta.permissions.
EXTRA = {
    SECURITY: [("delegations", "change_clearance")],
    PROTOCOL: [("delegations", "verify_full_powers"), ("delegations", "change_delegation_details")],
    LOGISTICS: [],
    VIEWER: [],
}

# Fields only holders of a permission may change; everyone else sees them read-only, and a posted
# change to them is refused.
DETAILS = "delegations.change_delegation_details"
FIELD_PERMISSIONS = {
    # Logistics records arrivals, departures and hotels, not who a delegation is or where it signs.
    "delegations.delegation": dict.fromkeys(
        ("ceremony", "kind", "country", "name", "intends_to_sign", "signing_order"), DETAILS
    ),
    # Security changes accreditation and clearance; Protocol changes the person's details.
    "delegations.delegate": {
        "clearance_status": "delegations.change_clearance",
        "accreditation_status": "delegations.change_clearance",
        **dict.fromkeys(("name", "position", "rank", "is_head", "is_signatory", "email", "phone"), DETAILS),
    },
    "delegations.fullpowers": {
        "verification_status": "delegations.verify_full_powers",
    },
}

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
