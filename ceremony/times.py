"""How the planner writes dates for its readers, in their language."""

from django.utils.formats import date_format
from django.utils.translation import pgettext


def long_date(value):
    """'25 October 2025', '25 tháng 10 năm 2025': a date written out in the reader's language."""
    # Translators: a PHP-style date format (Django's date filter) for a date written out in full.
    return date_format(value, pgettext("date format", "j F Y"))
