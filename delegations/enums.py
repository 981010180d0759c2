"""Choices of the delegations app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Membership(models.TextChoices):
    MEMBER = "member", _("UN member state")
    OBSERVER = "observer", _("non-member observer state")


class DelegationKind(models.TextChoices):
    MEMBER_STATE = "member_state", _("member state")
    OBSERVER_STATE = "observer_state", _("observer state")
    REIO = "reio", _("regional economic integration organization")
    UN_ENTITY = "un_entity", _("UN entity")
    IGO = "igo", _("intergovernmental organization")
    OTHER = "other", _("other")

    @classmethod
    def states(cls):
        return [cls.MEMBER_STATE, cls.OBSERVER_STATE]


class DelegationStatus(models.TextChoices):
    INVITED = "invited", _("invited")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined")
    ARRIVED = "arrived", _("arrived")
    DEPARTED = "departed", _("departed")


class Rank(models.TextChoices):
    HEAD_OF_STATE = "head_of_state", _("head of state")
    HEAD_OF_GOVERNMENT = "head_of_government", _("head of government")
    FOREIGN_MINISTER = "foreign_minister", _("minister for foreign affairs")
    MINISTER = "minister", _("other minister")
    DEPUTY_MINISTER = "deputy_minister", _("deputy minister")
    AMBASSADOR = "ambassador", _("ambassador or permanent representative")
    SENIOR_OFFICIAL = "senior_official", _("senior official")
    ADVISER = "adviser", _("adviser")
    SECURITY = "security", _("security officer")
    PRESS = "press", _("press officer")
    OTHER = "other", _("other")


class AccreditationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCREDITED = "accredited", _("accredited")
    REFUSED = "refused", _("refused")


class ClearanceStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    CLEARED = "cleared", _("cleared")
    REFUSED = "refused", _("refused")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("not yet verified")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")


class SignatureOutcome(models.TextChoices):
    SIGNED = "signed", _("signed")
    DEFERRED = "deferred", _("deferred")


class PowersBasis(models.TextChoices):
    """On what authority a signatory signed (Vienna Convention on the Law of Treaties, art. 7)."""

    NOT_NEEDED = "not_needed", _("no full powers needed")
    FULL_POWERS = "full_powers", _("verified full powers")
