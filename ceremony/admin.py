"""The organizers' admin for the programme."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from . import admin_users, services  # noqa: F401 - admin_users registers the Users admin
from .admin_conflicts import ConflictWarningsMixin
from .admin_links import issue_links_action
from .admin_permissions import FieldPermissionsMixin, HistoryAdmin
from .admin_spreadsheets import SpreadsheetMixin
from .enums import ItemKind
from .models import (
    Agency,
    Ceremony,
    KeyFigure,
    Milestone,
    Official,
    OfficialTitle,
    Room,
    ScheduleItem,
    Source,
    StaffMember,
    UndeliverableAddress,
    Venue,
    overlap_error,
)
from .roles import item_kinds
from .spreadsheets import ScheduleItemResource
from .stale_edits import StaleEditInlineMixin
from .times import time_range


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ["title", "kind", "publisher", "published_on", "key"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["kind"]
    search_fields = ["title", "title_vi", "publisher", "key", "url"]
    ordering = ["title"]


class OfficialInline(StaleEditInlineMixin, FieldPermissionsMixin, admin.TabularInline):
    model = Official
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Agency)
class AgencyAdmin(HistoryAdmin):
    list_display = ["name", "name_vi", "code", "kind", "official_count"]
    list_filter = ["kind"]
    search_fields = ["name", "name_vi", "code", "abbreviation"]
    autocomplete_fields = ["source"]
    inlines = [OfficialInline]
    fieldsets = [
        (None, {"fields": ["code", "abbreviation", "name", "name_vi", "kind"]}),
        (_("Role"), {"fields": ["responsibilities", "responsibilities_vi", "contact", "source"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(official_count=Count("officials"))

    @admin.display(description=_("officials"), ordering="official_count")
    def official_count(self, obj):
        return obj.official_count


class OfficialTitleFormSet(BaseInlineFormSet):
    """An official's titles are checked against each other as posted, so one save can end a title and begin the
    next (each row's own check against the stored rows would still see the old end)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.overlap_checked_by_formset = True
        return form

    def clean(self):
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self._should_delete_form(form) and not form.errors
        ]
        for index, title in enumerate(kept):
            if any(title.overlaps(other) for other in kept[index + 1 :]):
                raise overlap_error(title)


class OfficialTitleInline(StaleEditInlineMixin, FieldPermissionsMixin, admin.TabularInline):
    model = OfficialTitle
    formset = OfficialTitleFormSet
    extra = 0
    fields = ["title", "title_vi", "held_from", "held_until", "source"]
    autocomplete_fields = ["source"]


@admin.register(Official)
class OfficialAdmin(HistoryAdmin):
    list_display = ["name", "titles_held", "agency", "order"]
    list_filter = ["agency"]
    list_select_related = ["agency"]
    search_fields = ["name", "titles__title", "titles__title_vi", "agency__name"]
    autocomplete_fields = ["agency", "source"]
    inlines = [OfficialTitleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("titles")

    @admin.display(description=_("titles held"))
    def titles_held(self, obj):
        """Each title with its days, so no one reads an old title as today's."""
        return format_html_join(
            mark_safe("<br>"),
            "{} ({})",
            ((title.localized("title"), title_days(title)) for title in obj.titles.all()),
        )


def title_days(title):
    """'until 2025-08-29', '2025-08-29 – 2025-10-08', 'from 2025-10-08' or 'dates not recorded'."""
    if title.held_from and title.held_until:
        return f"{title.held_from:%Y-%m-%d} – {title.held_until:%Y-%m-%d}"
    if title.held_from:
        return _("from %(day)s") % {"day": f"{title.held_from:%Y-%m-%d}"}
    if title.held_until:
        return _("until %(day)s") % {"day": f"{title.held_until:%Y-%m-%d}"}
    return _("dates not recorded")


class RoomInline(StaleEditInlineMixin, FieldPermissionsMixin, admin.TabularInline):
    model = Room
    extra = 0
    fields = ["key", "name", "name_vi", "kind", "capacity", "is_available"]


@admin.register(Venue)
class VenueAdmin(HistoryAdmin):
    list_display = ["name", "city", "address", "room_count"]
    list_filter = ["city"]
    search_fields = ["name", "name_vi", "city", "address"]
    autocomplete_fields = ["source"]
    inlines = [RoomInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(room_count=Count("rooms"))

    @admin.display(description=_("rooms"), ordering="room_count")
    def room_count(self, obj):
        return obj.room_count


@admin.register(Room)
class RoomAdmin(HistoryAdmin):
    list_display = ["name", "venue", "kind", "capacity", "is_available"]
    list_filter = ["kind", "is_available", "venue"]
    list_select_related = ["venue"]
    search_fields = ["name", "name_vi", "key", "venue__name"]
    autocomplete_fields = ["venue"]


@admin.register(Ceremony)
class CeremonyAdmin(HistoryAdmin):
    """A ceremony's settings; the delegations app adds the signing desk (delegations.admin_signing_desk)."""

    SIGNING = _("Signing")

    list_display = ["name", "city", "first_day", "last_day", "time_zone", "is_current", "host_agency"]
    list_filter = ["is_current"]
    list_select_related = ["host_agency"]
    search_fields = ["name", "name_vi", "treaty_title", "city"]
    autocomplete_fields = ["venue", "host_agency", "signing_room", "source"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "name_vi", "slug", "treaty_title", "treaty_title_vi", "is_current"]}),
        (
            _("Where and when"),
            {"fields": ["city", "city_vi", "venue", "time_zone", "first_day", "last_day", "host_agency"]},
        ),
        (
            SIGNING,
            {
                "fields": [
                    "host_country",
                    "signing_order_rule",
                    "drawn_letter",
                    "signing_starts_at",
                    "signing_slot_minutes",
                    "signing_room",
                ]
            },
        ),
        (_("Mail"), {"fields": ["contact_email"]}),
        (_("Source"), {"fields": ["source"]}),
    ]


