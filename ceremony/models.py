"""The programme: ceremonies, agencies and their officials, venues and rooms,
schedule items, and the history and figures that led to the ceremony."""

import datetime
import string
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from .enums import (
    AgencyKind,
    DatePrecision,
    FigureQualifier,
    ItemKind,
    ItemStatus,
    Language,
    RoomKind,
    SigningOrderRule,
    Visibility,
)
from .fields import (
    EARLIEST_DAY,
    LATEST_DAY,
    AwareDateTimeField,
    PlausibleConstraint,
    day_range_error,
    plausible_day_error,
)
from .signals import send_moves
from .text import PrintableTextMixin
from .times import day_span, offset

key_validator = RegexValidator(
    r"^[a-z0-9]+(?:[-_][a-z0-9]+)*\Z",
    _("Use lower-case letters, digits and single hyphens or underscores."),
)
uid_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._@-]*\Z",
    _("Use letters, digits, dots, hyphens, underscores and @ only."),
)


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone name such as Asia/Ho_Chi_Minh."),
            code="invalid_time_zone",
            params={"value": value},
        )


#: Any time about a ceremony (a stay, an item, full powers) falls within this margin of its days: a wrong year typed
#: ("2052", "0001") is refused, while planning a year ahead stays possible.
WINDOW_MARGIN = datetime.timedelta(days=365)
# A ceremony's days leave room for its window within the plausible years.
CEREMONY_FIRST_DAY, CEREMONY_LAST_DAY = EARLIEST_DAY + WINDOW_MARGIN, LATEST_DAY - WINDOW_MARGIN


def new_item_uid():
    return str(uuid.uuid4())


class Bilingual:
    """Models with English fields ``x`` and Vietnamese ``x_vi`` read ``localized("x")``."""

    def localized(self, field):
        if translation.get_language() == "vi":
            value = getattr(self, f"{field}_vi", "")
            if value:
                return value
        return getattr(self, field)


