"""The protocol desk's list of signatories and the state of their full powers."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ceremony.admin_permissions import FieldPermissionsMixin, RefuseRestrictedPostsMixin
from ceremony.odd_requests import CheckedRequestsMixin
from ceremony.stale_edits import StaleEditAdminMixin, StaleEditInlineMixin

from .enums import VerificationStatus
from .full_powers import (
    ATTENTION_STATES,
    FullPowersState,
    full_powers_state_expression,
    needs_full_powers,
    record_verifier,
)
from .models import Delegate, FullPowers, Signatory


class FullPowersStateFilter(admin.SimpleListFilter):
    title = _("full powers")
    parameter_name = "full_powers_state"

    def lookups(self, request, model_admin):
        return [("attention", _("needs attention")), *FullPowersState.choices]

    def queryset(self, request, queryset):
        if self.value() == "attention":
            return queryset.filter(fp_state__in=[s.value for s in ATTENTION_STATES])
        if self.value() in FullPowersState.values:
            return queryset.filter(fp_state=self.value())
        return queryset


class FullPowersInline(StaleEditInlineMixin, FieldPermissionsMixin, admin.StackedInline):
    model = FullPowers
    extra = 0
    max_num = 1
    can_delete = False
    fields = [
        "issuing_authority",
        "issued_on",
        "copy_received_on",
        "original_presented_on",
        "verification_status",
        "verified_by",
        "verified_at",
        "notes",
    ]
    readonly_fields = ["verified_by", "verified_at"]


@admin.register(Signatory)
class SignatoryAdmin(CheckedRequestsMixin, StaleEditAdminMixin, RefuseRestrictedPostsMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "delegation",
        "rank",
        "full_powers_state",
        "copy_received_on",
        "verified_by",
        "signing_order",
    ]
    list_filter = ["delegation__ceremony", FullPowersStateFilter, "rank"]
    list_select_related = ["delegation", "full_powers__verified_by"]
    search_fields = ["name", "position", "delegation__name"]
    autocomplete_fields = ["delegation"]
    fields = ["delegation", "name", "position", "rank", "is_head"]
    inlines = [FullPowersInline]
    actions = ["record_copy_received", "record_original_presented", "mark_verified", "mark_rejected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(fp_state=full_powers_state_expression())

    def history_view(self, request, object_id, extra_context=None):
        # A signatory is a delegate: its change history, and each old version, is the delegate's.
        return redirect(reverse("admin:delegations_delegate_history", args=[unquote(object_id)]))

    def save_model(self, request, obj, form, change):
        # Saved as the concrete Delegate: signals (and so the change history) name the concrete model,
        # and a proxy's save would go unrecorded.
        obj.is_signatory = True
        delegate = Delegate(**{f.attname: getattr(obj, f.attname) for f in Delegate._meta.concrete_fields})
        delegate._state.adding = obj._state.adding
        delegate.save()
        obj.pk, obj._state.adding = delegate.pk, False

    def save_formset(self, request, form, formset, change):
        # Whoever sets the verification by hand is recorded, as with the actions.
        for inline_form in formset.forms:
            if "verification_status" in inline_form.changed_data:
                record_verifier(inline_form.instance, request.user)
        super().save_formset(request, form, formset, change)

    @admin.display(description=_("full powers"), ordering="fp_state")
    def full_powers_state(self, obj):
        return FullPowersState(obj.fp_state).label

    @admin.display(description=_("copy received on"))
    def copy_received_on(self, obj):
        powers = getattr(obj, "full_powers", None) if needs_full_powers(obj.rank) else None
        return powers.copy_received_on if powers and powers.copy_received_on else "—"

    @admin.display(description=_("verified by"))
    def verified_by(self, obj):
        powers = getattr(obj, "full_powers", None)
        return (powers.verified_by or "—") if powers else "—"

    @admin.display(description=_("place"), ordering="delegation__signing_order")
    def signing_order(self, obj):
        return obj.delegation.signing_order or "—"

    def _report(self, request, done, skipped, done_message, skipped_message, **params):
        if done:
            self.message_user(request, done_message % {"count": done, **params}, messages.SUCCESS)
        if skipped:
            self.message_user(request, skipped_message % {"count": skipped}, messages.WARNING)

    @admin.action(description=_("Record full powers: copy received today"), permissions=["change"])
    def record_copy_received(self, request, queryset):
        from .full_powers import full_powers_record_receipt

        done, skipped = full_powers_record_receipt(signatories=queryset, on=timezone.localdate())
        self._report(request, done, skipped, *_receipt_messages(done, skipped, original=False))

    @admin.action(description=_("Record full powers: original presented today"), permissions=["change"])
    def record_original_presented(self, request, queryset):
        from .full_powers import full_powers_record_receipt

        done, skipped = full_powers_record_receipt(signatories=queryset, on=timezone.localdate(), original=True)
        self._report(request, done, skipped, *_receipt_messages(done, skipped, original=True))

    def has_verify_permission(self, request):
        return request.user.has_perm("delegations.verify_full_powers")

    @admin.action(description=_("Mark full powers verified"), permissions=["verify"])
    def mark_verified(self, request, queryset):
        self._judge(request, queryset, VerificationStatus.VERIFIED)

    @admin.action(description=_("Mark full powers rejected"), permissions=["verify"])
    def mark_rejected(self, request, queryset):
        self._judge(request, queryset, VerificationStatus.REJECTED)

    def _judge(self, request, queryset, status):
        from .full_powers import full_powers_verify

        done, skipped = full_powers_verify(signatories=queryset, user=request.user, status=status)
        self._report(
            request,
            done,
            skipped,
            ngettext(
                "Full powers of %(count)d signatory marked %(status)s.",
                "Full powers of %(count)d signatories marked %(status)s.",
                done,
            ),
            ngettext(
                "%(count)d signatory skipped: no full powers needed, or none received yet.",
                "%(count)d signatories skipped: no full powers needed, or none received yet.",
                skipped,
            ),
            status=status.label,
        )


def _receipt_messages(done, skipped, *, original):
    recorded = (
        ngettext(
            "Original full powers of %(count)d signatory recorded.",
            "Original full powers of %(count)d signatories recorded.",
            done,
        )
        if original
        else ngettext(
            "Copy of the full powers of %(count)d signatory recorded.",
            "Copies of the full powers of %(count)d signatories recorded.",
            done,
        )
    )
    skipped_message = ngettext(
        "%(count)d signatory needs no full powers and was skipped.",
        "%(count)d signatories need no full powers and were skipped.",
        skipped,
    )
    return recorded, skipped_message
