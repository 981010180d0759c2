"""Who comes: the states that can be invited, delegations, their members and
the full powers of those who sign."""

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from ceremony.enums import ItemStatus, Language
from ceremony.fields import AwareDateTimeField, PlausibleConstraint
from ceremony.models import Ceremony, LockingDeleteQuerySet, Room, ScheduleItem, Source
from ceremony.text import PrintableTextMixin

from .enums import (
    AccreditationStatus,
    ClearanceStatus,
    DelegationKind,
    DelegationStatus,
    Membership,
    PowersBasis,
    Rank,
    SignatureOutcome,
    VerificationStatus,
)

#: What the history says of a change a delegation made through its access link (delegations.views).
SELF_SERVICE_REASON = "Changed through the delegation's access link"


class ChangedThroughLink(models.Model):
    """For the history of delegations and their members: who a change through the access link is traced to."""

    class Meta:
        abstract = True

    @property
    def link_holder(self):
        """'the delegation's access link, issued by lan' for a change made through the link, else ''.

        Whoever holds the link acts as the delegation; it was shown once, to the organizer who issued it.
        """
        if self.history_user_id or self.history_change_reason != SELF_SERVICE_REASON:
            return ""
        issuer = getattr(self, "token_issued_by", None)  # only a delegation's own versions name the issuer
        if issuer is None:
            return _("the delegation's access link")
        return _("the delegation's access link, issued by %(user)s") % {"user": issuer.get_username()}