class Source(PrintableTextMixin, Bilingual, models.Model):
    """Where a seeded fact comes from: an article, a public record or planning data."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("news article")
        PUBLIC_RECORD = "public_record", _("public record")
        PLANNING = "planning", _("planning data")

    key = models.SlugField(_("key"), max_length=80, unique=True, validators=[key_validator])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["title"]
        constraints = [PlausibleConstraint(field="published_on", name="source_published_on_plausible", instant=False)]

    def __str__(self):
        return self.title

    def clean(self):
        error = plausible_day_error(self.published_on)
        if error:
            raise ValidationError({"published_on": error})


class Agency(PrintableTextMixin, Bilingual, models.Model):
    code = models.SlugField(
        _("code"), max_length=20, unique=True, validators=[key_validator], help_text=_("For example mps, mofa, unodc.")
    )
    abbreviation = models.CharField(_("abbreviation"), max_length=20, blank=True)
    name = models.CharField(_("name (English)"), max_length=200, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    responsibilities = models.TextField(_("responsibilities"), blank=True)
    responsibilities_vi = models.TextField(_("responsibilities (Vietnamese)"), blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    email = models.EmailField(
        _("email"), blank=True, help_text=_("Shown in calendars as the organizer of the items this agency leads.")
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="agencies", null=True, blank=True
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self):
        return self.localized("name")


class Official(PrintableTextMixin, Bilingual, models.Model):
    """A named person of an agency, e.g. the minister who speaks at the opening.

    What the official is called depends on the day: titles are held for dates (``OfficialTitle``), and every
    page names an official with the title held on the day that matters there (``title_on``).
    """

    key = models.SlugField(_("key"), max_length=80, unique=True, validators=[key_validator])
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="officials")
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order of precedence"), default=100)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="officials", null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def title_on(self, date):
        """The title held on ``date`` (an ``OfficialTitle``), or None when no recorded title covers that day.

        Reads ``titles`` through a prefetch when there is one, so a list of officials costs no query each.
        """
        return next((title for title in self.titles.all() if title.covers(date)), None)

    def described_on(self, date):
        """'Bùi Thanh Sơn, Deputy Prime Minister': the name with the title held on ``date``, if any."""
        title = self.title_on(date)
        return f"{self.name}, {title.localized('title')}" if title else self.name


class OfficialTitle(PrintableTextMixin, Bilingual, models.Model):
    """A title an official held from one day until another, e.g. Minister of Foreign Affairs until 29 August 2025.

    ``held_until`` is the first day the title was no longer held, so one title ends on the day the next begins.
    An empty ``held_from`` means held since a day no source records; an empty ``held_until``, held ever since.
    """

    official = models.ForeignKey(Official, verbose_name=_("official"), on_delete=models.CASCADE, related_name="titles")
    title = models.CharField(_("title (English)"), max_length=300)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    held_from = models.DateField(
        _("held from"), null=True, blank=True, help_text=_("The first day it was held; empty if no source gives it.")
    )
    held_until = models.DateField(
        _("held until"),
        null=True,
        blank=True,
        help_text=_("The day it ended (no longer held on that day); empty while still held."),
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="official_titles",
        null=True,
        blank=True,
        help_text=_("Where this title and its dates are stated."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("title held")
        verbose_name_plural = _("titles held")
        ordering = [models.F("held_from").asc(nulls_first=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(held_from__isnull=True) | Q(held_until__isnull=True) | Q(held_until__gt=F("held_from")),
                name="official_title_ends_after_start",
            ),
            models.UniqueConstraint(fields=["official", "held_from"], name="official_title_one_start_per_day"),
            PlausibleConstraint(field="held_from", name="official_title_held_from_plausible", instant=False),
            PlausibleConstraint(field="held_until", name="official_title_held_until_plausible", instant=False),
        ]

    def __str__(self):
        return self.localized("title")

    def covers(self, date):
        """Held on ``date``: from ``held_from`` (if known) up to, not including, ``held_until`` (if ended)."""
        return (self.held_from is None or self.held_from <= date) and (
            self.held_until is None or date < self.held_until
        )

    def overlaps(self, other):
        """Both held on some same day (an unknown start reaches back without end, an open end forward)."""
        starts_before_other_ends = (
            self.held_from is None or other.held_until is None or self.held_from < other.held_until
        )
        ends_after_other_starts = (
            self.held_until is None or other.held_from is None or other.held_from < self.held_until
        )
        return starts_before_other_ends and ends_after_other_starts

    def clean(self):
        errors = {}
        for name in ("held_from", "held_until"):
            error = plausible_day_error(getattr(self, name))
            if error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)
        if self.held_from and self.held_until and self.held_until <= self.held_from:
            raise ValidationError({"held_until": _("A title ends after the day it was first held.")})
        # An admin form of all the official's titles checks them against each other instead (OfficialTitleFormSet).
        if self.official_id and not getattr(self, "overlap_checked_by_formset", False):
            others = OfficialTitle.objects.filter(official_id=self.official_id).exclude(pk=self.pk)
            clash = next((other for other in others if self.overlaps(other)), None)
            if clash:
                raise ValidationError(overlap_error(clash))


def overlap_error(other):
    """The refusal of a title whose days overlap ``other``'s, an official holding one title (however long) a day."""
    return ValidationError(
        _("%(name)s already holds “%(title)s” on some of these days; end that title first, then add this one."),
        code="title_overlap",
        params={"name": other.official.name, "title": other.title},
    )


class Venue(PrintableTextMixin, Bilingual, models.Model):
    key = models.SlugField(_("key"), max_length=80, unique=True, validators=[key_validator])
    name = models.CharField(_("name (English)"), max_length=200)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100)
    city_vi = models.CharField(_("city (Vietnamese)"), max_length=100, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="venues", null=True, blank=True
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self):
        return self.localized("name")


