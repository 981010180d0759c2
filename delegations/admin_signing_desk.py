"""The signing desk in the admin: signing actions on ceremonies, the run-sheet and "next up", added to the
programme's Ceremony admin (delegations.admin). Thin: the rules live in ``delegations.signing`` and
``delegations.run_sheet``."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ceremony.admin import CeremonyAdmin
from ceremony.admin_conflicts import conflict_totals
from ceremony.cells import write_csv
from ceremony.conflicts import ceremony_conflicts
from ceremony.times import clock, minutes, time_range

from .models import Delegation
from .roles import FIELD_OWNERS
from .run_sheet import next_up_position, signing_run_sheet
from .signing import (
    SigningError,
    delegation_move_in_order,
    signing_draw_letter,
    signing_generate,
    signing_order_clear,
)

# Who may set the order of signing: the holders of the permission that guards ``signing_order``
# (Protocol), not everyone who may edit a delegation (Logistics records arrivals and hotels).
ORDER_PERMISSION = next(p for p, fields in FIELD_OWNERS["delegations.delegation"].items() if "signing_order" in fields)


def _message_of(error):
    return " ".join(error.messages)


class SigningAdminMixin:
    """For CeremonyAdmin: draw the letter, generate or clear the order, and the run-sheet pages."""

    actions = ["draw_letter", "generate_signing", "clear_signing"]

    def has_signing_permission(self, request, obj=None):
        """Drawing, generating, clearing or moving changes the order of signing."""
        return self.has_change_permission(request, obj) and request.user.has_perm(ORDER_PERMISSION)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/run-sheet/", view(self.run_sheet_view), name="ceremony_ceremony_run_sheet"),
            path("<path:object_id>/run-sheet.csv", view(self.run_sheet_csv), name="ceremony_ceremony_run_sheet_csv"),
            path("<path:object_id>/next-up/", view(self.next_up_view), name="ceremony_ceremony_next_up"),
            path("<path:object_id>/signing-move/", view(self.move_view), name="ceremony_ceremony_signing_move"),
            *super().get_urls(),
        ]

    @admin.display(description=_("order of signing"))
    def signing_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:ceremony_ceremony_run_sheet", args=[obj.pk]),
            _("run-sheet"),
            reverse("admin:ceremony_ceremony_run_sheet_csv", args=[obj.pk]),
            _("CSV"),
            reverse("admin:ceremony_ceremony_next_up", args=[obj.pk]),
            _("next up"),
        )

    # --- Actions ----------------------------------------------------------------------------------------------------

    @admin.action(description=_("Draw the letter of the order of signing by lot"), permissions=["signing"])
    def draw_letter(self, request, queryset):

        for ceremony in queryset:
            try:
                letter = signing_draw_letter(ceremony=ceremony)
            except SigningError as exc:
                self.message_user(request, f"{ceremony}: {_message_of(exc)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(ceremony)s: the letter drawn is %(letter)s.") % {"ceremony": ceremony, "letter": letter},
                )

    @admin.action(description=_("Generate the order of signing and its slots"), permissions=["signing"])
    def generate_signing(self, request, queryset):

        for ceremony in queryset:
            before = ceremony_conflicts(ceremony=ceremony)
            try:
                report = signing_generate(
                    ceremony=ceremony,
                    starts_at=ceremony.signing_starts_at,
                    slot_minutes=ceremony.signing_slot_minutes,
                    room=ceremony.signing_room,
                )
            except SigningError as exc:
                self.message_user(
                    request,
                    _("%(ceremony)s: nothing was changed. %(problem)s")
                    % {"ceremony": ceremony, "problem": _message_of(exc)},
                    messages.ERROR,
                )
                continue
            slots = report.slots
            if report.reordered:
                self.message_user(
                    request,
                    ngettext(
                        "%(ceremony)s: %(count)d delegation changed its place in the order of signing; "
                        "places moved by hand are undone when the order is generated again.",
                        "%(ceremony)s: %(count)d delegations changed their place in the order of signing; "
                        "places moved by hand are undone when the order is generated again.",
                        report.reordered,
                    )
                    % {"ceremony": ceremony, "count": report.reordered},
                    messages.WARNING,
                )
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _(
                        "%(ceremony)s: %(count)d delegations in the order of signing; slots: %(created)d new, "
                        "%(moved)d moved, %(unchanged)d unchanged, %(cancelled)d cancelled."
                    )
                    % {
                        "ceremony": ceremony,
                        "count": len(report.order),
                        "created": slots.created,
                        "moved": slots.moved,
                        "unchanged": slots.unchanged,
                        "cancelled": slots.cancelled,
                    },
                    reverse("admin:ceremony_ceremony_run_sheet", args=[ceremony.pk]),
                    _("Open the run-sheet"),
                ),
                messages.SUCCESS,
            )
            totals = conflict_totals(before=before, after=ceremony_conflicts(ceremony=ceremony))
            if totals is not None:
                self.message_user(request, totals[1], totals[0])

    @admin.action(
        description=_("Clear the order of signing (slots cancelled, letter forgotten)"), permissions=["signing"]
    )
    def clear_signing(self, request, queryset):

        for ceremony in queryset:
            cancelled = signing_order_clear(ceremony=ceremony)
            self.message_user(
                request,
                ngettext(
                    "%(ceremony)s: order of signing cleared, %(count)d slot cancelled.",
                    "%(ceremony)s: order of signing cleared, %(count)d slots cancelled.",
                    cancelled,
                )
                % {"ceremony": ceremony, "count": cancelled},
            )

    # --- Pages ------------------------------------------------------------------------------------------------------

    def _ceremony(self, request, object_id):
        ceremony = self.get_object(request, object_id)
        if ceremony is None:
            raise Http404
        if not self.has_view_permission(request, ceremony):
            raise PermissionDenied
        return ceremony

    def _rows(self, ceremony):

        rows = signing_run_sheet(ceremony=ceremony)
        for row in rows:
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
            rows=self._rows(ceremony),
            can_move=self._may_move(request),
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
        for row in self._rows(ceremony):
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
                    "",
                ]
            )
        # Through the cells module: a delegation's or signatory's name never runs as a formula.
        response = HttpResponse(write_csv(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="run-sheet-{ceremony.slug}.csv"'
        return response

    def next_up_view(self, request, object_id):
        ceremony = self._ceremony(request, object_id)

        rows = self._rows(ceremony)
        try:
            at, over = int(request.GET["at"]), False
        except (KeyError, ValueError):
            at = next_up_position(rows, now=timezone.now())
            over = at is None  # every slot has ended: say so, rather than start again at place 1
            at = len(rows) if over else at
        at = max(1, min(at, len(rows))) if rows else 0
        return self._page(
            request,
            ceremony,
            "admin/delegations/next_up.html",
            _("Next up at the signing table"),
            over=over,
            current=rows[at - 1] if rows else None,
            following=rows[at : at + 3],
            at=at,
            total=len(rows),
            previous_at=at if over else at - 1 if at > 1 else None,
            next_at=at + 1 if at < len(rows) else None,
            now=clock(timezone.now(), ceremony.zone),
        )

    def _may_move(self, request):
        return request.user.has_perm("delegations.change_delegation") and request.user.has_perm(ORDER_PERMISSION)

    def move_view(self, request, object_id):
        return require_POST(self._move)(request, object_id)

    def _move(self, request, object_id):

        ceremony = self._ceremony(request, object_id)
        if not self._may_move(request):
            raise PermissionDenied
        delegation = Delegation.objects.filter(ceremony=ceremony, pk=request.POST.get("delegation") or 0).first()
        try:
            position = int(request.POST.get("position", ""))
        except ValueError:
            position = 0
        if delegation is None:
            self.message_user(request, _("Choose a delegation of this ceremony."), messages.ERROR)
        else:
            try:
                delegation_move_in_order(delegation=delegation, position=position)
            except SigningError as exc:
                self.message_user(request, f"{delegation}: {_message_of(exc)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(delegation)s now signs in place %(position)d.")
                    % {"delegation": delegation, "position": position},
                    messages.SUCCESS,
                )
        return redirect("admin:ceremony_ceremony_run_sheet", ceremony.pk)


class CeremonyWithSigningDeskAdmin(SigningAdminMixin, CeremonyAdmin):
    """The programme's Ceremony admin, with the order of signing's actions and pages and links to them."""

    # The letter is drawn by lot (the draw action), never typed: a typed one would disagree with the order.
    readonly_fields = [*CeremonyAdmin.readonly_fields, "drawn_letter", "signing_links"]
    fieldsets = [
        (
            name,
            {**options, "fields": [*options["fields"], "signing_links"]} if name == CeremonyAdmin.SIGNING else options,
        )
        for name, options in CeremonyAdmin.fieldsets
    ]
