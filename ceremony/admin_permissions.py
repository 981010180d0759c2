"""Permissions in the admin beyond Django's own.

Field-level rules: fields a user may not change are read-only, and a posted change to one of them is
refused as a whole (403), so nothing is saved. Change history: old versions are for reading only.
"""

import re

from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import _get_foreign_key
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from .admin_widgets import NamedSplitDateTime
from .odd_requests import CheckedRequestsMixin
from .roles import FIELD_PERMISSIONS
from .stale_edits import StaleEditAdminMixin


def restricted_fields(user, model):
    """The fields of ``model`` that ``user`` may see but not change."""
    # A proxy (the signatories' list) follows the rules of the model it shows.
    rules = FIELD_PERMISSIONS.get(model._meta.concrete_model._meta.label_lower, {})
    return [name for name, permission in rules.items() if not user.has_perm(permission)]


class FieldPermissionsMixin:
    """For ModelAdmin and InlineModelAdmin classes."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [name for name in restricted_fields(request.user, self.model) if name not in readonly]


class RefuseRestrictedPostsMixin(FieldPermissionsMixin):
    """For ModelAdmin classes: refuse a POST that carries a field, its own or an inline's, the user may not change."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            self._refuse_restricted(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _refuse_restricted(self, request):
        posted = set(request.POST)
        refused = [
            self.model._meta.get_field(name) for name in restricted_fields(request.user, self.model) if name in posted
        ]
        for inline in self.get_inline_instances(request):
            # Each row posts the key to its parent, hidden, whoever edits: it names the parent, changes nothing.
            parent_key = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name).name
            for name in restricted_fields(request.user, inline.model):
                if name == parent_key:
                    continue
                pattern = re.compile(rf"^[\w-]+-\d+-{re.escape(name)}$")
                if any(pattern.match(key) for key in posted):
                    refused.append(inline.model._meta.get_field(name))
        if refused:
            names = ", ".join(sorted({str(capfirst(field.verbose_name)) for field in refused}))
            raise PermissionDenied(_("Your role may not change: %(fields)s. Nothing was saved.") % {"fields": names})


class HistoryAdmin(CheckedRequestsMixin, StaleEditAdminMixin, RefuseRestrictedPostsMixin, SimpleHistoryAdmin):
    """The base of every admin with a change history: the field rules of the roles apply to its forms, a form
    saved on a stale copy is refused (``ceremony.stale_edits``), and the history and each old version can be read,
    never posted.

    django-simple-history's old-version page saves a posted form to the live object with only the view
    permission and bypasses the field rules above (django-commons/django-simple-history#1362). Restoring an
    old version is not part of the planner: an organizer who wants old values back types them into the
    change form, where the rules of their role apply. So a POST there is refused for everyone, and the page
    shows the old version read-only.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DateTimeField) and "widget" not in kwargs:
            kwargs["widget"] = NamedSplitDateTime(field_label=capfirst(db_field.verbose_name))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None  # no object has such a key; looking its history up would fail
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isdigit():
            raise Http404  # a version is a number; anything else would fail looking it up
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(
                _("Old versions can only be viewed. To restore a value, change it in the form. Nothing was saved.")
            )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def render_history_view(self, request, template, context, **kwargs):
        shown = context.get("adminform")
        if shown is not None:  # an old version, rather than the list of changes: every field read-only
            fieldsets = list(shown.fieldsets)
            context["adminform"] = helpers.AdminForm(
                shown.form, fieldsets, {}, flatten_fieldsets(fieldsets), model_admin=self
            )
        return super().render_history_view(request, template, context, **kwargs)
