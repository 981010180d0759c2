"""What the planner writes to a delegation, and to Protocol about one; every message goes through the outbox
(``ceremony.outbox``), in the transaction of the change that causes it.

* The link mail: a delegation's page link and calendar links, to its contact address, in its language. Only when a
  link is issued does its raw token exist, so the mail is written then (``delegation_send_new_link``), or from the
  page that shows a link just issued, which posts the token back and is checked against the stored hash
  (``delegation_send_link``). No raw token is kept anywhere but in the message itself.
* Protocol alerts: a delegation that stops signing (declines, or no longer intends to sign) or changes who signs,
  from its form or the admin, is written at once to every active Protocol user with an address, in their own
  language. Several saves in one transaction (a form that swaps two signatories) make one message.
"""

import threading
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.db.models.signals import post_delete, post_init, post_save
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from post_office.models import STATUS, Email, Log
from simple_history.models import HistoricalRecords

from ceremony.models import UndeliverableAddress
from ceremony.outbox import queue_mail, undeliverable
from ceremony.roles import PROTOCOL
from ceremony.times import long_date, long_date_and_time, offset
from ceremony.tokens import find_by_token

from .enums import DelegationStatus
from .models import Delegate, Delegation
from .personal_data import ERASED_REASON
from .services import delegation_issue_token
from .signing import signs


class LinkNotSent(ValidationError):
    """Why a delegation's link cannot be mailed; the message is for the organizer who asked."""


def site_url(path, *, base=None):
    """``path`` on the planner's public address (``base``, else the PLANNER_SITE_URL setting)."""
    return (base or settings.PLANNER_SITE_URL).rstrip("/") + path


def link_mail_refusal(delegation):
    """Why the link cannot be mailed to ``delegation`` (a translated message), or '' when it can."""
    address = delegation.contact_email.strip()
    if not address:
        return _("%(delegation)s has no contact address: add one first.") % {"delegation": delegation}
    mark = undeliverable([address]).get(address.lower())
    if mark is not None:
        return _(
            "The contact address of %(delegation)s, %(address)s, bounced on %(date)s (%(reason)s): correct it first."
        ) % {
            "delegation": delegation,
            "address": address,
            "date": long_date(timezone.localtime(mark.noted_at, delegation.ceremony.zone).date()),
            "reason": mark.reason,
        }
    return ""


def _queue_link_mail(delegation, token, *, base):
    page = site_url(reverse("delegations:page", args=[token]), base=base)
    feed = site_url(reverse("delegations:calendar", args=[token]), base=base)
    return queue_mail(
        ceremony=delegation.ceremony,
        to=[delegation.contact_email.strip()],
        template="delegation_link",
        context={
            "delegation": delegation.name_in(delegation.language),
            "page_url": page,
            "https_feed": feed,
            "webcal_feed": "webcal://" + feed.split("://", 1)[1],
        },
        language=delegation.language,
    )


def delegation_send_new_link(*, delegation, user, base=None):
    """Issue ``delegation`` a new link (the old one stops working) and queue it to its contact, in one
    transaction, recorded in its history with ``user``. Raises ``LinkNotSent`` (and changes nothing) when the
    delegation has no contact address or it bounced. Call inside ``transaction.atomic``."""
    refusal = link_mail_refusal(delegation)
    if refusal:
        raise LinkNotSent(refusal)
    token = delegation_issue_token(delegation=delegation, issued_by=user)
    return _queue_link_mail(delegation, token, base=base)


def delegation_send_link(*, delegation, token, base=None):
    """Queue the link just issued (``token``, as the page that shows it posts it back) to the delegation's contact.

    Raises ``LinkNotSent`` when the token is not the delegation's current one, or the contact cannot be written to.
    """
    if find_by_token(Delegation.objects.filter(pk=delegation.pk), token) is None:
        raise LinkNotSent(_("This link is no longer the delegation's: issue a new one."))
    refusal = link_mail_refusal(delegation)
    if refusal:
        raise LinkNotSent(refusal)
    return _queue_link_mail(delegation, token, base=base)


