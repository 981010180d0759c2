from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PlannerConfig(AppConfig):
    """The project: what spans both apps (the whole data set's seeding and demo data, the organizers' groups)."""

    default = True
    name = "planner"
    verbose_name = _("Planner")

    def ready(self):
        from django.apps import apps
        from django.core.signals import request_started
        from django.db.models.signals import post_migrate

        from ceremony import roles

        from . import db_health

        # After the permissions of the last app with models exist, bring the organizers' groups in line.
        post_migrate.connect(
            roles.sync_groups_after_migrate, sender=apps.get_app_config("delegations"), dispatch_uid="planner_groups"
        )
        # After Django's close_old_connections (connected when django.db is imported), which asks for the checks.
        request_started.connect(db_health.skip_round_trip_when_quiet, dispatch_uid="planner_quiet_connections")


class PlannerAdminConfig(admin_apps.AdminConfig):
    """The admin, with a site that names the current ceremony (installed in place of django.contrib.admin)."""

    default = False
    default_site = "planner.admin_site.PlannerAdminSite"
