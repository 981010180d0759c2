"""A delegation's private page and its self-service form."""

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from ceremony.enums import ItemKind, Visibility
from ceremony.models import ScheduleItem
from ceremony.stale_edits import latest_versions
from delegations.enums import (
    AccreditationStatus,
    ClearanceStatus,
    DelegationStatus,
    PowersBasis,
    Rank,
    SignatureOutcome,
)
from delegations.models import Delegate, Delegation, Signature, SigningSlot
from delegations.services import delegation_issue_token
from delegations.views import SELF_SERVICE_REASON
from tests.adminpages import plain
from tests.factories import DelegateFactory, FullPowersFactory, RoomFactory, ScheduleItemFactory, add_seen_items, hanoi


def page_url(token):
    return f"/d/{token}/"


def edit_url(token):
    return f"/d/{token}/edit/"


def item_ids(response):
    return re.findall(r'id="item-([^"]+)"', response.content.decode())


@pytest.fixture
def slot(world):
    """Alpha's signing slot, invited to Alpha only, and Alpha's place in the order."""
    world.alpha.signing_order, world.alpha.intends_to_sign = 7, True
    world.alpha.save()
    item = ScheduleItemFactory(
        ceremony=world.ceremony, uid="signing-alpha", kind=ItemKind.SIGNING, visibility=Visibility.INVITED,
        starts_at=hanoi(25, 10, 35), ends_at=hanoi(25, 10, 40), room=world.room, title="Signing: France",
    )  # fmt: skip
    item.invited_delegations.add(world.alpha)
    return item


# --- the page --------------------------------------------------------------------------------------------------------


def test_page_shows_the_delegations_own_schedule(client, world):
    response = client.get(page_url(world.alpha_token))
    assert response.status_code == 200
    assert item_ids(response) == ["briefing", "opening", "alpha-slot", "closing"]


def test_page_never_shows_another_delegations_items_or_staff_items(client, world):
    ids = item_ids(client.get(page_url(world.alpha_token)))
    assert "beta-slot" not in ids
    assert "security-sweep" not in ids
    assert "press-prep" not in ids


def test_page_highlights_the_signing_slot_with_its_order(client, world, slot):
    text = client.get(page_url(world.alpha_token)).content.decode()
    assert "Your signing slot" in text
    assert "Saturday 25 October, 10:35–10:40, Plenary Hall. Your delegation signs in position 7." in text
    own = text[text.index('id="item-signing-alpha"') - 200 : text.index('id="item-signing-alpha"')]
    assert "item-signing-own" in own


