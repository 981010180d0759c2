"""The signing desk (delegations.admin_desk): the letter, the order and its state on one page per ceremony; draw,
generate, clear and move, each destructive step asked first and recorded in the history with its person."""

import re
import secrets
import shutil
import string

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ceremony.enums import ItemStatus
from ceremony.models import Ceremony, ScheduleItem
from delegations.enums import DelegationStatus, Rank
from delegations.models import Delegation
from delegations.signing import signing_withdraw
from planner.seeding import DEFAULT_SEEDS_DIR, SeedError, seed_ceremony
from tests.adminpages import admin_url, form_values, page_text, plain, shown_messages
from tests.factories import CeremonyFactory, DelegateFactory, DelegationFactory, RoomFactory, hanoi


@pytest.fixture
def ceremony(db):
    return CeremonyFactory(
        is_current=True,
        slug="hanoi",
        name="Hanoi signing",
        host_country="VN",
        signing_starts_at=hanoi(25, 10, 30),
        signing_slot_minutes=3,
        signing_room=RoomFactory(name="Signing Hall"),
    )


def signing(ceremony, code, name, rank=Rank.HEAD_OF_STATE):
    delegation = DelegationFactory(ceremony=ceremony, country=code, name=name, intends_to_sign=True)
    DelegateFactory(delegation=delegation, is_signatory=True, rank=rank, name=f"Head of {name}")
    return delegation


@pytest.fixture
def delegations(ceremony):
    return [
        signing(ceremony, "VN", "Viet Nam"),
        signing(ceremony, "AF", "Afghanistan", Rank.AMBASSADOR),  # needs full powers, has none yet: a conflict
        signing(ceremony, "MX", "Mexico"),
        signing(ceremony, "ZA", "South Africa"),
    ]


@pytest.fixture
def letter_m(monkeypatch):
    """The lot always draws M (then, drawn again, K)."""
    drawn, real = iter("MKQ"), secrets.choice
    monkeypatch.setattr(secrets, "choice", lambda seq: next(drawn) if seq == string.ascii_uppercase else real(seq))


def url(name, ceremony):
    return reverse(f"admin:ceremony_ceremony_{name}", args=[ceremony.pk])


def desk(client, ceremony):
    return client.get(url("signing_desk", ceremony))


def post(client, name, ceremony, data=None):
    return client.post(url(name, ceremony), data or {}, follow=True)


def places():
    return list(Delegation.objects.exclude(signing_order=None).order_by("signing_order").values_list("name", flat=True))


def slots():
    return list(ScheduleItem.objects.order_by("uid").values_list("title", "starts_at", "status", "sequence"))


def order_rows(response):
    body = re.search(r'<table class="run-sheet-table desk-table">.*?<tbody>(.*?)</tbody>', page_text(response), re.S)
    cells = re.compile(r'<td class="(place|slot|delegation|signatory|full-powers|room)"[^>]*>(.*?)</td>', re.S)
    return [
        {name: " ".join(plain(text).split()) for name, text in cells.findall(row)}
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body[1], re.S)
    ]


def section(response, name):
    return " ".join(plain(re.search(rf'<section[^>]*id="{name}".*?</section>', page_text(response), re.S)[0]).split())


def consequences(response):
    listed = re.search(r'<ul id="desk-consequences">(.*?)</ul>', page_text(response), re.S)
    return [" ".join(plain(li).split()) for li in re.findall(r"<li>(.*?)</li>", listed[1], re.S)]


def confirm_form(response):
    """The confirmation form's action and hidden fields, or None when the page refuses the step."""
    form = re.search(r'<form method="post">(.*?)</form>', page_text(response), re.S)
    return form_values(response) if form else None


@pytest.fixture
def generated(admin_client, ceremony, delegations, letter_m):
    post(admin_client, "signing_draw", ceremony)
    post(admin_client, "signing_generate", ceremony)
    return ceremony


# --- Finding the desk -----------------------------------------------------------------------------------------------


