"""Concurrent edits: a form saved on a stale copy is refused with who changed what, never silently lost; and
simultaneous posts serialise instead of failing (the races run for real, with threads, on PostgreSQL)."""

import html
import re
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import close_old_connections, connection
from django.db.models.signals import pre_save
from django.test import Client
from simple_history.signals import pre_create_historical_record

from ceremony.enums import ItemKind, ItemStatus
from ceremony.models import ScheduleItem
from delegations.enums import ClearanceStatus, DelegationStatus, Rank
from delegations.models import Delegate, Delegation
from delegations.services import delegation_issue_token
from delegations.signing import signing_generate
from tests.adminpages import admin_url, form_values, page_text
from tests.delegations.test_views import edit_url, form_data
from tests.factories import CeremonyFactory, DelegateFactory, DelegationFactory, RoomFactory, hanoi

STALE = re.compile(
    r"(?P<who>[^<>]+?) changed (?P<what>.+?) at \d\d:\d\d \((?P<zone>[\w/]+)\), after you opened this page\. "
    r"Nothing was saved: what you typed is still below\. Check it against the current values, then save again\."
)


def organizer(group, name=None):
    user = get_user_model().objects.create_user(
        name or f"{group.lower()}-officer", password="unused-pw-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def refusal(response):
    """(who, what) of the stale-edit refusal on the page, or None."""
    found = STALE.search(html.unescape(page_text(response)))
    return (found["who"], found["what"]) if found else None


# --- One after the other: the second save sees the first ----------------------------------------------------------


def test_a_save_on_a_copy_changed_since_is_refused_and_keeps_what_was_typed(world):
    lan, minh = organizer("Protocol", "lan"), organizer("Security", "minh")
    url = admin_url(ScheduleItem, "change", world.items.opening.pk)
    first, second = form_values(lan.get(url)), form_values(minh.get(url))

    assert lan.post(url, {**first, "title": "Opening ceremony"}).status_code == 302
    refused = minh.post(url, {**second, "title": "Opening session"})

    assert refused.status_code == 200
    assert refusal(refused) == ("lan", "Title (English) (now “Opening ceremony”)")
    assert 'value="Opening session"' in page_text(refused)  # what Minh typed, to review
    assert ScheduleItem.objects.get(pk=world.items.opening.pk).title == "Opening ceremony"

    # Saving the reviewed form again overwrites knowingly.
    assert minh.post(url, form_values(refused)).status_code == 302
    assert ScheduleItem.objects.get(pk=world.items.opening.pk).title == "Opening session"


def test_a_change_to_a_field_the_form_does_not_write_neither_blocks_nor_is_lost(world):
    delegate = DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR)
    protocol, security = organizer("Protocol"), organizer("Security")
    protocol_url = admin_url(Delegate, "change", delegate.pk)
    opened = form_values(protocol.get(protocol_url))

    security_url = admin_url(Delegate, "change", delegate.pk)
    cleared = {**form_values(security.get(security_url)), "clearance_status": ClearanceStatus.CLEARED}
    assert security.post(security_url, cleared).status_code == 302

    assert protocol.post(protocol_url, {**opened, "position": "Ambassador"}).status_code == 302
    delegate.refresh_from_db()
    assert (delegate.position, delegate.clearance_status) == ("Ambassador", ClearanceStatus.CLEARED)


def test_a_row_of_an_inline_changed_since_is_refused_where_both_changed_it(world):
    delegate = DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR)
    lan, minh = organizer("Protocol", "lan"), organizer("Protocol", "minh")
    page = admin_url(Delegation, "change", world.alpha.pk)
    opened = form_values(lan.get(page))

    renamed = {**form_values(minh.get(admin_url(Delegate, "change", delegate.pk))), "name": "Jeanne Martin-Dupont"}
    assert minh.post(admin_url(Delegate, "change", delegate.pk), renamed).status_code == 302

    refused = lan.post(page, {**opened, "members-0-name": "Jeanne Dupont", "members-0-position": "Ambassador"})

    assert refused.status_code == 200
    assert refusal(refused) == ("minh", "Name as in passport (now “Jeanne Martin-Dupont”)")
    delegate.refresh_from_db()
    assert (delegate.name, delegate.position) == ("Jeanne Martin-Dupont", "")


