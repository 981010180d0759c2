from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CeremonyConfig(AppConfig):
    default = True
    name = "ceremony"
    verbose_name = _("Programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, feeds_state, two_factor_views  # noqa: F401 - checks registers the system checks

        feeds_state.connect()
        two_factor_views.connect()
