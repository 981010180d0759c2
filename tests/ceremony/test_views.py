"""The public pages: the programme and the Convention's story."""

import datetime as dt
import re
from html import escape, unescape
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from ceremony.enums import ItemKind, ItemStatus, Visibility
from ceremony.models import ScheduleItem
from tests.factories import DelegateFactory, ScheduleItemFactory, hanoi


def item_ids(response):
    return re.findall(r'id="item-([^"]+)"', response.content.decode())


def test_programme_lists_public_items_by_day_in_hanoi_time(client, world):
    response = client.get("/?day=all")
    text = response.content.decode()
    assert response.status_code == 200
    assert item_ids(response) == ["opening", "closing"]
    assert "Saturday 25 October 2025" in text
    assert "Sunday 26 October 2025" in text
    assert '<time datetime="2025-10-25T09:00:00+07:00">09:00–10:30</time>' in text
    assert text.count("All times are Hanoi time (Asia/Ho_Chi_Minh, UTC+07:00).") == 1


def test_programme_never_shows_delegation_staff_or_invited_items(client, world):
    ids = item_ids(client.get("/?day=all"))
    for hidden in ("briefing", "alpha-slot", "beta-slot", "security-sweep", "press-prep"):
        assert hidden not in ids


def test_public_pages_and_feeds_show_no_personal_data(client, world):
    DelegateFactory(delegation=world.alpha, name="Jeanne Martin", email="jeanne@example.fr")
    world.items.opening.invited_delegations.add(world.alpha)
    pages = ("/", "/about/", "/programme.ics", "/items/opening.ics")
    text = "".join(client.get(url).content.decode() for url in pages)
    assert "Jeanne" not in text
    assert "jeanne@example.fr" not in text


def test_programme_strikes_cancelled_items_and_marks_changed_ones(client, world):
    world.items.opening.starts_at = hanoi(25, 9, 15)
    world.items.opening.save()
    text = client.get("/?day=all").content.decode()
    closing = text[text.index('id="item-closing"') - 120 :]
    assert "item-cancelled" in closing[:200]
    assert ">Cancelled</span>" in closing
    opening = text[text.index('id="item-opening"') : text.index('id="item-closing"')]
    assert ">Changed</span>" in opening
    assert "09:15–10:30" in opening


def test_programme_marks_tentative_items(client, world):
    ScheduleItemFactory(ceremony=world.ceremony, uid="draft", status=ItemStatus.TENTATIVE, visibility="public")
    text = client.get("/").content.decode()
    assert ">Tentative</span>" in text[text.index('id="item-draft"') :]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?day=2025-10-26", ["closing"]),
        ("?kind=opening", ["opening"]),
        ("?day=2025-10-25&kind=opening", ["opening"]),
        ("?day=2025-10-26&kind=opening", []),
        ("?day=all", ["opening", "closing"]),
        ("?day=all&kind=opening", ["opening"]),
    ],
)
def test_programme_filters_by_day_and_kind(client, world, query, expected):
    world.items.opening.kind = ItemKind.OPENING
    world.items.opening.save()
    assert item_ids(client.get("/" + query)) == expected


def test_programme_offers_subscription_and_download(client, world):
    text = client.get("/").content.decode()
    assert 'href="webcal://testserver/programme.ics"' in text
    assert 'value="http://testserver/programme.ics"' in text
    assert 'href="/items/opening.ics"' in text


def test_programme_names_the_agency_that_leads_each_item(client, world):
    text = client.get("/").content.decode()
    assert "Side event · Plenary Hall · led by Ministry of Public Security" in " ".join(
        re.sub(r"<[^>]+>", " ", text).split()
    )


def test_programme_in_vietnamese(client, world):
    world.mps.name_vi = "Bộ Công an"
    world.mps.save()
    client.cookies["django_language"] = "vi"
    text = client.get("/").content.decode()
    assert '<html lang="vi">' in text
    assert "Khai mạc" in text
    assert "Bộ Công an chủ trì" in text  # the agency's Vietnamese name, in a Vietnamese sentence
    assert 'href="webcal://testserver/programme.ics?lang=vi"' in text


