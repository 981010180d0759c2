"""The organizers' admin: every page opens, the header names the ceremony, the programme's and the
delegations' actions do what they say, and changelists take the same number of queries for 3 rows or 30."""

import datetime as dt
import html
import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_countries import countries

from ceremony.enums import ItemStatus, Visibility
from ceremony.models import (
    Agency,
    Ceremony,
    KeyFigure,
    Milestone,
    Official,
    Room,
    ScheduleItem,
    Source,
    StaffMember,
    Venue,
)
from ceremony.outbox import mark_undeliverable
from delegations.badges import badges_issue
from delegations.door import check_in
from delegations.enums import AccreditationStatus, ClearanceStatus
from delegations.models import Delegate, Delegation, FullPowers, Signatory, State
from tests.adminpages import (
    add_inline_row,
    admin_url,
    changelist_rows,
    form_values,
    formset_errors,
    page_text,
    plain,
    run_action,
    shown_messages,
)
from tests.factories import (
    AgencyFactory,
    CeremonyFactory,
    DelegateFactory,
    DelegationFactory,
    FullPowersFactory,
    KeyFigureFactory,
    MilestoneFactory,
    OfficialFactory,
    OfficialTitleFactory,
    RoomFactory,
    ScheduleItemFactory,
    SourceFactory,
    StateFactory,
    VenueFactory,
    hanoi,
)

CEREMONY_NAME = "Signing Ceremony and High-level Conference of the United Nations Convention against Cybercrime"
PUBLISHED = [Visibility.PUBLIC, Visibility.DELEGATIONS, Visibility.INVITED]
PUBLISHED_ONE = (
    "This item is published (public or shown to delegations) and cannot be deleted: "
    "cancel it instead, so that calendars show the cancellation."
)
TWO_HEADS = "A delegation has only one head of delegation: tick “head of delegation” for one member."

PLANNER_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in {"ceremony", "delegations"}),
    key=lambda model: model._meta.label,
)
HEADINGS = {"changelist": "Select {} to change", "add": "Add {}", "change": "Change {}"}
# Made by printing, at the door or by the mail worker, never typed: read by everyone, added and changed by no one
# (undeliverable addresses may be deleted).
READ_ONLY = {
    label: {"changelist": "Select {} to view", "add": None, "change": "View {}"}
    for label in ("delegations.Badge", "delegations.Entry", "ceremony.UndeliverableAddress")
}


# --- 1. Every page of every model opens -----------------------------------------------------------------------------


@pytest.fixture
def every_model(seeded):
    """The seeded ceremony plus a signatory of the host with full powers and a staff member: an object for
    every admin."""
    powers = FullPowersFactory(
        signatory__delegation=Delegation.objects.get(country="VN"),
        signatory__name="Nguyen Van A",
        signatory__accreditation_status=AccreditationStatus.ACCREDITED,
        signatory__clearance_status=ClearanceStatus.CLEARED,
    )
    (badge,) = badges_issue(delegates=[powers.signatory], user=None)
    check_in(typed=badge.code, officer=None)
    StaffMember.objects.create(
        user=get_user_model().objects.create_user("liaison"), agency=Agency.objects.get(code="mofa")
    )
    mark_undeliverable(["nobody@example.net"], reason="550 5.1.1 User unknown")


@pytest.mark.parametrize("page", HEADINGS)
@pytest.mark.parametrize("model", PLANNER_MODELS, ids=lambda model: model._meta.label)
def test_admin_page_opens_for_every_model(admin_client, every_model, model, page):
    obj = model.objects.order_by("pk").first()
    response = admin_client.get(admin_url(model, page, *([obj.pk] if page == "change" else [])))

    heading = READ_ONLY.get(model._meta.label, HEADINGS)[page]
    if heading is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    text = page_text(response)
    assert f"<h1>{heading.format(model._meta.verbose_name)}</h1>" in text
    if page == "change":
        assert f"<h2>{html.escape(str(obj))}</h2>" in text


