"""Model fields shared by the apps."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached a field that stores instants."""


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
        return super().get_prep_value(value)
