"""URLs of a delegation's private link (namespace ``delegations``)."""

from django.urls import path

from . import feeds, views

app_name = "delegations"

# Token URLs take any string; the views answer 404, so a malformed token looks like a wrong one.
urlpatterns = [
    path("d/<str:token>/", views.page, name="page"),
    path("d/<str:token>/edit/", views.edit, name="edit"),
    path("d/<str:token>/seen/", views.seen, name="seen"),
    path("d/<str:token>/calendar.ics", feeds.delegation_calendar, name="calendar"),
]
