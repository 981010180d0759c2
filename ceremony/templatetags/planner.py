"""Template helpers of the planner's pages."""

from django import template
from django.utils import formats
from django.utils.translation import pgettext, pgettext_lazy

from ceremony import times
from ceremony.times import long_date

register = template.Library()


@register.filter
def localized(obj, field):
    """``{{ item|localized:"title" }}``: the Vietnamese text in Vietnamese where there is one, else English."""
    return obj.localized(field)


@register.filter
def entry(item, entries):
    """``{{ item|entry:entries }}``: the item's entry in a list, rendered beforehand (ceremony.item_entries)."""
    return entries[item.pk]


@register.simple_tag
def time_range(item, zone=None):
    """'09:00–10:30' in the item's ceremony zone; the end gets its day when it falls on another day.

    With ``zone`` (a reader's own), in that zone: the start gets its day too where it is not the ceremony's.
    """
    if zone:
        return times.time_range_beside(item.starts_at, item.ends_at, zone, home=item.ceremony.zone)
    return times.time_range(item.starts_at, item.ends_at, item.ceremony.zone, day=None, named=None)


@register.simple_tag
def clock(instant, zone):
    """'10:00' in ``zone``."""
    return times.clock(instant, zone)


@register.filter
def figure(value):
    """A key figure's number as people write it: 79.1, 16,000 (16.000 in Vietnamese), no trailing zeros."""
    value = value.normalize()
    if value == value.to_integral():
        value = value.quantize(1)
    return formats.number_format(value, use_l10n=True, force_grouping=True)


register.filter("long_date", long_date)


#: A weekday in a programme tab, as short as each language writes it: "Sat"; "T7" (thứ bảy), "CN" (chủ nhật).
TAB_WEEKDAYS = (
    pgettext_lazy("weekday in a tab", "Mon"),
    pgettext_lazy("weekday in a tab", "Tue"),
    pgettext_lazy("weekday in a tab", "Wed"),
    pgettext_lazy("weekday in a tab", "Thu"),
    pgettext_lazy("weekday in a tab", "Fri"),
    pgettext_lazy("weekday in a tab", "Sat"),
    pgettext_lazy("weekday in a tab", "Sun"),
)


@register.filter
def tab_day(value):
    """'Sat 25 Oct', 'T7 25/10': a day in a tab, short enough for a phone."""
    # Translators: a PHP-style date format (Django's date filter) for the date after the weekday in the programme's
    # tabs; keep it short.
    date = formats.date_format(value, pgettext("date format", "j M"))
    return f"{TAB_WEEKDAYS[value.weekday()]} {date}"


@register.filter
def long_day(value):
    """'Saturday 25 October 2025', 'Thứ Bảy, 25 tháng 10 năm 2025': a day heading."""
    # Translators: a PHP-style date format (Django's date filter) for a day heading with its weekday.
    return formats.date_format(value, pgettext("date format", "l j F Y"))