@admin.register(ScheduleItem)
class ScheduleItemAdmin(SpreadsheetMixin, ConflictWarningsMixin, HistoryAdmin):
    resource_classes = [ScheduleItemResource]
    list_display = ["titles", "when", "kind", "room", "lead_agency", "visibility", "status", "sequence"]
    list_filter = ["ceremony", "status", "kind", "visibility", "lead_agency", "room"]
    list_select_related = ["ceremony", "room", "lead_agency"]
    search_fields = ["title", "title_vi", "description", "uid"]
    autocomplete_fields = ["ceremony", "room", "lead_agency", "supporting_agencies", "source"]
    date_hierarchy = "starts_at"
    readonly_fields = ["sequence", "created_at", "updated_at"]
    actions = ["cancel_items", "delete_selected"]
    fieldsets = [
        (None, {"fields": ["ceremony", "kind", "title", "title_vi", "status"]}),
        (_("When and where"), {"fields": ["starts_at", "ends_at", "room"]}),
        # Which delegations are invited: the delegations app adds them below (delegations.admin).
        (_("Who"), {"fields": ["lead_agency", "supporting_agencies", "visibility"]}),
        (_("Details"), {"fields": ["description", "description_vi", "source"]}),
        (_("Calendar"), {"fields": ["uid", "sequence", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Subscribers' calendars know the item by its UID: a new one would duplicate it everywhere.
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else [*fields, "uid"]

    def conflict_scope(self, obj):
        return {"item_ids": [obj.pk]}

    def has_change_permission(self, request, obj=None):
        # A role limited to some kinds (Logistics: transport) sees the other items read-only.
        kinds = item_kinds(request.user)
        allowed = obj is None or kinds is None or obj.kind in kinds
        return allowed and super().has_change_permission(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        kinds = item_kinds(request.user)
        if db_field.name == "kind" and kinds is not None:
            kwargs["choices"] = [(value, label) for value, label in db_field.choices if value in kinds]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    @admin.display(description=_("title"), ordering="title")
    def titles(self, obj):
        """The title in the organizer's language, and beneath it the other's: one column, both languages."""
        first = obj.localized("title")
        other_language = "en" if get_language() == "vi" else "vi"
        other = obj.title if other_language == "en" else obj.title_vi
        if not other or other == first:
            return first
        return format_html('{}<br><span class="other-language" lang="{}">{}</span>', first, other_language, other)

    @admin.display(description=_("when (ceremony time)"), ordering="starts_at")
    def when(self, obj):
        return time_range(obj.starts_at, obj.ends_at, obj.ceremony.zone)

    @admin.action(description=_("Cancel selected items (they stay in calendars as cancelled)"), permissions=["change"])
    def cancel_items(self, request, queryset):
        kinds = item_kinds(request.user)
        others = 0 if kinds is None else queryset.exclude(kind__in=kinds).count()
        if others:
            self.message_user(request, self._other_kinds_message(others, kinds), messages.ERROR)
            return
        count = services.schedule_items_cancel(items=queryset, user=request.user)
        self.message_user(
            request,
            ngettext("%(count)d item cancelled.", "%(count)d items cancelled.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Delete selected staff-only items"), permissions=["delete"])
    def delete_selected(self, request, queryset):
        published = queryset.ever_published().count()
        if published:
            self.message_user(request, self._published_message(published), messages.ERROR)
            return None
        return django_delete_selected(self, request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and obj.was_ever_published:
            message = _(
                "This item is published (public or shown to delegations) and cannot be deleted: "
                "cancel it instead, so that calendars show the cancellation."
            )
            self.message_user(request, message, messages.ERROR)
            return redirect(reverse("admin:ceremony_scheduleitem_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    @staticmethod
    def _other_kinds_message(count, kinds):
        return ngettext(
            "%(count)d selected item is not of a kind your role may change (%(kinds)s); nothing was cancelled.",
            "%(count)d selected items are not of a kind your role may change (%(kinds)s); nothing was cancelled.",
            count,
        ) % {"count": count, "kinds": ", ".join(sorted(str(ItemKind(kind).label) for kind in kinds))}

    @staticmethod
    def _published_message(count):
        return ngettext(
            "%(count)d selected item is published (public or shown to delegations) and cannot be deleted: "
            "cancel it instead, so that calendars show the cancellation.",
            "%(count)d selected items are published (public or shown to delegations) and cannot be deleted: "
            "cancel them instead, so that calendars show the cancellation.",
            count,
        ) % {"count": count}


@admin.register(Milestone)
class MilestoneAdmin(HistoryAdmin):
    list_display = ["date", "title", "place", "date_precision", "source"]
    list_filter = ["ceremony", "date_precision"]
    list_select_related = ["source"]
    search_fields = ["title", "title_vi", "description", "place"]
    autocomplete_fields = ["ceremony", "official", "source"]
    date_hierarchy = "date"


@admin.register(KeyFigure)
class KeyFigureAdmin(HistoryAdmin):
    list_display = ["label", "qualifier", "value", "unit", "as_of", "source", "order"]
    list_filter = ["ceremony"]
    list_select_related = ["source"]
    search_fields = ["label", "label_vi", "key"]
    autocomplete_fields = ["ceremony", "source"]


@admin.register(StaffMember)
class StaffMemberAdmin(HistoryAdmin):
    list_display = ["user", "agency", "language", "token_issued_at"]
    list_filter = ["agency", "language"]
    list_select_related = ["user", "agency"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    readonly_fields = ["token_issued_at", "token_issued_by"]
    actions = ["issue_calendar_links"]

    def get_readonly_fields(self, request, obj=None):
        # The calendar link belongs to the account: another account would receive its holder's link.
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else [*fields, "user"]

    def has_issue_links_permission(self, request):
        # A calendar link shows staff-only items to whoever holds it: only an administrator issues another
        # organizer's; everyone issues their own from "My calendar link".
        return request.user.is_superuser

    @admin.action(description=_("Issue a new calendar link (the old one stops working)"), permissions=["issue_links"])
    def issue_calendar_links(self, request, queryset):
        return issue_links_action(
            self,
            request,
            queryset.select_related("user", "agency"),  # each holder is named by account and agency
            title=_("Issue new calendar links?"),
            warning=_(
                "Each organizer's current calendar link stops working at once; calendar apps subscribed to "
                "it stop receiving changes until the new link is added."
            ),
            issue=lambda member: reverse(
                "ceremony:staff-calendar", args=[services.staff_issue_token(user=member.user, issued_by=request.user)]
            ),
        )


@admin.register(UndeliverableAddress)
class UndeliverableAddressAdmin(admin.ModelAdmin):
    """Addresses the mail server refused for good: nothing more is sent to them. Delete a mark once the mailbox
    works again; a corrected address (a new one) needs no such step."""

    list_display = ["address", "noted_at", "reason"]
    search_fields = ["address", "reason"]
    readonly_fields = ["address", "reason", "noted_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
