"""A delegation's calendar over HTTP (delegations.feeds): what it shows, and the item links in it."""

import datetime as dt
import re

from delegations.enums import Rank
from delegations.services import delegation_issue_token
from delegations.signing import signing_generate, slot_uid
from tests import icalcheck
from tests.ceremony.test_feeds import delegation_url, uids
from tests.factories import CeremonyFactory, DelegateFactory, hanoi


def test_delegation_feed_has_public_all_delegation_and_its_own_invitations(client, world):
    response = client.get(delegation_url(world.alpha_token))
    assert response.status_code == 200
    assert uids(response) == {"opening", "briefing", "alpha-slot", "closing"}
    assert "X-WR-CALNAME:Hanoi signing — France" in icalcheck.unfolded_lines(response.content)


def test_delegation_never_sees_another_delegations_invitations(client, world):
    assert "beta-slot" not in uids(client.get(delegation_url(world.alpha_token)))
    assert uids(client.get(delegation_url(world.beta_token))) == {"opening", "briefing", "beta-slot", "closing"}


def test_delegation_feed_has_its_own_signing_slot_and_not_anothers(client, world):
    world.ceremony.drawn_letter = "A"
    world.ceremony.save()
    for delegation in (world.alpha, world.beta):
        delegation.intends_to_sign = True
        delegation.save()
        DelegateFactory(delegation=delegation, is_signatory=True, rank=Rank.HEAD_OF_STATE)
    signing_generate(ceremony=world.ceremony, starts_at=hanoi(25, 15), slot_minutes=5, room=world.room)
    alpha_slot, beta_slot = slot_uid(world.ceremony, world.alpha), slot_uid(world.ceremony, world.beta)

    events = icalcheck.events(client.get(delegation_url(world.alpha_token)).content)

    assert set(events) == {"opening", "briefing", "alpha-slot", "closing", alpha_slot}
    slot = events[alpha_slot]
    assert slot.summary.value == "Signature: France"
    assert (icalcheck.utc(slot.dtstart.value), icalcheck.utc(slot.dtend.value)) == (
        dt.datetime(2025, 10, 25, 8, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 10, 25, 8, 5, tzinfo=dt.UTC),
    )
    assert beta_slot in uids(client.get(delegation_url(world.beta_token)))


def test_a_rotated_delegation_token_is_refused(client, world):
    old = world.alpha_token
    new = delegation_issue_token(delegation=world.alpha)
    assert client.get(delegation_url(old)).status_code == 404
    assert client.get(delegation_url(new)).status_code == 200


def test_invited_item_downloads_only_with_a_token_that_may_see_it(client, world):
    assert client.get(f"/items/alpha-slot.ics?token={world.alpha_token}").status_code == 200
    assert client.get(f"/items/alpha-slot.ics?token={world.beta_token}").status_code == 404
    assert client.get("/items/alpha-slot.ics").status_code == 404


def item_links(response):
    """{UID: the event's URL} of a feed."""
    return {uid: event.url.value for uid, event in icalcheck.events(response.content).items()}


def test_delegation_feed_links_hidden_items_without_its_token(client, world):
    response = client.get(delegation_url(world.alpha_token))
    links = item_links(response)

    assert world.alpha_token not in response.content.decode()
    assert links["opening"] == "http://testserver/items/opening.ics"
    assert re.fullmatch(
        rf"http://testserver/items/alpha-slot\.ics\?key=d{world.alpha.pk}\.[A-Za-z0-9_-]{{43}}", links["alpha-slot"]
    )
    download = client.get(links["alpha-slot"].removeprefix("http://testserver"))
    assert download.status_code == 200
    assert uids(download) == {"alpha-slot"}
    assert client.get(links["briefing"].removeprefix("http://testserver")).status_code == 200


def test_an_item_link_opens_nothing_else(client, world):
    link = item_links(client.get(delegation_url(world.alpha_token)))["alpha-slot"].removeprefix("http://testserver")
    key = link.split("?key=")[1]
    signature = key.split(".")[1]
    tampered = f"d{world.alpha.pk}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    other_holder = f"d{world.beta.pk}.{signature}"
    for url in (
        f"/items/alpha-slot.ics?key={tampered}",
        f"/items/alpha-slot.ics?key={other_holder}",
        f"/items/briefing.ics?key={key}",  # another item
        f"/items/alpha-slot.ics?key=s1.{signature}",
        f"/items/alpha-slot.ics?key={signature}",
        f"/d/{key}/calendar.ics",
        f"/d/{key}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url


def test_an_item_link_stops_working_when_the_token_is_rotated(client, world):
    link = item_links(client.get(delegation_url(world.alpha_token)))["alpha-slot"].removeprefix("http://testserver")
    new = delegation_issue_token(delegation=world.alpha)

    assert client.get(link).status_code == 404
    fresh = item_links(client.get(delegation_url(new)))["alpha-slot"].removeprefix("http://testserver")
    assert fresh != link
    assert client.get(fresh).status_code == 200


def test_an_item_link_stops_working_when_the_invitation_is_withdrawn(client, world):
    link = item_links(client.get(delegation_url(world.alpha_token)))["alpha-slot"].removeprefix("http://testserver")
    world.items.alpha_slot.invited_delegations.remove(world.alpha)

    assert client.get(link).status_code == 404


def test_moving_a_delegation_to_another_ceremony_changes_both_ceremonies_feeds(world):
    other = CeremonyFactory()
    world.ceremony.refresh_from_db()
    stamps = {c.pk: c.feeds_changed_at for c in (world.ceremony, other)}
    world.alpha.ceremony = other
    world.alpha.save()
    for ceremony in (world.ceremony, other):
        ceremony.refresh_from_db()
        assert ceremony.feeds_changed_at > stamps[ceremony.pk]


def test_a_delegation_name_cannot_break_its_calendar(client, world):
    world.alpha.name = "France\r\nX-INJECTED:1\u2028BEGIN:VEVENT"
    world.alpha.save()
    response = client.get(delegation_url(world.alpha_token))
    assert set(icalcheck.property_names(response.content)) <= icalcheck.KNOWN
    assert "\u2028" not in response.content.decode()
    assert "X-WR-CALNAME:Hanoi signing — France X-INJECTED:1 BEGIN:VEVENT" in icalcheck.unfolded_lines(response.content)
