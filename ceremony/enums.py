"""Choices of the programme app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    HOST_MINISTRY = "host_ministry", _("host ministry")
    MINISTRY = "ministry", _("ministry")
    CITY_AUTHORITY = "city_authority", _("city authority")
    UN_ENTITY = "un_entity", _("UN entity")
    OTHER = "other", _("other")


class RoomKind(models.TextChoices):
    PLENARY_HALL = "plenary_hall", _("plenary hall")
    SIGNING_HALL = "signing_hall", _("signing hall")
    BILATERAL_ROOM = "bilateral_room", _("bilateral room")
    MEETING_ROOM = "meeting_room", _("meeting room")
    PRESS_CENTRE = "press_centre", _("press centre")
    BANQUET_HALL = "banquet_hall", _("banquet hall")
    FOYER = "foyer", _("foyer")
    OTHER = "other", _("other")


class ItemKind(models.TextChoices):
    WELCOME = "welcome", _("welcome")
    PHOTO = "photo", _("photo")
    OPENING = "opening", _("opening")
    SIGNING = "signing", _("signing")
    PLENARY = "plenary", _("plenary")
    SIDE_EVENT = "side_event", _("side event")
    BILATERAL = "bilateral", _("bilateral")
    RECEPTION = "reception", _("reception")
    CLOSING = "closing", _("closing")
    PRESS = "press", _("press")
    BRIEFING = "briefing", _("briefing")
    TRANSPORT = "transport", _("transport")
    REHEARSAL = "rehearsal", _("rehearsal")
    OTHER = "other", _("other")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public")
    DELEGATIONS = "delegations", _("all delegations")
    INVITED = "invited", _("invited delegations only")
    INTERNAL = "internal", _("staff only")


class ItemStatus(models.TextChoices):
    TENTATIVE = "tentative", _("tentative")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")


class SigningOrderRule(models.TextChoices):
    ALPHABETICAL_FROM_LETTER = "alphabetical", _("English alphabetical order from a letter drawn by lot")
    REGISTRATION = "registration", _("order of registration")


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class FigureQualifier(models.TextChoices):
    EXACTLY = "exactly", _("exactly")
    ABOUT = "about", _("about")
    NEARLY = "nearly", _("nearly")
    MORE_THAN = "more_than", _("more than")


class Language(models.TextChoices):
    """The languages the planner writes in: its pages, and the mail a person or delegation receives."""

    ENGLISH = "en", _("English")
    VIETNAMESE = "vi", _("Vietnamese")
