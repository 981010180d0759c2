"""The organizers' admin site: its header names the ceremony it plans, and its pages include two-factor
sign-in (ceremony/two_factor_views.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .two_factor_views import TwoFactorAdmin


class PlannerAdminSite(admin.AdminSite):
    site_title = _("Ceremony planner")
    index_title = _("Planning")

    def get_urls(self):
        return [*TwoFactorAdmin(self).get_urls(), *super().get_urls()]

    def each_context(self, request):
        from .models import Ceremony

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
        from .dashboard import readiness

        ceremony = self.each_context(request)["ceremony"]
        if ceremony is not None and request.user.has_perm("delegations.view_delegation"):
            extra_context = {"readiness": readiness(ceremony=ceremony), **(extra_context or {})}
        return super().index(request, extra_context)
