"""Spreadsheets in the admin (django-import-export): the shared rules and the programme's sheet.

Every sheet follows the same rules, whoever imports it:

- a row is found by its natural key (an item's UID, a delegation's country or name, a delegate's
  delegation and name), so a sheet exported, edited and imported again updates, never duplicates; a key
  given twice in one sheet is refused;
- times are written in the ceremony's zone with the offset (``2025-10-25 09:00+07:00``); a time
  without an offset is read in the ceremony's zone, never in the server's;
- a row that changes nothing is skipped, so re-importing an export writes no history;
- a field the importer's role may not change (see ``ceremony.roles.FIELD_PERMISSIONS``), a
  new row from a role that may not add, and a changed or new item of a kind the role may not
  change (``ceremony.roles.ITEM_KINDS``) are refused with the reason, and then nothing is saved:
  the admin imports only after a preview without errors, and in one transaction;
- each row is validated by its model (``full_clean``: field validators and ``clean``), and the unique
  constraints are checked across the sheet and against the database;
- the changes are written in bulk (``ceremony.sheet_import``) with what ``Model.save()`` would do:
  sequences rise as ``ScheduleItem.save`` raises them, feeds move, and the change history names the
  importer with the reason "spreadsheet import";
- exported cells never run as formulas, and text comes back exactly (``ceremony.cells``); files are read
  within stated limits (``ceremony.sheet_files``).
"""

import datetime as dt

from django.contrib.auth import get_permission_codename
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets

from .admin_permissions import restricted_fields
from .enums import ItemKind
from .feeds_state import feeds_touch
from .models import SEQUENCED_FIELDS, Agency, Ceremony, Room, ScheduleItem, sequence_after_save
from .roles import item_kinds
from .services import record_item_m2m_history
from .sheet_import import IMPORT_REASON, BulkImportResource, StaleSheet
from .signals import send_moves
from .times import minutes_with_offset


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
        return minutes_with_offset(value, zone)


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
    """A related object by its key, looked up once per import (a resource copies its widgets per import).

    ``prefetch`` looks up every key of a column in one query, so that an import's queries do not grow
    with its rows; a key found nowhere is remembered too, as its error.
    """

    def __init__(self, model, field):
        super().__init__(model, field=field)
        self.found = {}

    def prefetch(self, rows, column):
        wanted = {_key_text(row.get(column)) for row in rows} - set(self.found) - {""}
        if wanted:
            objs = {getattr(obj, self.field): obj for obj in self.model.objects.filter(**{f"{self.field}__in": wanted})}
            self.found.update({key: objs.get(key) or ValueError(self.missing(key)) for key in wanted})

    def clean(self, value, row=None, **kwargs):
        value = _key_text(value)
        if value not in self.found:
            try:
                self.found[value] = self.find(value)
            except ValueError as error:
                self.found[value] = error
        found = self.found[value]
        if isinstance(found, ValueError):
            raise ValueError(str(found))
        return found

    def find(self, value):
        if not value:
            return None
        try:
            return self.model.objects.get(**{self.field: value})
        except self.model.DoesNotExist:
            raise ValueError(self.missing(value)) from None


def _key_text(value):
    return "" if value is None else str(value).strip()


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

    def _keys(self, value):
        return [key.strip() for key in str(value or "").split(self.separator) if key.strip()]

    def prefetch(self, rows, column):
        self._load({key for row in rows for key in self._keys(row.get(column))})

    def _load(self, keys):
        unseen = set(keys) - set(self.found)
        if unseen:
            self.found.update(
                {getattr(obj, self.field): obj for obj in self.model.objects.filter(**{f"{self.field}__in": unseen})}
            )
            self.found.update(dict.fromkeys(unseen - set(self.found)))  # unknown: remembered as None

    def clean(self, value, row=None, **kwargs):
        keys = self._keys(value)
        self._load(keys)
        unknown = sorted({key for key in keys if self.found[key] is None})
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


