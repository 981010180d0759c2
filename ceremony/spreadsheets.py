"""Spreadsheets in the admin (django-import-export): the shared rules and the programme's sheet.

Every sheet follows the same rules, whoever imports it:

- a row is found by its natural key (an item's UID, a delegation's country or name, a delegate's
  delegation and name), so a sheet exported, edited and imported again updates, never duplicates;
- times are written in the ceremony's zone with the offset (``2025-10-25 09:00+07:00``); a time
  without an offset is read in the ceremony's zone, never in the server's;
- a row that changes nothing is skipped, so re-importing an export writes no history;
- a field the importer's role may not change (see ``ceremony.roles.FIELD_PERMISSIONS``), a
  new row from a role that may not add, and a changed or new item of a kind the role may not
  change (``ceremony.roles.ITEM_KINDS``) are refused with the reason, and then nothing is saved:
  the admin imports in one transaction and only after a preview without errors;
- each saved row goes through ``Model.save()``, so sequences rise, feeds move, and the change
  history names the importer with the reason "spreadsheet import".
"""

import datetime as dt

from django import forms
from django.contrib.auth import get_permission_codename
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm, SelectableFieldsExportForm
from import_export.instance_loaders import CachedInstanceLoader

from .admin_permissions import restricted_fields
from .enums import ItemKind
from .models import Agency, Ceremony, Room, ScheduleItem
from .roles import item_kinds

#: What the history says of a change made by importing a sheet.
IMPORT_REASON = "spreadsheet import"

#: Larger files are refused before they are read. A ceremony's sheets are far smaller (200 delegations
#: export to about 30 kB); an import checks roughly 250 changed rows a second, so a 1 MB sheet of a few
#: thousand rows still previews within a worker's 30-second timeout.
MAX_IMPORT_BYTES = 1024 * 1024


class ZonedDateTimeWidget(widgets.Widget):
    """An instant as the ceremony's wall-clock time with its offset, e.g. ``2025-10-25 09:00+07:00``.

    A time without offset (an Excel date cell is one) is read in the zone of the ceremony the row
    names; an export writes each time in its object's ceremony's zone.
    """

    def __init__(self, zone_attr="ceremony"):
        super().__init__()
        self.zone_attr = zone_attr
        self.ceremonies = CeremonyKeyWidget()

    def zone_of(self, row):
        try:
            return self.ceremonies.clean(row.get("ceremony")).zone
        except ValueError:  # the ceremony's own cell reports it
            return timezone.get_current_timezone()

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            try:
                parsed = dt.datetime.fromisoformat(str(value).strip())
            except ValueError:
                raise ValueError(
                    _("“%(value)s” is not a time: write 2025-10-25 09:00 (ceremony time) or 2025-10-25 09:00+07:00.")
                    % {"value": value}
                ) from None
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=self.zone_of(row or {}))
        return parsed

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        zone = getattr(obj, self.zone_attr).zone if obj is not None else timezone.get_current_timezone()
        return timezone.localtime(value, zone).isoformat(sep=" ", timespec="minutes")


