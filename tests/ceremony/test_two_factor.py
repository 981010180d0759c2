"""Two-factor sign-in of organizers: set-up with a real authenticator code, verification after the password,
recovery codes, throttled wrong codes, the administrators' reset, and the development skip."""

import re
import time
from base64 import b32encode
from datetime import timedelta
from io import StringIO
from urllib.parse import quote

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ceremony.models import ScheduleItem
from tests.adminpages import admin_url, form_values, page_text, plain, run_action, shown_messages

PASSWORD = "right-password-123"
SETUP = "/admin/two-factor/setup/"
VERIFY = "/admin/two-factor/verify/"


@pytest.fixture
def required(settings):
    settings.PLANNER_REQUIRE_2FA = True


@pytest.fixture
def officer(db):
    """An organizer of the Protocol group."""
    user = get_user_model().objects.create_user("lan", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Protocol"))
    return user


@pytest.fixture
def administrator(db):
    return get_user_model().objects.create_superuser("admin-minh", password=PASSWORD)


def phone_code(device):
    """What the authenticator app shows: the code of a time step that the device has not accepted yet."""
    device.refresh_from_db()
    now_step = (int(time.time()) - device.t0) // device.step
    wanted = max(now_step + device.drift, device.last_t + 1)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift=wanted - now_step):06d}"


def wrong_code(device):
    right = phone_code(device)
    return f"{(int(right) + 1) % 1_000_000:06d}"


def a_while_later(device):
    """As if the wait that a wrong code imposed had passed."""
    type(device).objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(days=1))


def sign_in(client, username, password=PASSWORD, next_url="/admin/"):
    """The admin's own login form, as an organizer fills it in."""
    return client.post(f"/admin/login/?next={quote(next_url)}", {"username": username, "password": password})


def field_errors(response):
    return [plain(e) for e in re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', page_text(response), re.S)]


def recovery_codes_shown(response):
    return re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>", page_text(response))


def set_up(client, user, next_url="/admin/"):
    """Opens the set-up page and confirms the phone with its first code; returns (device, recovery codes)."""
    client.get(f"{SETUP}?next={quote(next_url)}")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"code": phone_code(device), "next": next_url})
    assert response.status_code == 200, page_text(response)
    return device, recovery_codes_shown(response)


def verified_client(user):
    """A browser whose organizer has set up a phone and confirmed this sign-in with it."""
    client = Client()
    client.force_login(user)
    set_up(client, user)
    return client


# --- Set-up -------------------------------------------------------------------------------------------------------


def test_setup_after_the_password_confirms_the_phone_and_shows_ten_recovery_codes(client, required, officer):
    response = sign_in(client, "lan", next_url="/admin/ceremony/scheduleitem/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fadmin%2Fceremony%2Fscheduleitem%2F"

    page = client.get(response["Location"])
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed is False
    text = page_text(page)
    assert "<svg" in text  # the QR code of the otpauth:// address, inline
    secret = re.search(r'<code class="two-factor-secret">([A-Z2-7 ]+)</code>', text)[1]
    assert secret.replace(" ", "") == b32encode(device.bin_key).decode()
    assert device.config_url.startswith("otpauth://totp/Ceremony%20planner%3Alan?secret=")
    assert form_values(page)["next"] == "/admin/ceremony/scheduleitem/"
    # The page shows the same key when it is opened again: a half-done set-up is not lost.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=officer).count() == 1

    wrong = client.post(SETUP, {"code": wrong_code(device), "next": "/admin/ceremony/scheduleitem/"})
    assert wrong.status_code == 200
    assert field_errors(wrong) == [
        "That code is not right. Scan the QR code again or check the key you typed, make sure the phone's clock "
        "is on time, and type the code the app shows now."
    ]
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/admin/").status_code == 302  # still shut

    a_while_later(device)
    done = client.post(SETUP, {"code": phone_code(device), "next": "/admin/ceremony/scheduleitem/"})
    assert done.status_code == 200
    codes = recovery_codes_shown(done)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)) == sorted(
        code.replace("-", "") for code in codes
    )
    assert 'href="/admin/ceremony/scheduleitem/"' in page_text(done)  # "continue" goes where the login was headed
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/admin/ceremony/scheduleitem/").status_code == 200
    assert client.get("/admin/").status_code == 200
    entry = LogEntry.objects.get(object_id=str(officer.pk))
    assert (entry.user, entry.get_change_message()) == (officer, "Set up two-factor sign-in with a new phone.")