def test_a_row_of_an_inline_changed_since_takes_both_changes_when_they_are_to_different_fields(world):
    delegate = DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR)
    lan, minh = organizer("Protocol", "lan"), organizer("Protocol", "minh")
    page = admin_url(Delegation, "change", world.alpha.pk)
    opened = form_values(lan.get(page))

    renamed = {**form_values(minh.get(admin_url(Delegate, "change", delegate.pk))), "name": "Jeanne Martin-Dupont"}
    assert minh.post(admin_url(Delegate, "change", delegate.pk), renamed).status_code == 302

    assert lan.post(page, {**opened, "members-0-position": "Ambassador"}).status_code == 302
    delegate.refresh_from_db()
    assert (delegate.name, delegate.position) == ("Jeanne Martin-Dupont", "Ambassador")


def test_a_row_nobody_touched_does_not_stand_in_the_way(world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR)
    other = DelegateFactory(delegation=world.alpha, name="Pierre Durand")
    lan, minh = organizer("Protocol", "lan"), organizer("Protocol", "minh")
    page = admin_url(Delegation, "change", world.alpha.pk)
    opened = form_values(lan.get(page))

    values = {**form_values(minh.get(page)), "members-1-position": "Adviser"}
    assert minh.post(page, values).status_code == 302
    # Lan changes the delegation's hotel and sees Pierre's row as it was: Minh's change stands.
    values = {**opened, "hotel": "Hotel Metropole", "members-1-position": "Adviser"}
    assert lan.post(page, values).status_code == 302
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Hotel Metropole"
    assert Delegate.objects.get(pk=other.pk).position == "Adviser"


def test_a_row_deleted_since_and_left_alone_here_stays_deleted_and_the_rest_is_saved(world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR)
    gone = DelegateFactory(delegation=world.alpha, name="Pierre Durand")
    lan = organizer("Protocol", "lan")
    page = admin_url(Delegation, "change", world.alpha.pk)
    opened = form_values(lan.get(page))
    gone.delete()  # by another organizer, meanwhile

    assert lan.post(page, {**opened, "hotel": "Hotel Metropole"}).status_code == 302
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Hotel Metropole"
    assert list(world.alpha.members.values_list("name", flat=True)) == ["Jeanne Martin"]


def test_a_row_deleted_since_and_changed_here_is_refused_saying_why(world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR)
    gone = DelegateFactory(delegation=world.alpha, name="Pierre Durand")
    lan = organizer("Protocol", "lan")
    page = admin_url(Delegation, "change", world.alpha.pk)
    opened = form_values(lan.get(page))
    row = next(key[: -len("-name")] for key, value in opened.items() if value == "Pierre Durand")
    gone.delete()

    refused = lan.post(page, {**opened, "hotel": "Hotel Metropole", f"{row}-position": "Adviser"})

    assert refused.status_code == 200
    assert "This delegate was deleted after you opened this page; nothing was saved." in html.unescape(
        page_text(refused)
    )
    assert Delegation.objects.get(pk=world.alpha.pk).hotel != "Hotel Metropole"


def test_the_delegations_form_is_refused_over_the_organizers_change_naming_no_one(client, admin_client, world):
    head = DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR, is_head=True)
    opened = form_data(world.alpha)  # the delegation opens its form
    url = admin_url(Delegation, "change", world.alpha.pk)
    assert admin_client.post(url, {**form_values(admin_client.get(url)), "hotel": "Hotel Metropole"}).status_code == 302

    refused = client.post(edit_url(world.alpha_token), {**opened, "hotel": "Sofitel"})

    assert refused.status_code == 200
    assert refusal(refused) == ("The organizers", "Hotel (now “Hotel Metropole”)")
    assert "admin" not in refusal(refused)[0]
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Hotel Metropole"
    head.refresh_from_db()
    assert head.is_head


def test_the_order_of_signing_changing_does_not_stand_in_the_delegations_way(client, world):
    world.alpha.intends_to_sign = True
    world.alpha.save()
    opened = form_data(world.alpha)
    world.alpha.signing_order = 4  # the order of signing is generated meanwhile
    world.alpha.save()

    assert client.post(edit_url(world.alpha_token), {**opened, "hotel": "Sofitel"}).status_code == 302
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.hotel, alpha.signing_order) == ("Sofitel", 4)