class StrictBooleanWidget(widgets.BooleanWidget):
    """Yes or no; anything else is an error rather than a silent "no"."""

    TRUE_WORDS = {"1", "true", "yes", "y", "x", "có"}
    FALSE_WORDS = {"0", "false", "no", "n", "", "không"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        word = "" if value is None else str(value).strip().casefold()
        if word in self.TRUE_WORDS:
            return True
        if word in self.FALSE_WORDS:
            return False
        raise ValueError(_("“%(value)s” is neither yes nor no (write 1 or 0).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return "1" if value else "0"


class ChoicesWidget(widgets.Widget):
    """A choice by its code ("foreign_minister") or by its label in English or Vietnamese, any case.

    Exported as the code. An unknown value is passed on unchanged, for the model's own "not a valid
    choice" error.
    """

    def __init__(self, django_field):
        super().__init__()
        self.django_field = django_field

    @cached_property
    def _lookup(self):
        lookup = {}
        for code, label in self.django_field.flatchoices:
            for language in ("en", "vi"):
                with translation.override(language):
                    lookup[str(label).casefold()] = code
        lookup.update({str(code).casefold(): code for code, _label in self.django_field.flatchoices})
        return lookup

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return "" if self.django_field.blank else None
        return self._lookup.get(text.casefold(), text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CachedKeyWidget(widgets.ForeignKeyWidget):
    """A related object by its key, looked up once per import (a resource copies its widgets per import)."""

    def __init__(self, model, field):
        super().__init__(model, field=field)
        self.found = {}

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value).strip()
        if value not in self.found:
            self.found[value] = self.find(value)
        return self.found[value]

    def find(self, value):
        if not value:
            return None
        try:
            return self.model.objects.get(**{self.field: value})
        except self.model.DoesNotExist:
            raise ValueError(self.missing(value)) from None


class CeremonyKeyWidget(CachedKeyWidget):
    """The ceremony by its slug; an empty cell means the current ceremony."""

    def __init__(self):
        super().__init__(Ceremony, field="slug")

    def find(self, value):
        if value:
            return super().find(value)
        current = Ceremony.objects.current()
        if current is None:
            raise ValueError(_("There is no ceremony yet; create one first."))
        return current

    def missing(self, value):
        return _("No ceremony has the slug “%(slug)s”.") % {"slug": value}


class KeyWidget(CachedKeyWidget):
    """A related object by its key, with an error that names what was not found."""

    def __init__(self, model, field, missing):
        super().__init__(model, field=field)
        self.missing_message = missing

    def missing(self, value):
        return self.missing_message % {"value": value}


class KeysWidget(widgets.ManyToManyWidget):
    """Several related objects by key, comma-separated; an unknown key is an error, not dropped."""

    def __init__(self, model, field, missing):
        super().__init__(model, separator=",", field=field)
        self.missing = missing
        self.found = {}

    def clean(self, value, row=None, **kwargs):
        keys = [key.strip() for key in str(value or "").split(self.separator) if key.strip()]
        unseen = [key for key in keys if key not in self.found]
        if unseen:
            self.found.update(
                {getattr(obj, self.field): obj for obj in self.model.objects.filter(**{f"{self.field}__in": unseen})}
            )
        unknown = sorted(set(keys) - set(self.found))
        if unknown:
            raise ValueError(self.missing % {"value": ", ".join(unknown)})
        return [self.found[key] for key in dict.fromkeys(keys)]

    def render(self, value, obj=None, **kwargs):
        return ", ".join(sorted(getattr(related, self.field) for related in value.all())) if value else ""


def cleaned(widget, row, column):
    """A key cell read by its widget; a bad key is the row's validation error, not a crash."""
    try:
        return widget.clean(row.get(column), row)
    except ValueError as error:
        raise ValidationError({column: [str(error)]}) from None


class PlannerResource(resources.ModelResource):
    """The rules every sheet of the planner follows (see the module's docstring)."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        if django_field.choices:
            field.widget = ChoicesWidget(django_field)
        return field

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import_row(self, row, **kwargs):
        row.setdefault("ceremony", "")  # no ceremony column: the current ceremony

    def import_instance(self, instance, row, **kwargs):
        user = kwargs.get("user") or self.user
        model = self._meta.model
        restricted = restricted_fields(user, model) if user is not None else []
        attnames = {name: model._meta.get_field(name).attname for name in restricted}  # ids, not objects
        before = {name: getattr(instance, attname) for name, attname in attnames.items()}
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():  # many-to-many cells are saved later; check them now
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [ValidationError(str(error), code="invalid")]
        for name, attname in attnames.items():
            if name not in errors and getattr(instance, attname) != before[name]:
                errors[name] = [ValidationError(_("Your role may not change this field."), code="restricted")]
        if user is not None and instance._state.adding:
            codename = get_permission_codename("add", model._meta)
            if not user.has_perm(f"{model._meta.app_label}.{codename}"):
                errors.setdefault(NON_FIELD_ERRORS, []).append(
                    ValidationError(
                        _("Your role may not add %(things)s; this row matches none that exists."),
                        code="restricted",
                        params={"things": model._meta.verbose_name_plural},
                    )
                )
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = IMPORT_REASON


class ScheduleItemResource(PlannerResource):
    ceremony = fields.Field("ceremony", "ceremony", CeremonyKeyWidget())
    starts_at = fields.Field("starts_at", "starts_at", ZonedDateTimeWidget())
    ends_at = fields.Field("ends_at", "ends_at", ZonedDateTimeWidget())
    room = fields.Field("room", "room", KeyWidget(Room, "key", _("No room has the key “%(value)s”.")))
    lead_agency = fields.Field(
        "lead_agency", "lead_agency", KeyWidget(Agency, "code", _("No agency has the code “%(value)s”."))
    )
    supporting_agencies = fields.Field(
        "supporting_agencies",
        "supporting_agencies",
        KeysWidget(Agency, "code", _("No agency has the code “%(value)s”.")),
    )
    sequence = fields.Field("sequence", "sequence", readonly=True)

    class Meta(PlannerResource.Meta):
        model = ScheduleItem
        import_id_fields = ["uid"]
        # Every item of the sheet in one query, with what the preview compares (see get_queryset).
        instance_loader_class = CachedInstanceLoader
        fields = [
            "uid",
            "ceremony",
            "kind",
            "title",
            "title_vi",
            "starts_at",
            "ends_at",
            "room",
            "lead_agency",
            "supporting_agencies",
            "visibility",
            "status",
            "description",
            "description_vi",
            "sequence",
        ]
        export_order = fields

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        if not str(row.get("uid") or "").strip():  # a new item: it gets its UID for life now
            row["uid"] = ScheduleItem._meta.get_field("uid").get_default()

    def skip_row(self, instance, original, row, import_validation_errors=None):
        skip = super().skip_row(instance, original, row, import_validation_errors)
        kinds = item_kinds(self.user) if self.user is not None else None
        if skip or import_validation_errors or kinds is None:
            return skip
        # A role limited to some kinds (Logistics: transport) changes and adds only items of those kinds.
        if original is not None and original.pk is not None and original.kind not in kinds:
            raise ValidationError({NON_FIELD_ERRORS: [_kinds_error(kinds)]})
        if instance.kind not in kinds:
            raise ValidationError({"kind": [_kinds_error(kinds)]})
        return skip

    def get_queryset(self):
        return self.filter_export(ScheduleItem.objects.all())

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("ceremony", "room", "lead_agency").prefetch_related("supporting_agencies")


def _kinds_error(kinds):
    names = ", ".join(sorted(str(ItemKind(kind).label) for kind in kinds))
    return ValidationError(
        _("Your role may add and change only items of these kinds: %(kinds)s."),
        code="restricted",
        params={"kinds": names},
    )


# --- The admin ----------------------------------------------------------------------------------------------------


class SizedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("This file is %(size)s; import files of at most %(limit)s (split the sheet)."),
                code="too_large",
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_IMPORT_BYTES)},
            )
        return upload


class SelectAllExportForm(SelectableFieldsExportForm):
    @property
    def media(self):
        # The package's "select all" box uses an inline handler, which our CSP blocks; this binds it.
        return super().media + forms.Media(js=["ceremony/export_select_all.js"])


class SpreadsheetMixin(ImportExportMixin):
    """Import and export for an admin class; the resource learns who imports."""

    formats = [CSV, XLSX]
    import_form_class = SizedImportForm
    export_form_class = SelectAllExportForm

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}
