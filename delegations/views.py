"""A delegation's private page and its self-service form, both behind the delegation's access link."""

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.core.signing import BadSignature
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ceremony import item_entries, page_cache
from ceremony.enums import Visibility
from ceremony.models import Ceremony, ScheduleItem
from ceremony.private_links import private_link
from ceremony.qr import qr_svg
from ceremony.selectors import FIRST_VISIT_WINDOW, changes_since, group_by_day
from ceremony.times import day_and_time, long_date_and_time
from ceremony.tokens import find_by_token
from ceremony.views import subscribe_links

from .enums import DelegationStatus
from .forms import DelegateFormSet, DelegationSelfServiceForm
from .models import SELF_SERVICE_REASON, Delegation
from .page_state import page_revision, with_page_revision
from .selectors import delegation_schedule, items_visible_to, signing_slots
from .signing import signing_withdraw, signs
from .signing_return import NOTHING, signing_return

SEEN_COOKIE = "seen"
SEEN_SALT = "delegation-page-seen"


def _delegation(token):
    delegation = find_by_token(Delegation.objects.select_related("ceremony"), token)
    if delegation is None:
        raise Http404
    return delegation


def _last_visit(request):
    try:
        raw = request.get_signed_cookie(SEEN_COOKIE, salt=SEEN_SALT)
        return datetime.datetime.fromisoformat(raw)
    except (KeyError, BadSignature, ValueError):
        return None


class Stamps:
    """When each item of a delegation's schedule last changed, newest first, in plain numbers: kept with the page,
    and read back for each reader in well under a millisecond whatever the size of the schedule."""

    def __init__(self, items):
        ordered = sorted(items, key=lambda item: item.updated_at, reverse=True)
        self.pks = [item.pk for item in ordered]
        self.changed = [page_cache.micros(item.updated_at) for item in ordered]
        self.sequences = [item.sequence for item in ordered]

    def changed_for(self, last_visit, now):
        """The items ``changed_since`` lists for a reader last here at ``last_visit`` (None: a first visit), found
        among the newest alone: every item changed since the last visit, or on a first visit the moved ones."""
        moved_only = last_visit is None
        cut = page_cache.micros(now - FIRST_VISIT_WINDOW if moved_only else last_visit)
        found = set()
        for pk, changed, sequence in zip(self.pks, self.changed, self.sequences, strict=True):
            if changed <= cut:
                break
            if sequence or not moved_only:
                found.add(pk)
        return found

    def last_moved_by(self, moment):
        """The latest change at or before ``moment`` of an item moved, re-roomed or cancelled since it was made."""
        cut = page_cache.micros(moment)
        for changed, sequence in zip(self.changed, self.sequences, strict=True):
            if changed <= cut and sequence:
                return page_cache.instant(changed)
        return None


