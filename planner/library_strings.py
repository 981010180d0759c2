"""Strings of installed libraries that the planner shows, for our Vietnamese catalogue to translate.

django-import-export ships no Vietnamese, so its import and export screens (its own templates, form labels and
messages) came out in English; Django's admin has a few strings newer than its Vietnamese catalogue; and
django-countries leaves a few countries in English where Vietnamese has a name of its own. Our catalogue
(``locale/``, in ``LOCALE_PATHS``) is looked up before any app's, so a msgid translated there is translated
wherever it appears, in the libraries' templates and code too.

Listing the libraries' msgids here, marked with ``gettext_noop``, is what keeps them in our catalogue:
``makemessages`` reads only the project, never installed packages, and would otherwise drop (mark obsolete) any
entry that it does not find in the project's own files. The strings must be the libraries' exactly:
tests/planner/test_library_strings.py checks them against the libraries' own catalogues, that none of their
user-facing strings is missing here, and that each has its Vietnamese.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# django-import-export 4.4: every string of its catalogue that an organizer can see.
IMPORT_EXPORT = (
    gettext_noop("Import"),
    gettext_noop("Export"),
    gettext_noop("Export selected %(verbose_name_plural)s"),
    gettext_noop("Resource"),
    gettext_noop("Format"),
    gettext_noop("File to import"),
    gettext_noop("Submit"),
    gettext_noop("Select all"),
    gettext_noop("Home"),
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop("This importer will import the following fields: "),
    gettext_noop(
        "Below is a preview of data to be imported. If you are satisfied with the results, click 'Confirm import'"
    ),
    gettext_noop("Confirm import"),
    gettext_noop("Preview"),
    gettext_noop("New"),
    gettext_noop("Skipped"),
    gettext_noop("Delete"),
    gettext_noop("Update"),
    gettext_noop("Errors"),
    gettext_noop("Line number"),
    gettext_noop("Row"),
    gettext_noop("Non field specific"),
    gettext_noop("Some rows failed to validate"),
    gettext_noop("Please correct these errors in your data where possible, then reupload it using the form above."),
    gettext_noop("Import finished: {} new, {} updated, {} deleted and {} skipped {}."),
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. Ensure you have chosen the correct format for the file."
    ),
    gettext_noop("No valid data to import. Ensure your file has the correct headers or data for import."),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
    gettext_noop("Value could not be parsed."),
    gettext_noop("export failed due to IllegalCharacterError"),
    gettext_noop(
        "The following fields are declared in 'import_id_fields' but are not present in the resource fields: %s"
    ),
    gettext_noop("The following fields are declared in 'import_id_fields' but are not present in the file headers: %s"),
)
IMPORT_EXPORT_PLURAL = (ngettext_lazy("Export %(len)s selected item.", "Export %(len)s selected items.", "len"),)
# Its strings that no organizer sees: errors of a programmer's misuse, and one it formats before translating.
IMPORT_EXPORT_UNSHOWN = (
    "Form is not validated, call `is_valid` first",
    "call to force_str() on instance failed: %s",
    "use_natural_foreign_keys and key_is_id cannot both be True",
    "%s through import_export",
)

# Django 5.2's admin: the strings of its templates that its Vietnamese catalogue has not translated yet (newer
# than it), all of which an organizer meets: the sidebar's and the lists' hidden headers, the skip link, the theme
# button, the counts of the filters, the user and password pages.
DJANGO_ADMIN = (
    gettext_noop("Skip to main content"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Sidebar"),
    gettext_noop("Toggle navigation"),
    gettext_noop("Filter navigation items"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("Hide counts"),
    gettext_noop("Show counts"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Set password"),
    gettext_noop("This action will <strong>enable</strong> password-based authentication for this user."),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
)
DJANGO_ADMIN_PLURAL = (ngettext_lazy("entry", "entries", "count"),)

# django-countries 9: the countries its Vietnamese catalogue leaves in English that have a Vietnamese name.
COUNTRIES = (
    gettext_noop("Côte d'Ivoire"),
    gettext_noop("Georgia"),
    gettext_noop("Timor-Leste"),
)