def test_admin_pages_cover_both_apps():
    assert [model._meta.label for model in PLANNER_MODELS] == [
        "ceremony.Agency",
        "ceremony.Ceremony",
        "ceremony.KeyFigure",
        "ceremony.Milestone",
        "ceremony.Official",
        "ceremony.Room",
        "ceremony.ScheduleItem",
        "ceremony.Source",
        "ceremony.StaffMember",
        "ceremony.UndeliverableAddress",
        "ceremony.Venue",
        "delegations.Badge",
        "delegations.Delegate",
        "delegations.Delegation",
        "delegations.Entry",
        "delegations.FullPowers",
        "delegations.Signatory",
        "delegations.State",
    ]


# --- 2. The header names the ceremony -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/", "/admin/ceremony/scheduleitem/"], ids=["index", "changelist"])
def test_site_header_names_current_ceremony(admin_client, seeded, url):
    text = page_text(admin_client.get(url))

    assert f'<div id="site-name"><a href="/admin/">{CEREMONY_NAME} — planner</a></div>' in text
    assert "times in Asia/Ho_Chi_Minh, UTC+07:00" in text


def test_site_header_without_ceremony_is_generic(admin_client, db):
    text = page_text(admin_client.get("/admin/"))

    assert '<div id="site-name"><a href="/admin/">Ceremony planner</a></div>' in text
    assert 'id="ceremony-dates"' not in text


# --- 3. The programme in ceremony time ------------------------------------------------------------------------------


def test_schedule_changelist_shows_items_in_ceremony_time(admin_client, seeded, settings):
    settings.TIME_ZONE = "UTC"  # the column follows the ceremony's zone, not the server's
    response = admin_client.get(admin_url(ScheduleItem, "changelist"))
    # Keyed by the English title: each row shows it, then the Vietnamese beneath.
    rows = {row["titles"].split("\n")[0]: row for row in changelist_rows(response)}

    assert len(rows) == 12
    assert rows["Opening of the signing ceremony and opening speeches"] == {
        "titles": "Opening of the signing ceremony and opening speeches\n"
        "Khai mạc Lễ mở ký và các bài phát biểu khai mạc",
        "when": "Sat 25 Oct 2025, 09:00–10:30 (UTC+07:00)",
        "kind": "opening",
        "room": "Plenary Hall",
        "lead_agency": "Ministry of Public Security",
        "visibility": "public",
        "status": "confirmed",
        "sequence": "0",
    }
    assert rows["Closing of the signing ceremony"]["when"] == "Sun 26 Oct 2025, 11:30–12:00 (UTC+07:00)"


def test_schedule_changelist_in_vietnamese_shows_the_vietnamese_title_first(admin_client, seeded):
    admin_client.cookies["django_language"] = "vi"
    response = admin_client.get(admin_url(ScheduleItem, "changelist"))
    text = response.content.decode()

    assert re.search(r'<th scope="col" class="sortable column-titles[^"]*">.*?<a href="[^"]*">Tiêu đề</a>', text, re.S)
    assert 'class="field-titles"><a href="/admin/ceremony/scheduleitem/' in text
    assert re.search(
        r'>Khai mạc Lễ mở ký và các bài phát biểu khai mạc<br><span class="other-language" lang="en">'
        r"Opening of the signing ceremony and opening speeches</span></a>",
        text,
    )


def test_schedule_changelist_shows_one_title_when_there_is_no_vietnamese(admin_client, db):
    ScheduleItemFactory(title="Night shift", title_vi="")
    admin_client.cookies["django_language"] = "vi"

    (row,) = changelist_rows(admin_client.get(admin_url(ScheduleItem, "changelist")))

    assert row["titles"] == "Night shift"


def test_schedule_changelist_shows_both_days_of_overnight_item(admin_client, db):
    ScheduleItemFactory(title="Night shift", starts_at=hanoi(25, 22), ends_at=hanoi(26, 1, 30))

    (row,) = changelist_rows(admin_client.get(admin_url(ScheduleItem, "changelist")))

    assert row["when"] == "Sat 25 Oct 2025, 22:00–Sun 26 Oct, 01:30 (UTC+07:00)"