def test_language_switch_sets_the_language_and_returns(client, world):
    response = client.post("/i18n/setlang/", {"language": "vi", "next": "/about/"})
    assert response.status_code == 302
    assert response["Location"] == "/about/"
    assert '<html lang="vi">' in client.get("/about/").content.decode()


def test_programme_without_a_ceremony_is_a_friendly_404(client, db):
    response = client.get("/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_about_shows_milestones_and_figures_with_sources(client, seeded, django_assert_num_queries):
    with django_assert_num_queries(6):
        response = client.get("/about/")
    text = response.content.decode()
    assert "78.44 million" in text
    assert "nearly</span> 16,000" in text
    assert "79.1%" in text
    assert "The General Assembly adopts the Convention and chooses Hanoi for its signing" in text
    assert "24 December 2024" in text
    assert '<time datetime="2022-01-01">2022</time>' in text  # known to the year only
    assert 'href="https://undocs.org/A/RES/74/247"' in text
    assert text.count("Source:") == 18  # ten figures, two officials and six milestones


def test_about_query_count_does_not_grow(client, seeded, django_assert_num_queries):
    from ceremony.models import Ceremony
    from tests.factories import KeyFigureFactory, MilestoneFactory, OfficialFactory, OfficialTitleFactory

    ceremony = Ceremony.objects.current()
    with django_assert_num_queries(6):
        small = client.get("/about/").content.decode()
    MilestoneFactory.create_batch(20, ceremony=ceremony, official=OfficialFactory())
    KeyFigureFactory.create_batch(20, ceremony=ceremony)
    for official in OfficialFactory.create_batch(5):
        OfficialTitleFactory(official=official)
    with django_assert_num_queries(6):
        large = client.get("/about/").content.decode()

    assert (small.count("Source:"), large.count("Source:")) == (18, 63)


PRESS_CONFERENCE_URL = (
    "https://en.cand.com.vn/politics/highlights-of-the-signing-ceremony-of-the-hanoi-convention-i606865"
)


def test_about_shows_72_signed_in_hanoi_with_the_press_conference_and_its_date(client, seeded):
    text = client.get("/about/").content.decode()
    assert '<div class="figure-value">72</div>' in text
    assert (
        "states signed the Convention in Hanoi, 64 of them on the first day (other reports give other counts)" in text
    )
    assert (
        f'25–26 October 2025, announced on 26 October 2025 · Source: <a href="{PRESS_CONFERENCE_URL}" rel="noopener">'
        "Press conference of the Ministry of Public Security and the Ministry of Foreign Affairs on the outcome of the "
        "signing ceremony (Hanoi, 26 October 2025)</a> (Ministry of Public Security and Ministry of Foreign Affairs, "
        "as reported by Công an nhân dân), 26 October 2025"
    ) in text


def test_about_in_vietnamese_shows_72_signed_in_hanoi_with_the_press_conference_and_its_date(client, seeded):
    client.cookies["django_language"] = "vi"
    text = client.get("/about/").content.decode()
    assert '<div class="figure-value">72</div>' in text
    assert "quốc gia đã ký Công ước tại Hà Nội, 64 quốc gia trong ngày đầu (các nguồn tin khác nêu số khác)" in text
    assert (
        f'25–26/10/2025, công bố ngày 26/10/2025 · Nguồn: <a href="{PRESS_CONFERENCE_URL}" rel="noopener">'
        "Họp báo quốc tế của Bộ Công an và Bộ Ngoại giao thông báo kết quả Lễ mở ký Công ước (Hà Nội, 26/10/2025)"
        "</a> (Ministry of Public Security and Ministry of Foreign Affairs, as reported by Công an nhân dân), "
        "26 tháng 10 năm 2025"
    ) in text


def test_about_names_each_milestones_official_with_the_title_held_that_day(client, seeded):
    text = re.sub(r"<[^>]+>", "", client.get("/about/").content.decode())
    assert (
        "For Viet Nam: Bùi Thanh Sơn, Deputy Prime Minister and Minister of Foreign Affairs (title held that day:"
        in text
    )
    assert "For Viet Nam: Nguyễn Minh Vũ, Permanent Deputy Minister of Foreign Affairs (title held that day:" in text
    assert "Deputy Minister of Foreign Affairs Nguyễn Minh Vũ on" in text  # the article's own title, as it is


def test_about_names_the_hosts_officials_with_the_titles_held_at_the_ceremony(client, seeded):
    text = re.sub(r"<[^>]+>", "", client.get("/about/").content.decode())
    assert "Each with the title held on 25 October 2025." in text
    assert "Bùi Thanh Sơn, Deputy Prime Minister, Chair of the Steering Committee for the Signing Ceremony" in text
    assert "Bùi Thanh Sơn, Deputy Prime Minister and Minister of Foreign Affairs" not in text.split("The road to")[0]


def test_about_in_vietnamese_names_officials_with_their_vietnamese_titles_of_the_day(client, seeded):
    client.cookies["django_language"] = "vi"
    text = re.sub(r"<[^>]+>", "", client.get("/about/").content.decode())
    assert "Bùi Thanh Sơn, Phó Thủ tướng Chính phủ, Bộ trưởng Bộ Ngoại giao" in text  # 24 December 2024
    assert "Bùi Thanh Sơn, Phó Thủ tướng Chính phủ, Trưởng Ban Chỉ đạo Lễ mở ký Công ước Hà Nội" in text  # the ceremony


def test_about_in_vietnamese_groups_digits_the_vietnamese_way(client, seeded):
    client.cookies["django_language"] = "vi"
    text = client.get("/about/").content.decode()
    assert "người dùng Internet tại Việt Nam" in text
    assert "16.000" in text


def test_about_in_vietnamese_says_ha_noi_and_names_its_sources_in_vietnamese(client, seeded):
    client.cookies["django_language"] = "vi"
    text = client.get("/about/").content.decode()
    assert "Mở ký tại Hà Nội, 25 tháng 10 năm 2025–26 tháng 10 năm 2025." in text
    assert '<time datetime="2025-10-25">25 tháng 10 năm 2025</time> · Hà Nội' in text
    assert '<time datetime="2024-12-24">24 tháng 12 năm 2024</time> · New York' in text
    # Titles in Vietnamese, with the people's names as they write them; publishers as published.
    assert (
        '<a href="https://undocs.org/A/RES/74/247" rel="noopener">Nghị quyết 74/247 của Đại hội đồng: Chống sử dụng '
        "công nghệ thông tin và truyền thông vào mục đích phạm tội</a> (United Nations General Assembly)"
    ) in text
    assert (
        "Phỏng vấn Phó Thủ tướng, Bộ trưởng Bộ Ngoại giao Bùi Thanh Sơn về việc Đại hội đồng thông qua Công ước "
        "(tháng 12/2024)"
    ) in text
    visible = re.sub(r"<[^>]+>", " ", text)
    assert "Hanoi" not in visible
    assert "Interview" not in visible


def test_about_in_english_names_its_sources_in_english(client, seeded):
    text = client.get("/about/").content.decode()
    assert "Opened for signature in Hanoi, 25 October 2025–26 October 2025." in text
    assert "Interview with Deputy Prime Minister and Minister of Foreign Affairs Bùi Thanh Sơn" in text
    assert "Phỏng vấn" not in text


def test_delegation_page_in_vietnamese_says_ha_noi_time(client, seeded):
    from delegations.models import Delegation
    from delegations.services import delegation_issue_token

    token = delegation_issue_token(delegation=Delegation.objects.get(country="VN"))
    client.cookies["django_language"] = "vi"
    text = client.get(f"/d/{token}/").content.decode()
    assert "giờ Hà Nội (Asia/Ho_Chi_Minh, UTC+07:00)" in text
    assert "Hanoi" not in re.sub(r"<[^>]+>", " ", text)


def test_item_times_follow_the_ceremony_zone_not_the_server(client, world, settings):
    settings.TIME_ZONE = "UTC"
    timezone.activate("UTC")
    try:
        assert ">09:00–10:30</time>" in client.get("/").content.decode()
    finally:
        timezone.deactivate()
    assert ScheduleItem.objects.get(uid="opening").starts_at == dt.datetime(2025, 10, 25, 2, tzinfo=dt.UTC)


# The programme's day tabs, search, pages, now and next, and the reader's time zone (issue 13, items 10 and 11).

BEFORE, DURING, AFTER = hanoi(1, 12), hanoi(26, 10), dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def page_at(client, url, now):
    """The page as it is at ``now`` (the programme opens on today during the ceremony and marks now and next)."""
    with mock.patch("django.utils.timezone.now", return_value=now):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def words(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def tabs(html):
    """Each tab as (its text, its address, whether it is the current one)."""
    nav = html[html.index('id="day-tabs"') : html.index("</nav>", html.index('id="day-tabs"'))]
    found = re.findall(r'<a class="nav-link([^"]*)"( aria-current="page")? href="([^"]*)">(.*?)</a>', nav)
    return [(words(text), unescape(href), bool(current)) for _, current, href, text in found]


def problems(html):
    if 'role="alert"' not in html:
        return []
    box = html[html.index('role="alert"') : html.index("</div>", html.index('role="alert"'))]
    return [words(unescape(li)) for li in re.findall(r"<li>(.*?)</li>", box)]


@pytest.mark.parametrize(("now", "current"), [(BEFORE, 0), (hanoi(25, 23, 59), 0), (DURING, 1), (AFTER, 0)])
def test_programme_opens_on_today_during_the_ceremony_else_on_its_first_day(client, world, now, current):
    html = page_at(client, "/", now)

    expected = [
        ("Sat 25 Oct (1)", "/?day=2025-10-25", False),
        ("Sun 26 Oct (1)", "/?day=2025-10-26", False),
        ("All days (2)", "/?day=all", False),
    ]
    expected[current] = (*expected[current][:2], True)
    assert tabs(html) == expected
    assert item_ids_in(html) == [["opening"], ["closing"]][current]
    assert f'<input type="hidden" name="day" value="{["2025-10-25", "2025-10-26"][current]}">' in html


def item_ids_in(html):
    return re.findall(r'id="item-([^"]+)"', html)


def test_programme_tabs_count_what_the_search_finds_and_keep_it(client, world):
    html = page_at(client, "/?day=2025-10-26&q=opening", BEFORE)

    assert tabs(html) == [
        ("Sat 25 Oct (1)", "/?day=2025-10-25&q=opening", False),
        ("Sun 26 Oct (0)", "/?day=2025-10-26&q=opening", True),
        ("All days (1)", "/?day=all&q=opening", False),
    ]
    assert item_ids_in(html) == []
    assert "Nothing matches this search on this day. 1 item matches on other days: see the tabs above." in words(html)
    assert '<a class="btn btn-sm btn-link" href="/?day=2025-10-26" id="filter-clear">Clear the search</a>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("opening", ["opening"]),  # the English title
        ("OPENING, SPEECHES", ["opening"]),  # any case
        ("Khai mạc", ["opening"]),  # the Vietnamese title, whatever the reader's language
        ("line two", ["opening"]),  # the description
        ("plenary", ["opening", "closing"]),  # the room
        ("Hội trường", ["opening", "closing"]),  # the room's Vietnamese name
        ("security", []),  # a staff-only item is never found
        ("briefing", []),  # nor one for delegations
        ("nothing like this", []),
    ],
)
def test_programme_search_finds_titles_descriptions_and_rooms_in_both_languages(client, world, query, expected):
    html = page_at(client, "/?" + urlencode({"day": "all", "q": query}), BEFORE)

    assert item_ids_in(html) == expected
    assert f'name="q" value="{escape(query)}"' in html


