import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from ceremony.enums import ItemStatus, Visibility
from ceremony.fields import NaiveDatetimeError
from ceremony.models import Ceremony, Milestone, PublishedItemDeletionError, ScheduleItem, Source
from ceremony.services import schedule_item_cancel, schedule_items_cancel
from tests.factories import (
    HANOI,
    AgencyFactory,
    CeremonyFactory,
    MilestoneFactory,
    ScheduleItemFactory,
    SourceFactory,
    hanoi,
)
from tests.rawsql import raw_update

pytestmark = pytest.mark.django_db


def test_item_ending_before_start_is_refused_by_the_database():
    item = ScheduleItemFactory()
    item.ends_at = item.starts_at - dt.timedelta(minutes=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_item_ending_at_its_start_is_refused_by_the_database():
    item = ScheduleItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleItem.objects.filter(pk=item.pk).update(ends_at=item.starts_at)


def test_item_ending_before_start_gets_a_form_error_on_the_end():
    item = ScheduleItemFactory.build(starts_at=hanoi(25, 10), ends_at=hanoi(25, 9))
    with pytest.raises(ValidationError) as caught:
        item.full_clean(exclude=["ceremony", "room", "lead_agency"])
    assert caught.value.message_dict["ends_at"] == ["The end must be after the start."]


def test_naive_start_is_refused_on_save_with_the_field_named():
    item = ScheduleItemFactory.build(ceremony=CeremonyFactory(), room=None, lead_agency=None)
    item.starts_at = dt.datetime(2025, 10, 25, 9, 0)  # noqa: DTZ001 - a naive time, which must be refused
    with (
        pytest.raises(NaiveDatetimeError, match=r"ScheduleItem\.starts_at got the naive datetime 2025-10-25T09:00:00"),
        transaction.atomic(),
    ):
        item.save()
    assert ScheduleItem.objects.count() == 0


def test_naive_start_is_a_validation_error_in_full_clean():
    item = ScheduleItemFactory.build(ceremony=CeremonyFactory(), room=None, lead_agency=None)
    item.starts_at = dt.datetime(2025, 10, 25, 9, 0)  # noqa: DTZ001 - a naive time, which must be refused
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert caught.value.message_dict["starts_at"] == [
        "2025-10-25T09:00:00 has no time zone; give one, for example +07:00 for Hanoi time."
    ]


def test_naive_datetime_in_a_lookup_is_refused():
    with pytest.raises(NaiveDatetimeError):
        list(ScheduleItem.objects.filter(starts_at__gte=dt.datetime(2025, 10, 25)))  # noqa: DTZ001 - a naive time, which must be refused


def test_times_are_stored_as_utc_instants():
    item = ScheduleItemFactory(starts_at=hanoi(25, 9), ends_at=hanoi(25, 10, 30))
    item.refresh_from_db()
    assert item.starts_at == dt.datetime(2025, 10, 25, 2, 0, tzinfo=dt.UTC)
    assert item.starts_at.utcoffset() == dt.timedelta(0)


def test_item_uid_is_unique():
    ScheduleItemFactory(uid="hanoi-2025-opening")
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleItemFactory(uid="hanoi-2025-opening")


def test_item_uid_defaults_to_a_fresh_uuid():
    first, second = ScheduleItemFactory(), ScheduleItemFactory()
    assert len(first.uid) == 36
    assert first.uid != second.uid


def test_item_uid_with_a_slash_or_space_is_refused_by_validation():
    item = ScheduleItemFactory()
    item.uid = "bad uid/1"
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert "uid" in caught.value.message_dict


def test_ceremony_last_day_before_first_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        CeremonyFactory(first_day=dt.date(2025, 10, 26), last_day=dt.date(2025, 10, 25))


def test_ceremony_last_day_before_first_gets_a_clear_error():
    ceremony = CeremonyFactory.build(first_day=dt.date(2025, 10, 26), last_day=dt.date(2025, 10, 25))
    with pytest.raises(ValidationError) as caught:
        ceremony.full_clean()
    assert caught.value.message_dict["last_day"] == ["The last day cannot be before the first day."]


@pytest.mark.parametrize("letter", ["a", "1", "Ä", "-"])
def test_ceremony_drawn_letter_must_be_a_capital_letter(letter):
    with pytest.raises(IntegrityError), transaction.atomic():
        CeremonyFactory(drawn_letter=letter)


def test_ceremony_unknown_time_zone_is_refused():
    ceremony = CeremonyFactory.build(time_zone="Hanoi/Standard")
    with pytest.raises(ValidationError) as caught:
        ceremony.full_clean()
    assert caught.value.message_dict["time_zone"] == [
        "Hanoi/Standard is not an IANA time zone name such as Asia/Ho_Chi_Minh."
    ]


def test_only_one_ceremony_is_current():
    CeremonyFactory(is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CeremonyFactory(is_current=True)


def test_current_ceremony_is_the_flagged_one_else_the_latest():
    older = CeremonyFactory(first_day=dt.date(2025, 10, 25))
    newer = CeremonyFactory(first_day=dt.date(2027, 5, 1), last_day=dt.date(2027, 5, 2))
    assert Ceremony.objects.current() == newer
    older.is_current = True
    older.save()
    assert Ceremony.objects.current() == older


def test_the_current_ceremony_read_by_the_kept_sql_is_the_row_the_orm_reads(django_assert_num_queries):
    CeremonyFactory(first_day=dt.date(2025, 10, 25))
    newer = CeremonyFactory(first_day=dt.date(2027, 5, 1), last_day=dt.date(2027, 5, 2), name_vi="Lễ ký")
    with django_assert_num_queries(1):
        current = Ceremony.objects.current()
    expected = Ceremony.objects.by_currency().first()
    fields = [field.attname for field in Ceremony._meta.concrete_fields]
    assert [getattr(current, name) for name in fields] == [getattr(expected, name) for name in fields]
    # Of the same types too (SQLite gives 0 and 1 for booleans, and datetimes as text without a zone).
    assert [type(getattr(current, name)) for name in fields] == [type(getattr(expected, name)) for name in fields]
    assert current.is_current is newer.is_current
    assert current.feeds_changed_at.tzinfo is not None  # aware, as the ORM gives it
    # A row read from the database: saving it updates it, and it remembers where it came from.
    assert current._state.adding is False and current._state.db == "default"
    assert current.pk == newer.pk and current.localized("name") == newer.name
    # The same kept SQL sees a change of row at once.
    Ceremony.objects.filter(pk=expected.pk).delete()
    assert Ceremony.objects.current() != expected


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.DELEGATIONS, Visibility.INVITED])
def test_deleting_a_published_item_is_refused(visibility):
    item = ScheduleItemFactory(visibility=visibility, title="Opening")
    with pytest.raises(PublishedItemDeletionError, match="cancel instead of deleting"):
        item.delete()
    with pytest.raises(PublishedItemDeletionError):
        ScheduleItem.objects.filter(pk=item.pk).delete()
    assert ScheduleItem.objects.filter(pk=item.pk).exists()


