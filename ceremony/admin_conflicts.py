"""Warnings after a save in the admin: the schedule conflicts the saved object is part of (ceremony.conflicts)."""

from django.contrib import messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .conflicts import ceremony_conflicts, conflicts_involving


class ConflictWarningsMixin:
    """After a save, warn about the conflicts that involve the saved object."""

    def conflict_scope(self, obj):
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        found = conflicts_involving(ceremony_conflicts(ceremony=obj.ceremony), **self.conflict_scope(obj))
        for conflict in found:
            messages.warning(
                request,
                format_html(
                    '{}: {} {} — <a href="{}">{}</a>',
                    conflict.rule_label,
                    conflict.message,
                    conflict.when,
                    conflict.url,
                    _("fix"),
                ),
            )
