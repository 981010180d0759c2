import datetime as dt
import shutil
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import translation

from ceremony.enums import ItemStatus, Visibility
from ceremony.models import (
    Agency,
    Ceremony,
    KeyFigure,
    Milestone,
    Official,
    OfficialTitle,
    Room,
    ScheduleItem,
    Source,
    Venue,
)
from delegations.models import Delegate, Delegation, State
from planner.seeding import DEFAULT_SEEDS_DIR, SeedError, seed_ceremony
from tests.factories import hanoi

pytestmark = pytest.mark.django_db

ALL_MODELS = [
    Source,
    State,
    Agency,
    Official,
    OfficialTitle,
    Venue,
    Room,
    Ceremony,
    ScheduleItem,
    Delegation,
    Delegate,
    Milestone,
    KeyFigure,
]


@pytest.fixture
def seeds(tmp_path):
    """A writable copy of the seed files."""
    folder = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, folder)
    return folder


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def row_counts():
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def test_seed_loads_the_ceremony_with_its_place_days_and_host(seeded):
    ceremony = Ceremony.objects.get(slug="hanoi-2025")
    assert (
        ceremony.name
        == "Signing Ceremony and High-level Conference of the United Nations Convention against Cybercrime"
    )
    assert ceremony.name_vi == "Lễ mở ký và Hội nghị cấp cao Công ước của Liên hợp quốc về chống tội phạm mạng"
    assert ceremony.source.key == "ceremony-public-programme"
    assert ceremony.treaty_title == "United Nations Convention against Cybercrime"
    assert (ceremony.first_day, ceremony.last_day) == (dt.date(2025, 10, 25), dt.date(2025, 10, 26))
    assert ceremony.venue.name == "National Convention Center"
    assert ceremony.city == "Hanoi"
    assert ceremony.time_zone == "Asia/Ho_Chi_Minh"
    assert ceremony.host_agency.code == "mps"
    assert ceremony.is_current
    assert Ceremony.objects.current() == ceremony


def test_seed_loads_the_agencies_with_their_roles(seeded):
    agencies = {a.code: a for a in Agency.objects.all()}
    assert set(agencies) == {"mps", "mofa", "unodc", "ola"}
    assert agencies["mps"].name == "Ministry of Public Security"
    assert agencies["mps"].name_vi == "Bộ Công an"
    assert agencies["mps"].kind == "host_ministry"
    assert agencies["mofa"].name == "Ministry of Foreign Affairs"
    assert agencies["unodc"].responsibilities == "Secretariat of the Convention."
    assert agencies["ola"].name == "United Nations Office of Legal Affairs"


def test_seed_loads_the_officials_named_in_the_articles(seeded):
    officials = {o.name: (o.agency.code, o.source.key) for o in Official.objects.select_related("agency", "source")}
    assert officials == {
        "Bùi Thanh Sơn": ("mofa", "article-ga-adoption-2024-12"),
        "Nguyễn Minh Vũ": ("mofa", "article-draft-adopted-2024-08"),
    }


def test_seed_loads_the_titles_each_official_held_with_their_days_and_sources(seeded):
    titles = list(
        OfficialTitle.objects.order_by("official__order", models.F("held_from").asc(nulls_first=True)).values_list(
            "official__key", "title", "held_from", "held_until", "source__key"
        )
    )
    assert titles == [
        (
            "bui-thanh-son",
            "Deputy Prime Minister and Minister of Foreign Affairs",
            None,
            dt.date(2025, 8, 29),
            "government-foreign-minister-2025-08",
        ),
        (
            "bui-thanh-son",
            "Deputy Prime Minister",
            dt.date(2025, 8, 29),
            dt.date(2025, 10, 8),
            "government-foreign-minister-2025-08",
        ),
        (
            "bui-thanh-son",
            "Deputy Prime Minister, Chair of the Steering Committee for the Signing Ceremony",
            dt.date(2025, 10, 8),
            None,
            "steering-committee-2025-10",
        ),
        (
            "nguyen-minh-vu",
            "Permanent Deputy Minister of Foreign Affairs",
            None,
            None,
            "vov-permanent-deputy-minister-2024-08",
        ),
    ]


