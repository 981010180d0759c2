"""The order of signing in the admin: the signing desk (delegations.admin_desk), the run-sheet and "next up",
added to the programme's Ceremony admin (delegations.admin). Thin: the rules live in ``delegations.signing`` and
``delegations.run_sheet``."""

import dataclasses

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ceremony.admin import CeremonyAdmin
from ceremony.cells import write_csv
from ceremony.times import clock, minutes, time_range

from .admin_desk import SigningDeskMixin
from .admin_signatures import SignatureForm, SignaturesAdminMixin, desk_time, may_mark
from .roles import FIELD_OWNERS
from .run_sheet import next_up_position, signing_run_sheet
from .signatures import called_position, marks_by_delegation, seconds

# Who may set the order of signing: the holders of the permission that guards ``signing_order``
# (Protocol), not everyone who may edit a delegation (Logistics records arrivals and hotels).
ORDER_PERMISSION = next(p for p, fields in FIELD_OWNERS["delegations.delegation"].items() if "signing_order" in fields)


class SigningAdminMixin(SigningDeskMixin):
    """For CeremonyAdmin: the signing desk (draw the letter, generate, clear or move the order: delegations.admin_desk)
    and the run-sheet pages. The steps are not list actions: each asks first, on the desk."""

    def has_signing_permission(self, request, obj=None):
        """Drawing, generating, clearing or moving changes the order of signing."""
        return self.has_change_permission(request, obj) and request.user.has_perm(ORDER_PERMISSION)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/run-sheet/", view(self.run_sheet_view), name="ceremony_ceremony_run_sheet"),
            path("<path:object_id>/run-sheet.csv", view(self.run_sheet_csv), name="ceremony_ceremony_run_sheet_csv"),
            path("<path:object_id>/next-up/", view(self.next_up_view), name="ceremony_ceremony_next_up"),
            *self.signing_desk_urls(),
            *super().get_urls(),
        ]

    @admin.display(description=_("order of signing"))
    def signing_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:ceremony_ceremony_signing_desk", args=[obj.pk]),
            _("signing desk"),
            reverse("admin:ceremony_ceremony_run_sheet", args=[obj.pk]),
            _("run-sheet"),
            reverse("admin:ceremony_ceremony_run_sheet_csv", args=[obj.pk]),
            _("CSV"),
            reverse("admin:ceremony_ceremony_next_up", args=[obj.pk]),
            _("next up"),
        )

    @admin.display(description=_("signing desk"))
    def signing_desk_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:ceremony_ceremony_signing_desk", args=[obj.pk]), _("signing desk")
        )

    # --- Pages ------------------------------------------------------------------------------------------------------

    def _ceremony(self, request, object_id):
        ceremony = self.get_object(request, object_id)
        if ceremony is None:
            raise Http404
        if not self.has_view_permission(request, ceremony):
            raise PermissionDenied
        return ceremony

    def _rows(self, ceremony, *, marks=False):
        """The run-sheet's rows, with what happened at the table (``marks``: one more query) where the page shows it."""
        marks = marks_by_delegation(ceremony=ceremony) if marks else {}
        rows = [
            dataclasses.replace(row, mark=marks.get(row.delegation.pk)) for row in signing_run_sheet(ceremony=ceremony)
        ]
        for row in rows:
            if row.mark and row.mark.is_signed:
                row.mark.clock = seconds(row.mark.signed_at, ceremony.zone)
            if row.slot:
                # The page names the zone once, above the table.
                row.slot.when = time_range(row.slot.starts_at, row.slot.ends_at, ceremony.zone, day="D j M", named=None)
                row.slot.hours = time_range(row.slot.starts_at, row.slot.ends_at, ceremony.zone, day=None, named=None)
                row.slot.clock = clock(row.slot.starts_at, ceremony.zone)
        return rows

    def _page(self, request, ceremony, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": ceremony,
                "title": title,
                "subject": ceremony,
                **context,
            },
        )

    def run_sheet_view(self, request, object_id):
        ceremony = self._ceremony(request, object_id)
        return self._page(
            request,
            ceremony,
            "admin/delegations/run_sheet.html",
            _("Run-sheet of the signing"),
            rows=self._rows(ceremony, marks=True),
            can_move=self._may_move(request, ceremony),
            can_mark=may_mark(request.user),
        )

    def run_sheet_csv(self, request, object_id):
        ceremony = self._ceremony(request, object_id)
        header = [
            "place",
            "starts",
            "ends",
            "time zone",
            "delegation",
            "signatory",
            "rank",
            "full powers",
            "room",
            "slot status",
            "signed",
        ]
        rows = []
        for row in self._rows(ceremony, marks=True):
            slot = row.slot
            rows.append(
                [
                    row.position,
                    minutes(slot.starts_at, ceremony.zone) if slot else "",
                    clock(slot.ends_at, ceremony.zone) if slot else "",
                    ceremony.time_zone,
                    row.delegation.name,
                    row.signatory.name if row.signatory else "",
                    row.signatory.get_rank_display() if row.signatory else "",
                    row.state_label,
                    str(slot.room) if slot and slot.room else "",
                    slot.get_status_display() if slot else "",
                    _mark_cell(row.mark, ceremony.zone),
                ]
            )
        # Through the cells module: a delegation's or signatory's name never runs as a formula.
        response = HttpResponse(write_csv(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="run-sheet-{ceremony.slug}.csv"'
        return response

    def next_up_view(self, request, object_id):
        ceremony = self._ceremony(request, object_id)

        rows = self._rows(ceremony, marks=True)
        marked = any(row.mark for row in rows)
        all_signed = False
        try:
            at, over = int(request.GET["at"]), False
        except (KeyError, ValueError):
            if marked:
                # Once the marking has begun, the called delegation is the first not yet marked, then the deferred.
                at = called_position(rows, {row.delegation.pk: row.mark for row in rows if row.mark})
                over = all_signed = at is None
            else:
                at = next_up_position(rows, now=timezone.now())
                over = at is None  # every slot has ended: say so, rather than start again at place 1
            at = len(rows) if over else at
        at = max(1, min(at, len(rows))) if rows else 0
        current = rows[at - 1] if rows else None
        can_mark = may_mark(request.user)
        show_form = can_mark and current is not None and not (current.mark and current.mark.is_signed)
        now = timezone.now()
        return self._page(
            request,
            ceremony,
            "admin/delegations/next_up.html",
            _("Next up at the signing table"),
            over=over,
            all_signed=all_signed,
            signed_count=sum(1 for row in rows if row.mark and row.mark.is_signed),
            current=current,
            mark_form=SignatureForm(
                initial={"signed_at": desk_time(now, ceremony.zone), "signatory": current.signatory},
                delegation=current.delegation,
            )
            if show_form
            else None,
            can_mark=can_mark,
            following=rows[at : at + 3],
            at=at,
            total=len(rows),
            previous_at=at if over else at - 1 if at > 1 else None,
            next_at=at + 1 if at < len(rows) else None,
            now=clock(now, ceremony.zone),
        )


def _mark_cell(mark, zone):
    """The run-sheet CSV's "signed" cell: '2025-10-25 10:31:05', 'deferred' or empty."""
    if mark is None:
        return ""
    return desk_time(mark.signed_at, zone) if mark.is_signed else mark.get_outcome_display()


class CeremonyWithSigningDeskAdmin(SignaturesAdminMixin, SigningAdminMixin, CeremonyAdmin):
    """The programme's Ceremony admin, with the signing desk, the run-sheet and links to them."""

    change_form_template = "admin/delegations/ceremony_change_form.html"  # "Signing desk" among the object tools
    list_display = [*CeremonyAdmin.list_display, "signing_desk_link"]
    # The letter is drawn by lot (on the desk), never typed: a typed one would disagree with the order.
    readonly_fields = [*CeremonyAdmin.readonly_fields, "drawn_letter", "signing_links"]
    fieldsets = [
        (
            name,
            {**options, "fields": [*options["fields"], "signing_links"]} if name == CeremonyAdmin.SIGNING else options,
        )
        for name, options in CeremonyAdmin.fieldsets
    ]