def test_page_shows_members_stay_and_liaison(client, world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", position="Ambassador", is_head=True)
    world.alpha.hotel = "Hotel Metropole"
    world.alpha.liaison_officer = "Tran Van C, +84 90 000 0000"
    world.alpha.arrival_at = hanoi(24, 15, 30)
    world.alpha.save()
    text = client.get(page_url(world.alpha_token)).content.decode()
    assert "Jeanne Martin, Ambassador" in text
    assert "Head of delegation" in text
    assert "Hotel Metropole" in text
    assert "Tran Van C, +84 90 000 0000" in text
    assert re.search(r'<dd class="col-7" id="stay-arrival">24 October 2025, 15:30</dd>', text)


def test_page_offers_webcal_google_and_a_qr_code(client, world):
    text = client.get(page_url(world.alpha_token)).content.decode()
    feed = f"testserver/d/{world.alpha_token}/calendar.ics"
    assert f'href="webcal://{feed}"' in text
    assert f'value="http://{feed}"' in text
    assert (
        f'href="https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Ftestserver%2Fd%2F{world.alpha_token}' in text
    )
    assert re.search(r'<figure class="qr[^"]*"[^>]*>\s*<svg', text)


def test_page_is_private(client, world):
    response = client.get(page_url(world.alpha_token))
    # The secret path goes to no other site; same-site requests keep their Origin for the CSRF check.
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Kept by the delegation's own browser only, which asks again each time (a 304 when nothing changed).
    assert response["Cache-Control"] == "private, no-cache"


def seen_now(client, token):
    response = client.post(f"/d/{token}/seen/")
    assert (response.status_code, response["Location"]) == (302, page_url(token))
    return response


def test_what_changed_stays_until_dismissed(client, world):
    first = client.get(page_url(world.alpha_token))
    assert "seen" not in first.cookies  # looking is not reading: only "Mark as read" sets it
    cookie = seen_now(client, world.alpha_token).cookies["seen"]
    assert cookie["path"] == page_url(world.alpha_token)
    assert cookie["httponly"]
    assert changed_section(client.get(page_url(world.alpha_token)).content.decode()) is None

    world.items.briefing.starts_at, world.items.briefing.ends_at = hanoi(25, 7, 30), hanoi(25, 8)
    world.items.briefing.save()
    for _reload in range(2):  # still there after a reload
        text = html.unescape(client.get(page_url(world.alpha_token)).content.decode())
        heading, uids = changed_section(text)
        assert re.fullmatch(r"What changed since \w{3} \d{1,2} \w{3}, \d\d:\d\d", heading)
        assert uids == ["briefing"]
        assert "time Sat 25 Oct, 08:00–08:30 → Sat 25 Oct, 07:30–08:00" in text

    seen_now(client, world.alpha_token)
    assert changed_section(client.get(page_url(world.alpha_token)).content.decode()) is None


def test_seen_takes_only_a_post_of_a_real_token(client, world):
    assert client.get(f"/d/{world.alpha_token}/seen/").status_code == 405
    assert client.post(f"/d/{'x' * 43}/seen/").status_code == 404


def backdate_history(days=10):
    """As if every item had been published ``days`` ago (the factories write their history now)."""
    ScheduleItem.history.model.objects.update(history_date=timezone.now() - dt.timedelta(days=days))


def test_what_changed_shows_old_and_new_time_room_and_status(client, world):
    backdate_history()
    hall_b = RoomFactory(venue=world.room.venue, name="Hall B", name_vi="Phòng B")
    opening, closing, briefing = world.items.opening, world.items.closing, world.items.briefing
    opening.starts_at, opening.ends_at, opening.room = hanoi(25, 9, 30), hanoi(25, 11), hall_b
    opening.save()
    closing.status = "confirmed"  # cancelled before, back on
    closing.save()
    briefing.status = "cancelled"
    briefing.save()
    new = ScheduleItemFactory(
        ceremony=world.ceremony, uid="new-lunch", title="Lunch", room=world.room, lead_agency=world.mps,
        starts_at=hanoi(26, 12), ends_at=hanoi(26, 13), visibility=Visibility.DELEGATIONS,
    )  # fmt: skip
    ScheduleItem.objects.filter(pk=new.pk).update(sequence=1)  # listed on a first visit: moved since

    text = html.unescape(client.get(page_url(world.alpha_token)).content.decode())

    changes = {
        uid: re.sub(r"\s+", " ", plain(body))
        for uid, body in re.findall(r'<li id="change-([^"]+)">(.*?)</li>', text, re.S)
    }
    assert changes == {
        "opening": "Opening, speeches; and welcome: time Sat 25 Oct, 09:00–10:30 → Sat 25 Oct, 09:30–11:00 "
        "room Plenary Hall → Hall B",
        "closing": "Closing: status cancelled → confirmed",
        "briefing": "Briefing: status confirmed → cancelled",
        "new-lunch": "Lunch: new, Sun 26 Oct, 12:00–13:00",
    }


def test_what_changed_in_vietnamese(client, world):
    backdate_history()
    world.items.opening.room = RoomFactory(venue=world.room.venue, name="Hall B", name_vi="Phòng B")
    world.items.opening.save()
    client.cookies["django_language"] = "vi"

    text = html.unescape(client.get(page_url(world.alpha_token)).content.decode())

    change = re.sub(r"\s+", " ", plain(re.search(r'<li id="change-opening">(.*?)</li>', text, re.S)[1]))
    assert change == "Khai mạc: phòng Hội trường → Phòng B"
    assert "Đánh dấu đã đọc" in text


def test_first_visit_lists_recently_moved_items_only(client, world):
    world.items.opening.starts_at = hanoi(25, 9, 30)
    world.items.opening.save()
    text = client.get(page_url(world.alpha_token)).content.decode()
    assert changed_section(text) == ("Recently moved or cancelled", ["opening"])


def changed_section(text):
    """The "what changed" box, as its heading and the items listed in it."""
    match = re.search(r'id="changed-heading">([^<]*)</h2>(.*?)</section>', text, re.S)
    return (match[1], re.findall(r'href="#item-([^"]+)"', match[2])) if match else None


def test_a_forged_last_visit_cookie_is_ignored(client, world):
    world.items.opening.starts_at = hanoi(25, 9, 30)
    world.items.opening.save()
    world.items.briefing.title = "Briefing, retitled"  # changed since 2000, but not moved
    world.items.briefing.save()
    fresh = changed_section(Client().get(page_url(world.alpha_token)).content.decode())

    client.cookies["seen"] = "2000-01-01T00:00:00+00:00"  # unsigned: as if the delegation had not come since 2000
    response = client.get(page_url(world.alpha_token))

    assert response.status_code == 200
    assert changed_section(response.content.decode()) == fresh == ("Recently moved or cancelled", ["opening"])


@pytest.mark.parametrize("url", [page_url("x" * 43), edit_url("x" * 43), page_url("short"), edit_url("short")])
def test_unknown_token_gets_a_friendly_404_that_leaks_nothing(client, world, url):
    response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in text
    assert "France" not in text
    assert response["Referrer-Policy"] == "same-origin"


def test_rotated_token_is_refused(client, world):
    delegation_issue_token(delegation=world.alpha)
    assert client.get(page_url(world.alpha_token)).status_code == 404
    assert client.get(edit_url(world.alpha_token)).status_code == 404


def test_page_query_count_does_not_grow(client, world, django_assert_num_queries):
    add_seen_items(world, 3)
    with django_assert_num_queries(3):
        client.get(page_url(world.alpha_token))
    add_seen_items(world, 30)
    with django_assert_num_queries(3):
        response = client.get(page_url(world.alpha_token))
    assert len(item_ids(response)) == 4 + 33


def _move_all(world):
    for item in ScheduleItem.objects.filter(ceremony=world.ceremony).exclude(visibility=Visibility.INTERNAL):
        item.starts_at, item.ends_at = item.starts_at + dt.timedelta(days=1), item.ends_at + dt.timedelta(days=1)
        item.room = RoomFactory(venue=world.room.venue)
        item.save()


def test_page_query_count_with_changes_does_not_grow(client, world, django_assert_num_queries):
    # The three of a page, and one for how every changed item stood (its history): 4, however many changed.
    add_seen_items(world, 3)
    seen_now(client, world.alpha_token)
    _move_all(world)
    with django_assert_num_queries(4):
        small = client.get(page_url(world.alpha_token)).content.decode()
    add_seen_items(world, 30)
    seen_now(client, world.alpha_token)
    _move_all(world)
    with django_assert_num_queries(4):
        large = client.get(page_url(world.alpha_token)).content.decode()
    assert (small.count('<li id="change-'), large.count('<li id="change-')) == (7, 10)
    assert (small.count("change-room"), large.count("change-room")) == (7, 10)
    assert "And 27 more changes, marked below." in large


def test_page_opens_with_what_is_the_delegations_own_then_the_folded_programme(client, world, slot):
    backdate_history()
    world.items.opening.starts_at = hanoi(25, 9, 30)
    world.items.opening.save()
    text = client.get(page_url(world.alpha_token)).content.decode()

    order = [
        'id="signing-slot"',
        'id="changed-heading"',
        'id="stay-heading"',
        'id="edit-link"',
        'id="invited-heading"',
        'id="subscribe-heading"',
        'id="members-heading"',
        'id="schedule-heading"',
    ]
    assert [text.index(marker) for marker in order] == sorted(text.index(marker) for marker in order)
    days = re.findall(r"<details([^>]*)>\s*<summary[^>]*>([^<]*)<span[^>]*>\(([^)]*)\)", text)
    assert [(attrs.strip(), day.strip(), count) for attrs, day, count in days] == [
        ('class="programme-day mb-2" id="day-20251025"', "Saturday 25 October 2025", "4 items"),
        ('class="programme-day mb-2" id="day-20251026"', "Sunday 26 October 2025", "1 item"),
    ]
    invited = re.search(r'<ul class="list-unstyled mb-0 invited">(.*?)</ul>', text, re.S)[1]
    assert re.findall(r'href="#item-([^"]+)"', invited) == ["signing-alpha", "alpha-slot"]


def test_page_in_vietnamese(client, world):
    client.cookies["django_language"] = "vi"
    text = client.get(page_url(world.alpha_token)).content.decode()
    assert '<html lang="vi">' in text
    assert "Khai mạc" in text
    assert f"/d/{world.alpha_token}/calendar.ics?lang=vi" in text


def test_page_in_vietnamese_names_the_state_in_vietnamese(client, world):
    assert world.alpha.name == "France"  # stored as the UN short name, the key of the order of signing
    client.cookies["django_language"] = "vi"
    text = client.get(page_url(world.alpha_token)).content.decode()
    assert re.search(r"<h1[^>]*>Pháp</h1>", text)
    assert "<title>Pháp · " in text
    assert "France" not in text

    form = client.get(edit_url(world.alpha_token)).content.decode()
    assert re.search(r"<h1[^>]*>Pháp</h1>", form)


def test_page_in_english_names_the_state_by_its_un_short_name(client, world):
    world.alpha.name = "French Republic"  # whatever Protocol stored, in English
    world.alpha.save()
    text = client.get(page_url(world.alpha_token)).content.decode()
    assert re.search(r"<h1[^>]*>French Republic</h1>", text)


def test_page_in_vietnamese_keeps_an_organizations_own_name(client, world):
    from delegations.enums import DelegationKind

    unodc = Delegation.objects.create(
        ceremony=world.ceremony, kind=DelegationKind.UN_ENTITY, name="United Nations Office on Drugs and Crime"
    )
    client.cookies["django_language"] = "vi"
    text = client.get(page_url(delegation_issue_token(delegation=unodc))).content.decode()
    assert re.search(r"<h1[^>]*>United Nations Office on Drugs and Crime</h1>", text)


# --- the form --------------------------------------------------------------------------------------------------------


def form_data(delegation, **changes):
    """What the browser posts for the delegation's form with its members as they are, plus ``changes``: the form as
    just opened, with the versions it was opened on."""
    members = list(delegation.members.order_by("pk"))
    versions = latest_versions(Delegate, [m.pk for m in members])
    data = {
        "opened_version": str(latest_versions(Delegation, [delegation.pk])[delegation.pk]),
        "attendance": "confirmed",
        "contact_email": delegation.contact_email,
        "contact_phone": delegation.contact_phone,
        "language": delegation.language,
        "arrival_at": "",
        "departure_at": "",
        "hotel": delegation.hotel,
        "members-TOTAL_FORMS": str(len(members) + 1),
        "members-INITIAL_FORMS": str(len(members)),
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    for index, member in enumerate(members):
        data.update(
            {
                f"members-{index}-id": str(member.pk),
                f"members-{index}-opened_version": str(versions[member.pk]),
                f"members-{index}-name": member.name,
                f"members-{index}-position": member.position,
                f"members-{index}-rank": member.rank,
                f"members-{index}-email": member.email,
                f"members-{index}-phone": member.phone,
                **({f"members-{index}-is_head": "on"} if member.is_head else {}),
                **({f"members-{index}-is_signatory": "on"} if member.is_signatory else {}),
            }
        )
    extra = len(members)
    data.update({f"members-{extra}-rank": "other", f"members-{extra}-name": ""})
    data.update(changes)
    return data


@pytest.fixture
def head(world):
    return DelegateFactory(delegation=world.alpha, name="Jeanne Martin", rank=Rank.AMBASSADOR, is_head=True)


def test_form_shows_only_what_the_delegation_may_change(client, world, head):
    text = client.get(edit_url(world.alpha_token)).content.decode()
    for field in ("attendance", "contact_email", "contact_phone", "arrival_at", "departure_at", "hotel"):
        assert f'name="{field}"' in text
    for owned in ("signing_order", "intends_to_sign", "liaison_officer", "notes", "status", "kind", "country"):
        assert f'name="{owned}"' not in text
    for owned in ("accreditation_status", "clearance_status"):
        assert f'name="members-0-{owned}"' not in text
    assert 'value="Jeanne Martin"' in text
    assert "Local time in Hanoi (Asia/Ho_Chi_Minh, UTC+07:00)." in text


def test_form_saves_details_and_members_and_records_who(client, world, head):
    data = form_data(
        world.alpha,
        contact_email="protocol@france.example",
        hotel="Hotel Metropole",
        arrival_at="2025-10-24T10:00",
        departure_at="2025-10-27T18:30",
        **{"members-1-name": "Pierre Durand", "members-1-rank": "adviser", "members-1-position": "Adviser"},
    )
    response = client.post(edit_url(world.alpha_token), data, follow=True)
    assert response.redirect_chain == [(page_url(world.alpha_token), 302)]
    assert "Saved. The protocol team sees your changes." in response.content.decode()

    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert alpha.status == DelegationStatus.CONFIRMED
    assert alpha.hotel == "Hotel Metropole"
    assert alpha.contact_email == "protocol@france.example"
    # Typed as Hanoi time, stored as the UTC instant.
    assert alpha.arrival_at == dt.datetime(2025, 10, 24, 3, 0, tzinfo=dt.UTC)
    assert list(alpha.members.order_by("pk").values_list("name", "rank")) == [
        ("Jeanne Martin", "ambassador"),
        ("Pierre Durand", "adviser"),
    ]
    latest = alpha.history.first()
    assert latest.history_change_reason == SELF_SERVICE_REASON
    assert latest.history_user is None
    assert Delegate.history.filter(name="Pierre Durand", history_type="+").get().history_change_reason == (
        SELF_SERVICE_REASON
    )


def test_form_declines_attendance(client, world):
    client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="declined"))
    assert Delegation.objects.get(pk=world.alpha.pk).status == DelegationStatus.DECLINED


