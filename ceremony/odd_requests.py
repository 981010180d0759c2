"""Requests no page can answer as asked: each gets a plain refusal or the page's own notice, never a server error.

- A NUL character in the path or the query (a value or a key, however often repeated): no field accepts one
  (``ceremony.text``) and PostgreSQL cannot even compare one, so a lookup with it fails deep inside a view. The
  request is refused at the door, as a bad request. Form fields refuse NUL with their own error, so posted forms
  are left to them.
- A list's filter that no database can run, such as ``?arrival_at__year=0``: Django builds the year's bounds only
  when the query is compiled, after the admin's own check of its filters; the admin mixin turns that error into
  the admin's "invalid filter" notice.
- A tampered choice of rows for an action: "no rows chosen", as when none is.
"""

import logging

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = (part for key, values in request.GET.lists() for part in (key, *values))
        if "\x00" in request.path or any("\x00" in part for part in query):
            raise BadRequest("A NUL character in the address.")
        return self.get_response(request)


class CheckedRequestsMixin:
    """For ModelAdmin classes: odd filters and row choices get the admin's notices."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)  # counts the rows: the filters' query is compiled
        except (ValueError, OverflowError) as error:
            if not request.GET:
                raise  # no filter to blame: a fault of the list itself
            logger.info("A list's filters could not run: %s", error)
            raise IncorrectLookupParameters(error) from error

    def response_action(self, request, queryset):
        chosen = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        try:
            for key in chosen:
                self.model._meta.pk.to_python(key)
        except ValidationError:
            self.message_user(
                request,
                _("Items must be selected in order to perform actions on them. No items have been changed."),
                messages.WARNING,
            )
            return None
        return super().response_action(request, queryset)
