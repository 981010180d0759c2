"""The outbox: every message the planner sends is written to the database (django-post-office's Email
table) in the same transaction as the change that causes it, and the mail worker delivers it later.

A change that rolls back takes its message with it; a mail server that is down delays delivery but loses
nothing. Messages are rendered here, in the recipient's language, from two templates:
``templates/mail/<name>_subject.txt`` (one line) and ``templates/mail/<name>.txt`` (the plain-text body).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.utils import translation
from post_office import mail

from .models import UndeliverableAddress

MALFORMED = "Not a valid email address."


def _well_formed(address):
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def undeliverable(addresses):
    """The marks (``UndeliverableAddress``) of those of ``addresses`` that bounced, by lower-cased address."""
    wanted = {address.strip().lower() for address in addresses if address}
    if not wanted:
        return {}
    return {mark.address: mark for mark in UndeliverableAddress.objects.filter(address__in=wanted)}


def mark_undeliverable(addresses, *, reason):
    """Mark ``addresses`` as bouncing with ``reason``: nothing more is queued for them until corrected."""
    for address in {address.strip().lower() for address in addresses if address}:
        UndeliverableAddress.objects.update_or_create(address=address, defaults={"reason": reason[:2000]})


def render_message(*, template, context, language):
    """The subject and body of ``template`` in ``language``."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"mail/{template}_subject.txt", context).split())
        body = render_to_string(f"mail/{template}.txt", context)
    return subject, body


def queue_mail(*, ceremony, to, template, context, language, attachments=None):
    """Write one message to the outbox; the mail worker sends it.

    ``to`` is a list of addresses, ``language`` a code of ``settings.LANGUAGES``, ``attachments`` maps a
    file name to ``(bytes, mimetype)``. The sender and Reply-To are the ceremony's contact address (or
    ``DEFAULT_FROM_EMAIL`` when it has none). Addresses marked as undeliverable are left out. Returns the queued
    ``post_office.models.Email``, or None when no address is left to write to.
    """
    to = [address.strip() for address in to if address and address.strip()]
    malformed = [address for address in to if not _well_formed(address)]
    # Typed before the address was checked, or by a script: no server would take it, so it is marked at once.
    mark_undeliverable(malformed, reason=MALFORMED)
    marked = undeliverable(to)
    to = [address for address in to if address.lower() not in marked and address not in malformed]
    if not to:
        return None
    subject, body = render_message(template=template, context={"ceremony": ceremony, **context}, language=language)
    sender = ceremony.contact_address or settings.DEFAULT_FROM_EMAIL
    files = {
        name: {"file": ContentFile(content), "mimetype": mimetype}
        for name, (content, mimetype) in (attachments or {}).items()
    }
    return mail.send(
        recipients=to,
        sender=sender,
        subject=subject,
        message=body,
        headers={"Reply-To": sender},
        attachments=files or None,
        language=language,
    )
