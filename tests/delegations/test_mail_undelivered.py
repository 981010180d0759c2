"""A contact address the mail server refuses for good is shown to Protocol, on the dashboard and the delegation."""

import pytest
from post_office.models import STATUS, Email

from ceremony.mail_worker import deliver
from ceremony.roles import PROTOCOL, SECURITY
from delegations.models import Delegation
from tests.adminpages import admin_url, page_text
from tests.delegations.test_mail_link import officer, send_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounced(client, world, mail_server):
    world.alpha.contact_email = "nobody@france.example"
    world.alpha.save()
    mail_server.handler.refused = {"nobody@france.example"}
    officer(client, PROTOCOL)
    client.post(send_url(world.alpha))
    assert len(deliver().failed) == 1
    return world.alpha


def test_the_dashboard_lists_the_bounced_address_with_its_delegation_for_protocol(client, bounced):
    text = page_text(client.get("/admin/"))

    assert "Mail not delivered" in text
    panel = text[text.index('id="undelivered-mail"') :]
    assert "nobody@france.example" in panel
    assert "Recipient address rejected: User unknown" in panel
    assert f'<a href="{admin_url(Delegation, "change", bounced.pk)}">France</a>' in panel
    assert "(Asia/Ho_Chi_Minh)" in panel


def test_the_delegation_shows_its_contact_bounced_and_no_more_mail_is_queued(client, bounced):
    change = page_text(client.get(admin_url(Delegation, "change", bounced.pk)))
    assert "Bounced on " in change and "User unknown" in change

    client.post(send_url(bounced))

    assert Email.objects.count() == 1 and Email.objects.get().status == STATUS.failed


def test_other_roles_do_not_see_the_panel(client, bounced):
    officer(client, SECURITY)

    assert "Mail not delivered" not in page_text(client.get("/admin/"))


def test_a_message_failed_after_its_retries_is_listed_too(client, world, mail_server, settings):
    import datetime as dt

    settings.POST_OFFICE = {**settings.POST_OFFICE, "MAX_RETRIES": 0, "RETRY_INTERVAL": dt.timedelta(0)}
    world.alpha.contact_email = "desk@france.example"
    world.alpha.save()
    officer(client, PROTOCOL)
    client.post(send_url(world.alpha))
    mail_server.handler.accept = 0
    deliver()

    panel = page_text(client.get("/admin/"))
    panel = panel[panel.index('id="undelivered-mail"') :]
    assert "desk@france.example" in panel and "Your delegation&#x27;s page for Hanoi signing" in panel
    assert "421" in panel
