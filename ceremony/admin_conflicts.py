"""What a save in the admin did to the schedule's conflicts (ceremony.conflicts), said in one message.

One message: Django's "was changed successfully" says what was saved, then come the conflicts that involve the
saved object, grouped by rule with a count, each with a link to where it is fixed, and the conflicts the save
cleared. ``conflict_summary`` writes the same for any change, e.g. a whole order of signing or an import.
"""

from itertools import groupby

from django.contrib import messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .conflicts import ceremony_conflicts, conflicts_changed, conflicts_involving


def _by_rule(conflicts):
    ordered = sorted(conflicts, key=lambda c: (str(c.rule_label), c.starts_at))
    return [(label, list(group)) for label, group in groupby(ordered, key=lambda c: str(c.rule_label))]


def _listed(conflicts):
    """<li>Room double-booked (2): what, when — fix; what, when — fix</li>, a rule at a time."""
    return format_html_join(
        " ",
        "<li>{} ({}): {}</li>",
        (
            (
                capfirst(label),
                len(group),
                format_html_join(
                    "; ", '{} {} — <a href="{}">{}</a>', ((c.message, c.when, c.url, _("fix")) for c in group)
                ),
            )
            for label, group in _by_rule(conflicts)
        ),
    )


def conflict_summary(*, before, after, scope=None):
    """(level, HTML) of the conflicts ``after`` a change (those naming ``scope``'s items or delegations, when
    given), and those it cleared; None when there is nothing to say."""
    if scope is not None:
        before, after = conflicts_involving(before, **scope), conflicts_involving(after, **scope)
    _new, cleared = conflicts_changed(before, after)
    parts = []
    if after:
        parts.append(format_html("<p>{}</p> <ul>{}</ul>", _("Conflicts now:"), _listed(after)))
    if cleared:
        counts = format_html_join(", ", "{} ({})", ((label, len(group)) for label, group in _by_rule(cleared)))
        parts.append(format_html("<p>{} {}</p>", _("Cleared by this change:"), counts))
    if not parts:
        return None
    return (messages.WARNING if after else messages.INFO), format_html_join(" ", "{}", ((p,) for p in parts))


def conflict_totals(*, before, after):
    """(level, HTML) for a change to many things at once (an order of signing, an import): 'Conflicts: 11 before,
    28 after. New: room double-booked (3). Cleared: …', with a link to the dashboard that lists them; None when
    there are none before or after."""
    if not before and not after:
        return None
    new, cleared = conflicts_changed(before, after)
    parts = [_("Conflicts: %(before)d before, %(after)d after.") % {"before": len(before), "after": len(after)}]
    for heading, group in ((_("New:"), new), (_("Cleared:"), cleared)):
        if group:
            counts = ", ".join(f"{label} ({len(rules)})" for label, rules in _by_rule(group))
            parts.append(f"{heading} {counts}.")
    text = format_html(
        '{} <a href="{}">{}</a>', " ".join(parts), reverse("admin:index"), _("See them on the dashboard")
    )
    return (messages.WARNING if new else messages.INFO), text


class ConflictWarningsMixin:
    """After a save, the success message goes on with the conflicts that involve the saved object: those it has,
    those it cleared."""

    def conflict_scope(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        # The conflicts as they stand before this save (read from the database, which does not have it yet).
        ceremony = getattr(obj, "ceremony", None) if obj.ceremony_id else None
        request._planner_conflicts_before = ceremony_conflicts(ceremony=ceremony) if change and ceremony else []
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        after = ceremony_conflicts(ceremony=obj.ceremony)
        before = getattr(request, "_planner_conflicts_before", [])
        request._planner_conflict_summary = conflict_summary(before=before, after=after, scope=self.conflict_scope(obj))

    def message_user(self, request, message, level=messages.INFO, extra_tags="", fail_silently=False):
        """Django's "was changed successfully", with what the save did to the conflicts after it: one message."""
        summary = getattr(request, "_planner_conflict_summary", None)
        if summary is not None and level == messages.SUCCESS:
            request._planner_conflict_summary = None
            summary_level, text = summary
            message = format_html("{} {}", message, text)
            level = messages.WARNING if summary_level == messages.WARNING else level
        super().message_user(request, message, level, extra_tags, fail_silently)
