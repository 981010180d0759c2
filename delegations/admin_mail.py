"""The delegation admin's mail: send the delegation its link (a new one, after asking; or the one just issued),
and show when its contact address bounced."""

from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, resolve, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ceremony.outbox import undeliverable
from ceremony.times import long_date_and_time

from .mail import LinkNotSent, delegation_send_link, delegation_send_new_link, link_mail_refusal
from .models import Delegation
from .roles import ISSUE_LINKS


def _base(request):
    return request.build_absolute_uri("/")


class LinkMailAdminMixin:
    """For DelegationAdmin: the "Send a new link to the contact" page, the "Send to …" buttons of the page of
    links just issued, and the contact address's state (bounced or not)."""

    change_form_template = "admin/delegations/delegation_change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/send-link/", view(self.send_new_link_view), name="delegations_delegation_send_link"),
            path(
                "<path:object_id>/mail-link/", view(self.mail_issued_link_view), name="delegations_delegation_mail_link"
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def may_send_links(request):
        return request.user.has_perm(ISSUE_LINKS)

    def _delegation(self, request, object_id, *, lock=False):
        queryset = Delegation.objects.select_related("ceremony")
        if lock:
            queryset = queryset.select_for_update()
        delegation = queryset.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if delegation is None or not self.has_view_permission(request, delegation):
            raise Http404
        return delegation

    def send_new_link_view(self, request, object_id):
        """GET: what sending a new link does (the old one stops working), or why it cannot. POST: do it."""
        if not self.may_send_links(request):
            raise PermissionDenied
        change_url = reverse("admin:delegations_delegation_change", args=[object_id])
        if request.method == "POST":
            with transaction.atomic():
                delegation = self._delegation(request, object_id, lock=True)
                try:
                    delegation_send_new_link(delegation=delegation, user=request.user, base=_base(request))
                except LinkNotSent as refusal:
                    messages.error(request, refusal.message)
                    return redirect(change_url)
                self.log_change(
                    request, delegation, _("Sent a new link to %(address)s.") % {"address": delegation.contact_email}
                )
            messages.success(
                request,
                _("A new link is on its way to %(address)s. The old link no longer works.")
                % {"address": delegation.contact_email},
            )
            return redirect(change_url)
        delegation = self._delegation(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Send a new link to %(delegation)s?") % {"delegation": delegation},
            "opts": self.model._meta,
            "original": delegation,
            "refusal": link_mail_refusal(delegation),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/delegations/send_link_confirm.html", context)

    def mail_issued_link_view(self, request, object_id):
        """POST from the page of links just issued: mail that link (the page posts its token back; it must still be
        the delegation's) to the delegation's contact."""
        if not self.may_send_links(request):
            raise PermissionDenied
        if request.method != "POST":
            raise Http404
        try:
            match = resolve(request.POST.get("page", ""))
        except Http404:
            match = None
        token = match.kwargs.get("token", "") if match is not None and match.view_name == "delegations:page" else ""
        with transaction.atomic():
            delegation = self._delegation(request, object_id, lock=True)
            try:
                delegation_send_link(delegation=delegation, token=token, base=_base(request))
            except LinkNotSent as refusal:
                messages.error(request, refusal.message)
            else:
                self.log_change(
                    request, delegation, _("Sent its link to %(address)s.") % {"address": delegation.contact_email}
                )
                messages.success(
                    request, _("The link is on its way to %(address)s.") % {"address": delegation.contact_email}
                )
        return redirect(reverse("admin:delegations_delegation_change", args=[delegation.pk]))

    def issued_link_mail_form(self, request, holder, page):
        """What the page of links just issued shows beside a delegation's link: a "Send to …" button, or why not."""
        if not self.may_send_links(request) or not isinstance(holder, Delegation):
            return None
        return {
            "url": reverse("admin:delegations_delegation_mail_link", args=[holder.pk]),
            "page": urlsplit(page).path,
            "address": holder.contact_email,
            "refusal": link_mail_refusal(holder),
        }

    @admin.display(description=gettext_lazy("mail to the contact"))
    def contact_mail_state(self, obj):
        """'Bounced on 21 October 2025, 14:30: 550 … User unknown', or that mail reaches it as far as is known."""
        if obj is None or not obj.contact_email:
            return "—"
        mark = undeliverable([obj.contact_email]).get(obj.contact_email.strip().lower())
        if mark is None:
            return _("No delivery problem known.")
        return format_html(
            '<strong class="errornote-inline">{}</strong> {}',
            _("Bounced on %(date)s:") % {"date": long_date_and_time(mark.noted_at, obj.ceremony.zone)},
            mark.reason,
        )
