"""Protocol hears at once, in its own language, when a delegation stops signing or changes who signs."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from post_office.models import STATUS, Email

from ceremony.enums import Language
from ceremony.models import StaffMember
from ceremony.roles import PROTOCOL, SECURITY
from delegations.models import Delegate
from tests.adminpages import admin_url, form_values
from tests.delegations.test_views import edit_url, form_data

pytestmark = pytest.mark.django_db


def officer(name, group, email, language=None, agency=None):
    user = get_user_model().objects.create_user(name, email=email, password="unused-pw-123", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    if language is not None:
        StaffMember.objects.create(user=user, agency=agency, language=language)
    return user


@pytest.fixture
def protocol(world):
    return [
        officer("lan", PROTOCOL, "lan@mofa.example", language=Language.VIETNAMESE, agency=world.mofa),
        officer("ann", PROTOCOL, "ann@mofa.example"),  # no staff record: English
        officer("nomail", PROTOCOL, ""),
        officer("sam", SECURITY, "sam@mps.example"),
    ]


def alerts():
    return {email.to[0]: email for email in Email.objects.filter(status=STATUS.queued).order_by("pk")}


@pytest.fixture
def signing(world):
    world.alpha.intends_to_sign = True
    world.alpha.save()
    return Delegate.objects.create(delegation=world.alpha, name="Jean Dupont", is_signatory=True, is_head=True)


def test_a_delegation_declining_through_its_form_alerts_each_protocol_officer_once(client, world, protocol, signing):
    Email.objects.all().delete()

    client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="declined", give_up_place="on"))

    sent = alerts()
    assert set(sent) == {"lan@mofa.example", "ann@mofa.example"}  # not the officer without an address, nor Security
    english = sent["ann@mofa.example"]
    assert english.subject == "France no longer signs"
    assert "France has declined and no longer signs the Convention: its signing slot is cancelled." in english.message
    assert "Changed through the delegation's own link on " in english.message
    assert "(Asia/Ho_Chi_Minh, UTC+07:00)." in english.message
    assert f"http://testserver/admin/delegations/delegation/{world.alpha.pk}/change/" in english.message
    assert english.headers == {"Reply-To": english.from_email}
    vietnamese = sent["lan@mofa.example"]
    assert vietnamese.subject == "Pháp không còn ký nữa"
    assert "Pháp" in vietnamese.message and "France" not in vietnamese.message


def test_an_organizer_changing_the_signatory_alerts_protocol_with_old_and_new(client, world, protocol, signing):
    user = officer("pat", PROTOCOL, "pat@mofa.example")
    client.force_login(user)
    Email.objects.all().delete()
    url = admin_url(Delegate, "change", signing.pk)
    values = form_values(client.get(url))
    values["name"] = "Marie Curie"

    response = client.post(url, values)

    assert response.status_code == 302
    sent = alerts()
    assert set(sent) == {"lan@mofa.example", "ann@mofa.example", "pat@mofa.example"}
    message = sent["ann@mofa.example"]
    assert message.subject == "France changed who signs"
    assert "Who signs for France: Jean Dupont → Marie Curie" in message.message
    assert "Changed by pat on " in message.message


def test_swapping_signatories_in_one_post_makes_one_message_each(client, world, protocol, signing):
    from delegations.models import Delegation

    deputy = Delegate.objects.create(delegation=world.alpha, name="Paul Martin")
    user = officer("pat", PROTOCOL, "pat@mofa.example")
    client.force_login(user)
    Email.objects.all().delete()
    url = admin_url(Delegation, "change", world.alpha.pk)
    values = form_values(client.get(url))
    index = {values[f"members-{i}-id"]: i for i in range(2)}
    values.pop(f"members-{index[str(signing.pk)]}-is_signatory", None)
    values[f"members-{index[str(deputy.pk)]}-is_signatory"] = "on"

    response = client.post(url, values)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Email.objects.filter(to__contains="ann@mofa.example").count() == 1
    assert "Who signs for France: Jean Dupont → Paul Martin" in alerts()["ann@mofa.example"].message


def test_an_unrelated_change_alerts_nobody(client, world, protocol, signing):
    Email.objects.all().delete()

    client.post(edit_url(world.alpha_token), form_data(world.alpha, hotel="Daewoo"))

    assert alerts() == {}


def test_a_rolled_back_change_leaves_no_alert(world, protocol, signing):
    from django.db import transaction

    Email.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        signing.is_signatory = False
        signing.save()
        assert len(alerts()) == 2
        raise RuntimeError
    assert alerts() == {}


def test_erasing_a_signatorys_personal_data_writes_no_message_naming_them(world, protocol, signing):
    from delegations.personal_data import delegate_erase

    Email.objects.all().delete()

    delegate_erase(delegate_id=signing.pk)

    assert alerts() == {}


def test_deleting_a_whole_delegation_is_not_a_change_of_signatory(world, protocol, signing):
    Email.objects.all().delete()

    world.alpha.delete()

    assert alerts() == {}


def test_an_organizer_removing_the_signatory_alerts_protocol(world, protocol, signing):
    Email.objects.all().delete()

    signing.delete()

    assert "Who signs for France: Jean Dupont → —" in alerts()["ann@mofa.example"].message