def test_setting_up_a_new_phone_replaces_the_old_one_and_its_recovery_codes(required, officer):
    client = verified_client(officer)
    old = TOTPDevice.objects.get(user=officer)
    old_codes = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))

    assert "This sets up a new phone." in page_text(client.get(SETUP))
    new, codes = set_up(client, officer)

    assert list(TOTPDevice.objects.filter(user=officer).values_list("pk", "confirmed")) == [(new.pk, True)]
    assert new.pk != old.pk
    new_codes = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert new_codes == {code.replace("-", "") for code in codes}
    assert not new_codes & old_codes


def test_a_session_that_gave_only_the_password_cannot_replace_the_phone(client, required, officer):
    verified_client(officer)
    sign_in(client, "lan")

    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    response = client.post(SETUP, {"code": "123456"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=officer).count() == 1
    # Nor make new recovery codes.
    before = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    response = client.post(reverse("admin:two_factor_recovery_codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)) == before


# --- Verification after the password --------------------------------------------------------------------------------


def test_the_phone_code_confirms_the_sign_in_and_returns_to_the_page_asked_for(client, required, officer):
    verified_client(officer)
    device = TOTPDevice.objects.get(user=officer)

    response = sign_in(client, "lan", next_url="/admin/ceremony/scheduleitem/")
    response = client.get(response["Location"])
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2Fceremony%2Fscheduleitem%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert form_values(page)["next"] == "/admin/ceremony/scheduleitem/"

    response = client.post(VERIFY, {"code": phone_code(device), "next": "/admin/ceremony/scheduleitem/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/ceremony/scheduleitem/"
    assert client.get("/admin/ceremony/scheduleitem/").status_code == 200


@pytest.mark.parametrize("code", ["000000", "12345", "abcd-efgh", "not a code", "1" * 40])
def test_a_wrong_code_is_refused_with_a_message(client, required, officer, code):
    verified_client(officer)
    sign_in(client, "lan")

    response = client.post(VERIFY, {"code": code, "next": "/admin/"})
    assert response.status_code == 200
    assert field_errors(response) == [
        "That code is not right. Type the code your authenticator app shows now (the phone's clock must be on "
        "time), or one of your recovery codes."
    ]
    assert client.get("/admin/").status_code == 302


def test_a_code_of_control_characters_or_too_long_is_a_form_error(client, required, officer):
    verified_client(officer)
    sign_in(client, "lan")
    assert field_errors(client.post(VERIFY, {"code": "12\x003456"})) == ["Null characters are not allowed."]
    assert field_errors(client.post(VERIFY, {"code": "1" * 41})) == [
        "Ensure this value has at most 40 characters (it has 41)."
    ]


def test_a_phone_code_is_accepted_only_once(required, officer):
    first = Client()
    first.force_login(officer)
    device, _codes = set_up(first, officer)
    code = phone_code(device)
    second = Client()
    sign_in(second, "lan")
    assert second.post(VERIFY, {"code": code}).status_code == 302
    third = Client()
    sign_in(third, "lan")
    assert third.post(VERIFY, {"code": code}).status_code == 200  # refused: already used


def test_an_unsafe_next_address_is_ignored(client, required, officer):
    verified_client(officer)
    device = TOTPDevice.objects.get(user=officer)
    sign_in(client, "lan")
    response = client.post(VERIFY, {"code": phone_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_logging_out_and_in_again_asks_for_the_code_again(required, officer):
    client = verified_client(officer)
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    sign_in(client, "lan")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"


# --- Recovery codes ---------------------------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(required, officer):
    first = Client()
    first.force_login(officer)
    _device, codes = set_up(first, officer)

    client = Client()
    sign_in(client, "lan")
    response = client.post(VERIFY, {"code": codes[3].upper().replace("-", " "), "next": "/admin/"}, follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert response.status_code == 200
    assert shown_messages(response) == [
        (
            "warning",
            "You signed in with a recovery code; it cannot be used again. 9 codes are left: if your phone is lost, "
            "set up a new one under “Two-factor sign-in”.",
        )
    ]

    client.post("/admin/logout/")
    sign_in(client, "lan")
    again = client.post(VERIFY, {"code": codes[3], "next": "/admin/"})
    assert again.status_code == 200
    assert len(field_errors(again)) == 1
    assert client.get("/admin/").status_code == 302
    a_while_later(StaticDevice.objects.get(user=officer))
    assert client.post(VERIFY, {"code": codes[4], "next": "/admin/"}).status_code == 302  # the others still work


def test_new_recovery_codes_void_the_old_ones(required, officer):
    first = Client()
    first.force_login(officer)
    _device, old_codes = set_up(first, officer)

    overview = first.get("/admin/two-factor/")
    assert "You have 10 unused recovery codes." in plain(page_text(overview))
    response = first.post(reverse("admin:two_factor_recovery_codes"))
    assert response.status_code == 200
    new_codes = recovery_codes_shown(response)
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert LogEntry.objects.filter(object_id=str(officer.pk)).latest("pk").get_change_message() == (
        "Made new recovery codes for two-factor sign-in."
    )

    client = Client()
    sign_in(client, "lan")
    assert client.post(VERIFY, {"code": old_codes[0]}).status_code == 200  # refused
    a_while_later(StaticDevice.objects.get(user=officer))
    assert client.post(VERIFY, {"code": new_codes[0]}).status_code == 302


# --- The admin stays shut until the second factor is given -------------------------------------------------------


def _admin_pages(world):
    return {
        "index": "/admin/",
        "changelist": admin_url(ScheduleItem, "changelist"),
        "change page": admin_url(ScheduleItem, "change", world.items.opening.pk),
        "export": admin_url(ScheduleItem, "export"),
        "password change": "/admin/password_change/",
        "two-factor overview": "/admin/two-factor/",
    }


@pytest.mark.parametrize("page", ["index", "changelist", "change page", "export", "password change"])
def test_admin_pages_are_refused_until_the_code_is_given(client, required, officer, world, page):
    verified_client(officer)
    device = TOTPDevice.objects.get(user=officer)
    url = _admin_pages(world)[page]
    sign_in(client, "lan")

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={quote(url, safe='')}"
    response = client.post(url, {})
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)

    client.post(VERIFY, {"code": phone_code(device)})
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("page", ["index", "changelist", "change page", "export", "two-factor overview"])
def test_admin_pages_send_an_organizer_without_a_phone_to_set_one_up(client, required, officer, world, page):
    url = _admin_pages(world)[page]
    sign_in(client, "lan")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={quote(url, safe='')}"


def test_an_action_posted_before_the_code_is_refused(client, required, officer, world):
    verified_client(officer)
    sign_in(client, "lan")
    response = run_action(client, ScheduleItem, "delete_selected", [world.items.security], post="yes")
    assert response.redirect_chain[0][0].startswith(VERIFY)
    assert ScheduleItem.objects.filter(pk=world.items.security.pk).exists()


def test_delegation_links_and_calendar_feeds_are_not_behind_two_factor(client, required, officer, world):
    sign_in(client, "lan")  # an organizer who has not given a code browses a delegation's link
    for url in (
        f"/d/{world.alpha_token}/",
        f"/d/{world.alpha_token}/calendar.ics",
        f"/staff/{world.staff_token}/calendar.ics",
    ):
        assert client.get(url).status_code == 200, url


def test_the_login_page_and_logout_stay_open(client, required, officer):
    verified_client(officer)
    sign_in(client, "lan")
    assert client.get("/admin/login/")["Location"] == "/admin/"  # the admin's own answer to a signed-in user
    assert client.post("/admin/logout/").status_code == 200
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


# --- Throttling ------------------------------------------------------------------------------------------------------


def test_wrong_codes_make_the_next_try_wait(client, required, officer):
    verified_client(officer)
    device = TOTPDevice.objects.get(user=officer)
    sign_in(client, "lan")

    assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 200
    # Right after a wrong code even the right one waits: guessing is slowed down.
    response = client.post(VERIFY, {"code": phone_code(device)})
    assert response.status_code == 200
    assert field_errors(response) == ["Too many wrong codes. Wait 1 second and try again."]
    assert client.get("/admin/").status_code == 302

    # Each wrong code doubles the wait: after ten, more than eight minutes.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    response = client.post(VERIFY, {"code": phone_code(device)})
    (seconds,) = re.match(
        r"Too many wrong codes\. Wait (\d+) seconds and try again\.", field_errors(response)[0]
    ).groups()
    assert 500 < int(seconds) <= 512

    a_while_later(device)
    assert client.post(VERIFY, {"code": phone_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_throttled_phone_still_leaves_the_recovery_codes(required, officer):
    first = Client()
    first.force_login(officer)
    device, codes = set_up(first, officer)
    client = Client()
    sign_in(client, "lan")
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=20, throttling_failure_timestamp=timezone.now()
    )
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302


def test_wrong_passwords_are_still_locked_out_by_the_login(client, required, officer):
    for _ in range(5):
        sign_in(client, "lan", password="wrong")
    assert sign_in(client, "lan").status_code == 429


# --- The administrators' reset ---------------------------------------------------------------------------------------


def test_an_administrator_resets_a_lost_phone(required, administrator, officer):
    verified_client(officer)
    admin = verified_client(administrator)
    User = get_user_model()

    confirm = admin.post(
        admin_url(User, "changelist"), {"action": "reset_two_factor", "_selected_action": [officer.pk]}
    )
    assert confirm.status_code == 200
    assert "The phones and recovery codes of these users will be forgotten." in page_text(confirm)
    assert "<li>lan</li>" in page_text(confirm)
    assert TOTPDevice.objects.filter(user=officer).exists()  # nothing happens before the confirmation

    response = run_action(admin, User, "reset_two_factor", [officer], post="yes")
    assert shown_messages(response) == [
        ("success", "Two-factor sign-in was reset for 1 user: they set it up again at their next sign-in.")
    ]
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    assert TOTPDevice.objects.filter(user=administrator).exists()
    entry = LogEntry.objects.filter(object_id=str(officer.pk)).latest("pk")
    assert (entry.user, entry.action_flag, entry.get_change_message()) == (
        administrator,
        CHANGE,
        "Reset two-factor sign-in.",
    )

    client = Client()
    sign_in(client, "lan")
    assert client.get("/admin/")["Location"] == f"{SETUP}?next=%2Fadmin%2F"
    set_up(client, officer)
    assert client.get("/admin/").status_code == 200


def test_the_users_list_shows_who_has_set_up_two_factor(required, administrator, officer):
    admin = verified_client(administrator)
    response = admin.get(admin_url(get_user_model(), "changelist"))
    text = page_text(response)
    rows = dict(
        re.findall(
            r'<th class="field-username"><a [^>]*>([^<]+)</a>.*?field-two_factor"><img [^>]*alt="(\w+)"', text, re.S
        )
    )
    assert rows == {"admin-minh": "True", "lan": "False"}


def test_someone_who_is_not_an_administrator_cannot_reset_anyones(required, officer):
    verified_client(officer)
    manager = get_user_model().objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user", "delete_user"]))
    client = verified_client(manager)
    User = get_user_model()

    changelist = client.get(admin_url(User, "changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" in page_text(changelist)  # a manager of users, with actions
    assert "reset_two_factor" not in page_text(changelist)
    response = run_action(client, User, "reset_two_factor", [officer], post="yes")
    assert shown_messages(response) == [("warning", "No action selected.")]
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    assert not LogEntry.objects.filter(object_id=str(officer.pk), user=manager).exists()


def test_the_device_secrets_are_not_in_the_admin(required, administrator):
    admin = verified_client(administrator)
    assert admin.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin.get("/admin/otp_static/staticdevice/").status_code == 404


def test_the_reset_command_forgets_the_phone(required, officer):
    verified_client(officer)
    out = StringIO()
    call_command("reset_two_factor", "lan", stdout=out)
    assert out.getvalue() == "Reset the two-factor sign-in of lan: a new phone is set up at the next sign-in.\n"
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()

    out = StringIO()
    call_command("reset_two_factor", "lan", stdout=out)
    assert out.getvalue() == "lan had no two-factor sign-in set up; nothing to reset.\n"
    with pytest.raises(CommandError, match=r"No user named 'nobody'\."):
        call_command("reset_two_factor", "nobody")


# --- Development ---------------------------------------------------------------------------------------------------


def test_in_development_an_organizer_without_a_phone_signs_in_with_the_password_alone(client, settings, officer):
    settings.PLANNER_REQUIRE_2FA = False
    sign_in(client, "lan")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert 'href="/admin/two-factor/">Two-factor sign-in</a>' in page_text(response)  # offered, not asked
    overview = client.get("/admin/two-factor/")
    assert "It is not required on this development server, but you may set it up to try it." in plain(
        page_text(overview)
    )


def test_in_development_those_who_set_it_up_are_asked_for_it(client, settings, officer):
    settings.PLANNER_REQUIRE_2FA = False
    first = Client()
    first.force_login(officer)
    device, _codes = set_up(first, officer)

    sign_in(client, "lan")
    assert client.get("/admin/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    client.post(VERIFY, {"code": phone_code(device)})
    assert client.get("/admin/").status_code == 200
