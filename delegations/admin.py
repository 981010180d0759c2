"""The organizers' admin for delegations, delegates and full powers."""

from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ceremony.admin import ScheduleItemAdmin
from ceremony.admin_conflicts import ConflictWarningsMixin
from ceremony.admin_links import issue_links_action
from ceremony.admin_permissions import FieldPermissionsMixin, HistoryAdmin
from ceremony.admin_spreadsheets import SpreadsheetMixin
from ceremony.models import Ceremony, ScheduleItem
from ceremony.stale_edits import StaleEditInlineMixin

from . import services
from .admin_badges import DelegatePrintMixin, DelegationPrintMixin
from .admin_mail import LinkMailAdminMixin
from .admin_signing_desk import CeremonyWithSigningDeskAdmin
from .forms import OneHeadFormSet
from .full_powers import record_verifier
from .models import Delegate, Delegation, FullPowers, Invitation, State
from .roles import ISSUE_LINKS
from .signing import signing_withdraw
from .signing_return import signing_return
from .spreadsheets import DelegateResource, DelegationResource


@admin.register(State)
class StateAdmin(HistoryAdmin):
    list_display = ["name", "country", "membership"]
    list_filter = ["membership"]
    search_fields = ["name", "country"]
    autocomplete_fields = ["source"]
    actions = ["invite"]

    @admin.action(description=_("Invite to the current ceremony"), permissions=["add_delegation"])
    def invite(self, request, queryset):
        ceremony = Ceremony.objects.current()
        if ceremony is None:
            self.message_user(request, _("There is no ceremony to invite to yet."), messages.ERROR)
            return
        created = services.delegations_invite(ceremony=ceremony, states=queryset)
        skipped = queryset.count() - len(created)
        message = ngettext(
            "%(count)d delegation invited to %(ceremony)s.",
            "%(count)d delegations invited to %(ceremony)s.",
            len(created),
        ) % {"count": len(created), "ceremony": ceremony}
        if skipped:
            message += " " + ngettext(
                "%(count)d state already had a delegation.", "%(count)d states already had a delegation.", skipped
            ) % {"count": skipped}
        self.message_user(request, message, messages.SUCCESS)

    def has_add_delegation_permission(self, request):
        return request.user.has_perm("delegations.add_delegation")


class DelegateInline(StaleEditInlineMixin, FieldPermissionsMixin, admin.TabularInline):
    model = Delegate
    formset = OneHeadFormSet
    extra = 0
    fields = [
        "name",
        "position",
        "rank",
        "is_head",
        "is_signatory",
        "email",
        "phone",
        "accreditation_status",
        "clearance_status",
    ]