def test_programme_search_and_kind_together(client, world):
    world.items.opening.kind = ItemKind.OPENING
    world.items.opening.save()

    assert item_ids_in(page_at(client, "/?day=all&kind=opening&q=plenary", BEFORE)) == ["opening"]
    assert item_ids_in(page_at(client, "/?day=all&kind=closing&q=plenary", BEFORE)) == []
    assert item_ids_in(page_at(client, "/?day=all&kind=side_event&q=plenary", BEFORE)) == ["closing"]
    assert item_ids_in(page_at(client, "/?day=all&kind=side_event&q=opening", BEFORE)) == []
    html = page_at(client, "/?day=all&kind=opening", BEFORE)
    assert '<option value="opening" selected>Opening</option>' in html


def _add_public_items(world, count, day=25):
    """``count`` public items on ``day``, five minutes apart from 12:00 Hanoi time, titled 'Extra 000'..."""
    for n in range(count):
        start = hanoi(day, 12) + dt.timedelta(minutes=5 * n)
        ScheduleItemFactory(
            ceremony=world.ceremony, room=world.room, lead_agency=world.mps, visibility=Visibility.PUBLIC,
            uid=f"extra-{day}-{n:03d}", title=f"Extra {n:03d}",
            starts_at=start, ends_at=start + dt.timedelta(minutes=30),
        )  # fmt: skip