def test_the_desk_is_linked_from_the_ceremony_page_its_list_and_the_dashboard(admin_client, ceremony):
    desk_url = f"/admin/ceremony/ceremony/{ceremony.pk}/signing-desk/"

    change = page_text(admin_client.get(admin_url(Ceremony, "change", ceremony.pk)))
    changelist = page_text(admin_client.get(admin_url(Ceremony, "changelist")))
    dashboard = page_text(admin_client.get("/admin/"))

    assert re.search(rf'<li><a href="{desk_url}" class="signing-desk-link">Signing desk</a></li>', change)
    assert f'<a href="{desk_url}">signing desk</a>' in changelist
    card = plain(re.search(r'<div class="readiness-card" id="readiness-signing">.*?</div>', dashboard, re.S)[0])
    assert " ".join(card.split()) == "Order of signing No letter drawn yet Open the signing desk"
    assert f'<a href="{desk_url}">Open the signing desk</a>' in dashboard


def test_the_signing_steps_are_no_longer_list_actions(admin_client, ceremony):
    changelist = page_text(admin_client.get(admin_url(Ceremony, "changelist")))
    posted = admin_client.post(
        admin_url(Ceremony, "changelist"), {"action": "clear_signing", "_selected_action": [ceremony.pk]}, follow=True
    )

    for action in ("draw_letter", "generate_signing", "clear_signing"):
        assert action not in changelist
    assert shown_messages(posted) == [("warning", "No action selected.")]


# --- The desk, step by step -----------------------------------------------------------------------------------------


def test_a_new_desk_offers_the_draw_and_nothing_else(admin_client, ceremony, delegations):
    response = desk(admin_client, ceremony)

    assert section(response, "desk-state").startswith("Order of signing: No letter drawn yet")
    assert "Draw the letter" in section(response, "desk-letter")
    assert url("signing_generate", ceremony) not in page_text(response)  # no order without a letter
    assert url("signing_clear", ceremony) not in page_text(response)
    assert section(response, "desk-history") == "Steps taken (Asia/Ho_Chi_Minh) No step recorded yet. " + (
        "The ceremony's full history"
    )


def test_drawing_the_letter_records_who_drew_it(admin_client, ceremony, delegations, letter_m, django_user_model):
    admin = django_user_model.objects.get(username="admin")

    response = post(admin_client, "signing_draw", ceremony)

    ceremony.refresh_from_db()
    assert ceremony.drawn_letter == "M"
    assert shown_messages(response) == [("info", "The letter drawn by lot is M.")]
    record = ceremony.history.latest()
    assert (record.drawn_letter, record.history_user, record.history_change_reason) == (
        "M",
        admin,
        "letter drawn by lot",
    )
    letter = section(response, "desk-letter")
    assert re.fullmatch(
        r"Letter drawn by lot M English alphabetical order from the letter M; the host first\. "
        r"Letter drawn by lot: \w{3} \d{1,2} \w{3}, \d\d:\d\d \(Asia/Ho_Chi_Minh\), by admin\. Draw again… "
        r"The letter changes only by a new draw, which clears the order of signing\.",
        letter,
    )
    assert section(response, "desk-state").startswith("Order of signing: Not generated yet")


def test_drawing_when_a_letter_is_drawn_changes_nothing(admin_client, ceremony, letter_m):
    post(admin_client, "signing_draw", ceremony)

    response = post(admin_client, "signing_draw", ceremony)

    ceremony.refresh_from_db()
    assert ceremony.drawn_letter == "M"
    assert shown_messages(response) == [
        ("error", "The letter M is already drawn; clear the order of signing to draw again.")
    ]


def test_the_first_generation_asks_and_says_what_it_will_make(admin_client, ceremony, delegations, letter_m):
    post(admin_client, "signing_draw", ceremony)

    asked = admin_client.get(url("signing_generate", ceremony))

    assert consequences(asked) == [
        "4 delegations will have a place in the order of signing; slots: 4 new, 0 moved, 0 unchanged, 0 cancelled. "
        "Each delegation sees its slot on its page and in its calendar."
    ]
    assert places() == [] and slots() == []  # asking wrote nothing
    done = post(admin_client, "signing_generate", ceremony)
    assert shown_messages(done) == [
        (
            "warning",
            "4 delegations in the order of signing; slots: 4 new, 0 moved, 0 unchanged, 0 cancelled. "
            "Conflicts: 0 before, 1 after. New: full powers not verified (1). See them on the dashboard",
        )
    ]
    assert places() == ["Viet Nam", "Mexico", "South Africa", "Afghanistan"]


