"""The signing desk: one page per ceremony with the letter, the order of signing and its state, and the steps that
change it (draw, generate, clear, move). Each step that undoes something asks first: its page (GET) says what it
will do, and only its form (POST, CSRF-protected) does it, so nothing runs from a link or at once. Thin: reads in
``delegations.signing_desk``, writes in ``delegations.signing``; each write names the person in the history."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ceremony.admin_conflicts import conflict_totals
from ceremony.conflicts import ceremony_conflicts
from ceremony.times import day_and_time

from .models import Delegation
from .signing import (
    SigningError,
    delegation_move_in_order,
    signing_draw_letter,
    signing_generate,
    signing_letter_redraw,
    signing_order_clear,
)
from .signing_desk import clear_preview, desk_status, desk_steps, generate_preview, move_preview

DESK = "admin:ceremony_ceremony_signing_desk"


def _message_of(error):
    return " ".join(error.messages)


class SigningDeskMixin:
    """For the Ceremony admin (with ``SigningAdminMixin``'s ``_ceremony``, ``_rows``, ``_page`` and permissions)."""

    def signing_desk_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/signing-desk/", view(self.desk_view), name="ceremony_ceremony_signing_desk"),
            path("<path:object_id>/signing-desk/draw/", view(self.draw_view), name="ceremony_ceremony_signing_draw"),
            path(
                "<path:object_id>/signing-desk/redraw/", view(self.redraw_view), name="ceremony_ceremony_signing_redraw"
            ),
            path(
                "<path:object_id>/signing-desk/generate/",
                view(self.generate_view),
                name="ceremony_ceremony_signing_generate",
            ),
            path("<path:object_id>/signing-desk/clear/", view(self.clear_view), name="ceremony_ceremony_signing_clear"),
            # The run-sheet's move form comes here too: it asks first, like the desk's.
            path("<path:object_id>/signing-move/", view(self.move_view), name="ceremony_ceremony_signing_move"),
        ]

    def _may_order(self, request, ceremony):
        return self.has_signing_permission(request, ceremony)

    def _may_move(self, request, ceremony=None):
        return self._may_order(request, ceremony) and request.user.has_perm("delegations.change_delegation")

    def _ceremony_to_order(self, request, object_id):
        ceremony = self._ceremony(request, object_id)
        if not self._may_order(request, ceremony):
            raise PermissionDenied
        return ceremony

    # --- The desk ---------------------------------------------------------------------------------------------------

    def desk_view(self, request, object_id):
        ceremony = self._ceremony(request, object_id)
        rows = self._rows(ceremony)
        return self._page(
            request,
            ceremony,
            "admin/delegations/signing_desk.html",
            _("Signing desk"),
            status=desk_status(ceremony=ceremony),
            steps=desk_steps(ceremony=ceremony),
            rows=rows,
            starts=day_and_time(ceremony.signing_starts_at, ceremony.zone) if ceremony.signing_starts_at else None,
            can_order=self._may_order(request, ceremony),
            can_move=self._may_move(request, ceremony),
        )

    # --- The steps --------------------------------------------------------------------------------------------------

    def _confirm(self, request, ceremony, title, *, action, lines=(), refusal=None, changes=(), fields=(), verb):
        """The page that asks before a step: what it will do (``lines``, ``changes``), or why it cannot."""
        return self._page(
            request,
            ceremony,
            "admin/delegations/signing_confirm.html",
            title,
            action=action,
            lines=lines,
            refusal=refusal,
            changes=changes,
            fields=fields,
            verb=verb,
        )

    def _done(self, request, ceremony, text, before, level=messages.SUCCESS):
        """One message: what the step did, then the conflicts before and after it."""
        totals = conflict_totals(before=before, after=ceremony_conflicts(ceremony=ceremony))
        if totals is not None:
            text = format_html("{} {}", text, totals[1])
            level = messages.WARNING if totals[0] == messages.WARNING else level
        self.message_user(request, text, level)
        return redirect(DESK, ceremony.pk)

    def draw_view(self, request, object_id):
        """The first draw undoes nothing: the desk's button posts here directly."""
        ceremony = self._ceremony_to_order(request, object_id)
        if request.method != "POST":
            return redirect(DESK, ceremony.pk)
        try:
            letter = signing_draw_letter(ceremony=ceremony, user=request.user)
        except SigningError as exc:
            self.message_user(request, _message_of(exc), messages.ERROR)
        else:
            self.message_user(request, _("The letter drawn by lot is %(letter)s.") % {"letter": letter})
        return redirect(DESK, ceremony.pk)

    def redraw_view(self, request, object_id):
        ceremony = self._ceremony_to_order(request, object_id)
        places, slots = clear_preview(ceremony=ceremony)
        if request.method == "POST":
            before = ceremony_conflicts(ceremony=ceremony)
            letter, cancelled = signing_letter_redraw(ceremony=ceremony, user=request.user)
            text = ngettext(
                "The letter drawn by lot is now %(letter)s. The order of signing was cleared and %(count)d slot "
                "cancelled: generate the order again.",
                "The letter drawn by lot is now %(letter)s. The order of signing was cleared and %(count)d slots "
                "cancelled: generate the order again.",
                cancelled,
            ) % {"letter": letter, "count": cancelled}
            return self._done(request, ceremony, text, before)
        lines = [
            _("The letter %(letter)s is forgotten and a new letter is drawn by lot.")
            % {"letter": ceremony.drawn_letter or "—"},
            *self._clearing(places, slots),
        ]
        return self._confirm(
            request, ceremony, _("Draw the letter again?"), action="redraw", lines=lines, verb=_("Yes, draw again")
        )

    def _clearing(self, places, slots):
        return [
            ngettext(
                "%(count)d delegation loses its place in the order of signing.",
                "%(count)d delegations lose their places in the order of signing.",
                places,
            )
            % {"count": places},
            ngettext(
                "%(count)d slot is cancelled; its delegation sees it cancelled on its page and in its calendar.",
                "%(count)d slots are cancelled; their delegations see them cancelled on their pages and in their "
                "calendars.",
                slots,
            )
            % {"count": slots},
        ]

    def clear_view(self, request, object_id):
        ceremony = self._ceremony_to_order(request, object_id)
        places, slots = clear_preview(ceremony=ceremony)
        if request.method == "POST":
            before = ceremony_conflicts(ceremony=ceremony)
            cancelled = signing_order_clear(ceremony=ceremony, user=request.user)
            text = ngettext(
                "Order of signing cleared: %(count)d slot cancelled; the letter is forgotten.",
                "Order of signing cleared: %(count)d slots cancelled; the letter is forgotten.",
                cancelled,
            ) % {"count": cancelled}
            return self._done(request, ceremony, text, before)
        lines = [
            *self._clearing(places, slots),
            _("The letter %(letter)s is forgotten: a new one must be drawn before the order is generated again.")
            % {"letter": ceremony.drawn_letter or "—"},
        ]
        return self._confirm(
            request, ceremony, _("Clear the order of signing?"), action="clear", lines=lines, verb=_("Yes, clear it")
        )

    def generate_view(self, request, object_id):
        ceremony = self._ceremony_to_order(request, object_id)
        if request.method == "POST":
            before = ceremony_conflicts(ceremony=ceremony)
            try:
                report = signing_generate(
                    ceremony=ceremony,
                    starts_at=ceremony.signing_starts_at,
                    slot_minutes=ceremony.signing_slot_minutes,
                    room=ceremony.signing_room,
                    user=request.user,
                )
            except SigningError as exc:
                self.message_user(
                    request, _("Nothing was changed. %(problem)s") % {"problem": _message_of(exc)}, messages.ERROR
                )
                return redirect(DESK, ceremony.pk)
            if report.reordered:
                self.message_user(request, self._reordered(report.reordered), messages.WARNING)
            return self._done(request, ceremony, self._generated(report), before)
        try:
            report = generate_preview(ceremony=ceremony)
        except SigningError as exc:
            return self._confirm(
                request,
                ceremony,
                _("Generate the order of signing?"),
                action="generate",
                refusal=_message_of(exc),
                verb=_("Yes, generate it"),
            )
        lines = [self._generated(report, future=True)]
        if report.reordered:
            lines.append(self._reordered(report.reordered, future=True))
        return self._confirm(
            request,
            ceremony,
            _("Generate the order of signing?"),
            action="generate",
            lines=lines,
            verb=_("Yes, generate it"),
        )

    def _generated(self, report, future=False):
        slots = report.slots
        values = {
            "count": len(report.order),
            "created": slots.created,
            "moved": slots.moved,
            "unchanged": slots.unchanged,
            "cancelled": slots.cancelled,
        }
        if future:
            return (
                _(
                    "%(count)d delegations will have a place in the order of signing; slots: %(created)d new, "
                    "%(moved)d moved, %(unchanged)d unchanged, %(cancelled)d cancelled. Each delegation sees its slot "
                    "on its page and in its calendar."
                )
                % values
            )
        return (
            _(
                "%(count)d delegations in the order of signing; slots: %(created)d new, %(moved)d moved, "
                "%(unchanged)d unchanged, %(cancelled)d cancelled."
            )
            % values
        )

    def _reordered(self, count, future=False):
        if future:
            return ngettext(
                "%(count)d delegation moved by hand goes back to its place by the rule.",
                "%(count)d delegations moved by hand go back to their places by the rule.",
                count,
            ) % {"count": count}
        return ngettext(
            "%(count)d delegation changed its place in the order of signing; "
            "places moved by hand are undone when the order is generated again.",
            "%(count)d delegations changed their places in the order of signing; "
            "places moved by hand are undone when the order is generated again.",
            count,
        ) % {"count": count}

    def move_view(self, request, object_id):
        ceremony = self._ceremony(request, object_id)
        if not self._may_move(request, ceremony):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        delegation = Delegation.objects.filter(ceremony=ceremony, pk=_number(data.get("delegation"))).first()
        position = _number(data.get("position"))
        title = _("Move a delegation in the order of signing?")
        if delegation is None:
            self.message_user(request, _("Choose a delegation of this ceremony."), messages.ERROR)
            return redirect(DESK, ceremony.pk)
        if request.method == "POST":
            before = ceremony_conflicts(ceremony=ceremony)
            try:
                delegation_move_in_order(delegation=delegation, position=position, user=request.user)
            except SigningError as exc:
                self.message_user(request, f"{delegation}: {_message_of(exc)}", messages.ERROR)
                return redirect(DESK, ceremony.pk)
            text = _("%(delegation)s now signs in place %(position)d.") % {
                "delegation": delegation,
                "position": position,
            }
            return self._done(request, ceremony, text, before)
        fields = [("delegation", delegation.pk), ("position", position)]
        try:
            changes = move_preview(delegation=delegation, position=position)
        except SigningError as exc:
            return self._confirm(
                request,
                ceremony,
                title,
                action="move",
                refusal=f"{delegation}: {_message_of(exc)}",
                verb=_("Yes, move"),
            )
        lines = [
            _("%(delegation)s moves from place %(before)s to place %(after)d.")
            % {"delegation": delegation, "before": delegation.signing_order, "after": position},
            ngettext(
                "%(count)d delegation changes place or slot time; each sees the new time on its page and in its "
                "calendar.",
                "%(count)d delegations change place or slot time; each sees the new time on its page and in its "
                "calendar.",
                len(changes),
            )
            % {"count": len(changes)},
        ]
        return self._confirm(
            request, ceremony, title, action="move", lines=lines, changes=changes, fields=fields, verb=_("Yes, move")
        )


def _number(value):
    """A whole number typed or posted, or 0 (no delegation, no place) for anything else."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
