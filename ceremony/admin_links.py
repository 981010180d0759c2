"""Private links in the admin: ask before replacing them, then show the new ones once."""

from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def issue_links_action(modeladmin, request, queryset, *, title, warning, issue, mail_form=None):
    """An admin action that issues new private links: it asks first (``title``, ``warning``), then issues one to
    each holder of ``queryset`` with ``issue(holder)``, and shows them once. ``issue`` returns the path of the
    holder's calendar, or ``(page, calendar)`` paths when the link also opens a page of the holder's own.
    ``mail_form(holder, page URL)`` may offer to mail a holder its page (see ``issued_links_response``)."""
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
    links = []
    for holder in queryset:
        paths = issue(holder)
        page, calendar = paths if isinstance(paths, tuple) else (None, paths)
        links.append((holder, request.build_absolute_uri(calendar), page and request.build_absolute_uri(page)))
    return issued_links_response(
        request,
        modeladmin.admin_site,
        links,
        back_url=changelist,
        back_label=opts.verbose_name_plural,
        mail_form=mail_form,
    )


def issued_links_response(request, admin_site, links, *, back_url, back_label, mail_form=None):
    """The page that shows freshly issued private links once; ``links`` is [(holder, calendar URL, page URL or
    None)]. The page comes first: it is what a delegate opens; the calendar is for calendar apps.

    ``mail_form(holder, page URL)`` returns, for a holder whose page can be mailed, ``{"url": where to post,
    "page": the page's path, "address": the contact address, "refusal": why it cannot be sent, or ''}``, or None."""
    context = {
        **admin_site.each_context(request),
        "title": _("New private links"),
        "back_url": back_url,
        "back_label": back_label,
        "links": [
            {
                "holder": holder,
                "page": page,
                "https": url,
                "webcal": "webcal://" + url.split("://", 1)[1],
                "mail": mail_form(holder, page) if mail_form is not None and page else None,
            }
            for holder, url, page in links
        ],
        "with_pages": any(page for _holder, _url, page in links),
    }
    response = TemplateResponse(request, "admin/issued_links.html", context)
    # The page holds secrets: keep it out of caches.
    response["Cache-Control"] = "no-store"
    return response