def test_the_organizers_change_to_a_field_the_delegation_left_alone_stands(client, admin_client, world):
    world.alpha.arrival_at = hanoi(23, 9)
    world.alpha.save()
    opened = form_data(world.alpha, arrival_at="2025-10-23T09:00")  # the delegation opens its form
    url = admin_url(Delegation, "change", world.alpha.pk)
    moved = {**form_values(admin_client.get(url)), "arrival_at_1": "15:00:00"}
    assert admin_client.post(url, moved).status_code == 302  # the organizers move the arrival

    assert client.post(edit_url(world.alpha_token), {**opened, "hotel": "Sofitel"}).status_code == 302

    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.hotel, alpha.arrival_at) == ("Sofitel", hanoi(23, 15))


def test_saving_again_after_a_refusal_overwrites_only_what_was_shown(client, admin_client, world):
    world.alpha.arrival_at = hanoi(23, 9)
    world.alpha.save()
    opened = form_data(world.alpha, arrival_at="2025-10-23T09:00")
    url = admin_url(Delegation, "change", world.alpha.pk)
    changed = {**form_values(admin_client.get(url)), "arrival_at_1": "15:00:00", "hotel": "Hotel Metropole"}
    assert admin_client.post(url, changed).status_code == 302  # the organizers move the arrival, book a hotel

    refused = client.post(edit_url(world.alpha_token), {**opened, "hotel": "Sofitel"})  # the delegation: a hotel
    assert refusal(refused) == ("The organizers", "Hotel (now “Hotel Metropole”)")

    assert client.post(edit_url(world.alpha_token), form_values(refused)).status_code == 302  # "save again"
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.hotel, alpha.arrival_at) == ("Sofitel", hanoi(23, 15))  # its hotel; the organizers' arrival


def test_the_delegation_cannot_delete_a_member_the_organizers_changed_since(client, admin_client, world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", is_head=True)
    other = DelegateFactory(delegation=world.alpha, name="Pierre Durand")
    opened = form_data(world.alpha, **{"members-1-DELETE": "on"})
    url = admin_url(Delegate, "change", other.pk)
    assert admin_client.post(url, {**form_values(admin_client.get(url)), "position": "Interpreter"}).status_code == 302

    refused = client.post(edit_url(world.alpha_token), opened)

    assert refused.status_code == 200
    assert refusal(refused) == ("The organizers", "Position (now “Interpreter”)")
    assert Delegate.objects.filter(pk=other.pk).exists()


# --- At the same time: threads against PostgreSQL ---------------------------------------------------------------------


@pytest.fixture
def needs_postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("runs concurrent writers: SQLite serialises whole transactions, PostgreSQL locks rows")


def run_together(*jobs):
    """Run each job (a callable, or a (thread name, callable) pair) in its own thread, released at the same moment;
    returns their results or exceptions."""
    jobs = [job if isinstance(job, tuple) else (None, job) for job in jobs]
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # the test reports it
            results[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job), name=name) for i, (name, job) in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("attempt", range(5))
def test_two_organizers_saving_one_item_at_once_lose_nothing(needs_postgresql, attempt):
    ceremony = CeremonyFactory(is_current=True)
    item = ScheduleItem.objects.create(
        ceremony=ceremony, uid=f"opening-{attempt}", title="Opening", kind=ItemKind.OPENING,
        starts_at=hanoi(25, 9), ends_at=hanoi(25, 10),
    )  # fmt: skip
    lan, minh = organizer("Protocol", "lan"), organizer("Security", "minh")
    url = admin_url(ScheduleItem, "change", item.pk)
    first, second = form_values(lan.get(url)), form_values(minh.get(url))

    results = run_together(
        lambda: lan.post(url, {**first, "title": "Opening ceremony"}),
        lambda: minh.post(url, {**second, "title": "Opening session"}),
    )

    assert sorted(r.status_code for r in results) == [200, 302], results
    saved, refused = sorted(results, key=lambda r: r.status_code, reverse=True)
    winner = "Opening ceremony" if saved is results[0] else "Opening session"
    assert ScheduleItem.objects.get(pk=item.pk).title == winner
    assert refusal(refused)[1] == f"Title (English) (now “{winner}”)"
    assert item.history.count() == 2  # created, and the one save that landed


def test_twenty_simultaneous_posts_choosing_heads_give_one_head_and_no_error(needs_postgresql):
    ceremony = CeremonyFactory(is_current=True)
    delegation = DelegationFactory(ceremony=ceremony, country="FR")
    members = [DelegateFactory(delegation=delegation, name=f"Member {n:02d}", is_head=(n == 0)) for n in range(21)]
    token = delegation_issue_token(delegation=delegation)
    opened = form_data(delegation)

    def choose(n):
        data = {**opened}
        data.pop("members-0-is_head")
        data[f"members-{n}-is_head"] = "on"
        return lambda: Client().post(edit_url(token), data)

    results = run_together(*(choose(n) for n in range(1, 21)))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status_code for r in results) == [200] * 19 + [302]
    assert Delegate.objects.filter(delegation=delegation, is_head=True).count() == 1
    for response in results:
        if response.status_code == 200:  # the head chosen first stands; the others are told
            assert "A delegation has only one head of delegation" in page_text(response)
    assert members[0].pk not in Delegate.objects.filter(is_head=True).values_list("pk", flat=True)


