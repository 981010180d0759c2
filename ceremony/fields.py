"""Model fields shared by the apps, and the years any stored date or time may fall in."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .times import long_date

# No stored date or time falls outside these years: the database refuses it (``plausible``). A datetime in year 1
# typed in Hanoi is a BC instant in UTC, which PostgreSQL stores but its driver cannot read back, so one such
# value would break every page that reads the row. Forms check the tighter window of a ceremony
# (``Ceremony.window``) first, with an error the reader understands.
EARLIEST_DAY, LATEST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
EARLIEST = dt.datetime.combine(EARLIEST_DAY, dt.time(0), tzinfo=dt.UTC)
LATEST = dt.datetime.combine(LATEST_DAY + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)


IMPLAUSIBLE = _("Dates must fall between 1900 and 2199.")


class PlausibleConstraint(models.CheckConstraint):
    """A CHECK constraint that keeps ``field`` (an instant, or a date with ``instant=False``; null allowed) within
    the plausible years.

    Model validation checks it in Python: Django would ask the database once per constraint and save, and the
    models' ``clean`` already refuse these values with a clearer error (a ceremony's window).
    """

    def __init__(self, *, field, name, instant, **kwargs):
        self.field, self.instant = field, instant
        low, high = (EARLIEST, LATEST) if instant else (EARLIEST_DAY, LATEST_DAY + dt.timedelta(days=1))
        self.low, self.high = low, high
        kwargs.setdefault("violation_error_message", IMPLAUSIBLE)
        super().__init__(
            condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lt": high}),
            name=name,
            **kwargs,
        )

    def deconstruct(self):
        path, _args, kwargs = super().deconstruct()
        del kwargs["condition"]
        if kwargs.get("violation_error_message") == IMPLAUSIBLE:
            del kwargs["violation_error_message"]
        return path, (), {**kwargs, "field": self.field, "instant": self.instant}

    def validate(self, model, instance, exclude=None, using=None):
        if exclude and self.field in exclude:
            return
        value = getattr(instance, self.field)
        if self.instant and isinstance(value, dt.datetime) and timezone.is_naive(value):
            return  # the field's own error
        if value is not None and not self.low <= value < self.high:
            raise ValidationError(self.get_violation_error_message(), code=self.violation_error_code)


def day_range_error(*, first, last, message=None):
    """A field error saying that a date must fall from ``first`` to ``last`` (dates, shown in the reader's language)."""
    return ValidationError(
        message or _("Enter a date from %(first)s to %(last)s."),
        code="implausible_date",
        params={"first": long_date(first), "last": long_date(last)},
    )


def plausible_day_error(value, *, first=EARLIEST_DAY, last=LATEST_DAY, message=None):
    """The error for a date outside ``first``…``last`` (by default the plausible years), or None."""
    if value is None or first <= value <= last:
        return None
    return day_range_error(first=first, last=last, message=message)


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached a field that stores instants."""


class ImplausibleDatetimeError(ValueError):
    """A datetime outside the plausible years reached a field that stores instants, to be saved or looked up."""


class AwareDateTimeField(models.DateTimeField):
    """A DateTimeField that refuses naive datetimes instead of guessing their zone.

    Django only warns about a naive value and then reads it in the default
    time zone; for a ceremony with guests from every zone a wrong guess moves a
    session by hours, so the value is refused: as a field error in
    ``full_clean`` and as :class:`NaiveDatetimeError` on save or in a lookup.
    """

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value is not None and timezone.is_naive(value):
            raise ValidationError(
                _("%(value)s has no time zone; give one, for example +07:00 for Hanoi time."),
                code="naive_datetime",
                params={"value": value.isoformat()},
            )

    def get_prep_value(self, value):
        value = self.to_python(value)
        if value is not None and timezone.is_naive(value):
            raise NaiveDatetimeError(
                f"{self.model.__name__}.{self.name} got the naive datetime {value.isoformat()}; "
                "give it a time zone (for example +07:00 for Hanoi time)."
            )
        # Refused here rather than by the database: converting such a time to UTC overflows (SQLite) or makes a BC
        # instant (PostgreSQL). The admin turns this error in a list's filter into its "invalid filter" notice.
        if value is not None and not EARLIEST <= value <= LATEST:  # the bounds themselves: the CHECK constraints
            raise ImplausibleDatetimeError(
                f"{self.model.__name__}.{self.name} got {value.isoformat()}, outside the plausible years."
            )
        return super().get_prep_value(value)