def test_the_desk_shows_the_order_in_hanoi_time(admin_client, generated):
    response = desk(admin_client, generated)

    assert "The order (times in Asia/Ho_Chi_Minh, UTC+07:00)" in section(response, "desk-order")
    assert order_rows(response) == [
        {
            "place": "1",
            "slot": "Sat 25 Oct, 10:30–10:33",
            "delegation": "Viet Nam",
            "signatory": "Head of Viet Nam",
            "full-powers": "not needed",
            "room": "Signing Hall",
        },
        {
            "place": "2",
            "slot": "Sat 25 Oct, 10:33–10:36",
            "delegation": "Mexico",
            "signatory": "Head of Mexico",
            "full-powers": "not needed",
            "room": "Signing Hall",
        },
        {
            "place": "3",
            "slot": "Sat 25 Oct, 10:36–10:39",
            "delegation": "South Africa",
            "signatory": "Head of South Africa",
            "full-powers": "not needed",
            "room": "Signing Hall",
        },
        {
            "place": "4",
            "slot": "Sat 25 Oct, 10:39–10:42",
            "delegation": "Afghanistan",
            "signatory": "Head of Afghanistan",
            "full-powers": "missing",
            "room": "Signing Hall",
        },
    ]
    state = section(response, "desk-state")
    assert state.startswith(
        "Order of signing: Generated 4 delegations have a place. 4 slots are shown to their delegations on their "
        "pages and in their calendars (0 confirmed). Signing from Sat 25 Oct, 10:30 (Asia/Ho_Chi_Minh), "
        "3 minutes per delegation, in Signing Hall."
    )


def test_the_desk_says_when_the_order_is_stale(admin_client, generated, delegations):
    signing(generated, "KE", "Kenya")
    mexico = delegations[2]
    mexico.status = DelegationStatus.DECLINED
    mexico.save()  # the admin's save withdraws it from the signing; here, the service does
    signing_withdraw(delegation=mexico)

    stale = re.search(
        r'<div class="desk-stale" id="desk-stale">(.*?)</div>', page_text(desk(admin_client, generated)), re.S
    )
    assert " ".join(plain(stale[1]).split()) == (
        "Changed since the order was generated: 1 delegation signs but has no place: Kenya. "
        "1 delegation withdrew, its slot cancelled: Mexico. "
        "Generate the order again to give every delegation that signs its place."
    )


def test_generating_again_after_a_withdrawal_leaves_the_order_up_to_date(admin_client, generated, delegations):
    mexico = delegations[2]
    mexico.status = DelegationStatus.DECLINED
    mexico.save()
    signing_withdraw(delegation=mexico)
    assert 'id="desk-stale"' in page_text(desk(admin_client, generated))

    post(admin_client, "signing_generate", generated)  # the places are given out again, without Mexico

    assert 'id="desk-stale"' not in page_text(desk(admin_client, generated))
    dashboard = page_text(admin_client.get("/admin/"))
    assert "changed since generated" not in dashboard
    assert "Mexico —" not in dashboard  # no longer waiting to come back: Protocol has given out its place


def test_generating_again_asks_first_and_says_what_moves(admin_client, generated):
    signing(generated, "NG", "Nigeria")  # from M: after Mexico; South Africa and Afghanistan shift down
    before, sequence = places(), slots()

    asked = admin_client.get(url("signing_generate", generated))

    assert consequences(asked) == [
        "5 delegations will have a place in the order of signing; slots: 1 new, 2 moved, 2 unchanged, 0 cancelled. "
        "Each delegation sees its slot on its page and in its calendar."
    ]
    assert (places(), slots()) == (before, sequence)
    assert Ceremony.history.filter(history_change_reason="order of signing generated").count() == 1
    done = post(admin_client, "signing_generate", generated)
    assert shown_messages(done)[0][1].startswith(
        "5 delegations in the order of signing; slots: 1 new, 2 moved, 2 unchanged, 0 cancelled."
    )
    assert places() == ["Viet Nam", "Mexico", "Nigeria", "South Africa", "Afghanistan"]