def sort_key(name):
    """The key for English alphabetical order: accents and case ignored ("Côte" files under C)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


class State(PrintableTextMixin, models.Model):
    """A UN member or observer state, with the short name the UN uses; organizers invite from this list."""

    country = CountryField(_("country"), unique=True)
    name = models.CharField(_("UN short name"), max_length=200, unique=True)
    membership = models.CharField(_("membership"), max_length=20, choices=Membership.choices)
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="states")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("state")
        verbose_name_plural = _("states")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Delegation(PrintableTextMixin, models.Model):
    ceremony = models.ForeignKey(
        Ceremony, verbose_name=_("ceremony"), on_delete=models.PROTECT, related_name="delegations"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=DelegationKind.choices, default=DelegationKind.MEMBER_STATE
    )
    country = CountryField(_("country"), blank=True, help_text=_("For a state; leave empty for an organization."))
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_("As the UN writes it. Left empty for a state, it is taken from the list of states."),
    )
    sort_name = models.CharField(_("sort key"), max_length=200, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=DelegationStatus.choices, default=DelegationStatus.INVITED
    )
    intends_to_sign = models.BooleanField(_("intends to sign"), default=False)
    signing_order = models.PositiveSmallIntegerField(_("order of signing"), null=True, blank=True)
    liaison_officer = models.CharField(
        _("liaison officer"),
        max_length=200,
        blank=True,
        help_text=_("Name and telephone of the host's liaison officer."),
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=50, blank=True)
    language = models.CharField(
        _("language of mail"),
        max_length=2,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("The planner writes to the delegation's contact in this language."),
    )
    arrival_at = AwareDateTimeField(_("arrival"), null=True, blank=True)
    departure_at = AwareDateTimeField(_("departure"), null=True, blank=True)
    hotel = models.CharField(_("hotel"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="delegations",
        null=True,
        blank=True,
        help_text=_(
            "For a delegation seeded from the public record: where its status and order of signing are stated."
        ),
    )
    token_hash = models.CharField(_("access token hash"), max_length=64, blank=True, editable=False)
    token_issued_at = models.DateTimeField(_("access link issued"), null=True, blank=True, editable=False)
    token_issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("access link issued by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    # The items it is invited to, each through an Invitation; an item lists them as ``item.invited_delegations``.
    invited_items = models.ManyToManyField(
        ScheduleItem,
        verbose_name=_("invited to"),
        through="Invitation",
        related_name="invited_delegations",
        blank=True,
        editable=False,  # changed through Invitation, by those who change the item (delegations.admin)
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = LockingDeleteQuerySet.as_manager()

    # Every change, by an organizer or through the delegation's own link, with who and when.
    history = HistoricalRecords(excluded_fields=["token_hash", "sort_name", "updated_at"], bases=[ChangedThroughLink])

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["sort_name"]
        permissions = [
            (
                "change_delegation_details",
                _("Can change who a delegation and its members are, and its place in the order of signing"),
            ),
            ("issue_access_link", _("Can issue a delegation's access link")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ceremony", "country"],
                condition=~Q(country=""),
                name="one_delegation_per_country_per_ceremony",
                violation_error_message=_("This country already has a delegation at this ceremony."),
            ),
            models.UniqueConstraint(
                fields=["ceremony", "name"],
                name="delegation_name_unique_per_ceremony",
                violation_error_message=_("A delegation of this name is already registered for this ceremony."),
            ),
            models.UniqueConstraint(
                fields=["ceremony", "signing_order"],
                name="signing_order_unique_per_ceremony",
                violation_error_message=_("Another delegation already has this place in the order of signing."),
            ),
            models.UniqueConstraint(fields=["token_hash"], condition=~Q(token_hash=""), name="delegation_token_unique"),
            models.CheckConstraint(
                condition=(Q(kind__in=DelegationKind.states()) & ~Q(country=""))
                | (~Q(kind__in=DelegationKind.states()) & Q(country="")),
                name="delegation_state_has_country",
                violation_error_message=_("A state delegation needs a country; an organization has none."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="delegation_has_name"),
            models.CheckConstraint(
                condition=Q(signing_order__isnull=True) | Q(signing_order__gte=1), name="signing_order_positive"
            ),
            models.CheckConstraint(
                condition=Q(arrival_at__isnull=True)
                | Q(departure_at__isnull=True)
                | Q(departure_at__gt=models.F("arrival_at")),
                name="delegation_departs_after_arrival",
                violation_error_message=_("Departure must be after arrival."),
            ),
            PlausibleConstraint(field="arrival_at", name="delegation_arrival_plausible", instant=True),
            PlausibleConstraint(field="departure_at", name="delegation_departure_plausible", instant=True),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.fill_name()
        self.sort_name = sort_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_name"}
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            Ceremony.objects.lock([self.ceremony_id, getattr(self, "_feeds_ceremony_id", None)])  # the lock order
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            Ceremony.objects.lock([self.ceremony_id])
            return super().delete(*args, **kwargs)

    def localized(self, field):
        """``{{ delegation|localized:"name" }}``: the name in the page's language.

        A state's name in Vietnamese is its country's as django-countries translates it
        ("Pháp" for France); an organization's, and every name in English, is the stored one. The
        stored name (the UN short name) stays the key of the order of signing.
        """
        if field == "name" and self.country and translation.get_language() == "vi":
            return str(self.country.name)
        return getattr(self, field)

    def name_in(self, language):
        """The name as ``localized("name")`` gives it in ``language``, whatever the language now."""
        with translation.override(language):
            return self.localized("name")

    def clean(self):
        self.fill_name()  # before any error, so that the name's own rules judge the name it will have
        errors = {}
        if self.kind in DelegationKind.states() and not self.country:
            errors["country"] = _("A state delegation needs a country.")
        if self.kind not in DelegationKind.states():
            if self.country:
                errors["country"] = _("An organization has no country; choose a state kind or clear the country.")
            if not self.name:
                errors["name"] = _("An organization needs a name.")
        if self.ceremony_id:
            errors.update(
                self.ceremony.window_errors({"arrival_at": self.arrival_at, "departure_at": self.departure_at})
            )
        stay = (self.arrival_at, self.departure_at)
        # A naive time has its own field error; comparing it with an aware one would only crash.
        if (
            all(t and timezone.is_aware(t) for t in stay)
            and not errors.keys() & {"arrival_at", "departure_at"}
            and self.departure_at <= self.arrival_at
        ):
            errors["departure_at"] = _("Departure must be after arrival.")
        if errors:
            raise ValidationError(errors)

    def fill_name(self):
        """A state's delegation is named as the UN names the state, unless given a name."""
        if not self.name and self.country:
            state = State.objects.filter(country=self.country).only("name").first()
            self.name = state.name if state else self.country.name


