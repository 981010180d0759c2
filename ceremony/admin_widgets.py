"""Admin widgets that name each of their inputs.

Django's split date-and-time widget writes "Date:" and "Time:" as bare text before its two inputs, and since
Django 4 the field's ``<label>`` points at neither, so a screen reader announces two unnamed text boxes (axe-core's
``label`` rule, critical). Each input here carries its own name: the field's and which half it is.
"""

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext as _


class NamedSplitDateTime(AdminSplitDateTime):
    def __init__(self, attrs=None, *, field_label=""):
        super().__init__(attrs)
        self.field_label = field_label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        date, time = context["widget"]["subwidgets"]
        date["attrs"]["aria-label"] = _("%(field)s: date") % {"field": self.field_label}
        time["attrs"]["aria-label"] = _("%(field)s: time") % {"field": self.field_label}
        return context
