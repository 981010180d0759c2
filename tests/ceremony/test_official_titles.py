"""An official's titles are held for dates: the title on a day, the refusals, the admin's inline of titles."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ceremony.models import Official, OfficialTitle
from tests.adminpages import add_inline_row, admin_url, changelist_rows, form_values, formset_errors
from tests.factories import OfficialFactory, OfficialTitleFactory, SourceFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def minister():
    """A minister of foreign affairs until 29 August 2025, a deputy prime minister from that day."""
    official = OfficialFactory(name="Trần Văn A")
    OfficialTitleFactory(official=official, title="Minister of Foreign Affairs", held_until=D(2025, 8, 29))
    OfficialTitleFactory(official=official, title="Deputy Prime Minister", held_from=D(2025, 8, 29))
    return official


@pytest.mark.parametrize(
    ("day", "title"),
    [
        (D(2020, 1, 1), "Minister of Foreign Affairs"),
        (D(2025, 8, 28), "Minister of Foreign Affairs"),
        (D(2025, 8, 29), "Deputy Prime Minister"),
        (D(2030, 1, 1), "Deputy Prime Minister"),
    ],
)
def test_official_title_on_a_day_is_the_one_held_that_day(minister, day, title):
    assert minister.title_on(day).title == title
    assert minister.described_on(day) == f"Trần Văn A, {title}"


def test_official_with_no_title_on_a_day_is_named_alone():
    official = OfficialFactory(name="Lê Thị B")
    OfficialTitleFactory(official=official, held_from=D(2025, 1, 1), held_until=D(2025, 6, 1))
    assert official.title_on(D(2024, 12, 31)) is None
    assert official.title_on(D(2025, 6, 1)) is None
    assert official.described_on(D(2025, 6, 1)) == "Lê Thị B"
    assert str(official) == "Lê Thị B"


def test_official_title_ending_on_or_before_its_start_is_refused_by_the_database():
    title = OfficialTitleFactory(held_from=D(2025, 1, 1))
    for end in (D(2025, 1, 1), D(2024, 12, 31)):
        with pytest.raises(IntegrityError), transaction.atomic():
            OfficialTitle.objects.filter(pk=title.pk).update(held_until=end)


def test_official_title_ending_before_its_start_is_refused_clearly():
    title = OfficialTitleFactory.build(
        official=OfficialFactory(), source=SourceFactory(), held_from=D(2025, 1, 1), held_until=D(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as caught:
        title.full_clean()
    assert caught.value.message_dict == {"held_until": ["A title ends after the day it was first held."]}


@pytest.mark.parametrize(
    ("held_from", "held_until"),
    [(None, None), (D(2025, 8, 28), None), (None, D(2025, 9, 1)), (D(2024, 1, 1), D(2025, 8, 30))],
    ids=["undated", "from-the-day-before", "until-after", "across-the-change"],
)
def test_official_title_overlapping_another_is_refused(minister, held_from, held_until):
    title = OfficialTitle(
        official=minister, title="Acting Minister", held_from=held_from, held_until=held_until, source=SourceFactory()
    )
    with pytest.raises(ValidationError) as caught:
        title.full_clean()
    assert caught.value.messages == [
        "Trần Văn A already holds “Minister of Foreign Affairs” on some of these days; "
        "end that title first, then add this one."
    ]


def test_official_title_in_a_wrong_year_is_refused():
    title = OfficialTitleFactory.build(official=OfficialFactory(), source=SourceFactory(), held_from=D(1, 1, 1))
    with pytest.raises(ValidationError) as caught:
        title.full_clean()
    assert list(caught.value.message_dict) == ["held_from"]


def test_official_admin_lists_each_title_with_its_days(admin_client, minister):
    (row,) = changelist_rows(admin_client.get(admin_url(Official, "changelist")))
    assert row["titles_held"].splitlines() == [
        "Minister of Foreign Affairs (until 2025-08-29)",
        "Deputy Prime Minister (from 2025-08-29)",
    ]


def test_official_admin_ends_a_title_and_adds_the_next_in_one_save(admin_client, db):
    official = OfficialFactory(name="Trần Văn A")
    OfficialTitleFactory(official=official, title="Minister of Foreign Affairs")
    source = SourceFactory()
    url = admin_url(Official, "change", official.pk)
    values = form_values(admin_client.get(url))
    assert values["titles-TOTAL_FORMS"] == "1"
    values["titles-0-held_until"] = "2025-08-29"
    add_inline_row(values, "titles", title="Deputy Prime Minister", held_from="2025-08-29", source=str(source.pk))

    assert admin_client.post(url, values).status_code == 302

    assert list(official.titles.values_list("title", "held_from", "held_until")) == [
        ("Minister of Foreign Affairs", None, D(2025, 8, 29)),
        ("Deputy Prime Minister", D(2025, 8, 29), None),
    ]
    assert official.titles.get(title="Deputy Prime Minister").history.get().history_user.username == "admin"


def test_official_admin_refuses_two_titles_held_on_the_same_days_and_saves_nothing(admin_client, db):
    official = OfficialFactory(name="Trần Văn A")
    OfficialTitleFactory(official=official, title="Minister of Foreign Affairs")
    url = admin_url(Official, "change", official.pk)
    values = form_values(admin_client.get(url))
    values["name"] = "Trần Văn B"
    add_inline_row(
        values, "titles", title="Deputy Prime Minister", held_from="2025-08-29", source=str(SourceFactory().pk)
    )

    response = admin_client.post(url, values)

    assert response.status_code == 200
    assert formset_errors(response) == [
        "Trần Văn B already holds “Minister of Foreign Affairs” on some of these days; "
        "end that title first, then add this one."
    ]
    official.refresh_from_db()
    assert official.name == "Trần Văn A"
    assert official.titles.count() == 1