def test_form_deletes_a_member_and_moves_the_head(client, world, head):
    other = DelegateFactory(delegation=world.alpha, name="Pierre Durand")
    data = form_data(world.alpha)
    data.pop("members-0-is_head")
    data.update({"members-0-DELETE": "on", "members-1-is_head": "on"})
    response = client.post(edit_url(world.alpha_token), data)
    assert response.status_code == 302
    assert list(world.alpha.members.values_list("name", "is_head")) == [("Pierre Durand", True)]
    assert other.history.count() == 2


def test_form_ignores_fields_organizers_own(client, world, head):
    head.clearance_status = ClearanceStatus.CLEARED
    head.save()
    data = form_data(
        world.alpha,
        signing_order="1",
        status="arrived",
        liaison_officer="Someone else",
        **{"members-0-clearance_status": "refused", "members-0-accreditation_status": "accredited"},
    )
    assert client.post(edit_url(world.alpha_token), data).status_code == 302
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.signing_order, alpha.status, alpha.liaison_officer) == (None, "confirmed", "")
    head.refresh_from_db()
    assert (head.clearance_status, head.accreditation_status) == ("cleared", "pending")


def test_attendance_is_settled_once_the_delegation_has_arrived(client, world):
    world.alpha.status = DelegationStatus.ARRIVED
    world.alpha.save()
    text = client.get(edit_url(world.alpha_token)).content.decode()
    assert re.search(r'<input[^>]*name="attendance"[^>]*disabled', text)
    client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="declined"))
    assert Delegation.objects.get(pk=world.alpha.pk).status == DelegationStatus.ARRIVED