def test_deleting_an_item_that_was_published_before_is_refused():
    item = ScheduleItemFactory(visibility=Visibility.PUBLIC, title="Opening")
    item.visibility = Visibility.INTERNAL
    item.save()
    with pytest.raises(PublishedItemDeletionError) as caught:
        item.delete()
    assert caught.value.messages == [
        "“Opening” already appeared in delegates' or the public programme and calendars; cancel instead of "
        "deleting, so that subscribers see the cancellation. Only staff-only items can be deleted."
    ]
    with pytest.raises(PublishedItemDeletionError):
        ScheduleItem.objects.filter(pk=item.pk).delete()
    assert ScheduleItem.objects.filter(pk=item.pk).exists()


def test_an_item_without_history_is_judged_by_its_current_visibility():
    ceremony = CeremonyFactory()
    start = hanoi(25, 9)
    fields = {"ceremony": ceremony, "kind": "briefing", "starts_at": start, "ends_at": start + dt.timedelta(hours=1)}
    internal, public = ScheduleItem.objects.bulk_create(
        [
            ScheduleItem(title="Sweep", visibility=Visibility.INTERNAL, **fields),
            ScheduleItem(title="Briefing", visibility=Visibility.PUBLIC, **fields),
        ]
    )
    assert not internal.history.exists()
    with pytest.raises(PublishedItemDeletionError):
        public.delete()
    internal.delete()
    assert list(ScheduleItem.objects.values_list("title", flat=True)) == ["Briefing"]


def test_deleting_a_staff_only_item_is_allowed():
    item = ScheduleItemFactory(visibility=Visibility.INTERNAL)
    other = ScheduleItemFactory(visibility=Visibility.INTERNAL)
    item.delete()
    ScheduleItem.objects.filter(pk=other.pk).delete()
    assert ScheduleItem.objects.count() == 0


def test_cancelling_keeps_the_item_and_raises_its_revision_once():
    item = ScheduleItemFactory(status=ItemStatus.CONFIRMED)
    assert schedule_item_cancel(item=item) is True
    assert (item.status, item.sequence) == (ItemStatus.CANCELLED, 1)
    assert schedule_item_cancel(item=item) is False
    item.refresh_from_db()
    assert (item.status, item.sequence) == (ItemStatus.CANCELLED, 1)