# --- Protocol alerts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningState:
    signs: bool
    signatories: tuple


def _signatories(delegation):
    return tuple(
        sorted(Delegate.objects.filter(delegation=delegation, is_signatory=True).values_list("name", flat=True))
    )


class _Pending(threading.local):
    """Alerts written during the current request, so a second change in it (a form that swaps two signatories)
    rewrites them rather than adding more."""

    def __init__(self):
        self.request = None
        self.alerts = {}  # delegation pk -> (state before the request, [Email pks])


_pending = _Pending()


def _current_request():
    # simple_history's middleware keeps the request of the thread, for the history's user; the alerts read it too.
    return getattr(HistoricalRecords.context, "request", None)


def _who(request):
    """Who made the change: the signed-in organizer's name, or None (the delegation through its link, a script)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.get_full_name() or user.get_username()
    return None


def protocol_recipients():
    """Active Protocol users with an address: ``[(address, language)]``."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=PROTOCOL)
        .exclude(email="")
        .select_related("staff_member")
        .distinct()
        .order_by("pk")
    )
    return [(user.email, getattr(getattr(user, "staff_member", None), "language", "en") or "en") for user in users]


def alert_protocol(*, delegation, before):
    """Write to Protocol that ``delegation`` stopped signing or changed who signs, since ``before`` (a
    ``SigningState``). Nothing when neither happened."""
    now = SigningState(signs=signs(delegation), signatories=_signatories(delegation))
    request = _current_request()
    if request is None or request is not _pending.request:
        _pending.request, _pending.alerts = request, {}
    earlier = _pending.alerts.pop(delegation.pk, None)
    if earlier is not None and Email.objects.filter(pk__in=earlier[1]).delete()[0] == len(earlier[1]):
        before = earlier[0]  # a second change in the same request: one message says both
    withdrew = before.signs and not now.signs
    changed_signatory = (before.signs or now.signs) and before.signatories != now.signatories
    if not (withdrew or changed_signatory):
        return []
    who = _who(request)
    base = request.build_absolute_uri("/") if request is not None else None
    ceremony = delegation.ceremony
    at = timezone.now()
    emails = []
    for address, language in protocol_recipients():
        with translation.override(language):
            context = {
                "delegation": delegation.name_in(language),
                "withdrew": withdrew,
                "declined": delegation.status == DelegationStatus.DECLINED,
                "changed_signatory": changed_signatory,
                "signatories_before": ", ".join(before.signatories) or "—",
                "signatories_now": ", ".join(now.signatories) or "—",
                "who": who,
                "when": f"{long_date_and_time(at, ceremony.zone)} ({ceremony.time_zone}, {offset(at, ceremony.zone)})",
                "admin_url": site_url(reverse("admin:delegations_delegation_change", args=[delegation.pk]), base=base),
            }
        email = queue_mail(
            ceremony=ceremony, to=[address], template="protocol_alert", context=context, language=language
        )
        if email is not None:
            emails.append(email)
    if request is not None:
        _pending.alerts[delegation.pk] = (before, [email.pk for email in emails])
    return emails


def _remember_delegation(sender, instance, **kwargs):
    values = instance.__dict__
    if "status" in values and "intends_to_sign" in values:
        instance._signed_when_loaded = instance.pk is not None and signs(instance)


def _delegation_saved(sender, instance, created, raw=False, **kwargs):
    signed = getattr(instance, "_signed_when_loaded", None)
    instance._signed_when_loaded = signs(instance)
    if raw or created or signed is None or signed == instance._signed_when_loaded:
        return
    signatories = _signatories(instance)
    alert_protocol(delegation=instance, before=SigningState(signs=signed, signatories=signatories))


def _remember_delegate(sender, instance, **kwargs):
    values = instance.__dict__
    if instance.pk is not None and "is_signatory" in values and "name" in values:
        instance._signed_as = instance.name if instance.is_signatory else None
    else:
        instance._signed_as = None