class Room(PrintableTextMixin, Bilingual, models.Model):
    key = models.SlugField(_("key"), max_length=80, unique=True, validators=[key_validator])
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name (English)"), max_length=200)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RoomKind.choices)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    is_available = models.BooleanField(
        _("available"), default=True, help_text=_("Untick when the room is withdrawn; items still in it are flagged.")
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["venue__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "name"], name="room_name_unique_per_venue"),
        ]

    def __str__(self):
        return self.localized("name")


class CeremonyQuerySet(models.QuerySet):
    def by_currency(self):
        """The current ceremony first, then the others from the latest."""
        return self.order_by("-is_current", "-first_day", "pk")

    def current(self):
        """The ceremony every screen opens on (the one marked current, else the latest), or None."""
        return self.by_currency().first()

    def lock(self, ids):
        """Lock these ceremonies' rows, in a fixed order, until the transaction ends.

        The lock order of every writer: a write that changes a ceremony's calendars ends by moving its feeds
        stamp, which locks the ceremony's row, so writers take that row first, before any delegation, member or
        item, and two of them never wait for each other in opposite orders (a deadlock). Saving or deleting an
        item or a delegation does it; so do the admin for the object it is about to change, the delegation's
        form and the services that write to several rows.
        """
        ids = sorted({pk for pk in ids if pk is not None})
        if ids:
            list(self.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


class CeremonyManager(models.Manager.from_queryset(CeremonyQuerySet)):
    """``Ceremony.objects``: ``current()`` on it reads the row with SQL worked out once per process and database.

    Every calendar app's "anything new?" and every reader of ``/`` starts with that one query. Building it with
    the ORM each time was a third of the time of a 304, and reading it back through a raw queryset (which works
    out the columns' order and converters for every row) a quarter. ``current()`` on a queryset
    (``select_related``, ``only``, a filter) still builds its own.
    """

    _current_query = {}

    def current(self):
        alias = self.db
        if alias not in self._current_query:
            compiler = self.get_queryset().by_currency()[:1].query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            columns = [column for column, _sql, _alias in compiler.select]
            # The backend's and the fields' converters (SQLite's booleans and datetimes), as the ORM applies them; they
            # read only the database's settings from the compiler's connection, the same in every thread.
            converters = compiler.get_converters(columns)
            self._current_query[alias] = (
                compiler,
                sql,
                params,
                [column.target.attname for column in columns],
                converters,
            )
        compiler, sql, params, attnames, converters = self._current_query[alias]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(compiler.apply_converters([row], converters))
        return self.model.from_db(alias, attnames, row)


class Ceremony(PrintableTextMixin, Bilingual, models.Model):
    name = models.CharField(_("name (English)"), max_length=300)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, validators=[key_validator])
    treaty_title = models.CharField(_("treaty title (English)"), max_length=300)
    treaty_title_vi = models.CharField(_("treaty title (Vietnamese)"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100)
    city_vi = models.CharField(_("city (Vietnamese)"), max_length=100, blank=True)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="ceremonies", null=True, blank=True
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Ho_Chi_Minh",
        validators=[validate_time_zone],
        help_text=_("IANA name; every time of the ceremony is shown in this zone."),
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    host_agency = models.ForeignKey(
        Agency,
        verbose_name=_("host agency"),
        on_delete=models.PROTECT,
        related_name="hosted_ceremonies",
        null=True,
        blank=True,
    )
    signing_order_rule = models.CharField(
        _("order of signing"),
        max_length=20,
        choices=SigningOrderRule.choices,
        default=SigningOrderRule.ALPHABETICAL_FROM_LETTER,
        help_text=_("The host always signs first."),
    )
    drawn_letter = models.CharField(
        _("letter drawn by lot"),
        max_length=1,
        blank=True,
        choices=[(letter, letter) for letter in string.ascii_uppercase],
        help_text=_("Alphabetical order starts at this letter."),
    )
    host_country = CountryField(
        _("host country"), blank=True, default="", help_text=_("The delegation of this country signs first.")
    )
    signing_starts_at = AwareDateTimeField(
        _("signing starts at"), null=True, blank=True, help_text=_("When the first signing slot begins.")
    )
    signing_slot_minutes = models.PositiveSmallIntegerField(
        _("minutes per signature"), default=3, help_text=_("The length of each delegation's signing slot.")
    )
    signing_room = models.ForeignKey(
        Room,
        verbose_name=_("signing room"),
        on_delete=models.PROTECT,
        related_name="signing_ceremonies",
        null=True,
        blank=True,
        help_text=_("Where the signing table stands."),
    )
    is_current = models.BooleanField(
        _("current"), default=False, help_text=_("The ceremony that the public pages and the admin open on.")
    )
    contact_email = models.EmailField(
        _("contact address"),
        blank=True,
        help_text=_(
            "Sends the planner's mail, receives replies, and is the organizer of calendar events whose lead "
            "agency has no address. Empty: the PLANNER_CONTACT_EMAIL setting."
        ),
    )
    feeds_changed_at = models.DateTimeField(
        _("calendars last changed"),
        default=timezone.now,
        editable=False,
        help_text=_("Moves whenever anything shown in this ceremony's calendars changes; gives feeds their ETag."),
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="ceremonies", null=True, blank=True
    )

    objects = CeremonyManager()

    history = HistoricalRecords(excluded_fields=["feeds_changed_at"])

    class Meta:
        verbose_name = _("ceremony")
        verbose_name_plural = _("ceremonies")
        ordering = ["-first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="ceremony_last_day_not_before_first"
            ),
            models.CheckConstraint(
                condition=Q(drawn_letter="") | Q(drawn_letter__in=list(string.ascii_uppercase)),
                name="ceremony_drawn_letter_is_a_letter",
            ),
            models.CheckConstraint(condition=Q(signing_slot_minutes__gt=0), name="ceremony_signing_slot_positive"),
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_ceremony"),
            PlausibleConstraint(field="first_day", name="ceremony_first_day_plausible", instant=False),
            PlausibleConstraint(field="last_day", name="ceremony_last_day_plausible", instant=False),
            PlausibleConstraint(field="signing_starts_at", name="ceremony_signing_start_plausible", instant=True),
        ]

    def __str__(self):
        return self.localized("name")

    def save(self, *args, **kwargs):
        self.feeds_changed_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "feeds_changed_at"}
        super().save(*args, **kwargs)

    @cached_property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def contact_address(self):
        """The address the ceremony's mail comes from and its calendars name as organizer ('' if none)."""
        return self.contact_email or settings.PLANNER_CONTACT_EMAIL

    @property
    def zone_label(self):
        """'Asia/Ho_Chi_Minh, UTC+07:00': the zone by name and its offset on the first day."""
        noon = datetime.datetime.combine(self.first_day, datetime.time(12), tzinfo=self.zone)
        return f"{self.time_zone}, {offset(noon, self.zone)}"

    def bounds(self):
        """The first instant of the ceremony's days and the first instant after them, in its zone."""
        return self._span(self.first_day, self.last_day)

    def _span(self, first, last):
        """The first instant of day ``first`` and the first after day ``last``, in the ceremony's zone."""
        return day_span(first, last, self.zone)

    def window(self):
        """The first and the last day any time about the ceremony may fall on: a year around its days."""
        return self.first_day - WINDOW_MARGIN, self.last_day + WINDOW_MARGIN

    def window_errors(self, values):
        """Field errors for those of ``values`` ({field: date, aware datetime or None}) outside the window."""
        first, last = self.window()
        start, end = self._span(first, last)
        errors = {}
        for name, value in values.items():
            if isinstance(value, datetime.datetime):
                # A naive time has its own field error; aware ones compare without converting, so year 1 is safe.
                outside = timezone.is_aware(value) and not start <= value < end
                message = _("Enter a time within a year of the ceremony: from %(first)s to %(last)s.")
            else:
                outside = value is not None and not first <= value <= last
                message = _("Enter a date within a year of the ceremony: from %(first)s to %(last)s.")
            if outside:
                errors[name] = day_range_error(first=first, last=last, message=message)
        return errors

    def clean(self):
        errors = {}
        for name in ("first_day", "last_day"):
            error = plausible_day_error(
                getattr(self, name),
                first=CEREMONY_FIRST_DAY,
                last=CEREMONY_LAST_DAY,
                message=_("Enter a day from %(first)s to %(last)s."),
            )
            if error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": _("The last day cannot be before the first day.")})
        start = self.signing_starts_at
        if start and self.first_day and self.last_day and self.time_zone in zoneinfo.available_timezones():
            first, end = self.bounds()
            if timezone.is_aware(start) and not first <= start < end:
                raise ValidationError(
                    {
                        "signing_starts_at": day_range_error(
                            first=self.first_day,
                            last=self.last_day,
                            message=_("The signing starts on one of the ceremony's days, from %(first)s to %(last)s."),
                        )
                    }
                )