@private_link
@require_safe
def page(request, token):
    """What is the delegation's own first (its slot, its stay, what changed, its invitations, subscribing), then the
    full programme by day, folded.

    Rendered once per revision of what it shows (delegations.page_state) and kept (ceremony.page_cache): a warm page
    and a 304 cost the one query that finds the delegation. What is the reader's own (what changed since the last
    visit, messages, the CSRF token) is worked out for each request; the items the reader has not seen changed are
    part of the kept page's key, as each is marked.
    """
    delegation = find_by_token(with_page_revision(Delegation.objects.select_related("ceremony__venue")), token)
    if delegation is None:
        raise Http404
    ceremony = delegation.ceremony
    revision, changed_at = page_revision(delegation)
    parts = ("delegation", delegation.pk, *revision, request.LANGUAGE_CODE, request.scheme, request.get_host())
    loaded = []  # the delegation's schedule, once read

    def schedule():
        if not loaded:
            loaded.append(delegation_schedule(delegation=delegation))
        return loaded[0]

    stamps = page_cache.kept_or_built((*parts, "stamps"), lambda: Stamps(schedule()))
    last_visit = _last_visit(request)
    changes = _changes(delegation, stamps, last_visit, loaded)
    changed_uids = sorted(change.item.uid for change in changes)
    own = [(change.item.uid, change.before.history_id if change.before else "") for change in changes]
    own_parts = (page_cache.digest(*own), last_visit.isoformat() if changes and last_visit else "")

    def render_page():
        shown = page_cache.kept_or_built(
            (*parts, "shown", page_cache.digest(*changed_uids)),
            lambda: _shown(request, token, delegation, schedule(), set(changed_uids)),
        )
        context = {
            "ceremony": ceremony,
            "delegation": delegation,
            "shown": {name: page_cache.hole(name) for name in shown},
            "changes": changes,
            "last_visit": last_visit,
            "last_visit_text": day_and_time(last_visit, ceremony.zone) if last_visit else "",
            "seen_url": reverse("delegations:seen", args=[token]),
        }
        return HttpResponse(page_cache.spliced(render_to_string("delegations/page.html", context, request), shown))

    turned_at = _changes_turned_at(stamps, changes, last_visit)
    return page_cache.page_response(
        request,
        *parts,
        *own_parts,
        changed_at=max(changed_at, turned_at) if turned_at else changed_at,
        render=render_page,
        # A message waiting to be shown (after a save) is shown, never kept from the reader by a 304.
        conditional=not len(messages.get_messages(request)),
    )


def _changes(delegation, stamps, last_visit, loaded):
    """What changed for this reader (``changes_since``), reading only the changed items when the schedule is kept."""
    changed = stamps.changed_for(last_visit, timezone.now())
    if not changed:
        return []
    if loaded:
        items = [item for item in loaded[0] if item.pk in changed]
    else:
        items = items_visible_to(delegation, ScheduleItem.objects.filter(pk__in=changed)).for_calendar()
    return changes_since(items, last_visit)


def _changes_turned_at(stamps, changes, last_visit):
    """When "what changed" last changed by the clock or the reader's cookie alone, for Last-Modified: on a first
    visit an item leaves the box, or shows an older "before", two days after each change."""
    now = timezone.now()
    if last_visit is not None:
        return min(last_visit, now)
    window = FIRST_VISIT_WINDOW
    left = stamps.last_moved_by(now - window)
    turns = [left + window] if left else []
    turns += [change.before.history_date + window for change in changes if change.before is not None]
    return max(turns, default=None)


def _calendar_qr(address):
    """The QR code of the delegation's calendar address, kept: drawing it was a fifth of rendering the page again
    after an edit, and the address changes only with the delegation's link."""
    label = _("QR code of the calendar address")
    return page_cache.kept_or_built(("calendar-qr", address, label), lambda: qr_svg(address, label=label))


def _shown(request, token, delegation, items, changed_uids):
    """The parts of the page the same for every reader of this revision who has not seen ``changed_uids``, as UTF-8
    bytes in the order the page shows them (``page_cache.spliced``)."""
    ceremony = delegation.ceremony
    # A delegation that withdrew signs nowhere, even before its slot was cancelled.
    signing = signs(delegation)
    slots = signing_slots(items, delegation) if signing else []
    feed = subscribe_links(request, reverse("delegations:calendar", args=[token]), lang=request.LANGUAGE_CODE)
    context = {
        "ceremony": ceremony,
        "delegation": delegation,
        "days": group_by_day(ceremony, items),
        "invited": [item for item in items if item.visibility == Visibility.INVITED],
        "slots": slots,
        "awaits_place": signing and not slots,
        "members": list(delegation.members.all()),
        "arrival": long_date_and_time(delegation.arrival_at, ceremony.zone) if delegation.arrival_at else "",
        "departure": long_date_and_time(delegation.departure_at, ceremony.zone) if delegation.departure_at else "",
        "feed": feed,
        "google_url": "https://calendar.google.com/calendar/r?cid=" + quote(feed["webcal"], safe=""),
        "qr_svg": _calendar_qr(feed["https"]),
        "edit_url": reverse("delegations:edit", args=[token]),
        "entries": item_entries.entries(
            items,
            zone=ceremony.zone,
            own_slots={item.uid for item in slots},
            changed_uids=changed_uids,
            item_token=token,
            delegation=delegation,
        ),
    }
    return {
        "head": render_to_string("delegations/_page_head.html", context).encode(),
        "body": render_to_string("delegations/_page_body.html", context).encode(),
    }


