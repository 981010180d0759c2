"""Two-factor sign-in of organizers: a code from an authenticator app on their phone, or a recovery code.

django-otp keeps the devices. A user's ``TOTPDevice`` is the phone; it counts only once a first code has
confirmed it. One ``StaticDevice`` holds the user's recovery codes, each deleted as it is used. Both
devices throttle wrong codes on their own (settings ``OTP_*_THROTTLE_FACTOR``), so a phone locked by
guesses still leaves the recovery codes. Views and commands call these functions; nothing here reads a
request.
"""

import math
import secrets
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: codes are copied by hand


def is_required():
    """Whether every staff session must confirm its sign-in (always, when debug is off)."""
    return settings.PLANNER_REQUIRE_2FA


def has_authenticator(user):
    """Whether the user has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def authenticator_pending(*, user):
    """The phone being set up: a new secret the first time, the same one until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def authenticator_secret(device):
    """The device's key as an authenticator app asks it to be typed: base32, in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@dataclass(frozen=True)
class Check:
    """What a typed code did: the device that accepted it, or how long to wait after too many wrong codes."""

    device: Device | None = None
    wait_seconds: int = 0

    @property
    def accepted(self):
        return self.device is not None

    @property
    def by_recovery_code(self):
        return isinstance(self.device, StaticDevice)


def code_check_device(*, device, code):
    """Checks ``code`` against one device, under a row lock so that a code is accepted once."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            wait = (details["locked_until"] - timezone.now()).total_seconds()
            return Check(wait_seconds=max(1, math.ceil(wait)))
        return Check(device=device) if device.verify_token(code) else Check()


def code_check(*, user, code):
    """Checks a code typed at sign-in: digits against the phone, anything else against the recovery codes."""
    code = _normalise(code)
    if code.isdigit():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not code:
        return Check()
    return code_check_device(device=device, code=code)


@transaction.atomic
def authenticator_activate(*, device):
    """Confirms a phone that has just accepted its first code; it replaces any earlier phone, and new recovery
    codes replace the old ones. Returns the recovery codes, to be shown this once."""
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    return recovery_codes_issue(user=device.user)


@transaction.atomic
def recovery_codes_issue(*, user):
    """Ten new one-time recovery codes for the user (the old ones stop working), as they are to be shown."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def recovery_codes_left(*, user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_reset(*, user):
    """Forgets the user's phone and recovery codes (a lost phone): they set up a new one at their next sign-in.
    Returns how many devices were deleted."""
    phones, _ = TOTPDevice.objects.filter(user=user).delete()
    code_sets = StaticDevice.objects.filter(user=user).count()
    StaticDevice.objects.filter(user=user).delete()
    return phones + code_sets


def _recovery_code():
    # Eight characters with at least one letter, so that a recovery code is never taken for a phone's code.
    while True:
        code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(8))
        if not code.isdigit():
            return code


def _normalise(code):
    """A code as typed, without the spaces and dashes of its display, in lower case."""
    return "".join(code.split()).replace("-", "").lower()