class PublishedItemDeletionError(ValidationError):
    """A schedule item that delegates or the public may have seen was about to be deleted."""


def _refuse_published(titles):
    """Raise unless ``titles`` (of the published items about to be deleted) is empty."""
    if titles:
        names = ", ".join(f"“{title}”" for title in titles[:5])
        raise PublishedItemDeletionError(
            _(
                "%(names)s already appeared in delegates' or the public programme and calendars; "
                "cancel instead of deleting, so that subscribers see the cancellation. "
                "Only staff-only items can be deleted."
            ),
            code="published",
            params={"names": names},
        )


# A change to any of these moves the event in subscribers' calendars, so its SEQUENCE goes up.
SEQUENCED_FIELDS = ("starts_at", "ends_at", "room_id", "status")


def _same(stored, current):
    try:
        return stored == current
    except TypeError:  # a naive datetime against an aware one: saving will refuse it clearly
        return False


def sequence_after_save(stored, item):
    """The SEQUENCE of ``item`` once saved over ``stored``, its row as stored now ("sequence" and the
    SEQUENCED_FIELDS): one more when its time, room or status differs."""
    changed = any(not _same(stored[name], getattr(item, name)) for name in SEQUENCED_FIELDS)
    return stored["sequence"] + 1 if changed else stored["sequence"]