@admin.register(Delegation)
class DelegationAdmin(DelegationPrintMixin, LinkMailAdminMixin, SpreadsheetMixin, ConflictWarningsMixin, HistoryAdmin):
    resource_classes = [DelegationResource]
    change_form_template = "admin/delegations/delegation_change_form.html"  # "Print badges" among its tools
    list_display = [
        "name",
        "kind",
        "status",
        "intends_to_sign",
        "signing_order",
        "member_count",
        "arrival_at",
        "hotel",
    ]
    list_filter = ["ceremony", "status", "kind", "intends_to_sign"]
    list_select_related = ["ceremony"]
    search_fields = ["name", "country", "hotel", "liaison_officer", "members__name"]
    autocomplete_fields = ["ceremony"]
    readonly_fields = [
        "signing_place",
        "contact_mail_state",
        "token_issued_at",
        "token_issued_by",
        "created_at",
        "updated_at",
    ]
    inlines = [DelegateInline]
    actions = ["issue_access_links"]
    fieldsets = [
        (None, {"fields": ["ceremony", "kind", "country", "name", "status"]}),
        (_("Signing"), {"fields": ["intends_to_sign", "signing_place"]}),
        (
            _("Contact and stay"),
            {
                "fields": [
                    "contact_email",
                    "contact_mail_state",
                    "language",
                    "contact_phone",
                    "liaison_officer",
                    "arrival_at",
                    "departure_at",
                    "hotel",
                ]
            },
        ),
        (_("Notes"), {"fields": ["notes", "token_issued_at", "token_issued_by", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("order of signing"))
    def signing_place(self, obj):
        """The place, read only: it moves on the signing desk, which asks first and re-times the slots."""
        if not obj.ceremony_id:
            return "—"
        desk = reverse("admin:ceremony_ceremony_signing_desk", args=[obj.ceremony_id])
        place = obj.signing_order if obj.signing_order is not None else "—"
        return format_html('{} · <a href="{}">{}</a>', place, desk, _("move it on the signing desk"))

    def conflict_scope(self, obj):
        return {"delegation_ids": [obj.pk]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        signing_withdraw(delegation=obj, user=request.user)  # declined or no longer signing: slot cancelled
        signing_return(delegation=obj, user=request.user)  # signing again: its place and slot back, if still free

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def has_issue_links_permission(self, request):
        return request.user.has_perm(ISSUE_LINKS)

    @admin.action(description=_("Issue a new access link (the old one stops working)"), permissions=["issue_links"])
    def issue_access_links(self, request, queryset):
        return issue_links_action(
            self,
            request,
            queryset,
            title=_("Issue new access links?"),
            warning=_(
                "For each delegation below, its current link stops working at once: its page, its form and "
                "its calendar. The new links are shown once, on the next page; send each delegation its own. "
                "Whoever holds a link acts as the delegation, so you are recorded as its issuer."
            ),
            issue=lambda delegation: self._new_links(delegation, request.user),
            mail_form=lambda delegation, page: self.issued_link_mail_form(request, delegation, page),
        )

    @staticmethod
    def _new_links(delegation, user):
        """The delegation's page and its calendar, behind one new token."""
        token = services.delegation_issue_token(delegation=delegation, issued_by=user)
        return (
            reverse("delegations:page", args=[token]),
            reverse("delegations:calendar", args=[token]),
        )


class HasFullPowersFilter(admin.SimpleListFilter):
    title = _("full powers")
    parameter_name = "full_powers"

    def lookups(self, request, model_admin):
        return [("missing", _("signatory without full powers record")), ("recorded", _("recorded"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(is_signatory=True, full_powers__isnull=True)
        if self.value() == "recorded":
            return queryset.filter(full_powers__isnull=False)
        return queryset


@admin.register(Delegate)
class DelegateAdmin(DelegatePrintMixin, SpreadsheetMixin, HistoryAdmin):
    resource_classes = [DelegateResource]
    actions = ["print_badges"]
    list_display = [
        "name",
        "delegation",
        "position",
        "rank",
        "is_head",
        "is_signatory",
        "accreditation_status",
        "clearance_status",
    ]
    list_filter = [
        "delegation__ceremony",
        "rank",
        "is_head",
        "is_signatory",
        "accreditation_status",
        "clearance_status",
        HasFullPowersFilter,
    ]
    list_select_related = ["delegation"]
    search_fields = ["name", "position", "email", "delegation__name"]
    autocomplete_fields = ["delegation"]


@admin.register(FullPowers)
class FullPowersAdmin(HistoryAdmin):
    list_display = [
        "signatory",
        "delegation",
        "issuing_authority",
        "issued_on",
        "copy_received_on",
        "original_presented_on",
        "verification_status",
        "verified_by",
    ]
    list_filter = ["verification_status", "signatory__delegation__ceremony"]
    list_select_related = ["signatory__delegation", "verified_by"]
    search_fields = ["signatory__name", "signatory__delegation__name", "issuing_authority"]
    autocomplete_fields = ["signatory"]
    readonly_fields = ["verified_by", "verified_at"]

    def save_model(self, request, obj, form, change):
        if "verification_status" in form.changed_data:
            record_verifier(obj, request.user)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("delegation"), ordering="signatory__delegation__sort_name")
    def delegation(self, obj):
        return obj.signatory.delegation


from . import admin_signing  # noqa: E402, F401  the signatories' list registers itself

# --- What the delegations app adds to the programme's admin --------------------------------------------------------

admin.site.unregister(Ceremony)
admin.site.register(Ceremony, CeremonyWithSigningDeskAdmin)


class InvitationInline(StaleEditInlineMixin, admin.TabularInline):
    """The delegations invited to an item, changed by whoever may change the item (its kind, for Logistics)."""

    model = Invitation
    fields = ["delegation"]
    autocomplete_fields = ["delegation"]
    extra = 0
    verbose_name = _("invited delegation")
    verbose_name_plural = _("invited delegations (only for items whose visibility is “invited delegations only”)")

    def _item_admin(self):
        return self.admin_site._registry[ScheduleItem]

    def has_view_permission(self, request, obj=None):
        return self._item_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj):
        item_admin = self._item_admin()
        return item_admin.has_add_permission(request) if obj is None else item_admin.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


class ScheduleItemWithInvitationsAdmin(ScheduleItemAdmin):
    """The programme's item admin, with who is invited, and the invitations' history on the item's history page."""

    inlines = [*ScheduleItemAdmin.inlines, InvitationInline]
    object_history_template = "admin/delegations/item_history.html"

    def history_view(self, request, object_id, extra_context=None):
        invitations, invited = Invitation.history.none(), Delegation.objects.none()
        if str(object_id).isdigit():
            invitations = Invitation.history.filter(item_id=object_id).select_related("delegation", "history_user")
            invited = Delegation.objects.filter(invitations__item_id=object_id)
        context = {
            "invitation_history": invitations.order_by("-history_date", "-history_id"),
            # Invitations made in bulk before they kept a history have none: the list says who is invited now.
            "invited_now": list(invited),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)


admin.site.unregister(ScheduleItem)
admin.site.register(ScheduleItem, ScheduleItemWithInvitationsAdmin)