@private_link
@require_POST
def seen(request, token):
    """The delegation has read what changed: the box shows only later changes from now on (a signed cookie)."""
    _delegation(token)
    response = redirect("delegations:page", token=token)
    response.set_signed_cookie(
        SEEN_COOKIE,
        timezone.now().isoformat(),
        salt=SEEN_SALT,
        max_age=60 * 60 * 24 * 365,
        path=reverse("delegations:page", args=[token]),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@private_link
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, token):
    delegation = _delegation(token)
    ceremony = delegation.ceremony
    # Times typed into the form are Hanoi times, whatever the phone's own zone.
    with timezone.override(ceremony.zone):
        if request.method == "POST":
            # One post of a delegation at a time, each on the rows as they stand: the ceremony first, as every
            # writer locks it, then the delegation, read again under the lock (ceremony.stale_edits).
            with transaction.atomic():
                Ceremony.objects.lock([delegation.ceremony_id])
                delegation = (
                    Delegation.objects.select_for_update().select_related("ceremony").filter(pk=delegation.pk).first()
                )
                if delegation is None:  # deleted meanwhile: its link with it
                    raise Http404
                form = DelegationSelfServiceForm(request.POST, instance=delegation, zone_label=ceremony.zone_label)
                formset = DelegateFormSet(request.POST, instance=delegation, prefix="members")
                if all([form.is_valid(), formset.is_valid()]):  # both, under the lock: the page shows every error
                    returned = _save(form, formset)
                    messages.success(request, _("Saved. The protocol team sees your changes."))
                    if returned.restored:
                        messages.success(
                            request,
                            _(
                                "Your delegation has its place %(order)s in the order of signing and its signing "
                                "slot back."
                            )
                            % {"order": returned.position},
                        )
                    return redirect("delegations:page", token=token)
            if form.asks_to_confirm and not formset.total_error_count():
                messages.warning(
                    request, _("Nothing is saved yet: confirm below that your delegation gives up its place.")
                )
            else:
                messages.error(request, _("Nothing was saved: please correct the fields marked below."))
        else:
            form = DelegationSelfServiceForm(instance=delegation, zone_label=ceremony.zone_label)
            formset = DelegateFormSet(instance=delegation, prefix="members")
        context = {"ceremony": ceremony, "delegation": delegation, "form": form, "formset": formset, "token": token}
        response = render(request, "delegations/edit.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _save(form, formset):
    """Save the delegation and its members together, each change marked as made through the link.

    Returns what a delegation that signs again got back (``signing_return``)."""
    had_declined = form.instance.status == DelegationStatus.DECLINED
    delegation = form.save(commit=False)
    delegation._change_reason = SELF_SERVICE_REASON
    delegation.save()
    signing_withdraw(delegation=delegation, reason=SELF_SERVICE_REASON)  # declining gives up the signing slot
    returned = NOTHING
    if had_declined:  # attending again: the place and the slot back, if still free
        returned = signing_return(delegation=delegation, reason=SELF_SERVICE_REASON)
    members = formset.save(commit=False)
    for member in formset.deleted_objects:
        member._change_reason = SELF_SERVICE_REASON
        member.delete()
    # Clear a head who is being replaced first, so the one-head constraint holds at every step.
    for member in sorted(members, key=lambda m: m.is_head):
        member._change_reason = SELF_SERVICE_REASON
        member.save()
    return returned