def test_a_generation_that_would_be_refused_says_why_and_offers_no_button(admin_client, generated):
    DelegationFactory(ceremony=generated, country="KE", name="Kenya", intends_to_sign=True)  # no signatory

    asked = admin_client.get(url("signing_generate", generated))

    assert re.search(
        r'<p class="errornote" id="desk-refusal">These delegations intend to sign but have no signatory: Kenya.</p>',
        page_text(asked),
    )
    assert confirm_form(asked) is None


def test_clearing_asks_first_with_the_counts_then_clears(admin_client, generated, django_user_model):
    before = slots()

    asked = admin_client.get(url("signing_clear", generated))

    assert consequences(asked) == [
        "4 delegations lose their places in the order of signing.",
        "4 slots are cancelled; their delegations see them cancelled on their pages and in their calendars.",
        "The letter M is forgotten: a new one must be drawn before the order is generated again.",
    ]
    back = (
        f'href="/admin/ceremony/ceremony/{generated.pk}/signing-desk/" class="button cancel-link">No, take me back</a>'
    )
    assert back in page_text(asked)
    assert slots() == before and len(places()) == 4  # asking cleared nothing

    done = post(admin_client, "signing_clear", generated)

    assert shown_messages(done) == [
        (
            "success",
            "Order of signing cleared: 4 slots cancelled; the letter is forgotten. "
            "Conflicts: 1 before, 0 after. Cleared: full powers not verified (1). See them on the dashboard",
        )
    ]
    generated.refresh_from_db()
    assert (generated.drawn_letter, places()) == ("", [])
    assert {status for _t, _s, status, _q in slots()} == {ItemStatus.CANCELLED}
    admin = django_user_model.objects.get(username="admin")
    cancelled = ScheduleItem.history.filter(history_change_reason="Cancelled")
    assert cancelled.count() == 4 and {r.history_user for r in cancelled} == {admin}
    assert section(done, "desk-state").startswith("Order of signing: No letter drawn yet")


def test_drawing_again_asks_first_then_clears_and_draws(admin_client, generated):
    asked = admin_client.get(url("signing_redraw", generated))

    assert consequences(asked) == [
        "The letter M is forgotten and a new letter is drawn by lot.",
        "4 delegations lose their places in the order of signing.",
        "4 slots are cancelled; their delegations see them cancelled on their pages and in their calendars.",
    ]
    generated.refresh_from_db()
    assert generated.drawn_letter == "M"

    done = post(admin_client, "signing_redraw", generated)

    generated.refresh_from_db()
    assert generated.drawn_letter == "K"
    assert places() == []
    assert shown_messages(done)[0][1].startswith(
        "The letter drawn by lot is now K. The order of signing was cleared and 4 slots cancelled: "
        "generate the order again."
    )


