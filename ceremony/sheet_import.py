"""Importing a sheet in bulk: every row read and checked outside any transaction, the changes written in one short one.

django-import-export imports row by row: each row is looked up, cleaned, validated (with a query per
unique constraint) and saved with its history and signals, all inside one transaction that the preview
rolls back. On SQLite that transaction holds the database's write lock for the whole sheet (24 s for
2,200 rows: a delegation saving its form meanwhile got "database is locked"), and 3,000 rows outran a
worker's timeout. ``BulkImportResource`` keeps import-export's admin pages, its fields and widgets and its
``Result`` and ``RowResult`` objects, and replaces its ``import_data`` with two steps:

1. **Plan** (reads only, in a constant number of queries, outside any transaction). The header is checked
   (known columns, the key's columns present, none twice). Every key cell is looked up, one query per
   column (the widgets' ``prefetch``), and the rows' stored objects loaded together (``load_existing``).
   Each row is read into its object by the resource's fields, compared with what is stored, checked
   against the importer's role (``check_permissions``), and, unless it changes nothing (then it is skipped
   unvalidated, and writes no history), validated by the model: ``full_clean`` runs the fields' validators
   and ``clean``. What concerns several rows is checked in Python: a key given twice, and the unique
   constraints (``unique_checks``) against the other rows and the stored objects. The preview stops here:
   it writes nothing.
2. **Apply** (the confirm, when no row has an error), in one transaction: first the affected ceremonies
   (``lock_ceremonies``: their feeds' stamp moves, and taking the ceremony rows first is the order in which
   every writer locks), then, in bulk, the new rows inserted and the changed ones updated (each only in
   the columns it changes), the many-to-many cells replaced and the history written, naming the importer
   with the reason "spreadsheet import". If the stored rows changed since the plan in a way that breaks it
   (a row deleted, a key taken meanwhile), nothing is saved and the page says so.

Of import-export, the planner uses the admin's import and export pages (``ceremony.admin_spreadsheets``
adapts a few of their methods), the resource's fields and widgets (``Field.save``, ``clean`` and
``export``), and ``Result``, ``RowResult`` and ``InvalidRow``, which the pages show. It overrides
``import_data`` whole: ``import_row``, the instance loaders, ``skip_row``, ``save_instance`` and the
``use_transactions``/``use_bulk`` machinery are not used, since each of them works one row at a time
(``use_bulk`` would batch the saves, but neither validate across rows nor write history, and it still
runs inside the transaction of the whole import). Writing goes through ``ceremony.bulk``.
"""

import copy
import logging
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.results import Error, RowResult

from . import bulk

logger = logging.getLogger(__name__)

#: What the history says of a change made by importing a sheet.
IMPORT_REASON = "spreadsheet import"


class SheetError(Exception):
    """The sheet as a whole cannot be imported (its header, say); the message says why."""


class StaleSheet(Exception):
    """The stored rows changed between the plan and the writing in a way that breaks the plan."""


@dataclass(eq=False)
class RowPlan:
    """What one row of the sheet does."""

    number: int
    row: dict
    instance: object = None
    new: bool = False
    stored: dict = field(default_factory=dict)  # attname -> value before the row, of the columns it sets
    stored_m2m: dict = field(default_factory=dict)  # field name -> set of related pks before the row
    m2m: dict = field(default_factory=dict)  # field name -> the related objects the row gives
    changed: set = field(default_factory=set)  # names of the fields the row changes
    errors: dict = field(default_factory=dict)  # field name (or NON_FIELD_ERRORS) -> [ValidationError]
    before: object = None  # a copy of the stored object, before the row changes it
    held: list = field(default_factory=list)  # the stored values of the ``final`` unique checks
    result: RowResult = None

    def refuse(self, name, message):
        self.errors.setdefault(name, []).append(message if isinstance(message, ValidationError) else str(message))

    @property
    def writes(self):
        return not self.errors and (self.new or bool(self.changed))


@dataclass(frozen=True)
class PreviewCell:
    """A cell of a new or changed row, as the preview shows it: ``old`` is None for a new row."""

    column: str
    label: str
    old: str | None
    new: str


@dataclass(frozen=True)
class UniqueCheck:
    """A unique constraint checked across the sheet and against the stored objects.

    ``value(obj)`` is the constrained tuple of an object, or None where the constraint does not apply
    (a partial constraint's condition). ``final``: judge the stored objects that the sheet changes by what
    the sheet makes of them (rows releasing a value are written before the others, see ``releases``), else
    by what they are now.
    """

    value: object
    message: str
    column: str = NON_FIELD_ERRORS
    final: bool = False


