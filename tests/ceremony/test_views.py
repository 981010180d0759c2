"""The public pages: the programme and the Convention's story."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from ceremony.enums import ItemKind, ItemStatus, Visibility
from ceremony.models import ScheduleItem
from tests.factories import DelegateFactory, ScheduleItemFactory, hanoi


def item_ids(response):
    return re.findall(r'id="item-([^"]+)"', response.content.decode())


def test_programme_lists_public_items_by_day_in_hanoi_time(client, world):
    response = client.get("/")
    text = response.content.decode()
    assert response.status_code == 200
    assert item_ids(response) == ["opening", "closing"]
    assert "Saturday 25 October 2025" in text
    assert "Sunday 26 October 2025" in text
    assert '<time datetime="2025-10-25T09:00:00+07:00">09:00–10:30</time>' in text
    assert text.count("All times are Hanoi time (Asia/Ho_Chi_Minh, UTC+07:00).") == 1


def test_programme_never_shows_delegation_staff_or_invited_items(client, world):
    ids = item_ids(client.get("/"))
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
    text = client.get("/").content.decode()
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
        ("?day=yesterday&kind=nonsense", ["opening", "closing"]),
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


def _add_public_items(world, count):
    for n in range(count):
        start = hanoi(25, 12) + dt.timedelta(minutes=5 * n)
        ScheduleItemFactory(
            ceremony=world.ceremony, room=world.room, lead_agency=world.mps, visibility=Visibility.PUBLIC,
            starts_at=start, ends_at=start + dt.timedelta(minutes=30),
        )  # fmt: skip


def test_programme_query_count_does_not_grow(client, world, django_assert_num_queries):
    _add_public_items(world, 3)
    with django_assert_num_queries(2):
        client.get("/")
    _add_public_items(world, 30)
    with django_assert_num_queries(2):
        response = client.get("/")
    assert len(item_ids(response)) == 35


def test_about_shows_milestones_and_figures_with_sources(client, seeded, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = client.get("/about/")
    text = response.content.decode()
    assert "78.44 million" in text
    assert "nearly</span> 16,000" in text
    assert "79.1%" in text
    assert "The General Assembly adopts the Convention and chooses Hanoi for its signing" in text
    assert "24 December 2024" in text
    assert '<time datetime="2022-01-01">2022</time>' in text  # known to the year only
    assert 'href="https://undocs.org/A/RES/74/247"' in text
    assert text.count("Source:") == 15  # nine figures and six milestones


def test_about_query_count_does_not_grow(client, seeded, django_assert_num_queries):
    from ceremony.models import Ceremony
    from tests.factories import KeyFigureFactory, MilestoneFactory

    ceremony = Ceremony.objects.current()
    with django_assert_num_queries(3):
        small = client.get("/about/").content.decode()
    MilestoneFactory.create_batch(20, ceremony=ceremony)
    KeyFigureFactory.create_batch(20, ceremony=ceremony)
    with django_assert_num_queries(3):
        large = client.get("/about/").content.decode()

    assert (small.count("Source:"), large.count("Source:")) == (15, 55)


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