@pytest.fixture
def declining_holds_its_row():
    """Make the deadlock's interleaving certain, not a matter of luck: once the declining delegation's row is
    written (as its history is about to be, before the feeds are touched), the generation of the order is let
    go, and the decline pauses a moment before going on."""
    written = threading.Event()
    history = Delegation.history.model

    def pause(sender, **kwargs):
        if threading.current_thread().name == "decline" and not written.is_set():
            written.set()
            time.sleep(0.3)

    pre_create_historical_record.connect(pause, sender=history, dispatch_uid="test-decline-pause")
    yield written
    pre_create_historical_record.disconnect(sender=history, dispatch_uid="test-decline-pause")


@pytest.mark.parametrize("attempt", range(3))
def test_a_delegation_declining_while_the_order_is_generated_never_deadlocks(
    needs_postgresql, declining_holds_its_row, attempt
):
    room = RoomFactory(name="Signing Hall")
    ceremony = CeremonyFactory(is_current=True, drawn_letter="A", signing_starts_at=hanoi(25, 10), signing_room=room)
    delegations = []
    for code in ("FR", "JP", "KE", "BR", "DE", "MX"):
        delegation = DelegationFactory(
            ceremony=ceremony, country=code, intends_to_sign=True, status=DelegationStatus.CONFIRMED
        )
        DelegateFactory(delegation=delegation, is_signatory=True, rank=Rank.HEAD_OF_STATE)
        delegations.append(delegation)
    signing_generate(ceremony=ceremony, starts_at=hanoi(25, 10), slot_minutes=3, room=room)
    leaving = Delegation.objects.get(pk=delegations[attempt * 2].pk)
    token = delegation_issue_token(delegation=leaving)
    declined = {**form_data(leaving, attendance="declined"), "give_up_place": "on"}  # confirmed, as the form asks

    def generate():
        declining_holds_its_row.wait(timeout=5)
        return signing_generate(ceremony=ceremony, starts_at=hanoi(25, 10, 30), slot_minutes=3, room=room)

    results = run_together(
        ("decline", lambda: Client().post(edit_url(token), declined)),
        ("generate", generate),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0].status_code == 302
    leaving.refresh_from_db()
    assert (leaving.status, leaving.signing_order) == (DelegationStatus.DECLINED, None)
    live = ScheduleItem.objects.filter(kind=ItemKind.SIGNING, invited_delegations=leaving).exclude(
        status=ItemStatus.CANCELLED
    )
    assert not live.exists()
    others = Delegation.objects.filter(ceremony=ceremony).exclude(pk=leaving.pk)
    assert all(d.signing_order for d in others)


@pytest.mark.parametrize("attempt", range(3))
def test_two_organizers_adding_the_same_delegation_at_once_get_a_form_error_not_a_500(needs_postgresql, attempt):
    ceremony = CeremonyFactory(is_current=True)
    lan, minh = organizer("Protocol", "lan"), organizer("Protocol", "minh")
    url = admin_url(Delegation, "add")
    values = {
        **form_values(lan.get(url)),
        "ceremony": str(ceremony.pk),
        "kind": "member_state",
        "country": "KE",
        "status": "invited",
        "members-TOTAL_FORMS": "0",
    }

    results = run_together(lambda: lan.post(url, values), lambda: minh.post(url, values))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status_code for r in results) == [200, 302]
    refused = next(r for r in results if r.status_code == 200)
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page_text(refused), re.S)
    duplicate = ("This country already has a delegation at this ceremony.", "A delegation of this name is already")
    assert any(message in page_text(refused) for message in duplicate), errors
    assert Delegation.objects.filter(ceremony=ceremony, country="KE").count() == 1