def _refused(client, world, data, message):
    before = (Delegation.objects.get(pk=world.alpha.pk).hotel, list(Delegate.objects.values_list("name", "is_head")))
    response = client.post(edit_url(world.alpha_token), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was saved: please correct the fields marked below." in text
    assert message in text
    after = (Delegation.objects.get(pk=world.alpha.pk).hotel, list(Delegate.objects.values_list("name", "is_head")))
    assert after == before
    return text


def test_departure_before_arrival_is_refused(client, world, head):
    data = form_data(world.alpha, hotel="Changed", arrival_at="2025-10-25T10:00", departure_at="2025-10-24T10:00")
    _refused(client, world, data, "Departure must be after arrival.")


def test_an_invalid_email_is_refused(client, world, head):
    _refused(client, world, form_data(world.alpha, hotel="Changed", contact_email="not-an-email"), "valid email")


def test_an_over_long_name_is_refused(client, world, head):
    data = form_data(world.alpha, hotel="Changed", **{"members-0-name": "N" * 201})
    _refused(client, world, data, "Ensure this value has at most 200 characters (it has 201).")


def test_a_second_head_is_refused_and_nothing_is_saved(client, world, head):
    data = form_data(world.alpha, hotel="Changed", **{"members-1-name": "Pierre Durand", "members-1-is_head": "on"})
    _refused(client, world, data, "A delegation has only one head of delegation")


def test_missing_attendance_is_refused(client, world):
    data = form_data(world.alpha, hotel="Changed")
    data.pop("attendance")
    _refused(client, world, data, "This field is required.")


def test_post_without_csrf_token_is_refused(world):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(edit_url(world.alpha_token), form_data(world.alpha, hotel="Changed"))
    assert response.status_code == 403
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == ""


def test_form_in_vietnamese_keeps_the_vietnamese_content(client, world, head):
    client.cookies["django_language"] = "vi"
    text = html.unescape(client.get(edit_url(world.alpha_token)).content.decode())
    assert '<html lang="vi">' in text
    assert "Đoàn của quý vị có tham dự không?" in text  # Will your delegation attend?
    assert "Có, chúng tôi sẽ tham dự" in text  # Yes, we will attend
    assert re.search(r"<label[^>]*>\s*Khách sạn", text)  # hotel
    assert re.search(r"<label[^>]*>\s*Email liên hệ", text)  # contact email
    assert "Thêm thành viên" in text  # Add a member
    assert "Will your delegation attend?" not in text and ">Hotel" not in text


def test_organizers_see_self_service_changes_in_the_history(client, admin_client, world, head):
    client.post(edit_url(world.alpha_token), form_data(world.alpha, hotel="Hotel Metropole"))
    response = admin_client.get(f"/admin/delegations/delegation/{world.alpha.pk}/history/")
    assert response.status_code == 200
    assert SELF_SERVICE_REASON in html.unescape(response.content.decode())


# --- what organizers own among the members ----------------------------------------------------------------------------


@pytest.fixture
def signatory(world, head):
    """Alpha's signatory, an ambassador whose full powers protocol staff verified; cleared and accredited."""
    person = DelegateFactory(
        delegation=world.alpha, name="Paul Leroy", rank=Rank.AMBASSADOR, is_signatory=True,
        accreditation_status=AccreditationStatus.ACCREDITED, clearance_status=ClearanceStatus.CLEARED,
    )  # fmt: skip
    FullPowersFactory(signatory=person, copy_received_on=dt.date(2025, 10, 1), verification_status="verified")
    return person


def test_form_shows_a_signatorys_name_and_rank_read_only(client, world, signatory):
    text = client.get(edit_url(world.alpha_token)).content.decode()

    assert re.search(r'<input[^>]*name="members-1-name"[^>]*disabled', text)
    assert re.search(r'<select[^>]*name="members-1-rank"[^>]*disabled', text)
    assert not re.search(r'<input[^>]*name="members-0-name"[^>]*disabled', text)  # the head does not sign
    assert text.count("This member signs the Convention: protocol staff change this.") == 3  # name, rank, remove
    assert 'name="members-0-is_signatory"' not in text and 'name="members-2-is_signatory"' not in text


def test_form_cannot_change_a_signatorys_rank_or_name(client, world, signatory):
    data = form_data(
        world.alpha, hotel="Hotel Metropole", **{"members-1-rank": "head_of_state", "members-1-name": "Someone Else"}
    )

    response = client.post(edit_url(world.alpha_token), data)

    assert response.status_code == 302
    signatory.refresh_from_db()
    assert (signatory.name, signatory.rank, signatory.is_signatory) == ("Paul Leroy", "ambassador", True)
    assert signatory.full_powers.verification_status == "verified"
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Hotel Metropole"  # the rest was saved


def test_form_cannot_untick_or_tick_who_signs(client, world, signatory):
    data = form_data(world.alpha, **{"members-0-is_signatory": "on", "members-2-name": "New Adviser"})
    data.pop("members-1-is_signatory")
    data["members-2-is_signatory"] = "on"

    assert client.post(edit_url(world.alpha_token), data).status_code == 302

    assert list(world.alpha.members.order_by("pk").values_list("name", "is_signatory")) == [
        ("Jeanne Martin", False),
        ("Paul Leroy", True),
        ("New Adviser", False),
    ]


def test_form_cannot_remove_the_signatory(client, world, signatory):
    text = client.get(edit_url(world.alpha_token)).content.decode()
    assert re.search(r'<input[^>]*name="members-1-DELETE"[^>]*disabled', text)
    assert not re.search(r'<input[^>]*name="members-0-DELETE"[^>]*disabled', text)

    data = form_data(world.alpha, hotel="Hotel Metropole", **{"members-1-DELETE": "on"})
    assert client.post(edit_url(world.alpha_token), data).status_code == 302

    signatory.refresh_from_db()  # still there, with the full powers protocol staff verified
    assert signatory.full_powers.verification_status == "verified"
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Hotel Metropole"


def test_form_cannot_remove_a_member_who_signed_even_once_no_longer_the_signatory(client, world, signatory):
    Signature.objects.create(
        ceremony=world.alpha.ceremony,
        delegation=world.alpha,
        outcome=SignatureOutcome.SIGNED,
        signed_at=hanoi(25, 10),
        signatory=signatory,
        powers_basis=PowersBasis.FULL_POWERS,
        full_powers=signatory.full_powers,
    )
    Delegate.objects.filter(pk=signatory.pk).update(is_signatory=False)  # Protocol named someone else since
    text = client.get(edit_url(world.alpha_token)).content.decode()
    assert re.search(r'<input[^>]*name="members-1-DELETE"[^>]*disabled', text)
    assert "This member signed the Convention: the record of the signing keeps them." in html.unescape(text)

    data = form_data(world.alpha, hotel="Hotel Metropole", **{"members-1-DELETE": "on"})
    data.pop("members-1-is_signatory", None)
    response = client.post(edit_url(world.alpha_token), data)

    assert response.status_code == 302  # not a 500 from the protected signature record
    assert Delegate.objects.filter(pk=signatory.pk).exists()
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Hotel Metropole"


def test_renaming_a_cleared_member_starts_accreditation_and_clearance_again(client, admin_client, world, head):
    head.accreditation_status, head.clearance_status = AccreditationStatus.ACCREDITED, ClearanceStatus.CLEARED
    head.save()
    form = client.get(edit_url(world.alpha_token)).content.decode()
    assert "A new name means accreditation and security clearance are checked again." in form

    client.post(edit_url(world.alpha_token), form_data(world.alpha, **{"members-0-name": "Claire Dubois"}))

    head.refresh_from_db()
    assert (head.name, head.accreditation_status, head.clearance_status) == ("Claire Dubois", "pending", "pending")
    latest = head.history.first()
    assert (latest.name, latest.clearance_status, latest.history_change_reason) == (
        "Claire Dubois",
        "pending",
        SELF_SERVICE_REASON,
    )
    history = html.unescape(admin_client.get(f"/admin/delegations/delegate/{head.pk}/history/").content.decode())
    assert "Claire Dubois" in history and SELF_SERVICE_REASON in history


def test_editing_a_cleared_member_without_renaming_keeps_the_clearance(client, world, head):
    head.accreditation_status, head.clearance_status = AccreditationStatus.ACCREDITED, ClearanceStatus.CLEARED
    head.save()

    client.post(edit_url(world.alpha_token), form_data(world.alpha, **{"members-0-position": "Ambassador to Viet Nam"}))

    head.refresh_from_db()
    assert (head.position, head.accreditation_status, head.clearance_status) == (
        "Ambassador to Viet Nam",
        "accredited",
        "cleared",
    )


# --- withdrawing from the signing -------------------------------------------------------------------------------------


@pytest.fixture
def linked_slot(world, slot):
    """Alpha's slot as the order of signing makes it: linked to Alpha, confirmed; Japan placed first."""
    SigningSlot.objects.create(delegation=world.alpha, item=slot)
    assert slot.status == "confirmed"
    world.beta.signing_order = 1
    world.beta.save()
    return slot


def test_declining_asks_to_confirm_and_saves_nothing_until_then(client, world, linked_slot, head):
    response = client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="declined", hotel="Daewoo"))

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "Nothing is saved yet: confirm below that your delegation gives up its place." in text
    assert (
        "Your delegation gives up its place 7 in the order of signing and its signing slot "
        "(Sat 25 Oct 2025, 10:35–10:40 (UTC+07:00), Plenary Hall)." in text
    )
    assert "I understand: give up our place in the order of signing" in text
    assert "Nothing is saved yet: tick this box to give up your place, or choose “Yes, we will attend”." in text
    assert re.search(r'<input[^>]*name="give_up_place"', text)
    assert re.search(r'<input[^>]*name="hotel"[^>]*value="Daewoo"', text)  # what was typed stays
    assert re.search(r'<input[^>]*value="declined"[^>]*checked', text)
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    linked_slot.refresh_from_db()
    assert (alpha.status, alpha.signing_order, alpha.hotel) == (DelegationStatus.INVITED, 7, "")
    assert (linked_slot.status, linked_slot.sequence) == ("confirmed", 0)


