"""What text the planner keeps: printable characters, one line in a line field.

A control character (Unicode's category Cc: NUL, the other C0 codes, DEL and the C1 codes) cannot be shown or
printed; it breaks spreadsheets (XLSX refuses it) and calendar lines, and PostgreSQL cannot store a NUL at all.
So every text field of every model refuses them, whoever types the text (a delegation's form, the admin, a
spreadsheet): long text (a ``TextField``: descriptions, notes) may hold line breaks and tabs, a line (a
``CharField``: names, titles, addresses) none. Unicode's line and paragraph separators count as line breaks.
A browser sends line breaks as CR LF: long text keeps them as plain LF.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

NAMES = {
    "\x00": _("null"),
    "\t": _("tab"),
    "\n": _("line break"),
    "\x0b": _("vertical tab"),
    "\x0c": _("form feed"),
    "\r": _("carriage return"),
    "\x1b": _("escape"),
    "\x7f": _("delete"),
    "\x85": _("next line"),
    "\u2028": _("line separator"),
    "\u2029": _("paragraph separator"),
}
LONG_TEXT_ALLOWS = frozenset("\n\t")
SEPARATORS = frozenset("\u2028\u2029")


def forbidden(text, *, long_text):
    """The characters of ``text`` that a field may not hold, each once, in order of appearance."""
    allowed = LONG_TEXT_ALLOWS if long_text else frozenset()
    found = (c for c in text if (unicodedata.category(c) == "Cc" or c in SEPARATORS) and c not in allowed)
    return list(dict.fromkeys(found))


def describe(character):
    """'U+000B (vertical tab)': the code point, and its name where it has a familiar one."""
    name = NAMES.get(character, _("control character"))
    return f"U+{ord(character):04X} ({name})"


def text_error(text, *, long_text):
    """The error for ``text`` in a field (a long text one or a line), or None when it is printable."""
    characters = forbidden(text, long_text=long_text)
    if not characters:
        return None
    listed = ", ".join(describe(c) for c in characters)
    if long_text:
        message = _("Remove %(characters)s: text may hold line breaks and tabs, no other control characters.")
    else:
        message = _("Remove %(characters)s: this field takes one line of text.")
    return ValidationError(message, code="control_characters", params={"characters": listed})


def is_typed_text(field):
    """Whether ``field`` holds text someone types (not a choice or a value the planner sets itself)."""
    return isinstance(field, models.CharField | models.TextField) and not field.choices and field.editable


class PrintableTextMixin:
    """For models: validating the instance refuses control characters in its text fields (see the module)."""

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if (exclude and field.name in exclude) or field.name in errors or not is_typed_text(field):
                continue
            value = getattr(self, field.attname)
            if not isinstance(value, str):
                continue
            long_text = isinstance(field, models.TextField)
            if long_text and "\r" in value:
                value = value.replace("\r\n", "\n").replace("\r", "\n")
                setattr(self, field.attname, value)
            error = text_error(value, long_text=long_text)
            if error:
                errors[field.name] = [error]
        if errors:
            raise ValidationError(errors)
