"""The delegations' and delegates' sheets (see ``ceremony.spreadsheets`` for the rules they share)."""

import contextlib
from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets

from ceremony.models import Ceremony
from ceremony.sheet_import import UniqueCheck
from ceremony.spreadsheets import (
    CeremonyKeyWidget,
    PlannerResource,
    StrictBooleanWidget,
    ZonedDateTimeWidget,
    cleaned,
)

from .models import Delegate, Delegation, State, sort_key
from .signing import signing_withdraw, signs


class DelegationResource(PlannerResource):
    """One row per delegation, found by its country (a state) or its name (an organization)."""

    ceremony = fields.Field("ceremony", "ceremony", CeremonyKeyWidget())
    intends_to_sign = fields.Field("intends_to_sign", "intends_to_sign", StrictBooleanWidget())
    signing_order = fields.Field("signing_order", "signing_order", widgets.IntegerWidget(), readonly=True)
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

    def row_key(self, row):
        ceremony = cleaned(self.fields["ceremony"].widget, row, "ceremony")
        country = self.fields["country"].widget.clean(row.get("country"))  # the code, from a code or a name
        if country:
            return (ceremony.pk, "country", country)
        name = str(row.get("name") or "").strip()
        return (ceremony.pk, "name", name) if name else object()  # no key: finds nothing, shares with no row

    def object_keys(self, obj):
        keys = [(obj.ceremony_id, "name", obj.name.strip())]
        return [(obj.ceremony_id, "country", obj.country.code), *keys] if obj.country else keys

    def load_existing(self, keys):
        keys = [key for key in keys if isinstance(key, tuple)]
        # A state's delegation left unnamed in the sheet is named as the UN names the state.
        self.state_names = dict(
            State.objects.filter(country__in={key[2] for key in keys if key[1] == "country"}).values_list(
                "country", "name"
            )
        )
        return Delegation.objects.filter(ceremony__in={key[0] for key in keys}).select_related("ceremony")

    def complete_instance(self, plan):
        delegation = plan.instance
        if not delegation.name and delegation.country:
            delegation.name = self.state_names.get(delegation.country.code) or delegation.country.name

    def unique_checks(self):
        return [
            UniqueCheck(
                value=lambda d: (d.ceremony_id, d.name) if d.name else None,
                message=_("A delegation of this name is already registered for this ceremony."),
                column="name",
            ),
            UniqueCheck(
                value=lambda d: (d.ceremony_id, d.country.code) if d.country else None,
                message=_("This country already has a delegation at this ceremony."),
                column="country",
            ),
        ]

    def before_write(self, plans, now):
        for plan in plans:
            plan.instance.sort_name = sort_key(plan.instance.name)  # as Delegation.save does

    def extra_update_fields(self, plan):
        return ("sort_name",) if "name" in plan.changed else ()

    def after_write(self, plans):
        for plan in plans:
            delegation = plan.instance
            if plan.new or signs(delegation):
                continue
            was = SimpleNamespace(
                intends_to_sign=plan.stored.get("intends_to_sign", delegation.intends_to_sign),
                status=plan.stored.get("status", delegation.status),
            )
            if signs(was) or delegation.signing_order is not None:  # it withdraws: slot cancelled, place cleared
                signing_withdraw(delegation=delegation, user=self.user)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("ceremony")


class DelegationInCeremonyWidget(widgets.ForeignKeyWidget):
    """A delegation by its name, within the ceremony the row names (the current one by default).

    The delegations of a ceremony are read once, in one query, whatever the number of rows.
    """

    def __init__(self):
        super().__init__(Delegation, field="name")
        self.ceremonies = CeremonyKeyWidget()
        self.named = {}  # ceremony pk -> {name: delegation}

    def prefetch(self, rows, column):
        ceremonies = set()
        for row in rows:
            with contextlib.suppress(ValueError):  # the row's ceremony cell reports it
                ceremonies.add(self.ceremonies.clean(row.get("ceremony")))
        self._load(ceremonies)

    def _load(self, ceremonies):
        ceremonies = {ceremony.pk: ceremony for ceremony in ceremonies if ceremony.pk not in self.named}
        if not ceremonies:
            return
        for pk in ceremonies:
            self.named[pk] = {}
        for delegation in Delegation.objects.filter(ceremony__in=ceremonies).order_by("pk"):
            delegation.ceremony = ceremonies[delegation.ceremony_id]
            self.named[delegation.ceremony_id].setdefault(delegation.name.strip(), delegation)

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            raise ValueError(_("Name the delegation."))
        ceremony = self.ceremonies.clean((row or {}).get("ceremony"))
        self._load({ceremony})
        delegation = self.named[ceremony.pk].get(value)
        if delegation is None:
            raise ValueError(_("No delegation is named “%(value)s” at this ceremony.") % {"value": value})
        return delegation

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

    def row_key(self, row):
        delegation = cleaned(self.fields["delegation"].widget, row, "delegation")
        name = str(row.get("name") or "").strip()
        return (delegation.pk, name) if name else object()  # no key: finds nothing, shares with no row

    def object_keys(self, obj):
        return [(obj.delegation_id, obj.name.strip())]

    def load_existing(self, keys):
        delegations = {key[0] for key in keys if isinstance(key, tuple)}
        return Delegate.objects.filter(delegation__in=delegations).select_related("delegation__ceremony")

    def unique_checks(self):
        # Judged on what the sheet makes of each member, so that a sheet may hand the headship over.
        return [
            UniqueCheck(
                value=lambda d: d.delegation_id if d.is_head else None,
                message=_("This delegation already has a head of delegation."),
                column="is_head",
                final=True,
            )
        ]

    def ceremony_ids(self, plan):
        return {plan.instance.delegation.ceremony_id}

    def lock_ceremonies(self, ceremony_ids):
        # Members are in no calendar: the ceremonies are locked first, as every writer does, not touched.
        Ceremony.objects.lock(ceremony_ids)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("delegation__ceremony")