def test_the_form_says_what_declining_does_before_anything_is_posted(client, world, slot):
    text = html.unescape(client.get(edit_url(world.alpha_token)).content.decode())
    assert (
        "Choosing “No” gives up your delegation's place in the order of signing and its signing slot: "
        "you will be asked to confirm." in text
    )
    assert 'name="give_up_place"' not in text


def test_a_delegation_that_does_not_sign_declines_at_once(client, world, head):
    response = client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="declined"))
    assert response.status_code == 302
    assert Delegation.objects.get(pk=world.alpha.pk).status == DelegationStatus.DECLINED


def test_declining_without_a_slot_yet_says_no_place_will_be_given(client, world, head):
    Delegation.objects.filter(pk=world.alpha.pk).update(intends_to_sign=True)
    text = html.unescape(
        client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="declined")).content.decode()
    )
    assert "Your delegation will not be given a place in the order of signing." in text
    assert Delegation.objects.get(pk=world.alpha.pk).status == DelegationStatus.INVITED


def test_declining_confirmed_gives_up_the_signing_slot(client, world, slot, head):
    data = form_data(world.alpha, attendance="declined", give_up_place="on")
    assert client.post(edit_url(world.alpha_token), data).status_code == 302

    alpha = Delegation.objects.get(pk=world.alpha.pk)
    slot.refresh_from_db()
    assert (alpha.status, alpha.signing_order) == (DelegationStatus.DECLINED, None)
    assert (slot.status, slot.sequence) == ("cancelled", 1)
    assert alpha.history.first().history_change_reason == SELF_SERVICE_REASON
    text = client.get(page_url(world.alpha_token)).content.decode()
    assert "Your signing slot" not in text and "signs in position" not in text and "you sign in position" not in text