def test_programme_comes_in_pages_of_fifty(client, world):
    _add_public_items(world, 120)  # with the opening: 121 items on the 25th

    first = page_at(client, "/?day=2025-10-25", BEFORE)
    last = page_at(client, "/?day=2025-10-25&page=3", BEFORE)

    assert len(item_ids_in(first)) == 50
    assert item_ids_in(first)[:2] == ["opening", "extra-25-000"]
    assert "Items 1–50 of 121." in words(first)
    assert item_ids_in(last) == [f"extra-25-{n:03d}" for n in range(99, 120)]
    assert "Items 101–121 of 121." in words(last)
    assert 'href="/?day=2025-10-25&amp;page=2" rel="prev"' in last
    assert 'rel="next"' not in last
    assert 'aria-current="page"><span class="visually-hidden">Page </span>3</a>' in last


def test_programme_pages_keep_the_search_kind_and_zone(client, world):
    _add_public_items(world, 60)

    html = page_at(client, "/?day=2025-10-25&q=extra&tz=Europe/Paris", BEFORE)

    assert len(item_ids_in(html)) == 50
    assert 'href="/?day=2025-10-25&amp;q=extra&amp;tz=Europe/Paris&amp;page=2" rel="next"' in html
    assert ("Sun 26 Oct (0)", "/?day=2025-10-26&q=extra&tz=Europe/Paris", False) in tabs(html)