def test_cancelling_many_counts_only_those_not_cancelled_before():
    items = ScheduleItemFactory.create_batch(3)
    schedule_item_cancel(item=items[0])
    assert schedule_items_cancel(items=ScheduleItem.objects.all()) == 2
    assert set(ScheduleItem.objects.values_list("status", "sequence")) == {(ItemStatus.CANCELLED, 1)}


def test_localized_names_follow_the_active_language_with_english_fallback():
    agency = AgencyFactory(name="Ministry of Public Security", name_vi="Bộ Công an")
    no_vietnamese = AgencyFactory(name="Office of Legal Affairs", name_vi="")
    with translation.override("vi"):
        assert str(agency) == "Bộ Công an"
        assert str(no_vietnamese) == "Office of Legal Affairs"
    with translation.override("en"):
        assert str(agency) == "Ministry of Public Security"


def test_item_history_shows_which_agencies_supported_it():
    item = ScheduleItemFactory()
    item.supporting_agencies.add(AgencyFactory(name="Ministry of Foreign Affairs"))

    latest, before = item.history.all()[:2]
    assert list(latest.supporting_agencies.values_list("agency__name", flat=True)) == ["Ministry of Foreign Affairs"]
    assert list(before.supporting_agencies.all()) == []


# --- Dates and times anyone types: plausible, and within a year of the ceremony (25–26 Oct 2025) --------------------


@pytest.mark.parametrize(
    ("starts", "ends", "refused"),
    [
        (dt.datetime(1, 1, 1, tzinfo=HANOI), hanoi(25, 10), ["starts_at"]),
        (hanoi(25, 9), dt.datetime(9999, 12, 31, 23, 0, tzinfo=HANOI), ["ends_at"]),
        (hanoi(25, 9).replace(year=2052), hanoi(25, 10).replace(year=2052), ["ends_at", "starts_at"]),
    ],
)
def test_an_item_far_from_the_ceremony_is_refused_with_the_window_named(starts, ends, refused):
    item = ScheduleItemFactory.build(
        ceremony=CeremonyFactory(), starts_at=starts, ends_at=ends, room=None, lead_agency=None
    )
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert sorted(caught.value.message_dict) == refused
    assert caught.value.message_dict[refused[0]] == [
        "Enter a time within a year of the ceremony: from 25 October 2024 to 26 October 2026."
    ]


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        ("0001-01-01 12:00:00+00:00", "0001-01-01 13:00:00+00:00"),
        ("2025-10-25 02:00:00+00:00", "2200-01-01 00:00:00+00:00"),
    ],
)
def test_the_database_refuses_an_item_in_an_implausible_year(starts, ends):
    item = ScheduleItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_update(item, starts_at=starts, ends_at=ends)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_day": dt.date(1, 1, 1)}, "first_day", "Enter a day from 1 January 1901 to 31 December 2198."),
        ({"last_day": dt.date(9999, 12, 31)}, "last_day", "Enter a day from 1 January 1901 to 31 December 2198."),
        (
            {"signing_starts_at": dt.datetime(1, 1, 1, tzinfo=HANOI)},
            "signing_starts_at",
            "The signing starts on one of the ceremony's days, from 25 October 2025 to 26 October 2025.",
        ),
        (
            {"signing_starts_at": hanoi(27, 9)},
            "signing_starts_at",
            "The signing starts on one of the ceremony's days, from 25 October 2025 to 26 October 2025.",
        ),
    ],
)
def test_a_ceremony_in_an_implausible_year_or_signing_outside_its_days_is_refused(changes, field, message):
    ceremony = CeremonyFactory.build(**changes)
    with pytest.raises(ValidationError) as caught:
        ceremony.full_clean()
    assert caught.value.message_dict[field] == [message]


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Ceremony, "first_day", "0001-01-01"),
        (Ceremony, "last_day", "9999-12-31"),
        (Ceremony, "signing_starts_at", "0001-01-01 12:00:00+00:00"),
        (Milestone, "date", "0001-01-01"),
        (Source, "published_on", "9999-01-01"),
    ],
)
def test_the_database_refuses_other_dates_in_an_implausible_year(model, field, value):
    obj = {Ceremony: CeremonyFactory, Milestone: MilestoneFactory, Source: SourceFactory}[model]()
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_update(obj, **{field: value})


@pytest.mark.parametrize(("model", "field"), [(Milestone, "date"), (Source, "published_on")])
def test_a_history_date_in_an_implausible_year_is_refused(model, field):
    if model is Milestone:
        obj = MilestoneFactory.build(ceremony=CeremonyFactory(), source=SourceFactory(), date=dt.date(1, 1, 1))
    else:
        obj = SourceFactory.build(published_on=dt.date(1, 1, 1))
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    assert caught.value.message_dict == {field: ["Enter a date from 1 January 1900 to 31 December 2199."]}
