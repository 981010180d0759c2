from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CeremonyConfig(AppConfig):
    default = True
    name = "ceremony"
    verbose_name = _("Programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from . import feeds_state, roles, two_factor_views

        feeds_state.connect()
        two_factor_views.connect()
        # After the last app's permissions exist, bring the organizers' groups in line with roles.ROLES.
        post_migrate.connect(
            roles.sync_groups_after_migrate, sender=apps.get_app_config("delegations"), dispatch_uid="planner_groups"
        )


class PlannerAdminConfig(admin_apps.AdminConfig):
    """The admin, with a site that names the current ceremony (installed in place of django.contrib.admin)."""

    default = False
    default_site = "ceremony.admin_site.PlannerAdminSite"
