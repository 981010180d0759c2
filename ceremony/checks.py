"""System checks of the deployment that Django's own cannot know about.

``ceremony.W001``: nobody to name as a calendar's organizer or to send mail from. The feeds say
``METHOD:PUBLISH``, which makes ORGANIZER required in every event (RFC 5546, 3.2.1); an event whose lead agency
and host agency have no email takes the ceremony's contact address, its record's or the PLANNER_CONTACT_EMAIL
setting. With neither, such events go out without ORGANIZER (strict iTIP readers refuse them) and mail goes out
from DEFAULT_FROM_EMAIL with no one to reply to.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


def _current_ceremony_has_contact():
    from .models import Ceremony

    try:
        return Ceremony.objects.filter(is_current=True).exclude(contact_email="").exists()
    except DatabaseError:  # not migrated yet: no record to take an address from
        return False


@register(Tags.compatibility, deploy=True)
def contact_address_check(app_configs, **kwargs):
    if settings.PLANNER_CONTACT_EMAIL or _current_ceremony_has_contact():
        return []
    return [
        Warning(
            "The ceremony has no contact address: calendar events whose agencies have no email have no ORGANIZER, "
            "and mail has no one to reply to.",
            hint="Set PLANNER_CONTACT_EMAIL, or the contact address of the current ceremony in the admin.",
            id="ceremony.W001",
        )
    ]
