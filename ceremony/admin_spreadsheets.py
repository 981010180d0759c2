"""Spreadsheets in the admin's pages: the Export and Import buttons of an admin class, their forms and formats.

The rules of the sheets are in ``ceremony.spreadsheets``; the files in ``ceremony.sheet_files``. The import
page states the limits and shows every problem as a message, never a traceback (its template,
``admin/spreadsheets/import.html``), and no file, however broken, makes it answer 500.
"""

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm, SelectableFieldsExportForm

from .admin_conflicts import conflict_totals
from .conflicts import ceremony_conflicts
from .models import Ceremony
from .sheet_files import MAX_IMPORT_BYTES, CSVFormat, SheetFileError, XLSXFormat, limits_text

logger = logging.getLogger(__name__)


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
    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        # A spreadsheet program opens XLSX as it is, whatever its regional settings; CSV is the choice to make.
        xlsx = [str(i) for i, file_format in enumerate(formats) if issubclass(file_format, XLSXFormat)]
        if xlsx:
            self.initial.setdefault("format", xlsx[0])

    @property
    def media(self):
        # The package's "select all" box uses an inline handler, which our CSP blocks; this binds it.
        return super().media + forms.Media(js=["ceremony/export_select_all.js"])


class SpreadsheetMixin(ImportExportMixin):
    """Import and export for an admin class; the resource learns who imports.

    The formats are the planner's (``ceremony.sheet_files``): safe cells, files read within limits. The
    import page states the limits and shows every problem as a message, never a traceback (its template).
    """

    formats = [CSVFormat, XLSXFormat]
    import_form_class = SizedImportForm
    export_form_class = SelectAllExportForm
    import_template_name = "admin/spreadsheets/import.html"

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def get_import_context_data(self, **kwargs):
        return {**super().get_import_context_data(**kwargs), "import_limits": limits_text()}

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # import-export asks for numbers as numbers only for its own XLSX class (an exact type test);
        # each of our formats says whether it wants them.
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=file_format.native_types, **kwargs)
        return file_format.export_data(data)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, SheetFileError):
            form.add_error("import_file", str(e))
        else:
            logger.info("An import file could not be read", exc_info=e)
            form.add_error("import_file", _("This file cannot be read in the format chosen."))

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Confirm: import the file the preview showed. Unlike import-export's, it never answers 500 for a
        file that is gone (confirmed twice), and shows the problems found now rather than "finished"."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        try:
            input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])]()
            storage = self.get_tmp_storage_class()(
                name=confirm_form.cleaned_data["import_file_name"],
                encoding=None,
                read_mode=input_format.get_read_mode(),
                **self.get_tmp_storage_class_kwargs(),
            )
            dataset = input_format.create_dataset(storage.read())
        except (OSError, ValueError, IndexError):
            messages.error(request, _("This import was confirmed already or has expired: upload the file again."))
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        ceremony = Ceremony.objects.current()
        before = ceremony_conflicts(ceremony=ceremony) if ceremony else []
        result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        storage.remove()
        if result.has_errors() or result.has_validation_errors():
            context = {
                **self.get_import_context_data(),
                **self.admin_site.each_context(request),
                "title": _("Import"),
                "form": self.get_import_form_class(request)(
                    self.get_import_formats(), self.get_import_resource_classes(request)
                ),
                "opts": self.opts,
                "result": result,
                "import_error_display": self.import_error_display,
                "fields_list": [],
            }
            return TemplateResponse(request, [self.import_template_name], context)
        response = self.process_result(result, request)
        # What the rows did to the current ceremony's schedule: a double-booking comes in loudly, not silently.
        totals = conflict_totals(before=before, after=ceremony_conflicts(ceremony=ceremony)) if ceremony else None
        if totals is not None:
            messages.add_message(request, totals[0], totals[1])
        return response
