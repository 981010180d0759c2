"""The organizers' groups and what each may do (DESIGN.md, "Roles").

A migration creates the groups from ``ROLES``; running ``groups_sync()`` again
(``manage.py create_organizer`` does) brings them back in line after a change here.
Field-level rules sit on top: ``FIELD_OWNERS`` names the permission that owns each editable field of every
model, enforced by the admin's ``FieldPermissionsMixin`` and by spreadsheet imports; and ``ITEM_KINDS`` limits
which schedule items a group changes.
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
    PROTOCOL: [
        ("delegations", "verify_full_powers"),
        ("delegations", "change_delegation_details"),
        ("delegations", "issue_access_link"),
    ],
    LOGISTICS: [],
    VIEWER: [],
}

# Who changes each field: every editable field of every model, under the permission that owns it. A field owned
# by the model's own "change" permission is changed by every group that may change the model; the others only by
# the holders of a narrower permission, and everyone else sees them read-only (a posted change is refused). A new
# field without an owner here fails the suite (tests/test_roles.py).
DETAILS = "delegations.change_delegation_details"  # Protocol: who a delegation and its members are, where it signs
CLEARANCE = "delegations.change_clearance"  # Security: accreditation and security clearance
VERIFY = "delegations.verify_full_powers"  # Protocol: judging full powers
ISSUE_LINKS = "delegations.issue_access_link"  # Protocol: a delegation's private link (rotating it cuts off the old)

FIELD_OWNERS = {
    "ceremony.source": {"ceremony.change_source": ("key", "kind", "title", "publisher", "published_on", "url", "note")},
    "ceremony.agency": {
        "ceremony.change_agency": (
            "code", "abbreviation", "name", "name_vi", "kind", "responsibilities", "responsibilities_vi", "contact",
            "email", "source",
        ),
    },
    "ceremony.official": {
        "ceremony.change_official": ("key", "agency", "name", "title", "title_vi", "order", "source"),
    },
    "ceremony.venue": {"ceremony.change_venue": ("key", "name", "name_vi", "address", "city", "source")},
    "ceremony.room": {"ceremony.change_room": ("key", "venue", "name", "name_vi", "kind", "capacity", "is_available")},
    "ceremony.ceremony": {
        "ceremony.change_ceremony": (
            "name", "name_vi", "slug", "treaty_title", "treaty_title_vi", "city", "venue", "time_zone", "first_day",
            "last_day", "host_agency", "signing_order_rule", "drawn_letter", "host_country", "signing_starts_at",
            "signing_slot_minutes", "signing_room", "is_current", "source",
        ),
    },
    # Logistics changes only transport items: see ITEM_KINDS below.
    "ceremony.scheduleitem": {
        "ceremony.change_scheduleitem": (
            "ceremony", "uid", "title", "title_vi", "description", "description_vi", "kind", "starts_at", "ends_at",
            "room", "lead_agency", "supporting_agencies", "visibility", "invited_delegations", "status", "source",
        ),
    },
    "ceremony.milestone": {
        "ceremony.change_milestone": (
            "ceremony", "key", "date", "date_precision", "title", "title_vi", "description", "description_vi",
            "place", "source",
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
    "ceremony.staffmember": {"ceremony.change_staffmember": ("user", "agency")},
    "delegations.state": {"delegations.change_state": ("country", "name", "membership", "source")},
    # Logistics records arrivals, departures and hotels; who a delegation is, whether it comes and signs, and
    # where it signs are Protocol's (withdrawing gives up the signing slot).
    "delegations.delegation": {
        DETAILS: ("ceremony", "kind", "country", "name", "status", "intends_to_sign", "signing_order"),
        "delegations.change_delegation": (
            "liaison_officer", "contact_email", "contact_phone", "arrival_at", "departure_at", "hotel", "notes",
        ),
    },
    # Security changes accreditation and clearance; Protocol who the person is and which delegation they are in.
    "delegations.delegate": {
        DETAILS: ("delegation", "name", "position", "rank", "is_head", "is_signatory", "email", "phone"),
        CLEARANCE: ("accreditation_status", "clearance_status"),
    },
    "delegations.fullpowers": {
        "delegations.change_fullpowers": (
            "signatory", "issuing_authority", "issued_on", "copy_received_on", "original_presented_on", "notes",
        ),
        VERIFY: ("verification_status", "verified_by", "verified_at"),
    },
}  # fmt: skip

# model label -> {field: the permission that owns it}
FIELD_PERMISSIONS = {
    model: {field: permission for permission, fields in owners.items() for field in fields}
    for model, owners in FIELD_OWNERS.items()
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