def test_moving_asks_first_with_the_new_places_and_times(admin_client, generated, delegations):
    afghanistan = delegations[1]
    move = url("signing_move", generated)

    asked = admin_client.get(move, {"delegation": afghanistan.pk, "position": 2})

    assert consequences(asked) == [
        "Afghanistan moves from place 4 to place 2.",
        "3 delegations change place or slot time; each sees the new time on its page and in its calendar.",
    ]
    table = re.search(r'<table class="desk-changes">.*?<tbody>(.*?)</tbody>', page_text(asked), re.S)[1]
    assert [
        [plain(cell) for cell in re.findall(r"<td>(.*?)</td>", row)] for row in re.findall(r"<tr>(.*?)</tr>", table)
    ] == [
        ["Afghanistan", "4 → 2", "10:39 → 10:33"],
        ["Mexico", "2 → 3", "10:33 → 10:36"],
        ["South Africa", "3 → 4", "10:36 → 10:39"],
    ]
    assert confirm_form(asked) == {
        "csrfmiddlewaretoken": form_values(asked)["csrfmiddlewaretoken"],
        "delegation": str(afghanistan.pk),
        "position": "2",
    }
    assert places() == ["Viet Nam", "Mexico", "South Africa", "Afghanistan"]

    done = admin_client.post(move, {"delegation": afghanistan.pk, "position": 2}, follow=True)

    assert shown_messages(done)[0][1].startswith("Afghanistan now signs in place 2.")
    assert places() == ["Viet Nam", "Afghanistan", "Mexico", "South Africa"]
    assert [row["slot"] for row in order_rows(done)][:2] == ["Sat 25 Oct, 10:30–10:33", "Sat 25 Oct, 10:33–10:36"]
    moved = Delegation.history.filter(history_change_reason="moved in the order of signing").get()
    assert (moved.name, moved.signing_order, moved.history_user.username) == ("Afghanistan", 2, "admin")


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        ({"position": "1"}, "Afghanistan: The host signs first; it cannot be moved, nor passed."),
        ({"position": "9"}, "Afghanistan: Choose a place from 1 to 4."),
        ({"position": "two"}, "Afghanistan: Choose a place from 1 to 4."),
    ],
)
def test_a_move_that_would_be_refused_says_why(admin_client, generated, delegations, query, refusal):
    asked = admin_client.get(url("signing_move", generated), {"delegation": delegations[1].pk, **query})

    assert asked.status_code == 200
    assert plain(re.search(r'<p class="errornote" id="desk-refusal">(.*?)</p>', page_text(asked), re.S)[1]) == refusal
    assert confirm_form(asked) is None


def test_a_move_of_no_delegation_of_this_ceremony_is_refused(admin_client, generated):
    stranger = signing(CeremonyFactory(slug="other"), "FR", "France")

    response = admin_client.get(url("signing_move", generated), {"delegation": stranger.pk, "position": 2}, follow=True)

    assert shown_messages(response) == [("error", "Choose a delegation of this ceremony.")]


def test_the_desk_lists_the_steps_with_their_people(admin_client, generated, delegations):
    admin_client.post(url("signing_move", generated), {"delegation": delegations[1].pk, "position": 2})
    post(admin_client, "signing_clear", generated)

    steps = re.findall(
        r"<li>(.*?)</li>",
        re.search(r'<ul class="desk-steps">(.*?)</ul>', page_text(desk(admin_client, generated)), re.S)[1],
        re.S,
    )

    assert [re.sub(r"^\w{3} \d{1,2} \w{3}, \d\d:\d\d — ", "", " ".join(plain(s).split())) for s in steps] == [
        "order of signing cleared — admin",
        "moved in the order of signing: Afghanistan to place 2 — admin",
        "order of signing generated — admin",
        "letter drawn by lot: letter M — admin",
    ]


# --- Who may -------------------------------------------------------------------------------------------------------


def organizer(client, group=None):
    user = get_user_model().objects.create_user(
        f"{(group or 'no').lower()}-officer", password="unused-pw-123", is_staff=True
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


STEPS = [
    ("signing_draw", {}),
    ("signing_redraw", {}),
    ("signing_generate", {}),
    ("signing_clear", {}),
    ("signing_move", {"delegation": "", "position": "2"}),
]


def test_protocol_sees_the_buttons_and_takes_the_steps(client, generated, delegations):
    organizer(client, "Protocol")

    page = page_text(desk(client, generated))
    asked = client.get(url("signing_clear", generated))
    done = post(client, "signing_clear", generated)

    for name in ("signing_redraw", "signing_generate", "signing_clear", "signing_move"):
        assert url(name, generated) in page, name
    assert asked.status_code == 200
    assert shown_messages(done)[0][1].startswith("Order of signing cleared: 4 slots cancelled")
    assert Ceremony.history.latest().history_user.username == "protocol-officer"


@pytest.mark.parametrize("group", ["Logistics", "Security", "Viewer"])
def test_other_roles_read_the_desk_and_are_refused_its_steps(client, generated, delegations, group):
    organizer(client, group)
    before = (places(), slots(), Ceremony.objects.get(pk=generated.pk).drawn_letter)

    page = desk(client, generated)

    assert page.status_code == 200 and len(order_rows(page)) == 4
    for name, _data in STEPS:
        assert url(name, generated) not in page_text(page), name
        assert client.get(url(name, generated), {"delegation": delegations[1].pk, "position": 2}).status_code == 403
        data = {**_data, "delegation": delegations[1].pk} if "delegation" in _data else _data
        assert client.post(url(name, generated), data).status_code == 403, name
    assert (places(), slots(), Ceremony.objects.get(pk=generated.pk).drawn_letter) == before


def test_staff_without_a_role_are_refused_the_desk(client, generated):
    organizer(client)

    assert desk(client, generated).status_code == 403


def test_the_desk_needs_a_sign_in(client, generated):
    response = desk(client, generated)

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(("name", "data"), STEPS)
def test_each_step_needs_the_forms_csrf_token(generated, delegations, name, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="admin"))
    before = (places(), slots(), Ceremony.objects.get(pk=generated.pk).drawn_letter)
    data = {**data, "delegation": delegations[1].pk} if "delegation" in data else data

    response = client.post(url(name, generated), data)

    assert response.status_code == 403
    assert (places(), slots(), Ceremony.objects.get(pk=generated.pk).drawn_letter) == before


