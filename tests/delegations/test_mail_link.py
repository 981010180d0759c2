"""Protocol sends a delegation its link by mail: a new one from the delegation's page (after asking), or the one
just issued from the page that shows it; in the delegation's language, to its contact, never to a bouncing one."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from post_office.models import Email

from ceremony.enums import Language
from ceremony.models import UndeliverableAddress
from ceremony.outbox import mark_undeliverable
from ceremony.roles import PROTOCOL, SECURITY
from ceremony.tokens import find_by_token
from delegations.models import Delegation
from tests.adminpages import admin_url, page_text, run_action, shown_messages

pytestmark = pytest.mark.django_db


def officer(client, group):
    user = get_user_model().objects.create_user(f"{group.lower()}-officer", password="unused-pw-123", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def send_url(delegation):
    return f"/admin/delegations/delegation/{delegation.pk}/send-link/"


@pytest.fixture
def contact(world):
    world.alpha.contact_email = "protocol@france.example"
    world.alpha.save()
    return world.alpha


def page_link(message):
    return re.search(r"https?://testserver/d/([^/\s]+)/\n", message)[1]


def test_sending_a_new_link_asks_first_then_issues_and_mails_it(client, world, contact, settings):
    settings.PLANNER_CONTACT_EMAIL = "ceremony@planner.example"
    user = officer(client, PROTOCOL)

    change = page_text(client.get(admin_url(Delegation, "change", contact.pk)))
    assert f'href="{send_url(contact)}"' in change
    asked = page_text(client.get(send_url(contact)))
    assert "the delegation's page and calendar will be written to protocol@france.example, in English." in asked
    assert "current link stops working at once" in asked
    assert Email.objects.count() == 0

    response = client.post(send_url(contact), follow=True)

    assert shown_messages(response) == [
        ("success", "A new link is on its way to protocol@france.example. The old link no longer works.")
    ]
    assert client.get(f"/d/{world.alpha_token}/").status_code == 404  # the old link stopped working
    email = Email.objects.get()
    assert email.to == ["protocol@france.example"]
    assert email.from_email == "ceremony@planner.example"
    assert email.headers == {"Reply-To": "ceremony@planner.example"}
    assert email.subject == "Your delegation's page for Hanoi signing"
    token = page_link(email.message)
    assert find_by_token(Delegation.objects.all(), token) == contact
    assert f"webcal://testserver/d/{token}/calendar.ics" in email.message
    assert f"http://testserver/d/{token}/calendar.ics" in email.message
    assert "Questions: reply to this message, or write to ceremony@planner.example." in email.message
    assert client.get(f"/d/{token}/").status_code == 200
    delegation = Delegation.objects.get(pk=contact.pk)
    assert delegation.token_issued_by == user
    assert delegation.history.first().history_user == user
    logged = LogEntry.objects.get(object_id=str(contact.pk))
    assert logged.change_message == "Sent a new link to protocol@france.example."


def test_the_link_mail_is_in_the_delegations_language(client, world, contact):
    contact.language = Language.VIETNAMESE
    contact.save()
    officer(client, PROTOCOL)

    client.post(send_url(contact))

    email = Email.objects.get()
    assert email.subject == "Trang của đoàn cho Lễ ký Hà Nội"
    assert "Pháp" in email.message


def test_no_contact_address_is_refused_and_nothing_changes(client, world):
    officer(client, PROTOCOL)

    asked = page_text(client.get(send_url(world.alpha)))
    response = client.post(send_url(world.alpha), follow=True)

    assert "France has no contact address: add one first." in asked
    assert shown_messages(response) == [("error", "France has no contact address: add one first.")]
    assert Email.objects.count() == 0
    assert client.get(f"/d/{world.alpha_token}/").status_code == 200  # the old link still works


def test_a_bouncing_contact_is_refused_until_corrected(client, world, contact):
    officer(client, PROTOCOL)
    mark_undeliverable(["Protocol@France.example"], reason="550 5.1.1 User unknown")

    response = client.post(send_url(contact), follow=True)

    [(level, text)] = shown_messages(response)
    assert level == "error"
    assert text.startswith("The contact address of France, protocol@france.example, bounced on ")
    assert text.endswith("(550 5.1.1 User unknown): correct it first.")
    assert Email.objects.count() == 0
    change = page_text(client.get(admin_url(Delegation, "change", contact.pk)))
    assert "Bounced on " in change and "550 5.1.1 User unknown" in change

    contact.contact_email = "desk@france.example"  # corrected: a new address is not marked
    contact.save()
    client.post(send_url(contact))
    assert Email.objects.get().to == ["desk@france.example"]
    assert UndeliverableAddress.objects.get().address == "protocol@france.example"


@pytest.mark.parametrize("group", [SECURITY, "Logistics", "Viewer"])
def test_other_roles_see_no_button_and_are_refused(client, world, contact, group):
    officer(client, group)

    change = client.get(admin_url(Delegation, "change", contact.pk))
    assert send_url(contact) not in page_text(change)
    assert client.get(send_url(contact)).status_code == 403
    assert client.post(send_url(contact)).status_code == 403
    assert client.post(f"/admin/delegations/delegation/{contact.pk}/mail-link/", {"page": "/d/x/"}).status_code == 403
    assert Email.objects.count() == 0
    assert client.get(f"/d/{world.alpha_token}/").status_code == 200


def test_the_page_of_links_just_issued_sends_each_to_its_contact(client, world, contact):
    officer(client, PROTOCOL)
    issued = run_action(client, Delegation, "issue_access_links", [world.alpha, world.beta], post="yes")
    text = page_text(issued)
    assert "Send to protocol@france.example" in text
    assert "Japan has no contact address: add one first." in text
    page = re.search(r'name="page" value="(/d/[^"]+/)"', text)[1]

    response = client.post(f"/admin/delegations/delegation/{contact.pk}/mail-link/", {"page": page}, follow=True)

    assert shown_messages(response) == [("success", "The link is on its way to protocol@france.example.")]
    email = Email.objects.get()
    assert f"http://testserver{page}\n" in email.message


def test_a_link_that_is_not_the_delegations_current_one_is_not_mailed(client, world, contact):
    officer(client, PROTOCOL)

    for page in [f"/d/{world.beta_token}/", "/d/made-up/", "/admin/", "", "/d/%00/"]:
        response = client.post(f"/admin/delegations/delegation/{contact.pk}/mail-link/", {"page": page}, follow=True)
        assert shown_messages(response) == [("error", "This link is no longer the delegation's: issue a new one.")]
    assert Email.objects.count() == 0


def test_the_mail_is_plain_text_not_html_escaped(client, world, contact):
    contact.kind = "igo"
    contact.name = "Trinidad & Tobago <Mission>"
    contact.country = ""
    contact.save()
    officer(client, PROTOCOL)

    client.post(send_url(contact))

    message = Email.objects.get().message
    assert message.startswith("Dear colleagues of Trinidad & Tobago <Mission>,\n")
    assert "&amp;" not in message and "&lt;" not in message