@pytest.mark.parametrize(
    ("key", "date", "title", "title_vi"),
    [
        (
            "bui-thanh-son",
            dt.date(2024, 12, 24),
            "Deputy Prime Minister and Minister of Foreign Affairs",
            "Phó Thủ tướng Chính phủ, Bộ trưởng Bộ Ngoại giao",
        ),
        (
            "bui-thanh-son",
            dt.date(2025, 8, 28),
            "Deputy Prime Minister and Minister of Foreign Affairs",
            "Phó Thủ tướng Chính phủ, Bộ trưởng Bộ Ngoại giao",
        ),
        ("bui-thanh-son", dt.date(2025, 8, 29), "Deputy Prime Minister", "Phó Thủ tướng Chính phủ"),
        (
            "bui-thanh-son",
            dt.date(2025, 10, 25),
            "Deputy Prime Minister, Chair of the Steering Committee for the Signing Ceremony",
            "Phó Thủ tướng Chính phủ, Trưởng Ban Chỉ đạo Lễ mở ký Công ước Hà Nội",
        ),
        (
            "nguyen-minh-vu",
            dt.date(2024, 8, 8),
            "Permanent Deputy Minister of Foreign Affairs",
            "Thứ trưởng Thường trực Bộ Ngoại giao",
        ),
    ],
)
def test_seeded_official_is_named_with_the_title_held_on_the_day(seeded, key, date, title, title_vi):
    official = Official.objects.get(key=key)
    assert official.title_on(date).title == title
    assert official.described_on(date) == f"{official.name}, {title}"
    with translation.override("vi"):
        assert official.described_on(date) == f"{official.name}, {title_vi}"


def test_seed_update_gives_officials_seeded_without_diacritics_their_names(seeded):
    # A database seeded before the names were spelt as in Vietnamese.
    Official.objects.filter(key="bui-thanh-son").update(name="Bui Thanh Son")
    Official.objects.filter(key="nguyen-minh-vu").update(name="Nguyen Minh Vu")

    report = seed_ceremony(update=True)

    assert (report["officials"]["updated"], report["officials"]["created"]) == (2, 0)
    assert dict(Official.objects.values_list("key", "name")) == {
        "bui-thanh-son": "Bùi Thanh Sơn",
        "nguyen-minh-vu": "Nguyễn Minh Vũ",
    }
    bui = Official.objects.get(key="bui-thanh-son")
    assert bui.history.latest().history_change_reason == "Imported by seed_ceremony"


def test_seed_loads_the_programme_of_both_days(seeded):
    items = {i.uid: i for i in ScheduleItem.objects.select_related("room", "lead_agency")}
    assert len(items) == 12
    opening = items["hanoi-2025-opening"]
    assert opening.starts_at == hanoi(25, 9)
    assert opening.starts_at == dt.datetime(2025, 10, 25, 2, 0, tzinfo=dt.UTC)
    assert opening.status == ItemStatus.CONFIRMED
    assert opening.visibility == Visibility.PUBLIC
    signing = items["hanoi-2025-signing"]
    assert signing.kind == "signing"
    assert signing.lead_agency.code == "ola"
    assert signing.room.name == "Signing Hall"
    press = items["hanoi-2025-press-conference"]
    assert press.starts_at.astimezone(hanoi(26, 0).tzinfo).date() == dt.date(2025, 10, 26)
    assert set(press.supporting_agencies.values_list("code", flat=True)) == {"mofa"}
    assert {i.starts_at.astimezone(hanoi(25, 0).tzinfo).date() for i in items.values()} == {
        dt.date(2025, 10, 25),
        dt.date(2025, 10, 26),
    }