@pytest.mark.parametrize("now", [BEFORE, DURING])
def test_programme_queries_do_not_grow_with_the_programme(client, world, django_assert_num_queries, now):
    # The ceremony's revision, the ceremony, the tabs' counts (which give the pages their count too), the page's
    # items; during the ceremony also the instants at which the page turns with the clock, what happens now, what
    # comes next and where it is. Once kept, the page costs the first alone (tests/ceremony/test_page_cache.py).
    queries = 4 if now is BEFORE else 8
    _add_public_items(world, 5, day=26)
    with django_assert_num_queries(queries):
        small = page_at(client, "/?day=2025-10-26", now)
    _add_public_items(world, 200, day=25)
    with django_assert_num_queries(queries):
        large = page_at(client, "/?day=all", now)

    assert (len(item_ids_in(small)), len(item_ids_in(large))) == (6, 50)


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("day=yesterday", ["“yesterday” is not a day of this programme, so it shows 25 October 2025."]),
        ("day=9999-12-31", ["“9999-12-31” is not a day of this programme, so it shows 25 October 2025."]),
        ("day=2025-02-30", ["“2025-02-30” is not a day of this programme, so it shows 25 October 2025."]),
        ("kind=nonsense", ["Kind: Select a valid choice. nonsense is not one of the available choices."]),
        ("q=" + "x" * 101, ["Search: Ensure this value has at most 100 characters (it has 101)."]),
        (
            "tz=Mars/Olympus_Mons",
            [
                "“Mars/Olympus_Mons” is not a time zone we know (they are written like Europe/Paris), "
                "so times are in Hanoi time."
            ],
        ),
        (
            "tz=../../etc/passwd",
            [
                "“../../etc/passwd” is not a time zone we know (they are written like Europe/Paris), "
                "so times are in Hanoi time."
            ],
        ),
        ("page=abc", []),
        ("page=-4", []),
        ("page=99999999999999999999999", []),
        ("day=all&page=0", []),
    ],
)
def test_programme_bad_parameters_get_a_message_never_an_error(client, world, query, messages):
    html = page_at(client, "/?" + query, BEFORE)

    assert problems(html) == messages
    assert item_ids_in(html) == (["opening", "closing"] if "day=all" in query else ["opening"])
    assert "All times are Hanoi time (Asia/Ho_Chi_Minh, UTC+07:00)." in html


