from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CeremonyConfig(AppConfig):
    default = True
    name = "ceremony"
    verbose_name = _("Programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import feeds_state

        feeds_state.connect()


class PlannerAdminConfig(admin_apps.AdminConfig):
    """The admin, with a site that names the current ceremony (installed in place of django.contrib.admin)."""

    default = False
    default_site = "ceremony.admin_site.PlannerAdminSite"