class Invitation(models.Model):
    """A delegation invited to a schedule item whose visibility is "invited delegations only".

    Its history (one row when it is made, one when it is withdrawn, each with who and when) is the history of
    who was invited to the item; the item's history page shows it (delegations.admin).
    """

    item = models.ForeignKey(
        ScheduleItem, verbose_name=_("schedule item"), on_delete=models.CASCADE, related_name="invitations"
    )
    delegation = models.ForeignKey(
        Delegation, verbose_name=_("delegation"), on_delete=models.CASCADE, related_name="invitations"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["item", "delegation"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "delegation"],
                name="one_invitation_per_item_and_delegation",
                violation_error_message=_("This delegation is already invited to this item."),
            )
        ]

    def __str__(self):
        return f"{self.delegation} → {self.item}"


class SigningSlot(models.Model):
    """The schedule item that is a delegation's place at the signing table (delegations.signing).

    Slots are found by this link, not by their UID: the UID is made once, from the ceremony's slug at the time,
    and stays what calendars know even when the slug changes. A slot stays linked when it is cancelled, so a
    delegation that signs again gets the same slot back; the slot of a deleted delegation stays a slot, with no
    delegation, until the next generation of the order cancels it.
    """

    delegation = models.OneToOneField(
        Delegation,
        verbose_name=_("delegation"),
        on_delete=models.SET_NULL,
        related_name="signing_slot",
        null=True,
        blank=True,
    )
    item = models.OneToOneField(
        ScheduleItem, verbose_name=_("schedule item"), on_delete=models.CASCADE, related_name="signing_slot"
    )

    class Meta:
        verbose_name = _("signing slot")
        verbose_name_plural = _("signing slots")

    def __str__(self):
        return str(self.item)


class Delegate(PrintableTextMixin, models.Model):
    delegation = models.ForeignKey(
        Delegation, verbose_name=_("delegation"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("name as in passport"), max_length=200)
    position = models.CharField(_("position"), max_length=300, blank=True)
    rank = models.CharField(_("rank"), max_length=30, choices=Rank.choices, default=Rank.OTHER)
    is_head = models.BooleanField(_("head of delegation"), default=False)
    is_signatory = models.BooleanField(_("signs the Convention"), default=False)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="delegates",
        null=True,
        blank=True,
        help_text=_("For a delegate seeded from the public record: where the person and position are stated."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    accreditation_status = models.CharField(
        _("accreditation"), max_length=20, choices=AccreditationStatus.choices, default=AccreditationStatus.PENDING
    )
    clearance_status = models.CharField(
        _("security clearance"), max_length=20, choices=ClearanceStatus.choices, default=ClearanceStatus.PENDING
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], bases=[ChangedThroughLink])

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        permissions = [("change_clearance", _("Can change accreditation and security clearance"))]
        ordering = ["delegation__sort_name", "-is_head", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegation"],
                condition=Q(is_head=True),
                name="one_head_per_delegation",
                violation_error_message=_("This delegation already has a head of delegation."),
            ),
        ]

    def __str__(self):
        return self.name