def test_a_missing_ceremony_is_not_found(admin_client, db):
    assert admin_client.get("/admin/ceremony/ceremony/999/signing-desk/").status_code == 404
    assert admin_client.post("/admin/ceremony/ceremony/999/signing-desk/clear/").status_code == 404


# --- The letter changes only by a draw -----------------------------------------------------------------------------


def test_the_letter_cannot_be_typed_on_the_add_or_change_page(admin_client, generated):
    change = admin_url(Ceremony, "change", generated.pk)
    values = form_values(admin_client.get(change))

    admin_client.post(change, {**values, "drawn_letter": "A"})

    generated.refresh_from_db()
    assert generated.drawn_letter == "M"
    assert "drawn_letter" not in form_values(admin_client.get(admin_url(Ceremony, "add")))


def test_the_ceremonies_list_edits_no_letter(admin_client, generated):
    changelist = admin_url(Ceremony, "changelist")

    admin_client.post(
        changelist,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": generated.pk,
            "form-0-drawn_letter": "A",
            "_save": "Save",
        },
    )

    generated.refresh_from_db()
    assert generated.drawn_letter == "M"
    assert "form-0-drawn_letter" not in page_text(admin_client.get(changelist))


def test_a_seed_file_cannot_set_the_letter(db, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
    toml = seeds / "ceremony.toml"
    text = toml.read_text()
    line = "signing_starts_at = 2025-10-25T10:30:00+07:00\n"
    toml.write_text(text.replace(line, line + 'drawn_letter = "A"\n', 1))

    with pytest.raises(SeedError, match="unknown field"):
        seed_ceremony(seeds_dir=seeds)


# --- Its cost ------------------------------------------------------------------------------------------------------


def desk_queries(client, ceremony):
    post(client, "signing_generate", ceremony)
    with CaptureQueriesContext(connection) as queries:
        response = desk(client, ceremony)
    return len(queries), len(order_rows(response))


def test_the_desk_queries_do_not_grow_with_the_order(admin_client, generated):
    codes = ["BR", "CA", "DE", "EG", "FI", "GH", "IN", "JP", "KE", "LU", "NO", "PE"]
    for code in codes[:2]:
        signing(generated, code, f"Country {code}")
    small, rows = desk_queries(admin_client, generated)
    assert rows == 6
    for code in codes[2:]:
        signing(generated, code, f"Country {code}")
    large, rows = desk_queries(admin_client, generated)

    assert rows == 16
    assert small == large


def test_a_place_in_the_order_changes_only_on_the_desk_not_on_the_delegations_page(admin_client, generated):
    mexico = Delegation.objects.get(name="Mexico")
    url_ = admin_url(Delegation, "change", mexico.pk)
    page = page_text(admin_client.get(url_))
    assert 'name="signing_order"' not in page
    assert url("signing_desk", generated) in page  # where a place is moved, with its question first

    values = {**form_values(admin_client.get(url_)), "signing_order": "4", "hotel": "Hotel Metropole"}
    assert admin_client.post(url_, values).status_code == 302
    mexico.refresh_from_db()
    assert (mexico.signing_order, mexico.hotel) == (2, "Hotel Metropole")