def _delegate_changed(instance, now_signs_as):
    was = getattr(instance, "_signed_as", None)
    instance._signed_as = now_signs_as
    if was == now_signs_as:
        return
    delegation = Delegation.objects.select_related("ceremony").filter(pk=instance.delegation_id).first()
    if delegation is None:
        return
    before = list(_signatories(delegation))
    if now_signs_as is not None and now_signs_as in before:
        before.remove(now_signs_as)
    if was is not None:
        before.append(was)
    alert_protocol(
        delegation=delegation, before=SigningState(signs=signs(delegation), signatories=tuple(sorted(before)))
    )


def _delegate_saved(sender, instance, raw=False, **kwargs):
    if raw or getattr(instance, "_change_reason", None) == ERASED_REASON:
        # An erasure renames the delegate; a message naming them again would undo it.
        instance._signed_as = instance.name if instance.is_signatory else None
        return
    _delegate_changed(instance, instance.name if instance.is_signatory else None)


def _delegate_deleted(sender, instance, origin=None, **kwargs):
    if isinstance(origin, Delegation) or getattr(origin, "model", None) is Delegation:
        return  # the whole delegation is deleted, not its signatory changed
    _delegate_changed(instance, None)


def connect():
    post_init.connect(_remember_delegation, sender=Delegation, dispatch_uid="alerts_delegation_init")
    post_save.connect(_delegation_saved, sender=Delegation, dispatch_uid="alerts_delegation_saved")
    post_init.connect(_remember_delegate, sender=Delegate, dispatch_uid="alerts_delegate_init")
    post_save.connect(_delegate_saved, sender=Delegate, dispatch_uid="alerts_delegate_saved")
    post_delete.connect(_delegate_deleted, sender=Delegate, dispatch_uid="alerts_delegate_deleted")


# --- What Protocol sees of mail that did not arrive ---------------------------------------------------------------


@dataclass(frozen=True)
class Undelivered:
    address: str
    reason: str
    at: object  # an aware datetime
    subject: str = ""
    delegations: tuple = ()  # (name, admin URL) of delegations whose contact it is


def _contact_is_any_of(addresses):
    query = Q()
    for address in sorted(addresses):
        query |= Q(contact_email__iexact=address)
    return query


def undelivered_mail(*, limit=20):
    """Addresses that bounced and messages that failed for good, newest first (at most ``limit`` of each), with
    the delegations whose contact address each is, for the dashboard's "Mail not delivered"."""
    marks = list(UndeliverableAddress.objects.order_by("-noted_at")[:limit])
    failed = list(
        Email.objects.filter(status=STATUS.failed)
        .order_by("-last_updated")
        .prefetch_related(Prefetch("logs", Log.objects.order_by("-date"), to_attr="newest_logs"))[:limit]
    )
    addresses = {mark.address for mark in marks} | {address.lower() for email in failed for address in email.to}
    owners = {}
    for delegation in Delegation.objects.filter(_contact_is_any_of(addresses)) if addresses else []:
        owners.setdefault(delegation.contact_email.strip().lower(), []).append(
            (str(delegation), reverse("admin:delegations_delegation_change", args=[delegation.pk]))
        )
    rows = [
        Undelivered(
            address=mark.address, reason=mark.reason, at=mark.noted_at, delegations=tuple(owners.get(mark.address, ()))
        )
        for mark in marks
    ]
    bounced = {mark.address for mark in marks}
    for email in failed:
        to = ", ".join(email.to)
        if {address.lower() for address in email.to} <= bounced:
            continue  # already listed with its address
        reason = email.newest_logs[0].message if email.newest_logs else ""
        owned = tuple(owner for address in email.to for owner in owners.get(address.lower(), ()))
        rows.append(
            Undelivered(address=to, reason=reason, at=email.last_updated, subject=email.subject, delegations=owned)
        )
    return sorted(rows, key=lambda row: row.at, reverse=True)