class FullPowers(PrintableTextMixin, models.Model):
    """The instrument that authorises a signatory who is not head of state or
    government or foreign minister (Vienna Convention on the Law of Treaties, art. 7)."""

    signatory = models.OneToOneField(
        Delegate, verbose_name=_("signatory"), on_delete=models.CASCADE, related_name="full_powers"
    )
    issuing_authority = models.CharField(_("issued by"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    copy_received_on = models.DateField(_("copy received on"), null=True, blank=True)
    original_presented_on = models.DateField(_("original presented on"), null=True, blank=True)
    verification_status = models.CharField(
        _("verification"), max_length=20, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("full powers")
        verbose_name_plural = _("full powers")
        permissions = [("verify_full_powers", _("Can verify full powers"))]
        ordering = ["signatory__delegation__sort_name"]
        constraints = [
            PlausibleConstraint(field=name, name=f"full_powers_{name}_plausible", instant=False)
            for name in ("issued_on", "copy_received_on", "original_presented_on")
        ]

    def __str__(self):
        return str(_("Full powers of %(name)s") % {"name": self.signatory.name})

    def clean(self):
        errors = {}
        if self.signatory_id and not self.signatory.is_signatory:
            errors["signatory"] = _("Only a delegate marked as signatory holds full powers.")
        if self.signatory_id:
            dates = ("issued_on", "copy_received_on", "original_presented_on")
            errors.update(self.signatory.delegation.ceremony.window_errors({d: getattr(self, d) for d in dates}))
        received = self.copy_received_on or self.original_presented_on
        if self.verification_status == VerificationStatus.VERIFIED and not received:
            # As the "mark verified" action: nothing can be verified before a copy or the original is in hand.
            errors["verification_status"] = _(
                "Full powers can be verified only once a copy was received or the original presented: "
                "enter that date first."
            )
        if errors:
            raise ValidationError(errors)


class SignatoryManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(is_signatory=True)


class Signatory(Delegate):
    """The delegates who sign, as the protocol desk sees them: with the state of their full powers."""

    objects = SignatoryManager()

    class Meta:
        proxy = True
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        ordering = ["delegation__sort_name", "name"]


class SignatureQuerySet(models.QuerySet):
    def signed(self):
        """The signatures made, in the order signed."""
        return self.filter(outcome=SignatureOutcome.SIGNED).order_by("signed_at", "pk")


class Signature(PrintableTextMixin, models.Model):
    """What happened when a delegation was called to the signing table: it signed (when, by whom, on what
    authority) or it was deferred. One record per delegation per ceremony; corrections change it, with the reason
    in its history (delegations.signatures)."""

    ceremony = models.ForeignKey(
        Ceremony, verbose_name=_("ceremony"), on_delete=models.PROTECT, related_name="signatures"
    )
    delegation = models.ForeignKey(
        Delegation, verbose_name=_("delegation"), on_delete=models.PROTECT, related_name="signatures"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=SignatureOutcome.choices)
    signed_at = AwareDateTimeField(
        _("signed at"), null=True, blank=True, help_text=_("To the second; empty when the signing was deferred.")
    )
    signatory = models.ForeignKey(
        Delegate,
        verbose_name=_("signatory"),
        on_delete=models.PROTECT,
        related_name="signatures",
        null=True,
        blank=True,
        help_text=_("Who signed for the delegation."),
    )
    powers_basis = models.CharField(
        _("authority to sign"),
        max_length=20,
        choices=PowersBasis.choices,
        blank=True,
        help_text=_("Full powers, or none needed (head of state, head of government, minister for foreign affairs)."),
    )
    full_powers = models.ForeignKey(
        FullPowers,
        verbose_name=_("full powers used"),
        on_delete=models.PROTECT,
        related_name="signatures",
        null=True,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = SignatureQuerySet.as_manager()

    # Every mark and every correction, with who, when and (for a correction) why.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["ceremony", "signed_at", "pk"]
        permissions = [("export_signatures", _("Can export the list of signatures for the depositary"))]
        constraints = [
            models.UniqueConstraint(
                fields=["ceremony", "delegation"],
                name="one_signature_record_per_delegation_per_ceremony",
                violation_error_message=_("This delegation's signing is already recorded: correct that record."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(outcome=SignatureOutcome.SIGNED)
                    & Q(signed_at__isnull=False)
                    & Q(signatory__isnull=False)
                    & ~Q(powers_basis="")
                )
                | (
                    Q(outcome=SignatureOutcome.DEFERRED)
                    & Q(signed_at__isnull=True)
                    & Q(signatory__isnull=True)
                    & Q(powers_basis="")
                ),
                name="signature_signed_has_time_signatory_and_authority",
                violation_error_message=_(
                    "A signature needs its time, its signatory and their authority; a deferral has none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(full_powers__isnull=True) | Q(powers_basis=PowersBasis.FULL_POWERS),
                name="signature_full_powers_only_when_used",
            ),
            PlausibleConstraint(field="signed_at", name="signature_signed_at_plausible", instant=True),
        ]

    def __str__(self):
        return f"{self.delegation} — {self.get_outcome_display()}"

    @property
    def is_signed(self):
        return self.outcome == SignatureOutcome.SIGNED


class BadgeQuerySet(models.QuerySet):
    def live(self):
        """Badges not revoked: at most one per delegate (``one_live_badge_per_delegate``)."""
        return self.filter(revoked_at__isnull=True)


class Badge(models.Model):
    """A printed badge (delegations.badges): its id is random, printed and in its QR code, and says nothing of its
    holder. Printing again revokes the old badge, so a lost or superseded one is refused at the door."""

    delegate = models.ForeignKey(
        Delegate, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="badges", editable=False
    )
    code = models.CharField(
        _("badge id"),
        max_length=12,
        unique=True,
        editable=False,
        help_text=_("Random, printed on the badge and in its QR code; it says nothing about the holder."),
    )
    issued_at = models.DateTimeField(_("printed"), default=timezone.now, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("printed by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    objects = BadgeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["-issued_at", "code"]
        permissions = [
            ("print_badges", _("Can print badges (printing again revokes the old ones)")),
            ("check_in", _("Can check people in at the door")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["delegate"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_badge_per_delegate",
                violation_error_message=_("This delegate already has a valid badge."),
            ),
            models.CheckConstraint(condition=~Q(code=""), name="badge_has_code"),
        ]

    def __str__(self):
        return self.code


class Entry(models.Model):
    """Someone let in at the door (delegations.door): once per delegate and day of the ceremony's zone, whichever of
    their badges was scanned, so two phones scanning one badge at once make one entry."""

    delegate = models.ForeignKey(
        Delegate, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="entries", editable=False
    )
    badge = models.ForeignKey(
        Badge, verbose_name=_("badge"), on_delete=models.CASCADE, related_name="entries", editable=False
    )
    day = models.DateField(_("day"), editable=False, help_text=_("The day of the entry, in the ceremony's time zone."))
    at = models.DateTimeField(_("entered"), default=timezone.now, editable=False)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "day"],
                name="one_entry_per_delegate_per_day",
                violation_error_message=_("This delegate has already entered today."),
            ),
        ]

    def __str__(self):
        return f"{self.delegate} · {self.at:%Y-%m-%d %H:%M}"


class ChangeNotice(models.Model):
    """A schedule item whose time, room or status changed, waiting to be told in a change digest (delegations.digests).

    Written in the transaction of the change (ceremony.signals.items_moved). Edits that follow within the quiet time
    join the open notice: it keeps the values from before the first of them and moves ``changed_at`` to the last.
    Once told (or found to have come back to where it was), ``sent_at`` closes it and the next change opens another.
    Only the planner writes notices: no field is for a person to edit.
    """

    item = models.ForeignKey(
        ScheduleItem,
        verbose_name=_("schedule item"),
        on_delete=models.CASCADE,
        related_name="change_notices",
        editable=False,
    )
    old_starts_at = models.DateTimeField(
        _("start before"), help_text=_("Before the first change of the burst."), editable=False
    )
    old_ends_at = models.DateTimeField(
        _("end before"), help_text=_("Before the first change of the burst."), editable=False
    )
    old_room = models.ForeignKey(
        Room,
        verbose_name=_("room before"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Before the first change of the burst; empty for none."),
        editable=False,
    )
    old_status = models.CharField(
        _("status before"),
        max_length=20,
        choices=ItemStatus.choices,
        help_text=_("Before the first change of the burst."),
        editable=False,
    )
    first_changed_at = models.DateTimeField(
        _("first change"), help_text=_("When the burst of changes began."), editable=False
    )
    changed_at = models.DateTimeField(
        _("last change"),
        help_text=_("The digest goes out once the item has been quiet for a few minutes after it."),
        editable=False,
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    sent_at = models.DateTimeField(
        _("told"),
        null=True,
        blank=True,
        help_text=_("When the digest was written to the outbox; empty while pending."),
        editable=False,
    )

    class Meta:
        verbose_name = _("change notice")
        verbose_name_plural = _("change notices")
        ordering = ["changed_at"]
        constraints = [
            models.UniqueConstraint(fields=["item"], condition=Q(sent_at=None), name="one_open_change_notice_per_item"),
            models.CheckConstraint(
                condition=Q(changed_at__gte=models.F("first_changed_at")), name="change_notice_last_after_first"
            ),
        ]
        indexes = [models.Index(fields=["changed_at"], condition=Q(sent_at=None), name="change_notice_pending")]

    def __str__(self):
        return str(self.item)