def test_coming_back_through_the_form_gets_the_place_and_slot_back(client, world, linked_slot, head):
    client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="declined", give_up_place="on"))
    linked_slot.refresh_from_db()
    assert (linked_slot.status, linked_slot.sequence) == ("cancelled", 1)

    response = client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="confirmed"), follow=True)

    text = html.unescape(response.content.decode())
    assert "Your delegation has its place 7 in the order of signing and its signing slot back." in text
    assert "Saturday 25 October, 10:35–10:40, Plenary Hall. Your delegation signs in position 7." in text
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    linked_slot.refresh_from_db()
    assert (alpha.status, alpha.signing_order) == (DelegationStatus.CONFIRMED, 7)
    assert (linked_slot.uid, linked_slot.status, linked_slot.sequence) == ("signing-alpha", "confirmed", 2)
    assert linked_slot.history.first().history_change_reason == SELF_SERVICE_REASON
    assert alpha.history.first().history_change_reason == SELF_SERVICE_REASON


def test_coming_back_after_protocol_gave_the_place_away_says_protocol_will_place_it(client, world, linked_slot, head):
    client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="declined", give_up_place="on"))
    Delegation.objects.filter(pk=world.beta.pk).update(signing_order=7)  # Protocol moved Japan into place 7

    response = client.post(edit_url(world.alpha_token), form_data(world.alpha, attendance="confirmed"), follow=True)

    text = html.unescape(response.content.decode())
    assert "its signing slot back" not in text
    assert "The protocol team will give your delegation its place in the order of signing and its slot." in text
    linked_slot.refresh_from_db()
    assert (linked_slot.status, Delegation.objects.get(pk=world.alpha.pk).signing_order) == ("cancelled", None)


def test_page_of_a_withdrawn_delegation_never_says_it_signs(client, world, slot):
    # Changed without going through the withdrawal (a slot still tentative): the page still says nothing.
    Delegation.objects.filter(pk=world.alpha.pk).update(intends_to_sign=False)

    text = client.get(page_url(world.alpha_token)).content.decode()

    assert "Your signing slot" not in text and "signs in position" not in text and "you sign in position" not in text
    assert 'id="item-signing-alpha"' in text  # the item itself is still listed, not highlighted


# --- the form's cost and its isolation ------------------------------------------------------------------------------


def test_form_post_query_count_does_not_grow_with_members(client, world, head, django_assert_num_queries):
    # Delegation, the ceremony's and the delegation's locks, savepoints, members (once), the stale-edit checks of
    # the delegation and the changed member (its row and its version each), the head's one-head check, the
    # delegation's save (the ceremony's lock taken again) with its history and the feeds' mark, the withdrawal
    # check (and the lock again), the member with its history: 25, however many members.
    DelegateFactory.create_batch(2, delegation=world.alpha)
    data = form_data(world.alpha, **{"members-1-position": "Adviser"})
    with django_assert_num_queries(25):
        small = client.post(edit_url(world.alpha_token), data)
    DelegateFactory.create_batch(27, delegation=world.alpha)
    data = form_data(world.alpha, **{"members-2-position": "Adviser"})
    with django_assert_num_queries(25):
        large = client.post(edit_url(world.alpha_token), data)

    assert (small.status_code, large.status_code) == (302, 302)
    assert world.alpha.members.filter(position="Adviser").count() == 2