def test_seeded_times_without_an_exact_source_are_tentative(seeded):
    for item in ScheduleItem.objects.select_related("source"):
        if item.source.key == "planning":
            assert item.status == ItemStatus.TENTATIVE, item.uid
        else:
            assert item.status == ItemStatus.CONFIRMED, item.uid
    assert ScheduleItem.objects.filter(status=ItemStatus.CONFIRMED).count() == 1


def test_seed_loads_the_milestones_in_order_with_sources(seeded):
    milestones = list(Milestone.objects.values_list("key", "date", "place", "source__key"))
    assert milestones == [
        ("ahc-established", dt.date(2019, 12, 27), "New York", "ga-resolution-74-247"),
        ("negotiations-begin", dt.date(2022, 1, 1), "", "article-draft-adopted-2024-08"),
        ("draft-adopted", dt.date(2024, 8, 8), "New York", "article-draft-adopted-2024-08"),
        ("ga-adoption", dt.date(2024, 12, 24), "New York", "article-ga-adoption-2024-12"),
        ("open-for-signature-hanoi", dt.date(2025, 10, 25), "Hanoi", "un-treaty-collection-xviii-16"),
        ("open-for-signature-new-york", dt.date(2026, 12, 31), "New York", "un-treaty-collection-xviii-16"),
    ]
    assert Milestone.objects.get(key="negotiations-begin").date_precision == "year"


def test_seed_loads_the_key_figures_of_the_articles(seeded):
    figures = {f.key: (f.qualifier, f.value, f.unit) for f in KeyFigure.objects.all()}
    assert figures["internet-users"] == ("exactly", Decimal("78.44"), "million")
    assert figures["internet-penetration"] == ("exactly", Decimal("79.1"), "%")
    assert figures["online-fraud-cases"] == ("nearly", Decimal("16000"), "")
    assert figures["online-fraud-losses"] == ("exactly", Decimal("390"), "trillion dong")
    assert figures["online-fraud-increase"] == ("exactly", Decimal("64.78"), "%")
    assert figures["cyberattacks"] == ("more_than", Decimal("13750"), "")
    assert KeyFigure.objects.exclude(key="signed-in-hanoi").exclude(source__kind="article").count() == 0


def test_seed_loads_the_number_that_signed_in_hanoi_from_the_press_conference(seeded):
    figure = KeyFigure.objects.select_related("source").get(key="signed-in-hanoi")
    assert (figure.qualifier, figure.value, figure.order) == ("exactly", Decimal("72"), 5)
    assert (
        figure.label
        == "states signed the Convention in Hanoi, 64 of them on the first day (other reports give other counts)"
    )
    assert figure.source.key == "press-conference-2025-10-26"
    assert figure.source.published_on == dt.date(2025, 10, 26)
    assert KeyFigure.objects.order_by("order").first() == figure


def test_seed_loads_the_signing_on_both_days_run_by_the_office_of_legal_affairs(seeded):
    signing = ScheduleItem.objects.filter(kind="signing").select_related("lead_agency", "room").order_by("starts_at")
    assert [(i.uid, i.starts_at, i.ends_at, i.room.key, i.lead_agency.code) for i in signing] == [
        ("hanoi-2025-signing", hanoi(25, 10, 30), hanoi(25, 12, 30), "ncc-signing", "ola"),
        ("hanoi-2025-signing-day-2", hanoi(26, 9), hanoi(26, 11, 30), "ncc-signing", "ola"),
    ]
    ola = Agency.objects.select_related("source").get(code="ola")
    assert ola.responsibilities == "Ran the signing of the Convention in Hanoi."
    assert (ola.source.key, ola.source.published_on) == ("vna-signing-opens-2025-10-25", dt.date(2025, 10, 25))


def test_seed_credits_the_agencies_tasks_beyond_the_article_to_planning(seeded):
    assert dict(Agency.objects.values_list("code", "source__key")) == {
        "mps": "planning",
        "mofa": "planning",
        "unodc": "ga-resolution-79-243",
        "ola": "vna-signing-opens-2025-10-25",
    }


