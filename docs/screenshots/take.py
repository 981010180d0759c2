"""Take the README's screenshots: the programme on a phone, a delegation's page, the signing desk, the door.

    .venv/bin/python docs/screenshots/take.py

Builds a throw-away SQLite database (the seeded Hanoi ceremony, a dozen invited states, the order of signing
drawn and generated, a placeholder delegate with a printed badge), serves it with ``runserver`` on a free port and
photographs four pages with Debian's chromium (``apt-get install chromium``) through Playwright. Writes the PNG files
beside this script.
"""

import datetime
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
# Real signatories of the Convention, enough for an order of signing that fills a screen.
STATES = ["AR", "AU", "BR", "CN", "FR", "DE", "IN", "JP", "ZA", "GB", "US", "CH", "VN"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# Two screens of a phone: the page as the thumb scrolls it once.
PHONE_CLIP = {"x": 0, "y": 0, "width": 390, "height": 1500}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(password):
    """Seed the database; return the ceremony's pk, the path of a delegation's page and a badge id."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from ceremony.models import Ceremony
    from delegations.badges import badges_issue
    from delegations.enums import AccreditationStatus, ClearanceStatus, DelegationStatus, Rank
    from delegations.models import Delegate, Delegation, State
    from delegations.services import delegation_issue_token, delegations_invite
    from delegations.signing import signing_draw_letter, signing_generate

    call_command("migrate", verbosity=0)
    call_command("seed_ceremony", verbosity=0)
    ceremony = Ceremony.objects.current()
    delegations_invite(ceremony=ceremony, states=State.objects.filter(country__in=STATES))
    Delegation.objects.filter(ceremony=ceremony).update(status=DelegationStatus.CONFIRMED, intends_to_sign=True)
    for delegation in Delegation.objects.filter(ceremony=ceremony).exclude(members__is_signatory=True):
        # A placeholder person, plainly so: the screenshots show the planner, not anyone's real delegation.
        Delegate.objects.create(
            delegation=delegation,
            name=f"Foreign minister of {delegation.name}"[:100],
            rank=Rank.FOREIGN_MINISTER,
            is_signatory=True,
            is_head=True,
        )
    user = get_user_model().objects.create_superuser("screenshots", password=password)
    signing_draw_letter(ceremony=ceremony, user=user)
    ceremony.refresh_from_db()
    signing_generate(
        ceremony=ceremony,
        starts_at=ceremony.signing_starts_at,
        slot_minutes=ceremony.signing_slot_minutes,
        room=ceremony.signing_room,
        user=user,
    )
    france = Delegation.objects.get(ceremony=ceremony, country="FR")
    hanoi = ceremony.zone
    france.arrival_at = datetime.datetime(2025, 10, 24, 15, 30, tzinfo=hanoi)
    france.departure_at = datetime.datetime(2025, 10, 26, 21, 0, tzinfo=hanoi)
    france.hotel = "An example hotel, Hà Nội"
    france.save()
    # At the door: a placeholder member of France's delegation, accredited and cleared, with a printed badge.
    member = Delegate.objects.create(
        delegation=france,
        name="Example delegate of France",
        position="Adviser",
        rank=Rank.ADVISER,
        accreditation_status=AccreditationStatus.ACCREDITED,
        clearance_status=ClearanceStatus.CLEARED,
    )
    (badge,) = badges_issue(delegates=[member], user=user)
    return ceremony.pk, f"/d/{delegation_issue_token(delegation=france, issued_by=user)}/", badge.code


def main():
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="planner-shots-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="planner.settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
    )
    sys.path.insert(0, str(ROOT))
    password = secrets.token_urlsafe(16)
    ceremony_pk, delegation_page, badge_code = prepare(password)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own manage.py, no outside input
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz")  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            phone = browser.new_context(**PHONE, timezone_id="Asia/Ho_Chi_Minh", locale="en-GB")
            page = phone.new_page()
            page.goto(base + "/")
            page.screenshot(path=OUT / "programme-phone.png", full_page=True, clip=PHONE_CLIP)
            page.goto(base + delegation_page)
            page.screenshot(path=OUT / "delegation-page-phone.png", full_page=True, clip=PHONE_CLIP)
            # The door, as an officer sees it after typing a badge's id.
            page.goto(base + "/admin/login/")
            page.fill("#id_username", "screenshots")
            page.fill("#id_password", password)
            page.click("#login-form [type=submit]")
            page.goto(base + "/admin/delegations/badge/door/")
            page.fill("input.door-code", badge_code.lower())
            page.click("button.door-submit")
            page.wait_for_selector("#door-answer")
            page.screenshot(path=OUT / "door-phone.png", full_page=True, clip={**PHONE_CLIP, "height": 844})
            desktop = browser.new_context(**DESKTOP, timezone_id="Asia/Ho_Chi_Minh", locale="en-GB")
            page = desktop.new_page()
            page.goto(base + "/admin/login/")
            page.fill("#id_username", "screenshots")
            page.fill("#id_password", password)
            page.click("#login-form [type=submit]")
            page.goto(f"{base}/admin/ceremony/ceremony/{ceremony_pk}/signing-desk/")
            page.screenshot(path=OUT / "signing-desk.png", full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait()
    for name in ("programme-phone.png", "delegation-page-phone.png", "signing-desk.png", "door-phone.png"):
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