class PlannerResource(BulkImportResource):
    """The rules every sheet of the planner follows (see the module's docstring)."""

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        if django_field.choices:
            field.widget = ChoicesWidget(django_field)
        elif isinstance(django_field, models.CharField | models.TextField):
            # An empty cell is empty text (import-export reads it as None for a TextField, which no
            # NOT NULL column takes), and an Excel number in a text column its digits.
            field.widget = widgets.CharWidget(allow_blank=True)
        return field

    class Meta:
        """Unchanged rows are always skipped (counted, not listed: the preview shows what changes) and the
        others validated by their model: ``ceremony.sheet_import`` replaces import-export's options for
        these (skip_unchanged, report_skipped, clean_model_instances)."""

    def before_import_row(self, row, **kwargs):
        row.setdefault("ceremony", "")  # no ceremony column: the current ceremony

    def check_permissions(self, plan):
        if self.user is None:
            return
        model = self._meta.model
        for name in restricted_fields(self.user, model):
            if name in plan.changed and name not in plan.errors:
                plan.refuse(name, ValidationError(_("Your role may not change this field."), code="restricted"))
        adding = f"{model._meta.app_label}.{get_permission_codename('add', model._meta)}"
        if plan.new and not self.user.has_perm(adding):
            plan.refuse(
                NON_FIELD_ERRORS,
                ValidationError(
                    _("Your role may not add %(things)s; this row matches none that exists."),
                    code="restricted",
                    params={"things": model._meta.verbose_name_plural},
                ),
            )

    def ceremony_ids(self, plan):
        """An item or delegation's ceremony, and the one it leaves."""
        left = plan.stored.get("ceremony_id") if not plan.new else None
        return {plan.instance.ceremony_id, left} - {None}

    def lock_ceremonies(self, ceremony_ids):
        feeds_touch(ceremony_ids=ceremony_ids)  # takes the ceremonies' rows, and the feeds' stamp moves


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
    sequence = fields.Field("sequence", "sequence", widgets.IntegerWidget(), readonly=True)

    class Meta(PlannerResource.Meta):
        model = ScheduleItem
        import_id_fields = ["uid"]
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

    def row_key(self, row):
        return self.fields["uid"].clean(row)

    def object_keys(self, obj):
        return [obj.uid]

    def load_existing(self, keys):
        # The supporting agencies are loaded by the import itself (``BulkImportResource._load_m2m``).
        return ScheduleItem.objects.filter(uid__in=set(keys)).select_related("ceremony", "room", "lead_agency")

    def check_row(self, plan):
        kinds = item_kinds(self.user) if self.user is not None else None
        if kinds is None:
            return
        # A role limited to some kinds (Logistics: transport) changes and adds only items of those kinds.
        if not plan.new and plan.stored.get("kind", plan.instance.kind) not in kinds:
            raise ValidationError({NON_FIELD_ERRORS: [_kinds_error(kinds)]})
        if plan.instance.kind not in kinds:
            raise ValidationError({"kind": [_kinds_error(kinds)]})

    def before_write(self, plans, now):
        # A moved item's SEQUENCE rises exactly as ScheduleItem.save raises it: compared with the row as
        # stored now, locked, not as the plan read it.
        changed = {plan.instance.pk: plan.instance for plan in plans if not plan.new}
        stored = ScheduleItem.objects.select_for_update().filter(pk__in=changed).order_by("pk")
        stored = stored.values("pk", "sequence", *SEQUENCED_FIELDS)
        found = 0
        self.moved = []
        for row in stored:
            changed[row["pk"]].sequence = sequence_after_save(row, changed[row["pk"]])
            found += 1
            if changed[row["pk"]].sequence != row["sequence"]:
                self.moved.append(row)
        if found != len(changed):
            raise StaleSheet("an item was deleted")

    def after_write(self, plans):
        send_moves(ScheduleItem, stored_rows=self.moved, user=self.user)

    def extra_update_fields(self, plan):
        return ("sequence",)

    def after_history(self, now, pks):
        # Which agencies supported each version.
        versions = ScheduleItem.history.filter(history_date=now, history_change_reason=IMPORT_REASON, id__in=pks)
        record_item_m2m_history(list(versions.only("history_id", "id")))

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