def test_programme_bad_time_zone_is_said_in_vietnamese(client, world):
    world.ceremony.city_vi = "Hà Nội"
    world.ceremony.save()
    client.cookies["django_language"] = "vi"
    html = page_at(client, "/?tz=Mars/Olympus_Mons", BEFORE)

    assert problems(html) == [
        "“Mars/Olympus_Mons” không phải là múi giờ mà chúng tôi biết (múi giờ được viết như Europe/Paris), "
        "nên thời gian theo giờ Hà Nội."
    ]


def now_box(html):
    if 'id="now-heading"' not in html:
        return None
    start = html.index('<section class="card mb-3 now-next"')
    return words(html[start : html.index("</section>", start)])


def badges(html, uid):
    start = html.index(f'id="item-{uid}"')
    item = html[start : html.index("</li>", start)]
    return re.findall(r'<span class="badge ([^"]+)">([^<]+)</span>', item)


@pytest.fixture
def next_session(world):
    return ScheduleItemFactory(
        ceremony=world.ceremony, uid="panel", title="Panel", room=world.room, visibility=Visibility.PUBLIC,
        starts_at=hanoi(25, 11), ends_at=hanoi(25, 12),
    )  # fmt: skip


def test_programme_marks_what_happens_now_and_next(client, world, next_session):
    html = page_at(client, "/", hanoi(25, 9, 30))

    assert now_box(html) == (
        "Happening now Opening, speeches; and welcome · Plenary Hall · until 10:30 "
        "Next Panel · Plenary Hall · at 11:00 Jump to now"
    )
    assert badges(html, "opening") == [("badge-now", "Happening now")]
    assert badges(html, "panel") == [("badge-next", "Next")]
    assert 'href="/?day=2025-10-25&amp;page=1#item-opening" id="jump-to-now"' in html


def test_programme_between_sessions_marks_only_the_next(client, world, next_session):
    html = page_at(client, "/", hanoi(25, 10, 30))  # the opening has just ended

    assert now_box(html) == "Happening now Nothing at this moment. Next Panel · Plenary Hall · at 11:00 Jump to now"
    assert badges(html, "opening") == []
    assert 'href="/?day=2025-10-25&amp;page=1#item-panel" id="jump-to-now"' in html


def test_programme_never_calls_a_cancelled_item_next(client, world):
    html = page_at(client, "/", hanoi(26, 10))  # the closing, at 11:00 on the 26th, is cancelled

    assert now_box(html) is None
    assert badges(html, "closing") == [("text-bg-secondary", "Cancelled")]


@pytest.mark.parametrize("now", [BEFORE, AFTER])
def test_programme_outside_the_ceremony_has_no_now(client, world, next_session, now):
    html = page_at(client, "/", now)

    assert now_box(html) is None
    assert "Happening now" not in html
    assert "jump-to-now" not in html


def test_jump_to_now_goes_to_the_page_that_shows_it(client, world):
    _add_public_items(world, 120)  # Extra 000 at 12:00, then every five minutes; Extra 110 at 21:10

    html = page_at(client, "/?q=extra&tz=Asia/Tokyo", hanoi(25, 21, 12))

    assert 'href="/?day=2025-10-25&amp;tz=Asia/Tokyo&amp;page=3#item-extra-25-105" id="jump-to-now"' in html
    assert item_ids_in(page_at(client, "/?day=2025-10-25&tz=Asia/Tokyo&page=3", hanoi(25, 21, 12)))[6] == "extra-25-105"