class LockingDeleteQuerySet(models.QuerySet):
    """Deleting rows of a ceremony locks the ceremony first, as saving one does (``CeremonyQuerySet.lock``)."""

    def delete(self):
        with transaction.atomic(using=self.db, savepoint=False):
            Ceremony.objects.lock(self.order_by().values_list("ceremony_id", flat=True).distinct())
            return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


class ScheduleItemQuerySet(LockingDeleteQuerySet):
    def delete(self):
        _refuse_published(list(self.select_related(None).ever_published().values_list("title", flat=True)[:5]))
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def ever_published(self):
        """Items beyond staff-only now or at any time in their history: someone may have them in a calendar."""
        was_published = ScheduleItem.history.model.objects.exclude(visibility=Visibility.INTERNAL).values("id")
        return self.filter(~Q(visibility=Visibility.INTERNAL) | Q(pk__in=was_published))

    def for_calendar(self):
        """With everything a calendar event shows, in a stable order."""
        return self.select_related("ceremony__host_agency", "room__venue", "lead_agency").order_by(
            "starts_at", "ends_at", "uid"
        )

    def public(self):
        return self.filter(visibility=Visibility.PUBLIC)

    def for_agency(self, agency):
        """Everything the agency leads or supports, staff-only items included."""
        supported = ScheduleItem.supporting_agencies.through.objects.filter(
            scheduleitem_id=models.OuterRef("pk"), agency_id=agency.pk
        )
        return self.filter(Q(lead_agency_id=agency.pk) | models.Exists(supported))

    def agency_pairs(self):
        """``for_agency`` read the other way round: the pairs (item pk, agency pk) of each of these items and each
        agency that leads or supports it, in two queries."""
        led = self.exclude(lead_agency_id=None).order_by().values_list("pk", "lead_agency_id")
        supported = ScheduleItem.supporting_agencies.through.objects.filter(scheduleitem_id__in=self.values("pk"))
        return {*led, *supported.values_list("scheduleitem_id", "agency_id")}


