"""Edits saved on a stale copy are refused, not silently lost.

Every form that changes an existing object carries, hidden, the version of the object it was opened on: the id of
the object's latest history record (django-simple-history writes one for every change, whoever makes it). When
the form is saved, the object's row is locked and read again, and each field someone else changed since is
compared three ways: a field this form left as it was opened keeps the other's value; one both changed, to
different values, refuses the save, naming who changed what and when, and what was typed stays in the form to
review. The form then remembers the version it warned about, so saving it again overwrites just what was shown.
Fields the form does not write never stand in the way, and the saved object keeps them, since it takes them from
the locked row. A form that comes without a version (an old page, a script) is not checked.

A post to the admin locks the object's ceremony first (``CeremonyQuerySet.lock``), then the object; a save that
loses a race for a unique row is validated again, so the form shows the conflict instead of a server error.
"""

import itertools

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext_lazy as _

from .models import Ceremony

FIELD, WARNED = "opened_version", "warned_version"

ORGANIZERS, DELEGATION = "organizers", "delegation"


def latest_versions(model, pks):
    """{pk: the id of its latest history record} for these objects of ``model``; objects without history are 0."""
    history = model.history.model
    name = model._meta.pk.attname
    rows = history.objects.filter(**{f"{name}__in": pks}).values(name).annotate(latest=Max("history_id"))
    found = {row[name]: row["latest"] for row in rows.order_by()}
    return {pk: found.get(pk, 0) for pk in pks}


def changes_since(obj, version):
    """The version ``obj`` was at (its history record, or None when unknown) and the records after it, each as
    (record, names of the fields it changed). A record whose predecessor is unknown counts as changing every
    field."""
    records = list(obj.history.filter(history_id__gte=version).order_by("history_id")) if version else []
    if not records or records[0].history_id != version:
        records = [None, *obj.history.filter(history_id__gt=version).order_by("history_id")]
    every = [field.name for field in obj._meta.fields] + [field.name for field in obj._meta.many_to_many]
    return records[0], [
        (new, set(every) if old is None else set(new.diff_against(old).changed_fields))
        for old, new in itertools.pairwise(records)
    ]


def _value(obj, field):
    """What ``obj`` (an object, or one of its history records) holds in ``field``, comparable with a form's."""
    if field.many_to_many:
        return set(getattr(obj, field.name).values_list("pk", flat=True))
    return getattr(obj, field.attname)


def _who(record, audience):
    # Changes through a delegation's link name the link (delegations.models.ChangedThroughLink); a delegation never
    # learns which organizer changed what.
    holder = getattr(record, "link_holder", "")
    if audience == DELEGATION:
        return _("Someone using your delegation's link") if holder else _("The organizers")
    if record.history_user_id:
        user = record.history_user
        return user.get_full_name() or user.get_username()
    if holder:
        return capfirst(holder)
    return capfirst(record.history_change_reason or _("someone"))


def _shown(obj, field):
    """The current value of ``field`` as a reader would recognise it, or None where a value says little."""
    if field.many_to_many:
        return None
    value = getattr(obj, field.attname)
    if value in (None, ""):
        return _("empty")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        return str(getattr(obj, field.name))
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return str(value)


def stale_error(obj, changes, names, audience):
    """The error for a save refused because of ``changes`` (see ``changes_since``) to the fields ``names``."""
    record = changes[-1][0]
    listed = []
    for name in sorted(names, key=[f.name for f in obj._meta.get_fields()].index):
        field = obj._meta.get_field(name)
        value = _shown(obj, field)
        label = capfirst(field.verbose_name)
        listed.append(label if value is None else _("%(field)s (now “%(value)s”)") % {"field": label, "value": value})
    when = timezone.localtime(record.history_date)
    return ValidationError(
        _(
            "%(who)s changed %(fields)s at %(time)s (%(zone)s), after you opened this page. Nothing was saved: "
            "what you typed is still below. Check it against the current values, then save again."
        ),
        code="stale",
        params={
            "who": _who(record, audience),
            "fields": get_text_list(listed, _("and")),
            "time": date_format(when, "H:i"),
            "zone": timezone.get_current_timezone_name(),
        },
    )


