"""Users in the admin: whether each has set up two-factor sign-in, and the administrators' reset of it.

django-otp's own admin pages for devices are taken out: they show the phones' secret keys and let an
administrator make a device for someone else. A phone is set up only by its owner (ceremony/two_factor_views.py),
and forgotten only through the reset below or ``manage.py reset_two_factor``.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor

User = get_user_model()

for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)

if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PlannerUserAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "two_factor"]
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        phones = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(phones))

    @admin.display(description=_("two-factor sign-in"), boolean=True, ordering="has_two_factor")
    def two_factor(self, obj):
        return obj.has_two_factor

    def has_reset_two_factor_permission(self, request):
        """Only administrators reset anyone's second factor, their own included."""
        return request.user.is_superuser

    @admin.action(
        description=_("Reset two-factor sign-in (a lost phone: they set it up again at their next sign-in)"),
        permissions=["reset_two_factor"],
    )
    def reset_two_factor(self, request, queryset):
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Reset two-factor sign-in"),
                "opts": self.model._meta,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/two_factor/reset_confirmation.html", context)
        for user in queryset:
            two_factor.two_factor_reset(user=user)
            self.log_change(request, user, str(_("Reset two-factor sign-in.")))
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in was reset for %(count)d user: they set it up again at their next sign-in.",
                "Two-factor sign-in was reset for %(count)d users: they set it up again at their next sign-in.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        return None
