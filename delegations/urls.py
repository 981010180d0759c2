"""URLs of a delegation's private link (namespace ``delegations``)."""

from django.urls import path

from ceremony import feeds

app_name = "delegations"

urlpatterns = [
    path("d/<str:token>/calendar.ics", feeds.delegation_calendar, name="calendar"),
]