def test_seed_names_the_official_of_each_milestone_that_has_one(seeded):
    assert dict(Milestone.objects.exclude(official=None).values_list("key", "official__key")) == {
        "draft-adopted": "nguyen-minh-vu",
        "ga-adoption": "bui-thanh-son",
    }


def test_seed_loads_viet_nam_as_host_signing_first(seeded):
    delegation = Delegation.objects.get()
    assert delegation.country == "VN"
    assert delegation.name == "Viet Nam"
    assert delegation.signing_order == 1
    assert delegation.intends_to_sign
    assert delegation.status == "confirmed"
    # The row says Viet Nam signs first: its source says Viet Nam was the first signatory.
    assert delegation.source.key == "vov-first-signatory-2025-10-25"
    assert "first signatory" in delegation.source.note
    assert delegation.source.published_on == dt.date(2025, 10, 25)


def test_seed_loads_viet_nams_signatory_the_minister_of_public_security(seeded):
    delegate = Delegate.objects.select_related("delegation", "source").get()
    assert (delegate.delegation.country, delegate.name, delegate.position, delegate.rank) == (
        "VN",
        "Lương Tam Quang",
        "Minister of Public Security",
        "minister",
    )
    assert delegate.is_signatory
    assert not delegate.is_head
    assert delegate.source.key == "nld-viet-nam-signs-2025-10-25"
    assert delegate.source.published_on == dt.date(2025, 10, 25)


def test_seed_loads_every_un_member_and_observer_state(seeded):
    assert State.objects.filter(membership="member").count() == 193
    assert set(State.objects.filter(membership="observer").values_list("name", flat=True)) == {
        "Holy See",
        "State of Palestine",
    }
    assert State.objects.get(country="CI").name == "Côte d'Ivoire"
    assert State.objects.get(country="TR").name == "Türkiye"
    assert State.objects.get(country="GB").name == "United Kingdom of Great Britain and Northern Ireland"


def test_every_seeded_fact_has_a_source(seeded):
    for model in (
        Agency,
        Official,
        OfficialTitle,
        Venue,
        Ceremony,
        ScheduleItem,
        Milestone,
        KeyFigure,
        State,
        Delegation,
        Delegate,
    ):
        assert model.objects.exists(), model.__name__
        assert not model.objects.filter(source__isnull=True).exists(), model.__name__


def test_second_seed_run_changes_nothing(seeded):
    before = row_counts()
    stamps = dict(ScheduleItem.objects.values_list("uid", "updated_at"))
    report = seed_ceremony()
    assert row_counts() == before
    assert dict(ScheduleItem.objects.values_list("uid", "updated_at")) == stamps
    assert all(counts["created"] == counts["updated"] == counts["kept"] == 0 for counts in report.values())
    assert report["items"]["unchanged"] == 12
    assert (report["titles"]["unchanged"], report["delegates"]["unchanged"]) == (4, 1)


def test_seed_keeps_organizers_edits_unless_asked_to_update(seeded):
    ScheduleItem.objects.filter(uid="hanoi-2025-banquet").update(title="State banquet")
    report = seed_ceremony()
    assert report["items"]["kept"] == 1
    assert ScheduleItem.objects.get(uid="hanoi-2025-banquet").title == "State banquet"
    report = seed_ceremony(update=True)
    assert report["items"]["updated"] == 1
    assert ScheduleItem.objects.get(uid="hanoi-2025-banquet").title == "Banquet in honour of the delegations"


def test_seed_update_restores_supporting_agencies(seeded):
    press = ScheduleItem.objects.get(uid="hanoi-2025-press-conference")
    press.supporting_agencies.clear()
    seed_ceremony(update=True)
    assert set(press.supporting_agencies.values_list("code", flat=True)) == {"mofa"}


def test_seed_file_with_a_missing_field_is_refused_and_writes_nothing(seeds):
    edit(seeds / "ceremony.toml", "ends_at = 2025-10-26T15:00:00+07:00\n", "")
    with pytest.raises(SeedError) as caught:
        seed_ceremony(seeds_dir=seeds)
    assert (
        str(caught.value) == "ceremony.toml: items[11] (uid 'hanoi-2025-press-conference'): missing field(s) ends_at."
    )
    assert sum(row_counts().values()) == 0