def test_schedule_item_uid_is_read_only_once_the_item_exists(admin_client, db):
    item = ScheduleItemFactory(uid="hanoi-opening", title="Opening")
    url = admin_url(ScheduleItem, "change", item.pk)
    page = admin_client.get(url)
    values = form_values(page)

    assert "uid" not in values
    assert re.search(r'<div class="readonly">hanoi-opening</div>', page_text(page))
    response = admin_client.post(url, {**values, "uid": "renamed", "title": "Opening ceremony"}, follow=True)

    assert response.redirect_chain == [("/admin/ceremony/scheduleitem/", 302)]
    item.refresh_from_db()
    assert (item.uid, item.title) == ("hanoi-opening", "Opening ceremony")


def test_schedule_item_uid_can_be_chosen_when_adding(admin_client, db):
    assert 'name="uid"' in page_text(admin_client.get(admin_url(ScheduleItem, "add")))


def test_schedule_item_history_page_shows_changed_invitations(admin_client, db):
    item = ScheduleItemFactory(title="Bilateral", visibility=Visibility.INVITED)
    france = DelegationFactory(ceremony=item.ceremony, country="FR", name="France")
    url = admin_url(ScheduleItem, "change", item.pk)
    values = form_values(admin_client.get(url))
    values.update({"invitations-TOTAL_FORMS": "1", "invitations-0-delegation": str(france.pk)})

    assert admin_client.post(url, values).status_code == 302
    assert list(item.invited_delegations.all()) == [france]
    item.invited_delegations.clear()

    response = admin_client.get(admin_url(ScheduleItem, "history", item.pk))

    assert response.status_code == 200
    invitations = re.search(r'<div class="module" id="invitation-history">(.*?)</div>', page_text(response), re.S)[1]
    rows = [[plain(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in invitations.split("<tr>")]
    assert "Invited now: none" in " ".join(plain(invitations).split())
    # Newest first: delegation, change, by whom.
    assert [row[1:4] for row in rows if row] == [
        ["France", "invitation withdrawn", "None"],
        ["France", "invited", "admin"],
    ]


# --- 4. Cancelling items --------------------------------------------------------------------------------------------


def test_cancel_items_action_cancels_and_bumps_revision_once(admin_client, db):
    ceremony = CeremonyFactory(is_current=True)
    items = [
        ScheduleItemFactory(ceremony=ceremony, title="Opening", status=ItemStatus.CONFIRMED),
        ScheduleItemFactory(ceremony=ceremony, title="Plenary", status=ItemStatus.TENTATIVE),
        ScheduleItemFactory(ceremony=ceremony, title="Closing", status=ItemStatus.CANCELLED, sequence=3),
    ]

    response = run_action(admin_client, ScheduleItem, "cancel_items", items)

    assert response.redirect_chain == [("/admin/ceremony/scheduleitem/", 302)]
    assert shown_messages(response) == [("success", "2 items cancelled.")]
    assert list(ScheduleItem.objects.order_by("title").values_list("title", "status", "sequence")) == [
        ("Closing", "cancelled", 3),
        ("Opening", "cancelled", 1),
        ("Plenary", "cancelled", 1),
    ]


# --- 5. Published items are cancelled, not deleted ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("visibility", PUBLISHED)
def test_delete_view_refuses_published_item(admin_client, db, visibility, method):
    item = ScheduleItemFactory(title="Opening", visibility=visibility)
    url = admin_url(ScheduleItem, "delete", item.pk)

    response = (
        admin_client.get(url, follow=True) if method == "get" else admin_client.post(url, {"post": "yes"}, follow=True)
    )

    assert response.redirect_chain == [(admin_url(ScheduleItem, "change", item.pk), 302)]
    assert shown_messages(response) == [("error", PUBLISHED_ONE)]
    assert ScheduleItem.objects.filter(pk=item.pk, title="Opening", status=ItemStatus.CONFIRMED).exists()


def unpublished(title):
    """An item that was public once and is staff-only now: subscribers may still have it."""
    item = ScheduleItemFactory(title=title, visibility=Visibility.PUBLIC)
    item.visibility = Visibility.INTERNAL
    item.save()
    return item


@pytest.mark.parametrize("method", ["get", "post"])
def test_delete_view_refuses_item_that_was_published_before(admin_client, db, method):
    item = unpublished("Opening")
    url = admin_url(ScheduleItem, "delete", item.pk)

    response = (
        admin_client.get(url, follow=True) if method == "get" else admin_client.post(url, {"post": "yes"}, follow=True)
    )

    assert response.redirect_chain == [(admin_url(ScheduleItem, "change", item.pk), 302)]
    assert shown_messages(response) == [("error", PUBLISHED_ONE)]
    assert ScheduleItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("confirmed", [False, True], ids=["choose", "confirm"])
def test_delete_selected_refuses_items_that_were_published_before(admin_client, db, confirmed):
    items = [ScheduleItemFactory(visibility=Visibility.INTERNAL), unpublished("Opening")]

    response = run_action(
        admin_client, ScheduleItem, "delete_selected", items, **({"post": "yes"} if confirmed else {})
    )

    assert shown_messages(response) == [
        (
            "error",
            "1 selected item is published (public or shown to delegations) and cannot be deleted: "
            "cancel it instead, so that calendars show the cancellation.",
        )
    ]
    assert ScheduleItem.objects.count() == 2


@pytest.mark.parametrize("confirmed", [False, True], ids=["choose", "confirm"])
def test_delete_selected_refuses_selection_with_published_items(admin_client, db, confirmed):
    items = [ScheduleItemFactory(visibility=visibility) for visibility in [Visibility.INTERNAL, *PUBLISHED[:2]]]

    response = run_action(
        admin_client, ScheduleItem, "delete_selected", items, **({"post": "yes"} if confirmed else {})
    )

    assert response.redirect_chain == [("/admin/ceremony/scheduleitem/", 302)]
    assert shown_messages(response) == [
        (
            "error",
            "2 selected items are published (public or shown to delegations) and cannot be deleted: "
            "cancel them instead, so that calendars show the cancellation.",
        )
    ]
    assert ScheduleItem.objects.count() == 3


def test_delete_view_deletes_staff_only_item(admin_client, db):
    item = ScheduleItemFactory(title="Security sweep", visibility=Visibility.INTERNAL)
    url = admin_url(ScheduleItem, "delete", item.pk)

    confirmation = admin_client.get(url)
    response = admin_client.post(url, {"post": "yes"}, follow=True)

    assert 'Are you sure you want to delete the schedule item "Security sweep"?' in plain(page_text(confirmation))
    assert response.redirect_chain == [("/admin/ceremony/scheduleitem/", 302)]
    assert shown_messages(response) == [("success", "The schedule item “Security sweep” was deleted successfully.")]
    assert not ScheduleItem.objects.exists()


def test_delete_selected_deletes_staff_only_items(admin_client, db):
    items = ScheduleItemFactory.create_batch(2, visibility=Visibility.INTERNAL)
    kept = ScheduleItemFactory(title="Opening", visibility=Visibility.PUBLIC)

    confirmation = run_action(admin_client, ScheduleItem, "delete_selected", items)
    response = run_action(admin_client, ScheduleItem, "delete_selected", items, post="yes")

    assert "Are you sure you want to delete the selected schedule items?" in page_text(confirmation)
    assert shown_messages(response) == [("success", "Successfully deleted 2 schedule items.")]
    assert list(ScheduleItem.objects.all()) == [kept]


# --- 6. Delegates inline, one head ----------------------------------------------------------------------------------


@pytest.fixture
def delegation(db):
    """France at the current ceremony with two members, neither of them head."""
    france = DelegationFactory(ceremony=CeremonyFactory(is_current=True), country="FR", name="France")
    DelegateFactory(delegation=france, name="Jean Dupont", position="Ambassador")
    DelegateFactory(delegation=france, name="Marie Curie", position="Legal adviser")
    return france


def members_of(delegation):
    return list(delegation.members.order_by("name").values_list("name", "is_head"))


def test_delegation_change_page_shows_members_inline(admin_client, delegation):
    values = form_values(admin_client.get(admin_url(Delegation, "change", delegation.pk)))

    assert values["members-TOTAL_FORMS"] == values["members-INITIAL_FORMS"] == "2"
    assert [(values[f"members-{i}-name"], values[f"members-{i}-position"]) for i in range(2)] == [
        ("Jean Dupont", "Ambassador"),
        ("Marie Curie", "Legal adviser"),
    ]


def test_delegation_change_with_one_head_saves(admin_client, delegation):
    url = admin_url(Delegation, "change", delegation.pk)
    values = form_values(admin_client.get(url))
    values["members-0-is_head"] = "on"
    add_inline_row(values, "members", name="Paul Martin", position="Security officer")

    response = admin_client.post(url, values)

    assert response.status_code == 302
    assert members_of(delegation) == [("Jean Dupont", True), ("Marie Curie", False), ("Paul Martin", False)]


@pytest.mark.parametrize(
    ("ticked", "added"), [(2, 0), (0, 2), (1, 1)], ids=["two-ticked", "two-added", "one-ticked-one-added"]
)
def test_delegation_change_with_two_heads_shows_error_and_saves_nothing(admin_client, delegation, ticked, added):
    url = admin_url(Delegation, "change", delegation.pk)
    values = form_values(admin_client.get(url))
    values["hotel"] = "Hotel Metropole"
    for index in range(ticked):
        values[f"members-{index}-is_head"] = "on"
    for name in ["Paul Martin", "Anne Leroy"][:added]:
        add_inline_row(values, "members", name=name, is_head="on")

    response = admin_client.post(url, values)

    assert response.status_code == 200
    assert formset_errors(response) == [TWO_HEADS]
    delegation.refresh_from_db()
    assert delegation.hotel == ""
    assert members_of(delegation) == [("Jean Dupont", False), ("Marie Curie", False)]


@pytest.mark.parametrize(
    "tampered",
    [
        {"members-INITIAL_FORMS": "0"},
        {"members-INITIAL_FORMS": "-1"},
        {"members-INITIAL_FORMS": "1"},
        {"members-INITIAL_FORMS": "5"},
        {"members-INITIAL_FORMS": "many"},
        {"members-TOTAL_FORMS": "1"},
        {"members-1-id": "FIRST"},
    ],
    ids=["zero", "negative", "below-the-members", "above-total", "not-a-number", "total-below-initial", "id-twice"],
)
def test_delegation_change_with_a_tampered_list_of_members_saves_nothing(admin_client, delegation, tampered):
    DelegateFactory(delegation=delegation, name="Anne Leroy", is_head=True)
    url = admin_url(Delegation, "change", delegation.pk)
    values = form_values(admin_client.get(url))
    values.update({key: value.replace("FIRST", values["members-0-id"]) for key, value in tampered.items()})
    values["hotel"] = "Hotel Metropole"

    response = admin_client.post(url, values)

    assert response.status_code == 200
    assert formset_errors(response) == [
        "The list of members sent does not match the delegation's; reload the page and try again."
    ]
    delegation.refresh_from_db()
    assert delegation.hotel == ""
    assert members_of(delegation) == [("Anne Leroy", True), ("Jean Dupont", False), ("Marie Curie", False)]


# --- 7. Inviting states ---------------------------------------------------------------------------------------------


def test_state_invite_creates_delegations_and_skips_invited_states(admin_client, seeded):
    ceremony = Ceremony.objects.get(is_current=True)
    states = State.objects.filter(country__in=["GB", "VA", "VN"])  # Viet Nam, the host, is already there

    response = run_action(admin_client, State, "invite", states)

    assert shown_messages(response) == [
        ("success", f"2 delegations invited to {CEREMONY_NAME}. 1 state already had a delegation.")
    ]
    invited = ceremony.delegations.filter(country__in=["GB", "VA", "VN"]).order_by("country")
    assert [(d.country.code, d.name, d.kind, d.status) for d in invited] == [
        ("GB", "United Kingdom of Great Britain and Northern Ireland", "member_state", "invited"),
        ("VA", "Holy See", "observer_state", "invited"),
        ("VN", "Viet Nam", "member_state", "confirmed"),
    ]


def test_state_invite_again_skips_every_state(admin_client, seeded):
    states = State.objects.filter(country__in=["GB", "VA"])
    run_action(admin_client, State, "invite", states)

    response = run_action(admin_client, State, "invite", states)

    assert shown_messages(response) == [
        ("success", f"0 delegations invited to {CEREMONY_NAME}. 2 states already had a delegation.")
    ]
    assert Delegation.objects.filter(country__in=["GB", "VA"]).count() == 2


def test_state_invite_without_ceremony_shows_error(admin_client, db):
    response = run_action(admin_client, State, "invite", [StateFactory()])

    assert shown_messages(response) == [("error", "There is no ceremony to invite to yet.")]
    assert not Delegation.objects.exists()


# --- 8. Changelist queries do not grow with rows --------------------------------------------------------------------

COUNTRY_CODES = [code for code, _name in countries]


def schedule_items(ceremony, numbers):
    for n in numbers:
        item = ScheduleItemFactory(
            ceremony=ceremony, visibility=Visibility.INVITED, starts_at=hanoi(25, 8) + dt.timedelta(minutes=10 * n)
        )
        item.supporting_agencies.add(*AgencyFactory.create_batch(2))
        item.invited_delegations.add(DelegationFactory(ceremony=ceremony, country=COUNTRY_CODES[n]))


def delegations(ceremony, numbers):
    for n in numbers:
        DelegateFactory.create_batch(2, delegation=DelegationFactory(ceremony=ceremony, country=COUNTRY_CODES[n]))


def delegates(ceremony, numbers):
    for n in numbers:
        DelegateFactory(delegation=DelegationFactory(ceremony=ceremony, country=COUNTRY_CODES[n]))


def full_powers(ceremony, numbers):
    for n in numbers:
        FullPowersFactory(
            signatory__delegation=DelegationFactory(ceremony=ceremony, country=COUNTRY_CODES[n]),
            verified_by=get_user_model().objects.create_user(f"verifier-{n}"),
        )


def officials(ceremony, numbers):
    for official in OfficialFactory.create_batch(len(numbers)):
        OfficialTitleFactory(official=official, held_until=dt.date(2025, 1, 1))
        OfficialTitleFactory(official=official, held_from=dt.date(2025, 1, 1))


def rooms(ceremony, numbers):
    RoomFactory.create_batch(len(numbers))


def agencies(ceremony, numbers):
    for agency in AgencyFactory.create_batch(len(numbers)):
        OfficialFactory.create_batch(2, agency=agency)


def milestones(ceremony, numbers):
    MilestoneFactory.create_batch(len(numbers), ceremony=ceremony)


def key_figures(ceremony, numbers):
    KeyFigureFactory.create_batch(len(numbers), ceremony=ceremony)


def ceremonies(ceremony, numbers):
    for n in numbers:
        if n:  # the current ceremony is the first row
            CeremonyFactory(host_agency=AgencyFactory(), venue=VenueFactory())


def sources(ceremony, numbers):
    SourceFactory.create_batch(len(numbers))


def venues(ceremony, numbers):
    for n in numbers:
        RoomFactory.create_batch(2, venue=VenueFactory(city=f"City {n}"))


def staff_members(ceremony, numbers):
    for n in numbers:
        StaffMember.objects.create(user=get_user_model().objects.create_user(f"staff-{n}"), agency=AgencyFactory())


def states(ceremony, numbers):
    for n in numbers:
        StateFactory(country=COUNTRY_CODES[n], name=f"State {n}")


def changelist_queries(client, model):
    """The number of queries the changelist takes, and the rows it shows."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries), len(changelist_rows(response))


# Session, user, the header's ceremony, two counts (filtered and total) and the page of rows are 6 queries;
# each related-object list filter or list filter of a field's values adds one, a date hierarchy two.
CHANGELIST_QUERIES = [
    (ScheduleItem, schedule_items, 11),
    (Delegation, delegations, 7),
    (Delegate, delegates, 7),
    (FullPowers, full_powers, 7),
    (Signatory, full_powers, 7),
    (Official, officials, 8),  # one more than before: the titles held, in one prefetch
    (Room, rooms, 7),
    (Agency, agencies, 6),
    (Milestone, milestones, 9),
    (KeyFigure, key_figures, 7),
    (Ceremony, ceremonies, 6),
    (Source, sources, 6),
    (Venue, venues, 7),
    (StaffMember, staff_members, 7),
    (State, states, 6),
]


@pytest.mark.parametrize(
    ("model", "make_rows", "expected"),
    [pytest.param(*case, id=case[0].__name__) for case in CHANGELIST_QUERIES],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, db, model, make_rows, expected):
    ceremony = CeremonyFactory(is_current=True)
    make_rows(ceremony, range(3))
    small, shown = changelist_queries(admin_client, model)
    assert shown == 3
    make_rows(ceremony, range(3, 30))
    large, shown = changelist_queries(admin_client, model)
    assert shown == 30

    assert small == large == expected


def test_venues_filter_by_city(admin_client, db):
    VenueFactory(name="National Convention Center", city="Hanoi")
    VenueFactory(name="Saigon Exhibition Center", city="Ho Chi Minh City")

    listed = page_text(admin_client.get(admin_url(Venue, "changelist")))
    cities = re.search(r'<details data-filter-title="city".*?</details>', listed, re.S)[0]
    assert re.findall(r'<a href="([^"]*)">([^<]*)</a>', cities) == [
        ("?", "All"),
        ("?city=Hanoi", "Hanoi"),
        ("?city=Ho+Chi+Minh+City", "Ho Chi Minh City"),
    ]
    rows = changelist_rows(admin_client.get(admin_url(Venue, "changelist") + "?city=Hanoi"))
    assert [(row["name"], row["city"]) for row in rows] == [("National Convention Center", "Hanoi")]


# --- Private links issued from the admin ----------------------------------------------------------------------------


def issued_urls(response, kind="calendar"):
    """The links shown on the page of new private links: the calendars', or the delegations' pages'."""
    return re.findall(rf'<code class="{kind}-link">(https?://[^<]+)</code>', page_text(response))


def test_issue_access_links_shows_each_delegations_new_link_once(admin_client, client, db):
    first, second = DelegationFactory(country="FR"), DelegationFactory(country="JP", ceremony=CeremonyFactory())
    response = run_action(admin_client, Delegation, "issue_access_links", [first, second], post="yes")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    urls = issued_urls(response)
    assert len(urls) == 2
    assert all(re.fullmatch(r"http://testserver/d/[A-Za-z0-9_-]{43}/calendar\.ics", url) for url in urls)
    assert "webcal://testserver/d/" in page_text(response)
    assert client.get(urls[0]).status_code == 200

    again = issued_urls(run_action(admin_client, Delegation, "issue_access_links", [first], post="yes"))
    assert client.get(urls[0]).status_code == 404  # the old link stopped working
    assert client.get(again[0]).status_code == 200


def test_a_delegations_new_links_lead_with_its_page_and_each_can_be_copied(admin_client, client, db):
    france = DelegationFactory(country="FR", name="France")
    response = run_action(admin_client, Delegation, "issue_access_links", [france], post="yes")

    text = page_text(response)
    [page], [calendar] = issued_urls(response, "page"), issued_urls(response)
    # The page first: a delegate opens it in a browser; the calendar is for calendar apps.
    assert text.index(page) < text.index(calendar)
    assert calendar == page + "calendar.ics"
    assert "France" in plain(client.get(page).content.decode())
    copy_buttons = re.findall(r'<button type="button" class="button copy-link" data-copy="([^"]+)"', text)
    assert copy_buttons == [page, calendar, calendar.replace("http://", "webcal://")]
    assert 'src="/static/ceremony/copy_links.js"' in text


def test_issue_calendar_links_for_staff(admin_client, client, db):
    CeremonyFactory(is_current=True)
    member = StaffMember.objects.create(user=get_user_model().objects.create_user("liaison"), agency=AgencyFactory())
    response = run_action(admin_client, StaffMember, "issue_calendar_links", [member], post="yes")

    [url] = issued_urls(response)
    assert re.fullmatch(r"http://testserver/staff/[A-Za-z0-9_-]{43}/calendar\.ics", url)
    assert client.get(url).status_code == 200
    member.refresh_from_db()
    assert member.token_issued_at is not None
    assert url.split("/")[-2] not in member.token_hash


# --- Dates typed in the admin: within a year of the ceremony, never a 500 --------------------------------------------

WINDOW_ERROR = "Enter a time within a year of the ceremony: from 25 October 2024 to 26 October 2026."


def _post_changed(client, obj, **changes):
    url = admin_url(type(obj), "change", obj.pk)
    values = form_values(client.get(url))
    values.update(changes)
    return client.post(url, values)


@pytest.mark.parametrize(
    ("day", "time"), [("0001-01-01", "00:00:00"), ("9999-12-31", "23:59:00"), ("2019-06-01", "10:00:00")]
)
def test_an_implausible_arrival_typed_in_the_admin_is_a_field_error(admin_client, db, day, time):
    delegation = DelegationFactory(ceremony=CeremonyFactory(is_current=True))
    response = _post_changed(admin_client, delegation, arrival_at_0=day, arrival_at_1=time, hotel="Changed")

    assert response.status_code == 200
    assert WINDOW_ERROR in html.unescape(page_text(response))
    delegation.refresh_from_db()
    assert (delegation.arrival_at, delegation.hotel) == (None, "")
    for model in (Delegation, Delegate):
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get("/admin/").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2052-10-25"])
def test_an_implausible_item_time_typed_in_the_admin_is_a_field_error(admin_client, db, day):
    item = ScheduleItemFactory(ceremony=CeremonyFactory(is_current=True), title="Opening")
    response = _post_changed(admin_client, item, starts_at_0=day, starts_at_1="09:00:00", title="Moved")

    assert response.status_code == 200
    assert WINDOW_ERROR in html.unescape(page_text(response))
    item.refresh_from_db()
    assert (item.starts_at, item.title) == (hanoi(25, 14), "Opening")


def test_a_signing_start_outside_the_ceremonys_days_is_a_field_error(admin_client, db):
    ceremony = CeremonyFactory(is_current=True)
    response = _post_changed(admin_client, ceremony, signing_starts_at_0="0001-01-01", signing_starts_at_1="10:30:00")

    assert response.status_code == 200
    assert (
        "The signing starts on one of the ceremony&#x27;s days, from 25 October 2025 to 26 October 2025."
        in page_text(response)
    )
    ceremony.refresh_from_db()
    assert ceremony.signing_starts_at is None


def test_the_admin_writes_dates_day_first_on_a_24_hour_clock(admin_client, db):
    item = ScheduleItemFactory(title="Opening")
    ScheduleItem.objects.filter(pk=item.pk).update(created_at=hanoi(21, 14, 30))

    text = page_text(admin_client.get(admin_url(ScheduleItem, "change", item.pk)))

    assert '<div class="readonly">21 October 2025, 14:30</div>' in text