def test_deleting_a_delegation_from_the_list_while_it_saves_its_form_never_deadlocks(needs_postgresql):
    ceremony = CeremonyFactory(is_current=True)
    delegation = DelegationFactory(ceremony=ceremony, country="FR")
    token = delegation_issue_token(delegation=delegation)
    data = form_data(delegation, hotel="Sofitel")
    protocol = organizer("Protocol")
    deleted = threading.Event()
    history = Delegation.history.model

    def pause(sender, history_instance, **kwargs):  # the row is deleted; the feeds not yet touched
        if threading.current_thread().name == "delete" and history_instance.history_type == "-":
            deleted.set()
            time.sleep(0.3)

    def save():
        deleted.wait(timeout=5)
        return Client().post(edit_url(token), data)

    pre_create_historical_record.connect(pause, sender=history, dispatch_uid="test-delete-pause")
    try:
        results = run_together(
            (
                "delete",
                lambda: protocol.post(
                    admin_url(Delegation, "changelist"),
                    {"action": "delete_selected", "_selected_action": [delegation.pk], "post": "yes"},
                ),
            ),
            ("save", save),
        )
    finally:
        pre_create_historical_record.disconnect(sender=history, dispatch_uid="test-delete-pause")

    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0].status_code == 302
    assert results[1].status_code == 404  # the delegation, and its link, are gone
    assert not Delegation.objects.filter(pk=delegation.pk).exists()


@pytest.fixture
def first_save_pauses():
    """Once the thread named "first" is about to write a member, it pauses a moment: the other post, released
    then, runs while the first holds what it has locked but has not yet written."""
    validated = threading.Event()

    def pause(sender, instance, **kwargs):
        if threading.current_thread().name == "first" and not validated.is_set():
            validated.set()
            time.sleep(0.5)

    pre_save.connect(pause, sender=Delegate, dispatch_uid="test-first-pause")
    yield validated
    pre_save.disconnect(sender=Delegate, dispatch_uid="test-first-pause")


@pytest.mark.parametrize("first", ["organizer", "delegation"])
def test_an_organizer_and_the_delegation_choosing_heads_at_once_get_one_head_and_no_error(
    needs_postgresql, first_save_pauses, first
):
    ceremony = CeremonyFactory(is_current=True)
    delegation = DelegationFactory(ceremony=ceremony, country="FR")
    anne = DelegateFactory(delegation=delegation, name="Anne")
    DelegateFactory(delegation=delegation, name="Bruno")
    token = delegation_issue_token(delegation=delegation)
    bruno_head = {**form_data(delegation), "members-1-is_head": "on"}  # the delegation makes Bruno head
    protocol = organizer("Protocol")
    url = admin_url(Delegate, "change", anne.pk)
    anne_head = {**form_values(protocol.get(url)), "is_head": "on"}  # Protocol makes Anne head

    def organizer_post():
        if first != "organizer":
            first_save_pauses.wait(timeout=5)
        return protocol.post(url, anne_head)

    def delegation_post():
        if first != "delegation":
            first_save_pauses.wait(timeout=5)
        return Client().post(edit_url(token), bruno_head)

    results = run_together(
        ("first" if first == "organizer" else "second", organizer_post),
        ("first" if first == "delegation" else "second", delegation_post),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status_code for r in results) == [200, 302]
    assert Delegate.objects.filter(delegation=delegation, is_head=True).count() == 1
    refused = next(r for r in results if r.status_code == 200)
    assert "head of delegation" in html.unescape(page_text(refused))


def test_two_organizers_making_different_members_head_at_once_get_one_head_and_no_error(
    needs_postgresql, first_save_pauses
):
    ceremony = CeremonyFactory(is_current=True)
    delegation = DelegationFactory(ceremony=ceremony, country="FR")
    anne = DelegateFactory(delegation=delegation, name="Anne")
    bruno = DelegateFactory(delegation=delegation, name="Bruno")
    lan, minh = organizer("Protocol", "lan"), organizer("Protocol", "minh")
    anne_url, bruno_url = admin_url(Delegate, "change", anne.pk), admin_url(Delegate, "change", bruno.pk)
    anne_head = {**form_values(lan.get(anne_url)), "is_head": "on"}
    bruno_head = {**form_values(minh.get(bruno_url)), "is_head": "on"}

    def second():
        first_save_pauses.wait(timeout=5)
        return minh.post(bruno_url, bruno_head)

    results = run_together(("first", lambda: lan.post(anne_url, anne_head)), ("second", second))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert [r.status_code for r in results] == [302, 200]
    assert "This delegation already has a head of delegation." in page_text(results[1])
    assert list(Delegate.objects.filter(is_head=True).values_list("name", flat=True)) == ["Anne"]