# The many-to-many relations recorded in each version of an item (who is invited is the delegations app's:
# its Invitation keeps its own history).
ITEM_HISTORY_M2M = ("supporting_agencies",)


class ScheduleItem(PrintableTextMixin, Bilingual, models.Model):
    ceremony = models.ForeignKey(Ceremony, verbose_name=_("ceremony"), on_delete=models.PROTECT, related_name="items")
    uid = models.CharField(
        _("UID"),
        max_length=200,
        unique=True,
        default=new_item_uid,
        validators=[uid_validator],
        help_text=_("Stable identifier in every calendar; never reused."),
    )
    title = models.CharField(_("title (English)"), max_length=300)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    starts_at = AwareDateTimeField(_("starts at"))
    ends_at = AwareDateTimeField(_("ends at"))
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="items", null=True, blank=True
    )
    lead_agency = models.ForeignKey(
        Agency,
        verbose_name=_("lead agency"),
        on_delete=models.PROTECT,
        related_name="led_items",
        null=True,
        blank=True,
    )
    supporting_agencies = models.ManyToManyField(
        Agency, verbose_name=_("supporting agencies"), related_name="supported_items", blank=True
    )
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(_("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.TENTATIVE)
    sequence = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Raised when the time, room or status changes.")
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="items", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = ScheduleItemQuerySet.as_manager()

    # Which agencies supported belongs to the item's history too.
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=list(ITEM_HISTORY_M2M))

    class Meta:
        verbose_name = _("schedule item")
        verbose_name_plural = _("schedule items")
        ordering = ["starts_at", "ends_at", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="item_ends_after_start"),
            PlausibleConstraint(field="starts_at", name="item_starts_at_plausible", instant=True),
            PlausibleConstraint(field="ends_at", name="item_ends_at_plausible", instant=True),
        ]
        indexes = [models.Index(fields=["ceremony", "starts_at"], name="item_ceremony_start")]

    def __str__(self):
        return self.localized("title")

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            Ceremony.objects.lock([self.ceremony_id, getattr(self, "_feeds_ceremony_id", None)])
            if self._state.adding:
                return super().save(*args, **kwargs)
            # Compare with the row as stored now, locked, not with what this instance loaded:
            # an edit saved in between must neither hide a change nor swallow a bump.
            stored = (
                type(self)
                .objects.select_for_update()
                .filter(pk=self.pk)
                .values("pk", "sequence", *SEQUENCED_FIELDS)
                .first()
            )
            if stored is not None:
                self.sequence = sequence_after_save(stored, self)
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "sequence"}
            saved = super().save(*args, **kwargs)
            if stored is not None and self.sequence != stored["sequence"]:
                send_moves(type(self), stored_rows=[stored], user=getattr(self, "_history_user", None))
            return saved

    def delete(self, *args, **kwargs):
        _refuse_published([self.title] if self.was_ever_published else [])
        with transaction.atomic(using=kwargs.get("using")):
            Ceremony.objects.lock([self.ceremony_id])
            return super().delete(*args, **kwargs)

    def clean(self):
        errors = (
            self.ceremony.window_errors({"starts_at": self.starts_at, "ends_at": self.ends_at})
            if self.ceremony_id
            else {}
        )
        # A naive time already has its own field error; comparing it would only crash.
        times = (self.starts_at, self.ends_at)
        if not errors and all(t and timezone.is_aware(t) for t in times) and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self):
        """Anything beyond staff-only may already sit in someone's calendar."""
        return self.visibility != Visibility.INTERNAL

    @property
    def was_ever_published(self):
        """Published now or in any earlier version: making it staff-only again does not unpublish it.

        Items without history rows (bulk-created) are judged by their current visibility.
        """
        if self.is_published:
            return True
        return self.pk is not None and self.history.exclude(visibility=Visibility.INTERNAL).exists()

    @property
    def is_cancelled(self):
        return self.status == ItemStatus.CANCELLED