class StaleEditForm(forms.ModelForm):
    """A model form that refuses to save over changes made since it was opened (see the module).

    A field changed by someone else since is a conflict only if this form changes it too (to another value); one
    this form left as it was keeps the other's value, and a form deleting its object conflicts with any change.
    After a refusal the form remembers the version it warned about (``warned_version``): saving it again
    overwrites only what was shown. ``audience`` says who reads the refusal: organizers see who changed what; a
    delegation, whether it was the organizers or its own link. In a formset a form is checked only when it would
    write: changed, or deleted.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    warned_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    audience = ORGANIZERS
    always_saved = True  # the main form of a page saves its object even when nothing in it changed

    def __init__(self, *args, opened_version=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            if opened_version is None:
                opened_version = latest_versions(type(self.instance), [self.instance.pk])[self.instance.pk]
            self.initial[FIELD] = opened_version

    def written_fields(self):
        """The model fields this form writes: its own, less those shown disabled."""
        names = {name for name, field in self.fields.items() if name not in (FIELD, WARNED) and not field.disabled}
        return names & {field.name for field in self.instance._meta.get_fields()}

    def posted_value(self, field):
        """What this form would write into ``field``, comparable with ``_value``."""
        value = self.cleaned_data.get(field.name)
        if field.many_to_many:
            return {obj.pk for obj in value or ()}
        if field.is_relation:
            return getattr(value, "pk", value)
        return value

    def keep_current(self, field, fresh):
        """Write the stored value of ``field`` rather than the one posted (which is the one the form opened on)."""
        self.cleaned_data[field.name] = getattr(fresh, field.name)

    def _deleted_since(self):
        return ValidationError(
            _("This %(thing)s was deleted after you opened this page; nothing was saved."),
            code="deleted",
            params={"thing": self._meta.model._meta.verbose_name},
        )

    @property
    def changed_data(self):
        return [name for name in super().changed_data if name not in (FIELD, WARNED)]

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk is None or instance._state.adding:
            return cleaned
        deleting = bool(cleaned.get("DELETE"))
        if not (self.always_saved or self.has_changed() or deleting):
            return cleaned
        model = type(instance)
        fresh = model._default_manager.select_for_update().filter(pk=instance.pk).first()
        if fresh is None:
            raise self._deleted_since()
        own = self.written_fields()
        for field in model._meta.concrete_fields:  # the locked row's values for what this form does not write
            if field.name not in own:
                setattr(instance, field.attname, getattr(fresh, field.attname))
        opened = cleaned.get(FIELD)
        if opened is None:
            return cleaned
        latest = latest_versions(model, [instance.pk])[instance.pk]
        if latest == opened:
            return cleaned
        base, changes = changes_since(fresh, opened)
        warned = cleaned.get(WARNED) or opened
        conflicts = set()
        for name in own & set().union(*(changed for _record, changed in changes)):
            field = model._meta.get_field(name)
            posted = self.posted_value(field)
            if not deleting and posted == _value(fresh, field):
                continue  # both say the same
            if not deleting and base is not None and not field.many_to_many and posted == _value(base, field):
                self.keep_current(field, fresh)  # untouched here: the other change stands
                continue
            if any(name in changed for record, changed in changes if record.history_id > warned):
                conflicts.add(name)
        if not conflicts:
            return cleaned
        # Saving again overwrites what is now shown, and only that: the warning names the current version.
        self.data = self.data.copy()
        self.data[self.add_prefix(WARNED)] = str(latest)
        shown = [(record, changed & conflicts) for record, changed in changes if changed & conflicts]
        self.stale = stale_error(fresh, shown, conflicts, self.audience)
        raise self.stale


class StaleEditFormSetMixin:
    """For model formsets: each form opens on its object's version, read for all of them in one query."""

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if not self.is_bound and index is not None and index < self.initial_form_count():
            obj = self.get_queryset()[index]
            kwargs["opened_version"] = self._opened_versions().get(obj.pk, 0)
        return kwargs

    def _opened_versions(self):
        if not hasattr(self, "_versions"):
            pks = [obj.pk for obj in self.get_queryset()]
            self._versions = latest_versions(self.model, pks) if pks else {}
        return self._versions

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.always_saved = False
        posted = form.data.get(form.add_prefix(self.model._meta.pk.name)) if self.is_bound else None
        if posted and i < self.initial_form_count() and form.instance.pk is None:
            self._deleted_since(form, posted)
        return form

    def _deleted_since(self, form, pk):
        """A row deleted by someone else after the page was opened (its history ends in a deletion, in this
        formset's object). Left as it was, or deleted here too, it is already what this form asks, and the formset
        passes over it (Django skips an initial form with no object); changed here, the formset refuses it, as a
        change to a deleted object is refused (clean). Any other unknown row is left to the form's own refusal."""
        history, fk = getattr(self.model, "history", None), getattr(self, "fk", None)
        if history is None or not str(pk).isdigit():
            return
        name = self.model._meta.pk.name
        last = history.filter(**{name: pk}).order_by("-history_id").first()
        if last is None or last.history_type != "-" or (fk and getattr(last, fk.attname) != self.instance.pk):
            return
        # It names no row now: a field that reads as empty, whatever was posted.
        form.fields[name] = forms.CharField(required=False, disabled=True, widget=forms.HiddenInput)
        if self.can_delete and form["DELETE"].data:
            return
        stored = {f.name: f.attname for f in self.model._meta.concrete_fields if f.name != name and f != fk}
        form.changed_after_deletion = any(
            field.has_changed(getattr(last, stored[n]), form[n].data) for n, field in form.fields.items() if n in stored
        )

    def clean(self):
        super().clean()
        # A row deleted since is not on the page again (the formset lists the rows that exist): its refusal is the
        # formset's, shown above the rows.
        for form in self.forms:
            if getattr(form, "changed_after_deletion", False):
                raise form._deleted_since()
        # A formset ignores the errors of the forms it deletes: a stale deletion is refused here.
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form) and getattr(form, "stale", None):
                raise form.stale


class _VersionFieldsets:
    """The hidden versions go in the first fieldset of a form that can save, and nowhere else (a form for reading
    shows every field read-only, the versions too, were they listed)."""

    form = StaleEditForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in (FIELD, WARNED)]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None and fieldsets and self.has_change_permission(request, obj):
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], FIELD, WARNED]})
        return fieldsets


class StaleEditAdminMixin(_VersionFieldsets):
    """For ModelAdmin classes: forms refuse stale saves, a post locks the object's ceremony first, and a save that
    loses a race for a unique row (two organizers adding the same delegation at once) is validated again."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            if request.method != "POST":
                raise
            # Validated, then beaten to the row by a save at the same moment, and rolled back: validated again,
            # the form now shows the conflict as its error, with what was typed.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        # Within the admin's transaction of a save or a deletion (a view may look first, outside it).
        if obj is not None and request.method == "POST" and transaction.get_connection().in_atomic_block:
            Ceremony.objects.lock([getattr(obj, "ceremony_id", None)])
        return obj


class StaleEditInlineMixin(_VersionFieldsets):
    """For inlines: each row refuses a stale save (see StaleEditAdminMixin)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if not issubclass(formset, StaleEditFormSetMixin):
            formset = type(formset.__name__, (StaleEditFormSetMixin, formset), {})
        return formset
