"""URLs of the programme app (namespace ``ceremony``); calendar subscriptions depend on them."""

from django.urls import path

from . import feeds, views

app_name = "ceremony"

urlpatterns = [
    path("", views.programme, name="programme"),
    path("about/", views.about, name="about"),
    path("programme.ics", feeds.programme, name="programme-ics"),
    path("items/<str:uid>.ics", feeds.item_ics, name="item-ics"),
    # Token URLs take any string; the view answers 404, so a malformed token looks like a wrong one.
    path("staff/<str:token>/calendar.ics", feeds.staff_calendar, name="staff-calendar"),
]