def test_form_refuses_another_delegations_member(client, world, head):
    stranger = DelegateFactory(delegation=world.beta, name="Taro Yamada", rank=Rank.ADVISER)
    data = form_data(world.alpha, hotel="Changed", **{"members-0-id": str(stranger.pk), "members-0-name": "Hijacked"})

    text = _refused(client, world, data, "This member is not on your delegation&#x27;s list; reload the page")

    stranger.refresh_from_db()
    assert (stranger.delegation, stranger.name) == (world.beta, "Taro Yamada")
    assert "Taro Yamada" not in text
    head.refresh_from_db()
    assert head.name == "Jeanne Martin"


# --- dates a delegation types: within a year of the ceremony ---------------------------------------------------------

WINDOW_ERROR = "Enter a time within a year of the ceremony: from 25 October 2024 to 26 October 2026."


@pytest.mark.parametrize(
    ("arrival", "departure"),
    [
        ("0001-01-01T00:00", ""),  # stored as a BC instant by PostgreSQL, which then could not read the row back
        ("", "9999-12-31T23:59"),
        ("2019-06-01T10:00", "2031-06-01T10:00"),
        ("2024-10-24T23:59", "2025-10-27T10:00"),
    ],
)
def test_a_stay_far_from_the_ceremony_is_refused_and_nothing_is_saved(client, world, head, arrival, departure):
    data = form_data(world.alpha, hotel="Changed", arrival_at=arrival, departure_at=departure)
    _refused(client, world, data, WINDOW_ERROR)
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.arrival_at, alpha.departure_at) == (None, None)
    # The delegation's own page, its form and its feed still open.
    for url in (page_url(world.alpha_token), edit_url(world.alpha_token), f"/d/{world.alpha_token}/calendar.ics"):
        assert client.get(url).status_code == 200


def test_a_stay_at_the_edges_of_the_window_is_saved(client, world, head):
    data = form_data(world.alpha, arrival_at="2024-10-25T00:00", departure_at="2026-10-26T23:59")
    assert client.post(edit_url(world.alpha_token), data).status_code == 302
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.arrival_at, alpha.departure_at) == (
        dt.datetime(2024, 10, 24, 17, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 26, 16, 59, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("members-0-name", "Jeanne\x0bMartin", "Remove U+000B (vertical tab): this field takes one line of text."),
        ("hotel", "Hotel\x00Metropole", "Null characters are not allowed."),
        ("members-0-position", "Ambassador\r\nand adviser", "Remove U+000D (carriage return), U+000A (line break)"),
    ],
)
def test_control_characters_are_refused_with_a_clear_error(client, world, head, field, value, message):
    data = form_data(world.alpha, contact_email="new@france.example", **{field: value})
    _refused(client, world, data, message)
    assert Delegation.objects.get(pk=world.alpha.pk).contact_email == ""


# --- a tampered list of members -------------------------------------------------------------------------------------

NOT_ON_LIST = "This member is not on your delegation&#x27;s list; reload the page and try again."
LIST_TAMPERED = "The list of members sent does not match the delegation&#x27;s; reload the page and try again."
# What the browser posts for Jeanne Martin (row 0), Pierre Durand (row 1) and an empty new row (row 2) is changed as
# a hostile delegation could; HEAD, ADVISER and STRANGER stand for those members' ids (the stranger is Japan's).
TAMPERED_LISTS = {
    "initial-above-the-members": ({"members-INITIAL_FORMS": "3"}, NOT_ON_LIST),
    "initial-above-total": ({"members-INITIAL_FORMS": "4"}, LIST_TAMPERED),
    "initial-zero": ({"members-INITIAL_FORMS": "0"}, LIST_TAMPERED),
    "initial-below-the-members": ({"members-INITIAL_FORMS": "1"}, LIST_TAMPERED),
    "initial-negative": ({"members-INITIAL_FORMS": "-1"}, LIST_TAMPERED),
    "initial-not-a-number": ({"members-INITIAL_FORMS": "two"}, LIST_TAMPERED),
    "initial-missing": ({"members-INITIAL_FORMS": None}, LIST_TAMPERED),
    "total-below-initial": ({"members-TOTAL_FORMS": "1"}, LIST_TAMPERED),
    "total-zero": ({"members-TOTAL_FORMS": "0"}, LIST_TAMPERED),
    "total-negative": ({"members-TOTAL_FORMS": "-3"}, LIST_TAMPERED),
    "total-huge": ({"members-TOTAL_FORMS": "100000"}, "At most 60 members can be listed."),
    "id-of-another-delegations-member": ({"members-1-id": "STRANGER"}, NOT_ON_LIST),
    "id-that-does-not-exist": ({"members-1-id": "999999"}, NOT_ON_LIST),
    "id-not-a-number": ({"members-1-id": "1 OR 1=1"}, NOT_ON_LIST),
    "id-missing": ({"members-1-id": None}, NOT_ON_LIST),
    "id-twice": ({"members-1-id": "HEAD", "members-1-name": "Jeanne Martin"}, LIST_TAMPERED),
    "id-in-a-new-row": ({"members-2-id": "ADVISER", "members-2-name": "Pierre Durand"}, LIST_TAMPERED),
    "stranger-in-a-new-row": ({"members-2-id": "STRANGER", "members-2-name": "Taro Yamada"}, LIST_TAMPERED),
}


@pytest.mark.parametrize("case", TAMPERED_LISTS)
def test_form_refuses_a_tampered_list_of_members(client, world, head, case):
    adviser = DelegateFactory(delegation=world.alpha, name="Pierre Durand", rank=Rank.ADVISER)
    stranger = DelegateFactory(delegation=world.beta, name="Taro Yamada", rank=Rank.ADVISER)
    ids = {"HEAD": str(head.pk), "ADVISER": str(adviser.pk), "STRANGER": str(stranger.pk)}
    changes, message = TAMPERED_LISTS[case]
    data = form_data(world.alpha, hotel="Changed", **{"members-1-position": "Adviser"})
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = ids.get(value, value)

    _refused(client, world, data, message)

    assert list(Delegate.objects.order_by("pk").values_list("delegation__country", "name", "position")) == [
        ("FR", "Jeanne Martin", head.position),
        ("FR", "Pierre Durand", adviser.position),
        ("JP", "Taro Yamada", stranger.position),
    ]


