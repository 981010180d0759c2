"""What each organizers' group may do with delegations, delegates and full powers, added to the role table of
ceremony.roles (DESIGN.md, "Roles") when this module is imported (delegations.apps, delegations.admin)."""

from ceremony import roles
from ceremony.roles import ALL, EDIT, LOGISTICS, PROTOCOL, SECURITY, VIEW, VIEWER

DETAILS = "delegations.change_delegation_details"  # Protocol: who a delegation and its members are, where it signs
CLEARANCE = "delegations.change_clearance"  # Security: accreditation and security clearance
VERIFY = "delegations.verify_full_powers"  # Protocol: judging full powers
ISSUE_LINKS = "delegations.issue_access_link"  # Protocol: a delegation's private link (rotating it cuts off the old)
PRINT_BADGES = "delegations.print_badges"  # Security: badges (printing again revokes the old ones)
CHECK_IN = "delegations.check_in"  # Security: letting people in at the door

# Invitations and signing slots have no admin of their own: who is invited is changed on the item by whoever may
# change the item (delegations.admin.InvitationInline), and slots by the order of signing (DETAILS).
# Badges and entries are made by printing and at the door (delegations.badges, delegations.door), never typed: every
# group reads them, Security prints and checks in (EXTRA).
MODELS = [
    "state", "delegation", "delegate", "fullpowers", "signatory", "invitation", "signingslot", "signature", "badge",
    "entry",
]  # fmt: skip

ROLES = {
    # Ministry of Foreign Affairs: delegations, delegates, full powers, the order of signing.
    PROTOCOL: {
        ("delegations", "delegation"): ALL,
        ("delegations", "delegate"): ALL,
        ("delegations", "fullpowers"): ALL,
        ("delegations", "signatory"): EDIT,
        ("delegations", "state"): VIEW,
        ("delegations", "signature"): ALL,  # marking, deferring and correcting the signing (delegations.signatures)
    },
    # Ministry of Public Security: accreditation and clearances.
    SECURITY: {("delegations", "delegate"): ("view", "change")},
    # Arrivals and hotels.
    LOGISTICS: {("delegations", "delegation"): ("view", "change")},
    VIEWER: {},
}

EXTRA = {
    SECURITY: [("delegations", "change_clearance"), ("delegations", "print_badges"), ("delegations", "check_in")],
    PROTOCOL: [
        ("delegations", "verify_full_powers"),
        ("delegations", "change_delegation_details"),
        ("delegations", "issue_access_link"),
        ("delegations", "export_signatures"),
    ],
    # The list in the order signed, for the depositary.
    VIEWER: [("delegations", "export_signatures")],
}

FIELD_OWNERS = {
    "delegations.state": {"delegations.change_state": ("country", "name", "membership", "source")},
    # Logistics records arrivals, departures and hotels; who a delegation is, whether it comes and signs, and
    # where it signs are Protocol's (withdrawing gives up the signing slot).
    "delegations.delegation": {
        DETAILS: ("ceremony", "kind", "country", "name", "status", "intends_to_sign", "signing_order", "source"),
        "delegations.change_delegation": (
            "liaison_officer", "contact_email", "language", "contact_phone", "arrival_at", "departure_at", "hotel",
            "notes",
        ),
    },
    # Security changes accreditation and clearance; Protocol who the person is and which delegation they are in.
    "delegations.delegate": {
        DETAILS: ("delegation", "name", "position", "rank", "is_head", "is_signatory", "source", "email", "phone"),
        CLEARANCE: ("accreditation_status", "clearance_status"),
    },
    "delegations.fullpowers": {
        "delegations.change_fullpowers": (
            "signatory", "issuing_authority", "issued_on", "copy_received_on", "original_presented_on", "notes",
        ),
        VERIFY: ("verification_status", "verified_by", "verified_at"),
    },
    # Who is invited belongs to the item: whoever changes the item (Logistics: transport items only).
    "delegations.invitation": {"ceremony.change_scheduleitem": ("item", "delegation")},
    "delegations.signingslot": {DETAILS: ("delegation", "item")},
    # Marked at the signing table and corrected, by Protocol, through delegations.signatures only.
    "delegations.signature": {
        "delegations.change_signature": (
            "ceremony", "delegation", "outcome", "signed_at", "signatory", "powers_basis", "full_powers", "notes",
            "recorded_by",
        ),
    },
}  # fmt: skip

roles.register("delegations", models=MODELS, roles=ROLES, extra=EXTRA, field_owners=FIELD_OWNERS)
