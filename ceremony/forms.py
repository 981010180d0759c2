"""The public programme's choices (a day, a kind, words to search, the reader's time zone), read from its address.

Anything can be typed into an address: a value that does not make sense is dropped with a message that says what
the page shows instead, never an error page.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .enums import ItemKind
from .times import long_date, reader_zone

#: ``?day=all``: every day on one list (still in pages).
ALL_DAYS = "all"


class ProgrammeFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("A title, a room or a word of the description, in English or Vietnamese."),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    day = forms.CharField(required=False)
    tz = forms.CharField(label=_("Show times in"), required=False, max_length=100)

    def __init__(self, data, *, ceremony, default_day):
        super().__init__(data)
        self.ceremony, self.default_day = ceremony, default_day
        kinds = [(value, label.capitalize()) for value, label in ItemKind.choices]
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]

    def clean_day(self):
        """A date within a year of the ceremony, ``ALL_DAYS``, or the default day when none is given."""
        value = self.cleaned_data["day"]
        if not value:
            return self.default_day
        if value == ALL_DAYS:
            return None
        first, last = self.ceremony.window()
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            day = None
        if day is None or not first <= day <= last:
            raise ValidationError(
                _("“%(value)s” is not a day of this programme, so it shows %(day)s."),
                params={"value": value, "day": long_date(self.default_day)},
            )
        return day

    def clean_tz(self):
        """The reader's zone, or None for the ceremony's own."""
        value = self.cleaned_data["tz"]
        if not value or value == self.ceremony.time_zone:
            return None
        zone = reader_zone(value)
        if zone is None:
            raise ValidationError(
                _(
                    "“%(value)s” is not a time zone we know (they are written like Europe/Paris), "
                    "so times are in %(city)s time."
                ),
                params={"value": value, "city": self.ceremony.localized("city")},
            )
        return zone

    def choices(self):
        """What the page shows: each field's clean value, or its default where the address gave nonsense."""
        defaults = {"q": "", "kind": "", "day": self.default_day, "tz": None}
        self.is_valid()
        return {name: self.cleaned_data.get(name, default) for name, default in defaults.items()}

    def problems(self):
        """Messages for what was dropped, each naming its field where it has a label."""
        self.is_valid()
        return [
            f"{self.fields[name].label}: {message}" if name in ("q", "kind") else message
            for name, messages in self.errors.items()
            for message in messages
        ]