class BulkImportResource(resources.ModelResource):
    """A ModelResource whose import plans every row first and writes the changes in bulk (see the module)."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._choice_labels = {}  # field name -> {code: label}, for the preview

    # --- What a resource says about its model -----------------------------------------------------------------

    def row_key(self, row):
        """The natural key of the object the row means; ValidationError names a bad key cell."""
        raise NotImplementedError

    def object_keys(self, obj):
        """The keys under which a stored object is found."""
        raise NotImplementedError

    def load_existing(self, keys):
        """The stored objects the keys may name, with what the plan reads of them, in a few queries."""
        raise NotImplementedError

    def complete_instance(self, plan):
        """Fill what the model derives (before comparing with the stored row)."""

    def check_permissions(self, plan):
        """Refuse, in ``plan``, what the importer may not do."""

    def check_row(self, plan):
        """Raise ValidationError for a new or changed row that must be refused before validating it."""

    def unique_checks(self):
        return []

    def ceremony_ids(self, plan):
        """The ceremonies whose rows the plan writes, before and after."""
        return set()

    def lock_ceremonies(self, ceremony_ids):
        """Take the ceremonies' rows first, inside the write transaction."""

    def before_write(self, plans, now):
        """Inside the write transaction, before writing: for what compares with the rows as stored now."""

    def after_history(self, now, pks):
        """After the history of the objects ``pks`` is written with the date ``now``."""

    def after_write(self, plans):
        """Inside the write transaction, after writing everything."""

    # --- import-export's entry point ------------------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        """Plan every row, and unless previewing or refused, apply the plan in one transaction."""
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        try:
            plans = self.plan_import(dataset)
        except SheetError as error:
            result.append_base_error(Error(error))
            return result
        except Exception:  # a sheet must never answer 500; what went wrong is logged for us
            logger.exception("Planning the import of a sheet failed")
            result.append_base_error(Error(SheetError(_("This sheet could not be read. Nothing was imported."))))
            return result
        self.report(plans, result, diffs=dry_run)  # the confirm shows no rows: nothing to describe
        if dry_run or result.has_validation_errors():
            return result
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                self.apply_import(plans)
        except (StaleSheet, IntegrityError):
            logger.info("A sheet's import met changed rows", exc_info=True)
            result.append_base_error(
                Error(
                    SheetError(
                        _(
                            "Nothing was imported: the database refused the changes, most likely because someone "
                            "changed these rows since the preview. Import the sheet again to see what changed."
                        )
                    )
                )
            )
            return result
        for plan in plans:
            if plan.result is not None:
                plan.result.add_instance_info(plan.instance)
                plan.result.instance = plan.instance
        return result

    # --- 1. Plan --------------------------------------------------------------------------------------------------

    def check_header(self, headers):
        """The columns the sheet sets, refusing unknown, doubled or missing key columns."""
        known = {f.column_name for f in self.import_fields}
        named = [name for name in headers if name]
        doubled = sorted(name for name, count in Counter(named).items() if count > 1)
        unknown = [name for name in named if name not in known]
        keys = [self.fields[name].column_name for name in self.get_import_id_fields()]
        missing = [name for name in keys if name not in named]
        problems = []
        if doubled:
            problems.append(_("These columns appear twice: %(columns)s.") % {"columns": ", ".join(doubled)})
        if unknown:
            problems.append(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
        if missing:
            problems.append(
                _("The sheet needs the columns that find each row: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        if problems:
            columns = ", ".join(f.column_name for f in self.import_fields)
            raise SheetError(" ".join([*map(str, problems), str(_("The columns are: %s.") % columns)]))

    def plan_import(self, dataset):
        """A RowPlan for each row of the dataset (reads only)."""
        rows = self._read_rows(dataset)
        keys = []
        for row in rows:
            try:
                keys.append(self.row_key(row))
            except ValidationError as error:
                keys.append(error)
        stored = list(self.load_existing([key for key in keys if not isinstance(key, ValidationError)]))
        self.related_of = {f.attribute: self._load_m2m(f, stored) for f in self.many_fields}
        found = {}
        for obj in stored:
            for key in self.object_keys(obj):
                found.setdefault(key, obj)
        holders = [  # before the rows change the stored objects
            {value: obj.pk for obj in stored if (value := check.value(obj)) is not None} for check in self.checks
        ]
        plans, rows_of_object, rows_of_new_key = [], {}, {}
        for number, (row, key) in enumerate(zip(rows, keys, strict=True), start=1):
            plan = RowPlan(number=number, row=row)
            plans.append(plan)
            if isinstance(key, ValidationError):
                for name, messages in key.update_error_dict({}).items():
                    for message in messages:
                        plan.refuse(name, message)
                continue
            instance = found.get(key)
            earlier = rows_of_object.get(instance.pk) if instance is not None else rows_of_new_key.get(key)
            if earlier is not None:
                plan.refuse(
                    NON_FIELD_ERRORS,
                    _("Row %(row)d is about the same %(thing)s; each may appear once in a sheet.")
                    % {"row": earlier, "thing": self._meta.model._meta.verbose_name},
                )
                continue
            if instance is None:
                rows_of_new_key[key] = number
            else:
                rows_of_object[instance.pk] = number
            try:
                self.plan_row(plan, instance)
            except Exception:  # a cell no widget foresaw: the row's error, never a 500
                logger.info("Planning row %d of a sheet failed", number, exc_info=True)
                plan.errors = {NON_FIELD_ERRORS: [str(_("This row could not be read; check its cells."))]}
        self.check_unique(plans, holders)
        return plans

    def _read_rows(self, dataset):
        """The rows as dicts by column, after ``before_import_row``; the columns they set; the key cells
        looked up (one query per key column)."""
        model = self._meta.model
        self.import_fields = self.get_import_fields()
        self.checks = self.unique_checks()
        headers = [str(name or "").strip() for name in (dataset.headers or [])]
        self.check_header(headers)
        rows = []
        for values in dataset:
            row = {name: value for name, value in zip(headers, values, strict=True) if name}
            self.before_import_row(row)
            rows.append(row)
        columns = set(headers).union(*rows)
        writable = [f for f in self.import_fields if f.attribute and not f.readonly and f.column_name in columns]
        self.simple_fields = [f for f in writable if not isinstance(f.widget, widgets.ManyToManyWidget)]
        self.many_fields = [f for f in writable if isinstance(f.widget, widgets.ManyToManyWidget)]
        self.attnames = {f.attribute: model._meta.get_field(f.attribute).attname for f in self.simple_fields}
        for import_field in writable:
            if hasattr(import_field.widget, "prefetch"):
                import_field.widget.prefetch(rows, import_field.column_name)
        return rows

    def _load_m2m(self, import_field, stored):
        """The related objects of each stored object, for a many-to-many column: two queries, whatever the rows."""
        relation = self._meta.model._meta.get_field(import_field.attribute)
        source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
        pairs = list(
            relation.remote_field.through.objects.filter(**{f"{source}__in": [obj.pk for obj in stored]}).values_list(
                f"{source}_id", f"{target}_id"
            )
        )
        related = relation.related_model.objects.in_bulk({pk for _obj, pk in pairs})
        by_object = {}
        for obj, pk in pairs:
            by_object.setdefault(obj, []).append(related[pk])
        return by_object

    def plan_row(self, plan, instance):
        plan.new = instance is None
        plan.instance = instance = self.init_instance(plan.row) if plan.new else instance
        if not plan.new:
            plan.before = _twin(instance)  # for the preview's "before" cells, if the row changes
            plan.held = [check.value(instance) for check in self.checks if check.final]
        plan.stored = {attname: getattr(instance, attname) for attname in self.attnames.values()}
        for import_field in self.simple_fields:
            try:
                import_field.save(instance, plan.row)
            except ValueError as error:
                plan.refuse(import_field.attribute, error)
            except Exception:
                plan.refuse(import_field.attribute, self._unreadable(import_field, plan.row))
        for import_field in self.many_fields:
            name = import_field.attribute
            plan.stored_m2m[name] = {obj.pk for obj in self.related_of[name].get(instance.pk, ())}
            try:
                plan.m2m[name] = list(import_field.clean(plan.row))
            except ValueError as error:
                plan.refuse(name, error)
            except Exception:
                plan.refuse(name, self._unreadable(import_field, plan.row))
        self.complete_instance(plan)
        plan.changed = {
            name
            for name, attname in self.attnames.items()
            if not _same(getattr(instance, attname), plan.stored[attname])
        } | {name for name, objs in plan.m2m.items() if {obj.pk for obj in objs} != plan.stored_m2m[name]}
        self.check_permissions(plan)
        if not plan.errors and not plan.writes:
            return  # unchanged: skipped, not validated
        if not plan.errors:
            try:
                self.check_row(plan)
            except ValidationError as error:
                plan.errors = error.update_error_dict({})
                return
        # Validated: what the row sets (every field of a new row, the changed ones of a stored row: the
        # others were validated when stored, and an old value must not block a change to another field)
        # and the model's clean(). Foreign keys come from key cells looked up above, or from the stored
        # row: they exist, and checking again would cost a query per row. Unique constraints are checked
        # across the sheet (check_unique).
        model = self._meta.model
        exclude = set(plan.errors) | {f.name for f in model._meta.concrete_fields if f.many_to_one}
        if not plan.new:
            exclude |= {f.name for f in model._meta.concrete_fields if f.name not in plan.changed}
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            plan.errors = error.update_error_dict(plan.errors)

    @staticmethod
    def _unreadable(import_field, row):
        return _("“%(value)s” cannot be read as %(column)s.") % {
            "value": row.get(import_field.column_name),
            "column": import_field.column_name,
        }

    def check_unique(self, plans, holders):
        """Two rows, or a row and a stored object, holding one value of a unique constraint: refused."""
        checked = [plan for plan in plans if plan.instance is not None and not plan.errors]
        for check, held in zip(self.checks, holders, strict=True):
            if check.final:  # the stored objects in the sheet hold what their rows say
                in_sheet = {plan.instance.pk for plan in checked if not plan.new}
                held = {value: pk for value, pk in held.items() if pk not in in_sheet}
            claimed = dict(held)  # value -> the pk of a stored object, or a row's plan
            # The rows that change nothing first: their values stay, so a row taking one is refused.
            for plan in sorted(checked, key=lambda plan: plan.writes):
                value = check.value(plan.instance)
                if value is None:
                    continue
                holder = claimed.setdefault(value, plan)
                if holder is not plan and holder != plan.instance.pk:
                    plan.refuse(check.column, check.message)

    def report(self, plans, result, diffs=True):
        """Each row in import-export's Result: errors, or what it would do (skipped rows only counted)."""
        for plan in plans:
            row_result = self.get_row_result_class()()
            if plan.errors:
                row_result.import_type = RowResult.IMPORT_TYPE_INVALID
                row_result.validation_error = ValidationError(plan.errors)
                result.append_invalid_row(plan.number, plan.row, row_result.validation_error)
            elif not plan.writes:
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            else:
                row_result.import_type = RowResult.IMPORT_TYPE_NEW if plan.new else RowResult.IMPORT_TYPE_UPDATE
                if diffs:  # the preview's: what the row sets or changes, under its number and name
                    row_result.number, row_result.name = plan.number, str(plan.instance)
                    row_result.cells = self.preview_cells(plan)
                plan.result = row_result
                result.append_row_result(row_result)
            result.increment_row_result_total(row_result)

    def cell_text(self, import_field, instance, m2m=None):
        """What the export writes in the column, for the preview; ``m2m`` the related objects, if known."""
        name = import_field.attribute
        if isinstance(import_field.widget, widgets.ManyToManyWidget):
            objs = m2m.get(name) if m2m is not None and name in m2m else self.related_of.get(name, {}).get(instance.pk)
            return ", ".join(sorted(str(getattr(obj, import_field.widget.field)) for obj in objs or ()))
        return import_field.export(instance)

    def preview_cells(self, plan):
        """What the preview shows of a new or changed row: the cells a new row fills, or the old and new text of
        each cell a stored row changes, as the reader reads them (choices by their label, yes or no)."""
        changed = {self.fields[name].column_name for name in plan.changed if name in self.fields}
        cells = []
        for import_field in self.import_fields:
            column = import_field.column_name
            filled = str(plan.row.get(column) or "").strip() and not import_field.readonly
            if not (filled if plan.new else column in changed):
                continue
            new = self._shown(import_field, self.cell_text(import_field, plan.instance, plan.m2m))
            old = None if plan.new else self._shown(import_field, self.cell_text(import_field, plan.before))
            cells.append(PreviewCell(column=column, label=self._label(import_field), old=old, new=new))
        return cells

    def _model_field(self, import_field):
        try:
            return self._meta.model._meta.get_field(import_field.attribute)
        except (FieldDoesNotExist, TypeError):
            return None

    def _label(self, import_field):
        model_field = self._model_field(import_field)
        return capfirst(model_field.verbose_name) if model_field is not None else import_field.column_name

    def _shown(self, import_field, text):
        """A cell's text as the preview shows it: a choice's code as its label in the reader's language."""
        text = "" if text is None else str(text)
        model_field = self._model_field(import_field)
        if not text or model_field is None:
            return text
        if isinstance(model_field, BooleanField):
            return str(_("yes") if text == "1" else _("no"))
        if model_field.choices:
            labels = self._choice_labels.get(model_field.name)
            if labels is None:
                labels = self._choice_labels[model_field.name] = dict(model_field.flatchoices)
            return str(labels.get(text, text))
        return text

    # --- 2. Apply -------------------------------------------------------------------------------------------------

    def apply_import(self, plans):
        model = self._meta.model
        using = self.get_db_connection_name()
        writing = [plan for plan in plans if plan.writes]
        if not writing:
            return
        now = timezone.now()
        self.lock_ceremonies(sorted(set().union(*(self.ceremony_ids(plan) for plan in writing))))
        self.before_write(writing, now)
        auto_now = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
        for plan in writing:
            for attname in auto_now:
                setattr(plan.instance, attname, now)
        # Rows that give up a value of a unique constraint first, so that no other row meets it still held.
        releasing = [plan for plan in writing if not plan.new and self.releases(plan)]
        self._update(releasing, auto_now, using)
        created = [plan.instance for plan in writing if plan.new]
        model.objects.using(using).bulk_create(created)
        self._update([plan for plan in writing if not plan.new and plan not in releasing], auto_now, using)
        self._replace_m2m([plan for plan in writing if plan.m2m], using)
        updated = [plan.instance for plan in writing if not plan.new]
        self._write_history(created, "+", now, using)
        self._write_history(updated, "~", now, using)
        self.after_history(now, [plan.instance.pk for plan in writing])
        self.after_write(writing)

    def releases(self, plan):
        """Whether the row gives up a value that a ``final`` unique check constrains."""
        checks = [check for check in self.checks if check.final]
        return any(
            held is not None and held != check.value(plan.instance)
            for check, held in zip(checks, plan.held, strict=False)
        )

    def _update(self, plans, auto_now, using):
        """Each row in the columns it changes: the rows that change the same columns in one statement."""
        model = self._meta.model

        def columns(plan):
            names = {self.attnames[name] for name in plan.changed if name in self.attnames}
            return tuple(sorted(names | set(auto_now) | set(self.extra_update_fields(plan))))

        expected = updated = 0
        for names, group in groupby(sorted(plans, key=columns), key=columns):
            instances = [plan.instance for plan in group]
            updated += bulk.update_rows(model, instances, names, using=using)
            expected += len(instances)
        if updated != expected:
            raise StaleSheet(f"{expected - updated} of {expected} rows were deleted meanwhile")

    def extra_update_fields(self, plan):
        """Columns a changed row writes beyond those it changes (what ``Model.save`` would derive)."""
        return ()

    def _replace_m2m(self, plans, using):
        model = self._meta.model
        for name in sorted({name for plan in plans for name in plan.m2m}):
            changing = [plan for plan in plans if name in plan.changed]
            if not changing:
                continue
            relation = model._meta.get_field(name)
            through = relation.remote_field.through
            source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
            old = [plan.instance.pk for plan in changing if not plan.new]
            if old:
                through.objects.using(using).filter(**{f"{source}__in": old}).delete()
            bulk.insert_rows(
                through,
                [
                    {f"{source}_id": plan.instance.pk, f"{target}_id": obj.pk}
                    for plan in changing
                    for obj in plan.m2m[name]
                ],
                using=using,
            )

    def _write_history(self, instances, history_type, now, using):
        """A version of each object in its history, naming the importer and the reason, as simple-history's
        ``bulk_history_create`` writes it (its many-to-many versions are the resource's ``after_history``)."""
        history = self._meta.model.history.model
        user_id = self.user.pk if self.user is not None else None
        bulk.insert_rows(
            history,
            [
                {
                    **{field.attname: getattr(instance, field.attname) for field in history.tracked_fields},
                    "history_date": now,
                    "history_user_id": user_id,
                    "history_change_reason": IMPORT_REASON,
                    "history_type": history_type,
                }
                for instance in instances
            ],
            using=using,
        )


def _twin(instance):
    """A shallow copy of a model instance, its cached related objects included (cheaper than copy.copy)."""
    twin = instance.__class__.__new__(instance.__class__)
    twin.__dict__ = instance.__dict__.copy()
    twin._state = copy.copy(instance._state)
    twin._state.fields_cache = instance._state.fields_cache.copy()
    return twin


def _same(value, stored):
    try:
        return value == stored
    except (TypeError, OverflowError):  # e.g. times that cannot be compared: the row changes, and says why later
        return False
