"""URLs of the planner; those of DESIGN.md are stable because calendars depend on them."""

from django.contrib import admin
from django.urls import include, path

from ceremony import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/security.txt", views.security_txt, name="security-txt"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("ceremony.urls")),
    path("", include("delegations.urls")),
]