def test_seed_with_a_naive_time_is_refused(seeds):
    edit(seeds / "ceremony.toml", "starts_at = 2025-10-25T09:00:00+07:00", "starts_at = 2025-10-25T09:00:00")
    with pytest.raises(
        SeedError, match=r"items\[2\] \(uid 'hanoi-2025-opening'\): starts_at: 2025-10-25T09:00:00 has no "
    ):
        seed_ceremony(seeds_dir=seeds)
    assert ScheduleItem.objects.count() == 0


def test_seed_with_end_before_start_is_refused(seeds):
    edit(seeds / "ceremony.toml", "ends_at = 2025-10-25T10:30:00+07:00", "ends_at = 2025-10-25T08:30:00+07:00")
    with pytest.raises(SeedError, match=r"ends_at: The end must be after the start."):
        seed_ceremony(seeds_dir=seeds)
    assert Source.objects.count() == 0


def test_seed_with_an_unknown_country_code_is_refused(seeds):
    edit(seeds / "ceremony.toml", '\ncountry = "VN"', '\ncountry = "XV"')  # the delegation, not host_country
    with pytest.raises(SeedError) as caught:
        seed_ceremony(seeds_dir=seeds)
    assert "unknown country code 'XV'" in str(caught.value)
    assert State.objects.count() == 0


def test_seed_with_an_unknown_state_code_in_the_csv_is_refused(seeds):
    edit(seeds / "states.csv", "VN,Viet Nam", "VX,Viet Nam")
    with pytest.raises(SeedError, match=r"states.csv: states\[\d+\] \(country 'VX'\): unknown country code 'VX'"):
        seed_ceremony(seeds_dir=seeds)


def test_seed_with_an_extra_cell_in_the_csv_is_refused_naming_its_line(seeds):
    edit(seeds / "states.csv", "AL,Albania,member,un-member-states", "AL,Albania, Republic of,member,un-member-states")
    with pytest.raises(SeedError) as caught:
        seed_ceremony(seeds_dir=seeds)
    assert str(caught.value) == (
        "states.csv: line 3: 1 cell(s) more than the header's 4 columns (code, name, membership, source); "
        "quote a value that contains a comma."
    )
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_seed_with_a_duplicate_country_delegation_is_refused(seeds):
    text = (seeds / "ceremony.toml").read_text(encoding="utf-8")
    block = text[text.index("[[delegations]]") :]
    (seeds / "ceremony.toml").write_text(text + "\n" + block.replace("signing_order = 1", "signing_order = 2"))
    with pytest.raises(SeedError) as caught:
        seed_ceremony(seeds_dir=seeds)
    assert str(caught.value) == (
        "ceremony.toml: delegations[1] (ceremony 'hanoi-2025', country 'VN'): "
        "duplicate of delegations[0]; each row needs its own key."
    )
    assert Delegation.objects.count() == 0


def test_seed_with_an_unknown_reference_is_refused(seeds):
    edit(seeds / "ceremony.toml", 'lead_agency = "ola"', 'lead_agency = "interpol"')
    with pytest.raises(SeedError, match=r"lead_agency refers to unknown agency 'interpol'"):
        seed_ceremony(seeds_dir=seeds)


def test_seed_with_an_unknown_field_is_refused(seeds):
    edit(seeds / "agencies.toml", 'code = "ola"', 'code = "ola"\nbudget = 10')
    with pytest.raises(SeedError, match=r"agencies.toml: agencies\[3\] \(code 'ola'\): unknown field\(s\) budget."):
        seed_ceremony(seeds_dir=seeds)


def test_seed_with_a_bad_choice_is_refused(seeds):
    edit(seeds / "ceremony.toml", 'visibility = "public"', 'visibility = "everyone"')
    with pytest.raises(SeedError, match=r"visibility: Value 'everyone' is not a valid choice."):
        seed_ceremony(seeds_dir=seeds)


