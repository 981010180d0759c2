"""The delegation's self-service form: what a delegation may correct itself, and nothing organizers own."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from ceremony.enums import ItemStatus
from ceremony.stale_edits import DELEGATION, StaleEditForm, StaleEditFormSetMixin
from ceremony.times import long_date, time_range

from .enums import AccreditationStatus, ClearanceStatus, DelegationStatus
from .models import Delegate, Delegation, Signature, SigningSlot
from .signing import signs

# Organizers own the status once the delegation has arrived or left, and every field not listed here:
# accreditation, security clearance, who signs, the order of signing, full powers and their verification.
SELF_SERVICE_DELEGATION_FIELDS = ["contact_email", "language", "contact_phone", "arrival_at", "departure_at", "hotel"]
SELF_SERVICE_DELEGATE_FIELDS = ["name", "position", "rank", "is_head", "email", "phone"]
# A signatory's name and rank decide whether full powers are needed and whose they are: organizers change them.
SIGNATORY_OWNED_FIELDS = ["name", "rank"]
ATTENDANCE = [
    (DelegationStatus.CONFIRMED, _("Yes, we will attend")),
    (DelegationStatus.DECLINED, _("No, we will not attend")),
]


GIVE_UP = "give_up_place"

NOT_ON_LIST = _("This member is not on your delegation's list; reload the page and try again.")
LIST_TAMPERED = _("The list of members sent does not match the delegation's; reload the page and try again.")


class LoadedObjectField(forms.ModelChoiceField):
    """A formset's hidden id, read from the objects the formset already loaded: no query per row, and an id
    from outside the formset (another delegation's member) is refused rather than looked up."""

    def __init__(self, *args, objects, **kwargs):
        super().__init__(*args, **kwargs)
        self.objects = objects
        self.error_messages["required"] = NOT_ON_LIST  # a row of an existing member came without its id

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            key = self.queryset.model._meta.pk.to_python(value)
        except ValidationError:
            key = None
        found = self.objects().get(key)
        if found is None:
            raise ValidationError(NOT_ON_LIST, code="invalid_choice")
        return found


class OneHeadFormSet(StaleEditFormSetMixin, BaseInlineFormSet):
    """Members edited together: at most one of them is head of delegation.

    The counts and ids the browser posts are checked, not trusted: a row of an existing member must name one of
    the delegation's members, each once, and a new row none, so a tampered count or id cannot turn a member into a
    duplicate, edit one member twice or reach another delegation's member."""

    default_error_messages = {
        "missing_management_form": LIST_TAMPERED,
        "too_many_forms": ngettext_lazy(
            "At most %(num)d member can be listed.", "At most %(num)d members can be listed.", "num"
        ),
    }

    def get_queryset(self):
        # Whether a member signed comes with the rows, not a query per member.
        signed = Signature.objects.filter(signatory=OuterRef("pk"))
        return super().get_queryset().annotate(has_signed=Exists(signed))

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if form.instance.pk and "DELETE" in form.fields:
            if getattr(form.instance, "has_signed", False):
                # The record of the signing names them (delegations.signatures): it outlives any change of signatory.
                form.fields["DELETE"].disabled = True
                form.fields["DELETE"].help_text = _(
                    "This member signed the Convention: the record of the signing keeps them."
                )
            elif form.instance.is_signatory:
                # Removing the signatory would take their full powers with them: organizers do that.
                form.fields["DELETE"].disabled = True
                form.fields["DELETE"].help_text = _("This member signs the Convention: protocol staff change this.")
        name = self._pk_field.name
        field = form.fields[name]
        form.fields[name] = LoadedObjectField(
            field.queryset, objects=self._loaded, initial=field.initial, required=False, widget=field.widget
        )

    def _loaded(self):
        self._existing_object(None)  # builds the formset's own {pk: object} from one query
        return self._object_dict

    def clean(self):
        super().clean()
        self._check_rows()
        # Each form checks one_head_per_delegation against the database only, so two members
        # ticked as head in the same submission would both pass and the save would fail.
        heads = [form for form in self.forms if form.cleaned_data.get("is_head") and not self._should_delete_form(form)]
        if len(heads) > 1:
            raise ValidationError(
                _("A delegation has only one head of delegation: tick “head of delegation” for one member."),
                code="one_head_per_delegation",
            )

    def _check_rows(self):
        """Refuse counts and ids that no page of this form can have sent (Django trusts them)."""
        initial, name = self.initial_form_count(), self.model._meta.pk.name
        if not 0 <= initial <= self.total_form_count():
            raise ValidationError(LIST_TAMPERED, code="tampered")
        if any(form[name].data not in form[name].field.empty_values for form in self.forms[initial:]):
            raise ValidationError(LIST_TAMPERED, code="tampered")  # an id in a new row would be ignored: a copy
        ids = [form.cleaned_data[name].pk for form in self.forms[:initial] if form.cleaned_data.get(name)]
        if len(ids) != len(set(ids)):
            raise ValidationError(LIST_TAMPERED, code="tampered")  # one member edited (or deleted) twice


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker; the value is read in the ceremony's zone, which the view activates."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DelegationSelfServiceForm(StaleEditForm):
    audience = DELEGATION

    attendance = forms.ChoiceField(
        label=_("Will your delegation attend?"), choices=ATTENDANCE, widget=forms.RadioSelect
    )

    class Meta:
        model = Delegation
        fields = ["attendance", *SELF_SERVICE_DELEGATION_FIELDS]
        widgets = {"arrival_at": LocalDateTimeInput(), "departure_at": LocalDateTimeInput()}

    def __init__(self, *args, zone_label, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.instance.status
        if status != DelegationStatus.INVITED:
            self.fields["attendance"].initial = (
                DelegationStatus.DECLINED if status == DelegationStatus.DECLINED else DelegationStatus.CONFIRMED
            )
        if status in (DelegationStatus.ARRIVED, DelegationStatus.DEPARTED):
            # Organizers record arrival and departure; attendance is settled.
            self.fields["attendance"].disabled = True
            self.fields["attendance"].required = False
        for name in ("arrival_at", "departure_at"):
            self.fields[name].help_text = _("Local time in Hanoi (%(zone)s).") % {"zone": zone_label}
        # Declining gives up the place in the order of signing: the form says so, and asks to confirm on the server,
        # so that a wrong choice costs nothing, with or without JavaScript.
        self.signs_now = not self.fields["attendance"].disabled and signs(self.instance)
        if self.signs_now:
            self.fields["attendance"].help_text = _(
                "Choosing “No” gives up your delegation's place in the order of signing and its signing slot: "
                "you will be asked to confirm."
            )
        if self.signs_now and self.is_bound and self.data.get("attendance") == DelegationStatus.DECLINED:
            self.fields[GIVE_UP] = forms.BooleanField(
                label=_("I understand: give up our place in the order of signing"),
                required=False,
                help_text=self.give_up_consequences(),
            )
            self.order_fields(["attendance", GIVE_UP])

    def give_up_consequences(self):
        """What declining costs this delegation, in a sentence or two."""
        link = SigningSlot.objects.select_related("item__room").filter(delegation=self.instance).first()
        slot = link.item if link and link.item.status != ItemStatus.CANCELLED else None
        if slot is not None:
            ceremony = self.instance.ceremony
            lost = _(
                "Your delegation gives up its place %(order)s in the order of signing and its signing slot "
                "(%(when)s, %(room)s)."
            ) % {
                "order": self.instance.signing_order or "—",
                "when": time_range(slot.starts_at, slot.ends_at, ceremony.zone),
                "room": slot.room or "—",
            }
        else:
            lost = _("Your delegation will not be given a place in the order of signing.")
        return " ".join(
            [
                str(lost),
                str(
                    _(
                        "If you choose “Yes” again before the protocol team reallocates the places, you get them "
                        "back; after that, the protocol team places you."
                    )
                ),
            ]
        )

    @property
    def asks_to_confirm(self):
        """Whether the form was refused only to have the delegation confirm that it gives up its place."""
        return GIVE_UP in self.errors and len(self.errors) == 1

    def clean(self):
        cleaned = super().clean()
        if (
            GIVE_UP in self.fields
            and not self.fields["attendance"].disabled  # the organizers changed the status meanwhile: theirs stands
            and cleaned.get("attendance") == DelegationStatus.DECLINED
            and not cleaned.get(GIVE_UP)
        ):
            self.add_error(
                GIVE_UP,
                _("Nothing is saved yet: tick this box to give up your place, or choose “Yes, we will attend”."),
            )
        return cleaned

    def _post_clean(self):
        super()._post_clean()  # the model's checks: within a year of the ceremony, departure after arrival
        self._check_stay_meets_the_ceremony()

    def _check_stay_meets_the_ceremony(self):
        """A stay that ends before the ceremony begins, or begins after it ends, is a mistyped date."""
        ceremony = self.instance.ceremony
        start, end = ceremony.bounds()
        arrival, departure = self.cleaned_data.get("arrival_at"), self.cleaned_data.get("departure_at")
        if arrival and "arrival_at" not in self.errors and arrival >= end:
            self.add_error(
                "arrival_at",
                ValidationError(
                    _("This arrival is after the ceremony ends (%(last)s): check the date."),
                    code="arrival_after_ceremony",
                    params={"last": long_date(ceremony.last_day)},
                ),
            )
        if departure and "departure_at" not in self.errors and departure < start:
            self.add_error(
                "departure_at",
                ValidationError(
                    _("This departure is before the ceremony begins (%(first)s): check the date."),
                    code="departure_before_ceremony",
                    params={"first": long_date(ceremony.first_day)},
                ),
            )

    def written_fields(self):
        attendance = set() if self.fields["attendance"].disabled else {"status"}
        return super().written_fields() | attendance

    def posted_value(self, field):
        return self.cleaned_data.get("attendance") if field.name == "status" else super().posted_value(field)

    def keep_current(self, field, fresh):
        if field.name == "status":
            self.fields["attendance"].disabled = True  # the status stands as the organizers set it
        else:
            super().keep_current(field, fresh)

    def save(self, commit=True):
        if not self.fields["attendance"].disabled:
            self.instance.status = self.cleaned_data["attendance"]
        return super().save(commit=commit)


class DelegateSelfServiceForm(StaleEditForm):
    """One member. New members never sign (organizers designate signatories); a signatory's name and rank are
    read-only; a new name for anyone else starts accreditation and clearance again, since they were granted to
    another person."""

    audience = DELEGATION

    class Meta:
        model = Delegate
        fields = SELF_SERVICE_DELEGATE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choice labels are lower case for use inside sentences; a list reads better capitalized.
        self.fields["rank"].choices = [(value, capfirst(label)) for value, label in self.fields["rank"].choices]
        if self.instance.pk and self.instance.is_signatory:
            for name in SIGNATORY_OWNED_FIELDS:
                # Disabled: the browser sends nothing and Django ignores whatever is posted.
                self.fields[name].disabled = True
                self.fields[name].help_text = _("This member signs the Convention: protocol staff change this.")
        elif self.instance.pk and self._was_checked():
            self.fields["name"].help_text = _(
                "A new name means accreditation and security clearance are checked again."
            )

    def _was_checked(self):
        return (
            self.instance.accreditation_status != AccreditationStatus.PENDING
            or self.instance.clearance_status != ClearanceStatus.PENDING
        )

    def save(self, commit=True):
        if self.instance.pk and "name" in self.changed_data:
            # Another person: what was granted to the old name does not carry over.
            self.instance.accreditation_status = AccreditationStatus.PENDING
            self.instance.clearance_status = ClearanceStatus.PENDING
        return super().save(commit=commit)


DelegateFormSet = inlineformset_factory(
    Delegation,
    Delegate,
    form=DelegateSelfServiceForm,
    formset=OneHeadFormSet,
    extra=1,
    can_delete=True,
    can_delete_extra=False,
    max_num=60,
    validate_max=True,
)