def test_form_ignores_tampered_minimum_and_maximum_of_members(client, world, head):
    tampered = {"members-MIN_NUM_FORMS": "50", "members-MAX_NUM_FORMS": "0"}
    response = client.post(edit_url(world.alpha_token), form_data(world.alpha, hotel="Changed", **tampered))
    assert response.status_code == 302
    assert Delegation.objects.get(pk=world.alpha.pk).hotel == "Changed"

    # A larger posted maximum does not lift the form's own: 60 members.
    data = form_data(world.alpha, hotel="Again", **{"members-MAX_NUM_FORMS": "1000", "members-TOTAL_FORMS": "61"})
    data.update({f"members-{row}-name": f"Member {row}" for row in range(1, 61)})
    data.update({f"members-{row}-rank": "adviser" for row in range(1, 61)})
    _refused(client, world, data, "At most 60 members can be listed.")


def test_the_refusals_of_a_far_stay_and_a_control_character_speak_vietnamese(client, world, head):
    client.cookies["django_language"] = "vi"
    data = form_data(world.alpha, arrival_at="0001-01-01T00:00", **{"members-0-name": "Jeanne\x0bMartin"})

    text = html.unescape(client.post(edit_url(world.alpha_token), data).content.decode())

    assert (
        "Hãy nhập thời gian trong vòng một năm quanh buổi lễ: từ 25 tháng 10 năm 2024 đến 26 tháng 10 năm 2026." in text
    )
    assert "Hãy xoá U+000B (tab dọc): trường này chỉ nhận một dòng chữ." in text
    assert Delegation.objects.get(pk=world.alpha.pk).arrival_at is None


def test_a_stale_save_is_refused_in_vietnamese_naming_no_organizer(client, admin_client, world, head):
    opened = form_data(world.alpha)
    world.alpha.hotel = "Hotel Metropole"
    world.alpha.save()
    client.cookies["django_language"] = "vi"

    text = html.unescape(client.post(edit_url(world.alpha_token), {**opened, "hotel": "Sofitel"}).content.decode())

    assert re.search(
        r"Ban tổ chức đã thay đổi Khách sạn \(nay là “Hotel Metropole”\) lúc \d\d:\d\d \(Asia/Ho_Chi_Minh\), sau khi "
        r"quý vị mở trang này\.",
        text,
    )


# --- travel dates that make no sense for the ceremony ----------------------------------------------------------------

STAY_ERRORS = {
    "arrival-after-the-ceremony": (
        {"arrival_at": "2025-10-27T00:00", "departure_at": "2025-10-28T10:00"},
        "This arrival is after the ceremony ends (26 October 2025): check the date.",
        "Ngày đến này sau khi buổi lễ kết thúc (26 tháng 10 năm 2025): xin kiểm tra lại ngày.",
    ),
    "departure-before-the-ceremony": (
        {"arrival_at": "2025-10-20T10:00", "departure_at": "2025-10-24T23:59"},
        "This departure is before the ceremony begins (25 October 2025): check the date.",
        "Ngày rời đi này trước khi buổi lễ bắt đầu (25 tháng 10 năm 2025): xin kiểm tra lại ngày.",
    ),
    "departure-before-arrival": (
        {"arrival_at": "2025-10-25T10:00", "departure_at": "2025-10-25T09:00"},
        "Departure must be after arrival.",
        "Thời gian rời đi phải sau thời gian đến.",
    ),
    "years-away": (
        {"arrival_at": "2035-10-24T10:00", "departure_at": ""},
        "Enter a time within a year of the ceremony: from 25 October 2024 to 26 October 2026.",
        "Hãy nhập thời gian trong vòng một năm quanh buổi lễ: từ 25 tháng 10 năm 2024 đến 26 tháng 10 năm 2026.",
    ),
}


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("case", STAY_ERRORS)
def test_a_stay_that_misses_the_ceremony_is_refused_in_the_readers_language(client, world, head, case, language):
    values, english, vietnamese = STAY_ERRORS[case]
    client.cookies["django_language"] = language
    data = form_data(world.alpha, hotel="Hotel Metropole", **values)

    response = client.post(edit_url(world.alpha_token), data)

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert (english if language == "en" else vietnamese) in text
    for name, value in values.items():  # nothing typed is lost
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"', text) or not value
    assert re.search(r'<input[^>]*name="hotel"[^>]*value="Hotel Metropole"', text)
    alpha = Delegation.objects.get(pk=world.alpha.pk)
    assert (alpha.arrival_at, alpha.departure_at, alpha.hotel) == (None, None, "")


def test_a_stay_that_meets_the_ceremony_by_a_minute_is_saved(client, world, head):
    data = form_data(world.alpha, arrival_at="2025-10-26T23:59", departure_at="2025-10-27T00:30")
    assert client.post(edit_url(world.alpha_token), data).status_code == 302
    data = form_data(world.alpha, arrival_at="2025-10-20T10:00", departure_at="2025-10-25T00:00")
    assert client.post(edit_url(world.alpha_token), data).status_code == 302
    assert Delegation.objects.get(pk=world.alpha.pk).departure_at == hanoi(25, 0)


def test_the_stay_is_written_out_in_vietnamese(client, world):
    world.alpha.arrival_at, world.alpha.departure_at = hanoi(24, 15, 30), hanoi(27, 9, 5)
    world.alpha.save()
    client.cookies["django_language"] = "vi"
    text = client.get(page_url(world.alpha_token)).content.decode()
    assert '<dd class="col-7" id="stay-arrival">24 tháng 10 năm 2025, 15:30</dd>' in text
    assert '<dd class="col-7" id="stay-departure">27 tháng 10 năm 2025, 09:05</dd>' in text
