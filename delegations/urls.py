"""URLs of a delegation's private link (namespace ``delegations``)."""

from django.urls import path

from . import feeds, signature_pages, views

app_name = "delegations"

# Token URLs take any string; the views answer 404, so a malformed token looks like a wrong one.
urlpatterns = [
    path("d/<str:token>/", views.page, name="page"),
    path("d/<str:token>/edit/", views.edit, name="edit"),
    path("d/<str:token>/seen/", views.seen, name="seen"),
    path("d/<str:token>/calendar.ics", feeds.delegation_calendar, name="calendar"),
    # Who has signed so far: the public list, the JSON that keeps it live, its Atom feed.
    path("signatures/", signature_pages.page, name="signatures"),
    path("signatures.json", signature_pages.page_json, name="signatures-json"),
    path("signatures.atom", signature_pages.feed, name="signatures-feed"),
]
