"""Badges and the door in the admin: printing (a delegation's button, the delegates' list action), the door page
(check-in from a phone), and read-only lists of badges and entries. Thin: the rules live in ``delegations.badges``,
``delegations.badge_pdf`` and ``delegations.door``. Security prints and checks in; every group reads the lists."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from ceremony.admin_permissions import HistoryAdmin
from ceremony.times import day_and_time

from .badge_pdf import DEFAULT_LAYOUT, badges_pdf, layout_choices
from .badges import CATEGORIES, badges_issue, category, grouped, print_plan
from .door import check_in
from .models import Badge, Delegate, Entry
from .roles import CHECK_IN, PRINT_BADGES


class LayoutForm(forms.Form):
    layout = forms.ChoiceField(
        label=_("Paper"), choices=layout_choices, initial=DEFAULT_LAYOUT, widget=forms.RadioSelect
    )


class DoorForm(forms.Form):
    code = forms.CharField(
        label=_("Badge id"),
        max_length=64,
        help_text=_("Scan the badge's QR code, or type the id printed beneath it."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "autofocus": True,
                "class": "door-code",
            }
        ),
    )


def print_badges_page(modeladmin, request, delegates, *, back_url, back_label, action=""):
    """Ask first (who is printed, who is skipped and why, which old badges stop working, which paper); then, on
    the confirming POST, issue the badges and answer with their PDF."""
    if not request.user.has_perm(PRINT_BADGES):
        raise PermissionDenied
    confirmed = request.method == "POST" and request.POST.get("post") == "yes"
    form = LayoutForm(request.POST if confirmed else None)
    if confirmed and form.is_valid():
        with transaction.atomic():  # no old badge is revoked unless the new ones are in the PDF
            badges = badges_issue(delegates=list(delegates), user=request.user)
            if badges:
                ceremony = badges[0].delegate.delegation.ceremony
                pdf = badges_pdf(badges, ceremony_name=ceremony, layout=form.cleaned_data["layout"])
        if not badges:
            modeladmin.message_user(
                request, _("No badge was printed: nobody here is accredited and cleared."), messages.ERROR
            )
            return redirect(back_url)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="badges-{ceremony.slug}.pdf"'
        return response
    plan = print_plan(delegates)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Print badges?"),
        "opts": modeladmin.model._meta,
        "plan": plan,
        "printed": [(d, category(d)) for d in plan.printed],
        "categories": CATEGORIES,
        "form": form,
        "action": action,
        "selected": [d.pk for d in delegates],
        "back_url": back_url,
        "back_label": back_label,
    }
    return TemplateResponse(request, "admin/delegations/print_badges.html", context)


class DelegatePrintMixin:
    """For the delegates' list: the "print badges" action, for Security."""

    def has_print_badges_permission(self, request):
        return request.user.has_perm(PRINT_BADGES)

    @admin.action(description=_("Print badges (the old ones stop working)"), permissions=["print_badges"])
    def print_badges(self, request, queryset):
        return print_badges_page(
            self,
            request,
            queryset,
            back_url=reverse("admin:delegations_delegate_changelist"),
            back_label=Delegate._meta.verbose_name_plural,
            action="print_badges",
        )


class DelegationPrintMixin:
    """For a delegation's page: "Print badges" among its tools, for Security."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/badges/",
                self.admin_site.admin_view(self.print_badges_view),
                name="delegations_delegation_badges",
            ),
            *super().get_urls(),
        ]

    def print_badges_view(self, request, object_id):
        if not str(object_id).isdigit():
            raise Http404
        delegation = self.get_object(request, object_id)
        if delegation is None:
            raise Http404
        return print_badges_page(
            self,
            request,
            Delegate.objects.filter(delegation=delegation),
            back_url=reverse("admin:delegations_delegation_change", args=[delegation.pk]),
            back_label=delegation.name,
        )

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_print_badges"] = obj is not None and request.user.has_perm(PRINT_BADGES)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


class ReadOnlyMixin:
    """Made by printing or at the door, never typed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Badge)
class BadgeAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ["code", "delegate", "delegation", "issued_at", "issued_by", "revoked_at", "revoked_by"]
    list_filter = ["delegate__delegation__ceremony", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["delegate__delegation", "issued_by", "revoked_by"]
    search_fields = ["code", "delegate__name", "delegate__delegation__name"]
    change_list_template = "admin/delegations/badge_change_list.html"

    @admin.display(description=_("delegation"), ordering="delegate__delegation__sort_name")
    def delegation(self, obj):
        return obj.delegate.delegation

    def get_urls(self):
        return [
            path("door/", self.admin_site.admin_view(self.door_view), name="delegations_badge_door"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {"can_check_in": request.user.has_perm(CHECK_IN), **(extra_context or {})}
        return super().changelist_view(request, context)

    def door_view(self, request):
        """The door: one field for the id (scanned or typed) and, after each, the answer in big words."""
        if not request.user.has_perm(CHECK_IN):
            raise PermissionDenied
        answer = None
        if request.method == "POST":
            form = DoorForm(request.POST)
            if form.is_valid():
                answer = check_in(typed=form.cleaned_data["code"], officer=request.user)
                form = DoorForm()  # empty again, ready for the next person
        else:
            form = DoorForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Check-in at the door"),
            "opts": self.opts,
            "form": form,
            "answer": answer,
            "code": grouped(answer.code) if answer and len(answer.code) == 10 else answer and answer.code,
        }
        return TemplateResponse(request, "admin/delegations/door.html", context)


@admin.register(Entry)
class EntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["delegate", "delegation", "entered", "officer", "badge"]
    list_filter = ["delegate__delegation__ceremony", "day"]
    list_select_related = ["delegate__delegation__ceremony", "officer", "badge"]
    search_fields = ["delegate__name", "delegate__delegation__name", "badge__code"]

    @admin.display(description=_("delegation"), ordering="delegate__delegation__sort_name")
    def delegation(self, obj):
        return obj.delegate.delegation

    @admin.display(description=_("entered"), ordering="at")
    def entered(self, obj):
        ceremony = obj.delegate.delegation.ceremony
        return f"{day_and_time(obj.at, ceremony.zone)} ({ceremony.time_zone})"
