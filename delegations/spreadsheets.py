"""The delegations' and delegates' sheets (see ``ceremony.spreadsheets`` for the rules they share)."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets

from ceremony.spreadsheets import (
    CeremonyKeyWidget,
    PlannerResource,
    StrictBooleanWidget,
    ZonedDateTimeWidget,
    cleaned,
)

from .models import Delegate, Delegation
from .signing import signing_withdraw


class DelegationResource(PlannerResource):
    """One row per delegation, found by its country (a state) or its name (an organization)."""

    ceremony = fields.Field("ceremony", "ceremony", CeremonyKeyWidget())
    intends_to_sign = fields.Field("intends_to_sign", "intends_to_sign", StrictBooleanWidget())
    signing_order = fields.Field("signing_order", "signing_order", readonly=True)
    arrival_at = fields.Field("arrival_at", "arrival_at", ZonedDateTimeWidget())
    departure_at = fields.Field("departure_at", "departure_at", ZonedDateTimeWidget())

    class Meta(PlannerResource.Meta):
        model = Delegation
        import_id_fields = ["country", "name"]
        fields = [
            "ceremony",
            "country",
            "name",
            "kind",
            "status",
            "intends_to_sign",
            "signing_order",
            "contact_email",
            "contact_phone",
            "liaison_officer",
            "arrival_at",
            "departure_at",
            "hotel",
            "notes",
        ]
        export_order = fields

    def get_instance(self, instance_loader, row):
        ceremony = cleaned(CeremonyKeyWidget(), row, "ceremony")
        country = self.fields["country"].widget.clean(row.get("country"))
        found = Delegation.objects.filter(ceremony=ceremony).select_related("ceremony")
        if country:
            return found.filter(country=country).first()
        name = str(row.get("name") or "").strip()
        return found.filter(name=name).first() if name else None

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("ceremony")

    def after_save_instance(self, instance, row, **kwargs):
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return  # nothing was saved, so nothing to withdraw
        signing_withdraw(delegation=instance, user=self.user)  # declined or no longer signing: slot cancelled


class DelegationInCeremonyWidget(widgets.ForeignKeyWidget):
    """A delegation by its name, within the ceremony the row names (the current one by default)."""

    def __init__(self):
        super().__init__(Delegation, field="name")
        self.ceremonies = CeremonyKeyWidget()
        self.found = {}

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            raise ValueError(_("Name the delegation."))
        ceremony = self.ceremonies.clean((row or {}).get("ceremony"))
        if (ceremony.pk, value) not in self.found:
            delegation = Delegation.objects.filter(ceremony=ceremony, name=value).first()
            if delegation is None:
                raise ValueError(_("No delegation is named “%(value)s” at this ceremony.") % {"value": value})
            self.found[ceremony.pk, value] = delegation
        return self.found[ceremony.pk, value]

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class DelegateResource(PlannerResource):
    """One row per member, found by delegation and name as in the passport."""

    ceremony = fields.Field("delegation__ceremony__slug", "ceremony", readonly=True)
    delegation = fields.Field("delegation", "delegation", DelegationInCeremonyWidget())
    is_head = fields.Field("is_head", "is_head", StrictBooleanWidget())
    is_signatory = fields.Field("is_signatory", "is_signatory", StrictBooleanWidget())

    class Meta(PlannerResource.Meta):
        model = Delegate
        import_id_fields = ["delegation", "name"]
        fields = [
            "ceremony",
            "delegation",
            "name",
            "position",
            "rank",
            "is_head",
            "is_signatory",
            "email",
            "phone",
            "accreditation_status",
            "clearance_status",
        ]
        export_order = fields

    def get_instance(self, instance_loader, row):
        delegation = cleaned(DelegationInCeremonyWidget(), row, "delegation")
        name = str(row.get("name") or "").strip()
        return Delegate.objects.select_related("delegation").filter(delegation=delegation, name=name).first()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("delegation__ceremony")