def test_seed_with_broken_toml_names_the_file(seeds):
    edit(seeds / "history.toml", "[[figures]]", "[[figures]")
    with pytest.raises(SeedError, match=r"history.toml: not valid TOML"):
        seed_ceremony(seeds_dir=seeds)


def test_seed_with_a_missing_file_names_it(seeds):
    (seeds / "states.csv").unlink()
    with pytest.raises(SeedError, match=r"states.csv: file not found"):
        seed_ceremony(seeds_dir=seeds)


def test_seed_command_reports_counts_and_is_idempotent():
    out = StringIO()
    call_command("seed_ceremony", stdout=out)
    assert "items: 12 created" in out.getvalue()
    assert "states: 195 created" in out.getvalue()
    out = StringIO()
    call_command("seed_ceremony", stdout=out)
    assert "items: 12 unchanged" in out.getvalue()
    assert "created" not in out.getvalue()


def test_seed_command_fails_clearly_on_a_bad_file(seeds):
    edit(seeds / "sources.toml", 'kind = "planning"', "")
    with pytest.raises(
        CommandError, match=r"Nothing was seeded. sources.toml: sources\[8\] \(key 'planning'\): missing"
    ):
        call_command("seed_ceremony", seeds=seeds, stdout=StringIO())
    assert Source.objects.count() == 0


def seeded_values():
    """What the seeds say, row by row, keyed by each row's stable reference (no ids, no stamps)."""
    return {
        "titles": sorted(
            OfficialTitle.objects.values_list(
                "official__key", "title", "title_vi", "held_from", "held_until", "source__key"
            ),
            key=str,
        ),
        "agencies": sorted(
            Agency.objects.values_list("code", "responsibilities", "responsibilities_vi", "source__key")
        ),
        "ceremonies": list(Ceremony.objects.values_list("slug", "name", "name_vi", "source__key")),
        "items": sorted(ScheduleItem.objects.values_list("uid", "title", "starts_at", "ends_at", "source__key")),
        "figures": sorted(KeyFigure.objects.values_list("key", "label", "value", "source__key")),
        "milestones": sorted(Milestone.objects.values_list("key", "official__key", "source__key"), key=str),
        "delegations": list(Delegation.objects.values_list("country", "signing_order", "notes", "source__key")),
        "delegates": list(
            Delegate.objects.values_list(
                "delegation__country", "name", "position", "rank", "is_signatory", "source__key"
            )
        ),
        "sources": sorted(Source.objects.values_list("key", "title", "title_vi", "publisher", "published_on", "url")),
    }


