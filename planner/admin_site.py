"""The organizers' admin site: its header names the ceremony it plans; each organizer issues their own calendar
link here, and its pages include two-factor sign-in (ceremony/two_factor_views.py)."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from ceremony.admin_links import issued_links_response
from ceremony.models import Ceremony, StaffMember
from ceremony.services import staff_issue_token
from ceremony.two_factor_views import TwoFactorAdmin
from delegations.dashboard import readiness
from delegations.mail import undelivered_mail
from delegations.roles import ISSUE_LINKS


class PlannerAdminSite(admin.AdminSite):
    site_title = _("Ceremony planner")
    index_title = _("Planning")

    def get_urls(self):
        return [
            path("my-calendar-link/", self.admin_view(self.my_calendar_link), name="my_calendar_link"),
            *TwoFactorAdmin(self).get_urls(),
            *super().get_urls(),
        ]

    def each_context(self, request):
        context = super().each_context(request)
        ceremony = getattr(request, "_planner_ceremony", None)
        if ceremony is None:
            ceremony = Ceremony.objects.current()
            request._planner_ceremony = ceremony
        context["ceremony"] = ceremony
        context["site_header"] = _("%(name)s — planner") % {"name": ceremony} if ceremony else _("Ceremony planner")
        return context

    def index(self, request, extra_context=None):
        """The app list, with the readiness dashboard of the current ceremony above it."""
        ceremony = self.each_context(request)["ceremony"]
        if ceremony is not None and request.user.has_perm("delegations.view_delegation"):
            extra_context = {"readiness": readiness(ceremony=ceremony), **(extra_context or {})}
        if request.user.has_perm(ISSUE_LINKS):  # Protocol, who corrects the addresses
            extra_context = {"undelivered_mail": undelivered_mail(), **(extra_context or {})}
        return super().index(request, extra_context)

    def my_calendar_link(self, request):
        """The signed-in organizer's own calendar link: asked for, then issued and shown once."""
        member = StaffMember.objects.filter(user=request.user).select_related("agency").first()
        if member is not None and request.method == "POST" and request.POST.get("post") == "yes":
            token = staff_issue_token(user=request.user, issued_by=request.user)
            url = request.build_absolute_uri(reverse("ceremony:staff-calendar", args=[token]))
            return issued_links_response(
                request, self, [(member, url, None)], back_url=reverse("admin:index"), back_label=_("Home")
            )
        context = {**self.each_context(request), "title": _("Issue a new link to your calendar?"), "member": member}
        return TemplateResponse(request, "admin/my_calendar_link.html", context)
