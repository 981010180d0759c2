"""A delegation's private page and its self-service form, both behind the delegation's access link."""

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.core.signing import BadSignature
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ceremony.enums import Visibility
from ceremony.models import Ceremony
from ceremony.private_links import private_link
from ceremony.qr import qr_svg
from ceremony.selectors import changes_since, group_by_day
from ceremony.times import day_and_time, long_date_and_time
from ceremony.tokens import find_by_token
from ceremony.views import subscribe_links

from .enums import DelegationStatus
from .forms import DelegateFormSet, DelegationSelfServiceForm
from .models import SELF_SERVICE_REASON, Delegation
from .selectors import delegation_schedule, signing_slots
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


@private_link
@require_safe
def page(request, token):
    """What is the delegation's first (its slot, its stay, what changed, its invitations, subscribing), then the
    full programme by day, folded."""
    delegation = _delegation(token)
    ceremony = delegation.ceremony
    items = delegation_schedule(delegation=delegation)
    last_visit = _last_visit(request)
    changes = changes_since(items, last_visit)
    # A delegation that withdrew signs nowhere, even before its slot was cancelled.
    signing = signs(delegation)
    slots = signing_slots(items, delegation) if signing else []
    feed = subscribe_links(request, reverse("delegations:calendar", args=[token]), lang=request.LANGUAGE_CODE)
    context = {
        "ceremony": ceremony,
        "delegation": delegation,
        "days": group_by_day(ceremony, items),
        "invited": [item for item in items if item.visibility == Visibility.INVITED],
        "own_slots": {item.uid for item in slots},
        "slots": slots,
        "awaits_place": signing and not slots,
        "changes": changes,
        "changed_uids": {change.item.uid for change in changes},
        "last_visit": last_visit,
        "last_visit_text": day_and_time(last_visit, ceremony.zone) if last_visit else "",
        "members": list(delegation.members.all()),
        "arrival": long_date_and_time(delegation.arrival_at, ceremony.zone) if delegation.arrival_at else "",
        "departure": long_date_and_time(delegation.departure_at, ceremony.zone) if delegation.departure_at else "",
        "feed": feed,
        "google_url": "https://calendar.google.com/calendar/r?cid=" + quote(feed["webcal"], safe=""),
        "qr_svg": qr_svg(feed["https"], label=_("QR code of the calendar address")),
        "item_token": token,
        "edit_url": reverse("delegations:edit", args=[token]),
        "seen_url": reverse("delegations:seen", args=[token]),
    }
    response = render(request, "delegations/page.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


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