def test_seed_update_brings_a_database_seeded_from_the_old_files_to_the_record_without_duplicates(seeded):
    expected, counts = seeded_values(), row_counts()
    # The database as the seeds before this fix left it, once migration 0014 moved each official's one title
    # into an undated title.
    old_sources = {"article-ga-adoption-2024-12", "article-draft-adopted-2024-08", "un-treaty-collection-xviii-16"}
    new_sources = Source.objects.exclude(kind="planning").exclude(key__in=old_sources).exclude(key__startswith="un-")
    new_sources = new_sources.exclude(key__startswith="ga-").exclude(key="ceremony-public-programme")
    article_ga = Source.objects.get(key="article-ga-adoption-2024-12")
    OfficialTitle.objects.all().delete()
    OfficialTitle.objects.create(
        official=Official.objects.get(key="bui-thanh-son"),
        title="Deputy Prime Minister and Minister of Foreign Affairs",
        title_vi="Phó Thủ tướng, Bộ trưởng Bộ Ngoại giao",
        source=article_ga,
    )
    OfficialTitle.objects.create(
        official=Official.objects.get(key="nguyen-minh-vu"),
        title="Deputy Minister of Foreign Affairs",
        title_vi="Thứ trưởng Bộ Ngoại giao",
        source=Source.objects.get(key="article-draft-adopted-2024-08"),
    )
    Agency.objects.filter(code__in=["mps", "mofa"]).update(source=article_ga)
    Agency.objects.filter(code="ola").update(
        responsibilities="Its Treaty Section runs the signing on behalf of the Secretary-General as depositary.",
        source=Source.objects.get(key="un-treaty-collection-xviii-16"),
    )
    Ceremony.objects.update(
        name="Signing Ceremony of the United Nations Convention against Cybercrime",
        name_vi="Lễ mở ký Công ước của Liên hợp quốc về chống tội phạm mạng",
        source=Source.objects.get(key="un-treaty-collection-xviii-16"),
    )
    Milestone.objects.update(official=None)
    Delegate.objects.all().delete()
    Delegation.objects.update(source=None)
    KeyFigure.objects.filter(key="signed-in-hanoi").delete()
    # The old files had no second day of signing (models.QuerySet.delete: past the refusal to delete a public item).
    models.QuerySet.delete(ScheduleItem.objects.filter(uid="hanoi-2025-signing-day-2"))
    assert set(new_sources.values_list("key", flat=True)) == {
        "vov-permanent-deputy-minister-2024-08",
        "government-foreign-minister-2025-08",
        "steering-committee-2025-10",
        "vna-signing-opens-2025-10-25",
        "nld-viet-nam-signs-2025-10-25",
        "vov-first-signatory-2025-10-25",
        "press-conference-2025-10-26",
    }
    new_sources.delete()
    assert seeded_values() != expected

    report = seed_ceremony(update=True)

    assert seeded_values() == expected
    assert row_counts() == counts
    assert (report["titles"]["updated"], report["titles"]["created"]) == (2, 2)
    assert (report["sources"]["created"], report["items"]["created"], report["delegates"]["created"]) == (7, 1, 1)
    bui = Official.objects.get(key="bui-thanh-son")
    assert bui.described_on(dt.date(2025, 10, 25)) == (
        "Bùi Thanh Sơn, Deputy Prime Minister, Chair of the Steering Committee for the Signing Ceremony"
    )
    assert seed_ceremony(update=True)["titles"] == {"created": 0, "updated": 0, "unchanged": 4, "kept": 0}


def test_seed_without_update_keeps_an_old_title_and_says_so(seeded):
    OfficialTitle.objects.filter(official__key="nguyen-minh-vu").update(title="Deputy Minister of Foreign Affairs")
    report = seed_ceremony()
    assert report["titles"]["kept"] == 1
    assert OfficialTitle.objects.get(official__key="nguyen-minh-vu").title == "Deputy Minister of Foreign Affairs"


def test_seed_with_overlapping_titles_of_one_official_is_refused(seeds):
    edit(seeds / "agencies.toml", "held_from = 2025-10-08", "held_from = 2025-10-01")
    with pytest.raises(SeedError) as caught:
        seed_ceremony(seeds_dir=seeds)
    assert str(caught.value) == (
        "agencies.toml: titles[2] (official 'bui-thanh-son', held_from 2025-10-01): "
        "Bùi Thanh Sơn already holds “Deputy Prime Minister” on some of these days; "
        "end that title first, then add this one."
    )
    assert OfficialTitle.objects.count() == 0


def test_seed_with_a_title_ending_before_it_begins_is_refused(seeds):
    edit(seeds / "agencies.toml", "held_until = 2025-10-08", "held_until = 2025-08-01")
    with pytest.raises(SeedError, match=r"titles\[1\] .*held_until: A title ends after the day it was first held."):
        seed_ceremony(seeds_dir=seeds)


def test_seed_with_a_delegate_of_a_badly_written_delegation_is_refused(seeds):
    edit(seeds / "ceremony.toml", 'delegation = "hanoi-2025/VN"', 'delegation = "VN"')
    with pytest.raises(SeedError) as caught:
        seed_ceremony(seeds_dir=seeds)
    assert str(caught.value) == (
        "ceremony.toml: delegates[0] (delegation 'VN', name 'Lương Tam Quang'): "
        "delegation is written ceremony/country, not 'VN'."
    )
