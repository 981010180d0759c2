from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from ceremony.enums import ItemStatus, Visibility
from ceremony.ical import forget_texts
from ceremony.models import StaffMember
from ceremony.services import staff_issue_token
from delegations.services import delegation_issue_token
from planner.seeding import seed_ceremony
from tests.factories import (
    AgencyFactory,
    CeremonyFactory,
    DelegationFactory,
    RoomFactory,
    ScheduleItemFactory,
    VenueFactory,
    hanoi,
)


@pytest.fixture
def seeded(db):
    """The database after `manage.py seed_ceremony`; returns the seeding report."""
    return seed_ceremony()


@pytest.fixture(autouse=True)
def _english_to_begin_with():
    """Each test starts in the default language: a request in Vietnamese leaves its language active in the thread
    (the middleware activates, nothing deactivates), and lazy messages would follow it into the next test."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Built feeds and event texts are kept (ceremony.kept, ceremony.ical); each test starts without any."""
    cache.clear()
    forget_texts()
    yield
    cache.clear()
    forget_texts()


@pytest.fixture
def world(db):
    """A current ceremony with two delegations, two agencies and one item of each visibility.

    Returns a namespace with the objects and the raw tokens of both delegations and of a
    staff member of the Ministry of Public Security.
    """
    ceremony = CeremonyFactory(name="Hanoi signing", name_vi="Lễ ký Hà Nội", is_current=True)
    venue = VenueFactory(name="National Convention Center", city="Hanoi")
    room = RoomFactory(venue=venue, name="Plenary Hall", name_vi="Hội trường")
    mps = AgencyFactory(code="mps", name="Ministry of Public Security", email="protocol@mps.example")
    mofa = AgencyFactory(code="mofa", name="Ministry of Foreign Affairs")
    alpha = DelegationFactory(ceremony=ceremony, country="FR")
    beta = DelegationFactory(ceremony=ceremony, country="JP")

    def item(uid, visibility, lead=mps, **extra):
        extra.setdefault("title", uid.replace("-", " ").capitalize())
        return ScheduleItemFactory(
            ceremony=ceremony, uid=uid, visibility=visibility, room=room, lead_agency=lead, **extra
        )

    items = SimpleNamespace(
        opening=item(
            "opening",
            Visibility.PUBLIC,
            starts_at=hanoi(25, 9),
            ends_at=hanoi(25, 10, 30),
            title="Opening, speeches; and\nwelcome",
            title_vi="Khai mạc",
            description="Line one\nLine two",
        ),
        briefing=item("briefing", Visibility.DELEGATIONS, starts_at=hanoi(25, 8), ends_at=hanoi(25, 8, 30)),
        alpha_slot=item("alpha-slot", Visibility.INVITED, starts_at=hanoi(25, 11), ends_at=hanoi(25, 11, 5)),
        beta_slot=item("beta-slot", Visibility.INVITED, starts_at=hanoi(25, 11, 5), ends_at=hanoi(25, 11, 10)),
        security=item("security-sweep", Visibility.INTERNAL, starts_at=hanoi(25, 6), ends_at=hanoi(25, 7)),
        press_prep=item("press-prep", Visibility.INTERNAL, lead=mofa, starts_at=hanoi(26, 13), ends_at=hanoi(26, 14)),
        closing=item(
            "closing", Visibility.PUBLIC, status=ItemStatus.CANCELLED, starts_at=hanoi(26, 11), ends_at=hanoi(26, 12)
        ),
    )
    items.alpha_slot.invited_delegations.add(alpha)
    items.beta_slot.invited_delegations.add(beta)
    user = get_user_model().objects.create_user("officer", password="unused-password-123")
    StaffMember.objects.create(user=user, agency=mps)
    return SimpleNamespace(
        ceremony=ceremony,
        room=room,
        mps=mps,
        mofa=mofa,
        alpha=alpha,
        beta=beta,
        items=items,
        alpha_token=delegation_issue_token(delegation=alpha),
        beta_token=delegation_issue_token(delegation=beta),
        staff_user=user,
        staff_token=staff_issue_token(user=user),
    )


@pytest.fixture
def mail_server(settings):
    """A real SMTP server on 127.0.0.1 (``tests.mailserver.MailServer``), which the outbox's worker delivers to."""
    from tests.mailserver import MailServer

    server = MailServer()
    server.start()
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": "django.core.mail.backends.smtp.EmailBackend"},
    }
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield server
    server.stop()
