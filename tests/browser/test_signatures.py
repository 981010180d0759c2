"""The signing, recorded, in a real browser: Protocol marks a signature on the next-up page at desktop size, and the
public list then says "1 state has signed" (and, in Vietnamese, "1 quốc gia đã ký")."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from ceremony.roles import groups_sync
from delegations.enums import Rank
from delegations.models import Delegate, Delegation, Signature
from tests.browser.axe import axe_check
from tests.browser.conftest import DESKTOP, PASSWORD, SCREENSHOTS
from tests.browser.test_pages import NO_HORIZONTAL_SCROLL, submit, switch_language
from tests.factories import DelegateFactory, DelegationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def order_of_signing(seeded_live):
    """Viet Nam (the host) in place 1 and Mexico in place 2, each with its head of state as signatory."""
    viet_nam = Delegation.objects.get(ceremony=seeded_live, country="VN")
    DelegateFactory(delegation=viet_nam, is_signatory=True, rank=Rank.HEAD_OF_STATE, name="Lương Cường")
    viet_nam.intends_to_sign, viet_nam.signing_order = True, 1
    viet_nam.save()
    mexico = DelegationFactory(ceremony=seeded_live, country="MX", name="Mexico", intends_to_sign=True, signing_order=2)
    DelegateFactory(delegation=mexico, is_signatory=True, rank=Rank.HEAD_OF_STATE, name="Head of Mexico")
    return seeded_live


@pytest.fixture
def protocol_tab(browser, live_server, order_of_signing):
    """A desktop tab of a Protocol officer signed in; yields (page, the CSP violations reported)."""
    groups_sync(group_model=Group, permission_model=Permission)
    user = get_user_model().objects.create_user("lan", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Protocol"))
    context = browser.new_context(**DESKTOP, locale="en-GB", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "lan")
        page.fill("#id_password", PASSWORD)
        submit(page, page.locator("input[type=submit]"))
        yield page, violations
    finally:
        context.close()


def test_protocol_marks_a_signature_and_the_public_list_counts_it(protocol_tab, live_server, order_of_signing):
    page, violations = protocol_tab
    ceremony = order_of_signing

    page.goto(f"{live_server.url}/admin/ceremony/ceremony/{ceremony.pk}/next-up/")
    expect(page.locator(".next-up-delegation")).to_have_text("Viet Nam")
    expect(page.locator("#id_signatory")).to_have_value(str(Delegate.objects.get(name="Lương Cường").pk))
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the next-up page scrolls sideways"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "signatures-next-up.png", full_page=True)
    submit(page, page.get_by_role("button", name="Signed", exact=True))

    expect(page.locator(".messagelist")).to_contain_text("Viet Nam signed at")
    expect(page.locator(".next-up-delegation")).to_have_text("Mexico")  # called next
    mark = Signature.objects.get()
    assert (mark.delegation.name, mark.signatory.name, mark.recorded_by.username) == ("Viet Nam", "Lương Cường", "lan")

    page.get_by_role("link", name="Public list of signatures").click()
    expect(page.locator("#signatures-heading")).to_have_text("1 state has signed")
    expect(page.locator("#signatures-states li")).to_have_count(1)
    expect(page.locator("#signatures-states li")).to_contain_text("Viet Nam")
    axe_check(page)
    page.screenshot(path=SCREENSHOTS / "signatures-public.png", full_page=True)

    switch_language(page, "vi")
    expect(page.locator("#signatures-heading")).to_have_text("1 quốc gia đã ký")
    expect(page.locator("#signatures-states li")).to_contain_text("Việt Nam")
    assert violations == []