def test_programme_in_a_readers_zone_keeps_hanoi_time_beside(client, world):
    html = page_at(client, "/?tz=Europe/Paris", BEFORE)

    assert "Times are shown in your chosen zone (Europe/Paris, UTC+02:00)." in html
    assert "Beneath each, its Hanoi time (Asia/Ho_Chi_Minh, UTC+07:00), the time of the ceremony." in words(html)
    assert "All times are Hanoi time" not in html
    start = html.index('<div class="item-time', html.index('id="item-opening"'))
    assert words(html[start : html.index("</li>", start)]).startswith(
        "04:00–05:30 09:00–10:30 Hanoi time Opening, speeches; and welcome"
    )
    assert '<time datetime="2025-10-25T09:00:00+07:00">04:00–05:30</time>' in html
    assert '<option value="Europe/Paris" selected>UTC+02:00 · Europe/Paris</option>' in html
    assert '<a href="/?day=2025-10-25">Show Hanoi time</a>' in html


def test_programme_in_a_zone_on_another_day_names_the_day(client, world):
    html = page_at(client, "/?day=all&tz=America/Los_Angeles", BEFORE)

    opening = html[html.index('id="item-opening"') :]
    assert ">Fri 24 Oct, 19:00–20:30</time>" in opening  # 09:00 in Hanoi is the evening before in California
    assert "09:00–10:30 Hanoi time" in words(opening)
    assert (
        ">Sat 25 Oct, 21:00–22:00</time>" in html
    )  # the closing, 11:00 on the 26th in Hanoi; California in summer time


def test_programme_accepts_any_known_zone_and_offers_it(client, world):
    html = page_at(client, "/?tz=Asia/Ulaanbaatar", BEFORE)

    assert problems(html) == []
    assert '<option value="Asia/Ulaanbaatar" selected>UTC+08:00 · Asia/Ulaanbaatar</option>' in html
    assert "10:00–11:30" in words(html)


def test_programme_now_box_in_the_readers_zone(client, world, next_session):
    html = page_at(client, "/?tz=Europe/Paris", hanoi(25, 9, 30))

    assert "until 05:30" in now_box(html)
    assert "at 06:00" in now_box(html)


def test_programme_subscribe_box_offers_webcal_the_address_to_copy_and_steps_per_app(client, world):
    html = page_at(client, "/", BEFORE)

    box = html[html.index('id="subscribe"') :]
    assert 'href="webcal://testserver/programme.ics"' in box
    assert 'id="programme-feed-url" type="text" readonly value="http://testserver/programme.ics"' in box
    assert 'data-copy="http://testserver/programme.ics" data-copied="Copied" hidden>Copy</button>' in box
    assert re.findall(r"<summary>([^<]+)</summary>", box) == [
        "Google Calendar", "Outlook", "Apple Calendar (iPhone, iPad, Mac)", "Thunderbird",
    ]  # fmt: skip
    assert "If nothing happens, copy the address below" in box
    assert 'src="/static/ceremony/copy_links.js"' in html
    assert 'src="/static/ceremony/programme.js"' in html


def test_programme_has_a_tab_for_a_public_item_outside_the_ceremonys_days(client, world):
    ScheduleItemFactory(
        ceremony=world.ceremony, uid="eve", title="Eve", visibility=Visibility.PUBLIC,
        starts_at=hanoi(24, 23, 30), ends_at=hanoi(25, 0, 30),
    )  # fmt: skip

    html = page_at(client, "/?day=2025-10-24", BEFORE)

    assert [text for text, _, _ in tabs(html)] == ["Fri 24 Oct (1)", "Sat 25 Oct (1)", "Sun 26 Oct (1)", "All days (3)"]
    assert item_ids_in(html) == ["eve"]
    assert "23:30–25/10 00:30" in html


def test_programme_in_vietnamese_during_the_ceremony(client, world, next_session):
    client.cookies["django_language"] = "vi"
    html = page_at(client, "/", hanoi(25, 9, 30))

    assert [text for text, _, _ in tabs(html)] == ["T7 25/10 (2)", "CN 26/10 (1)", "Tất cả (3)"]
    assert badges(html, "opening") == [("badge-now", "Đang diễn ra")]
    assert badges(html, "panel") == [("badge-next", "Tiếp theo")]
    assert "Đến hoạt động hiện tại" in html
    assert "2 hoạt động." in html
