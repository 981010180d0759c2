"""The door on a phone: an officer types a badge id (as a person reads it out: lower case, a space) and gets the
answer in big words, then the same badge again, then a stranger's id."""

import re

import pytest
from playwright.sync_api import expect

from delegations.badges import badges_issue, grouped
from delegations.enums import AccreditationStatus, ClearanceStatus, DelegationStatus, Rank
from delegations.models import Delegate, Delegation, Entry
from tests.browser.axe import axe_check
from tests.browser.test_pages import NO_HORIZONTAL_SCROLL, submit

pytestmark = pytest.mark.browser


def test_checking_in_by_typing_the_id_on_a_phone(page, live_server, logged_in, shot):
    delegation = Delegation.objects.get(country="VN")
    son = Delegate.objects.create(
        delegation=delegation, name="Bùi Thanh Sơn", rank=Rank.FOREIGN_MINISTER, is_signatory=True,
        accreditation_status=AccreditationStatus.ACCREDITED, clearance_status=ClearanceStatus.CLEARED,
    )  # fmt: skip
    (badge,) = badges_issue(delegates=[son], user=None)

    page.goto(live_server.url + "/admin/delegations/badge/door/")
    field = page.get_by_label("Badge id")
    expect(field).to_be_focused()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the door page scrolls sideways on a phone"
    axe_check(page)

    field.fill(f"{badge.code[:5].lower()} {badge.code[5:].lower()}")
    submit(page, page.get_by_role("button", name="Check in"))

    alert = page.get_by_role("alert")
    expect(alert).to_have_class(re.compile(r"\bdoor-enter\b"))
    expect(alert.locator(".door-verdict")).to_have_text("ENTER")
    expect(alert.locator(".door-name")).to_have_text("Bùi Thanh Sơn")
    expect(alert.locator(".door-delegation")).to_have_text("Viet Nam")
    expect(alert.locator(".door-cleared")).to_have_text("Security clearance: cleared")
    expect(alert.locator(".door-code-read")).to_have_text(f"Badge id: {grouped(badge.code)}")
    expect(page.get_by_label("Badge id")).to_have_value("")  # ready for the next person
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    axe_check(page)
    shot("enter")
    entry = Entry.objects.get()
    assert entry.officer.username == "organizer"
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.ARRIVED

    page.get_by_label("Badge id").fill(badge.code)
    submit(page, page.get_by_role("button", name="Check in"))
    expect(page.get_by_role("alert").locator(".door-verdict")).to_have_text(
        re.compile(r"^Already inside since \d\d:\d\d \(Asia/Ho_Chi_Minh\)$")
    )
    # The orange answer names the zone in big letters: it wraps on a phone rather than push the page sideways
    # (which zoomed the phone out and sent the next tap on "Check in" to the label above it).
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the 'already inside' answer scrolls sideways on a phone"
    shot("inside")

    page.get_by_label("Badge id").fill("NOT-A-BADGE")
    submit(page, page.get_by_role("button", name="Check in"))
    refused = page.get_by_role("alert")
    expect(refused).to_have_class(re.compile(r"\bdoor-refused\b"))
    expect(refused.locator(".door-verdict")).to_have_text("REFUSED: unknown badge id")
    axe_check(page)
    assert Entry.objects.count() == 1
    assert logged_in == []  # no script was refused by the CSP
