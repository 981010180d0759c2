"""Private links in the admin: ask before replacing them, then show the new ones once."""

from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def issue_links_action(modeladmin, request, queryset, *, title, warning, issue):
    """An admin action that issues new private links: it asks first (``title``, ``warning``), then issues one to
    each holder of ``queryset`` with ``issue(holder)``, which returns the link's path, and shows them once."""
    opts = modeladmin.model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    if request.POST.get("post") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "warning": warning,
            "opts": opts,
            "holders": list(queryset),
            "action": request.POST.get("action", ""),
            "back_url": changelist,
            "back_label": opts.verbose_name_plural,
        }
        return TemplateResponse(request, "admin/confirm_issue_links.html", context)
    links = [(holder, request.build_absolute_uri(issue(holder))) for holder in queryset]
    return issued_links_response(
        request, modeladmin.admin_site, links, back_url=changelist, back_label=opts.verbose_name_plural
    )


def issued_links_response(request, admin_site, links, *, back_url, back_label):
    """The page that shows freshly issued private links once; ``links`` is [(holder, https URL)]."""
    context = {
        **admin_site.each_context(request),
        "title": _("New private links"),
        "back_url": back_url,
        "back_label": back_label,
        "links": [
            {"holder": holder, "https": url, "webcal": "webcal://" + url.split("://", 1)[1]} for holder, url in links
        ],
    }
    response = TemplateResponse(request, "admin/issued_links.html", context)
    # The page holds secrets: keep it out of caches.
    response["Cache-Control"] = "no-store"
    return response