class Milestone(PrintableTextMixin, Bilingual, models.Model):
    """A step on the road to the ceremony, e.g. the adoption by the General Assembly."""

    ceremony = models.ForeignKey(
        Ceremony, verbose_name=_("ceremony"), on_delete=models.CASCADE, related_name="milestones"
    )
    key = models.SlugField(_("key"), max_length=80, validators=[key_validator])
    date = models.DateField(_("date"))
    date_precision = models.CharField(
        _("date known to the"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    title = models.CharField(_("title (English)"), max_length=300)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    place_vi = models.CharField(_("place (Vietnamese)"), max_length=200, blank=True)
    official = models.ForeignKey(
        Official,
        verbose_name=_("official"),
        on_delete=models.PROTECT,
        related_name="milestones",
        null=True,
        blank=True,
        help_text=_("Who spoke for the host on that day; shown with the title held on the milestone's date."),
    )
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="milestones")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["date", "key"]
        constraints = [
            models.UniqueConstraint(fields=["ceremony", "key"], name="milestone_key_unique_per_ceremony"),
            PlausibleConstraint(field="date", name="milestone_date_plausible", instant=False),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.localized('title')}"

    def clean(self):
        error = plausible_day_error(self.date)
        if error:
            raise ValidationError({"date": error})


class KeyFigure(PrintableTextMixin, Bilingual, models.Model):
    """A number that explains why the Convention matters, with its source."""

    ceremony = models.ForeignKey(
        Ceremony, verbose_name=_("ceremony"), on_delete=models.CASCADE, related_name="key_figures"
    )
    key = models.SlugField(_("key"), max_length=80, validators=[key_validator])
    label = models.CharField(_("label (English)"), max_length=300)
    label_vi = models.CharField(_("label (Vietnamese)"), max_length=300, blank=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit (English)"), max_length=60, blank=True)
    unit_vi = models.CharField(_("unit (Vietnamese)"), max_length=60, blank=True)
    qualifier = models.CharField(
        _("qualifier"), max_length=20, choices=FigureQualifier.choices, default=FigureQualifier.EXACTLY
    )
    as_of = models.CharField(_("as of (English)"), max_length=100, blank=True)
    as_of_vi = models.CharField(_("as of (Vietnamese)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="key_figures")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        ordering = ["order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["ceremony", "key"], name="key_figure_key_unique_per_ceremony"),
        ]

    def __str__(self):
        return self.localized("label")


class StaffMember(PrintableTextMixin, models.Model):
    """An organizer's place in an agency, and the private link of their calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="staff_member"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="staff")
    language = models.CharField(_("language of mail"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    token_hash = models.CharField(_("calendar token hash"), max_length=64, blank=True, editable=False)
    token_issued_at = models.DateTimeField(_("calendar link issued"), null=True, blank=True, editable=False)
    token_issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("calendar link issued by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["agency__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="staff_member_token_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.agency})"


class UndeliverableAddress(PrintableTextMixin, models.Model):
    """An address the mail server refused for good (a 5xx for the recipient) or that cannot be written at all.

    The outbox queues nothing more for it and Protocol sees it with the reason, until someone corrects the address
    where it was typed (a new address is not marked) or removes the mark here once the mailbox works again.
    """

    address = models.CharField(_("address"), max_length=254, unique=True)
    reason = models.TextField(_("reason"), help_text=_("What the mail server answered, or why it could not be sent."))
    noted_at = models.DateTimeField(_("bounced on"), default=timezone.now)

    class Meta:
        verbose_name = _("undeliverable address")
        verbose_name_plural = _("undeliverable addresses")
        ordering = ["-noted_at"]

    def __str__(self):
        return self.address
