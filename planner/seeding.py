"""Load the seed files (``seeds/*.toml`` and ``seeds/states.csv``) into the database.

Each kind of row is keyed by a stable reference (a source key, an agency code,
an item uid, a delegation's ceremony and country), so loading is idempotent: a
second run changes nothing. Rows that already exist are left as organizers
may have edited them, unless ``update=True`` asks to bring them back to the
files. Everything runs in one transaction: a bad row leaves the database as it
was and names the file, the row and the problem.
"""

import csv
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_countries import countries

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

DEFAULT_SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"


class SeedError(Exception):
    """A seed file is missing, unreadable, or has a row that cannot be loaded."""


@dataclass(frozen=True)
class Kind:
    """How one table of a seed file maps onto a model."""

    table: str
    file: str
    model: type
    key: tuple  # fields that identify a row across runs (one left out of a row counts as empty)
    required: tuple
    optional: tuple = ()
    # field -> (model, key field), or (model, (key fields)) for a value written "a/b", e.g. "hanoi-2025/VN"
    foreign: dict = field(default_factory=dict)
    many: dict = field(default_factory=dict)  # m2m field -> (model, key field)
    decimals: tuple = ()


KINDS = [
    Kind(
        "sources",
        "sources.toml",
        Source,
        key=("key",),
        required=("key", "kind", "title"),
        optional=("title_vi", "publisher", "published_on", "url", "note"),
    ),
    Kind(
        "states",
        "states.csv",
        State,
        key=("country",),
        required=("country", "name", "membership", "source"),
        foreign={"source": (Source, "key")},
    ),
    Kind(
        "agencies",
        "agencies.toml",
        Agency,
        key=("code",),
        required=("code", "name", "kind"),
        optional=("abbreviation", "name_vi", "responsibilities", "responsibilities_vi", "contact", "source"),
        foreign={"source": (Source, "key")},
    ),
    Kind(
        "officials",
        "agencies.toml",
        Official,
        key=("key",),
        required=("key", "agency", "name"),
        optional=("order", "source"),
        foreign={"agency": (Agency, "code"), "source": (Source, "key")},
    ),
    Kind(
        "titles",
        "agencies.toml",
        OfficialTitle,
        # A title with no recorded start is the one a database migrated from undated titles already has.
        key=("official", "held_from"),
        required=("official", "title", "source"),
        optional=("title_vi", "held_from", "held_until"),
        foreign={"official": (Official, "key"), "source": (Source, "key")},
    ),
    Kind(
        "venues",
        "ceremony.toml",
        Venue,
        key=("key",),
        required=("key", "name", "city"),
        optional=("name_vi", "address", "city_vi", "source"),
        foreign={"source": (Source, "key")},
    ),
    Kind(
        "rooms",
        "ceremony.toml",
        Room,
        key=("key",),
        required=("key", "venue", "name", "kind"),
        optional=("name_vi", "capacity", "is_available"),
        foreign={"venue": (Venue, "key")},
    ),
    Kind(
        "ceremonies",
        "ceremony.toml",
        Ceremony,
        key=("slug",),
        required=("slug", "name", "treaty_title", "city", "first_day", "last_day"),
        optional=(
            "name_vi",
            "city_vi",
            "treaty_title_vi",
            "venue",
            "time_zone",
            "host_agency",
            "signing_order_rule",
            "host_country",
            "signing_starts_at",
            "signing_slot_minutes",
            "signing_room",
            "is_current",
            "source",
        ),
        foreign={
            "venue": (Venue, "key"),
            "host_agency": (Agency, "code"),
            "signing_room": (Room, "key"),
            "source": (Source, "key"),
        },
    ),
    Kind(
        "items",
        "ceremony.toml",
        ScheduleItem,
        key=("uid",),
        required=("uid", "ceremony", "kind", "title", "starts_at", "ends_at", "visibility", "status", "source"),
        optional=("title_vi", "description", "description_vi", "room", "lead_agency", "supporting_agencies"),
        foreign={
            "ceremony": (Ceremony, "slug"),
            "room": (Room, "key"),
            "lead_agency": (Agency, "code"),
            "source": (Source, "key"),
        },
        many={"supporting_agencies": (Agency, "code")},
    ),
    Kind(
        "delegations",
        "ceremony.toml",
        Delegation,
        key=("ceremony", "country"),
        required=("ceremony", "country", "kind", "status"),
        optional=("name", "intends_to_sign", "signing_order", "notes", "source"),
        foreign={"ceremony": (Ceremony, "slug"), "source": (Source, "key")},
    ),
    Kind(
        "delegates",
        "ceremony.toml",
        Delegate,
        key=("delegation", "name"),
        required=("delegation", "name", "rank", "source"),
        optional=("position", "is_head", "is_signatory"),
        foreign={"delegation": (Delegation, ("ceremony__slug", "country")), "source": (Source, "key")},
    ),
    Kind(
        "milestones",
        "history.toml",
        Milestone,
        key=("ceremony", "key"),
        required=("key", "ceremony", "date", "title", "source"),
        optional=("date_precision", "title_vi", "description", "description_vi", "place", "place_vi", "official"),
        foreign={"ceremony": (Ceremony, "slug"), "official": (Official, "key"), "source": (Source, "key")},
    ),
    Kind(
        "figures",
        "history.toml",
        KeyFigure,
        key=("ceremony", "key"),
        required=("key", "ceremony", "label", "value", "source"),
        optional=("label_vi", "unit", "unit_vi", "qualifier", "as_of", "as_of_vi", "order"),
        foreign={"ceremony": (Ceremony, "slug"), "source": (Source, "key")},
        decimals=("value",),
    ),
]

OUTCOMES = ("created", "updated", "unchanged", "kept")
# How changes made by seeding appear in each object's history.
SEED_REASON = "Imported by seed_ceremony"


def _read_files(seeds_dir):
    """{file name: {table: [rows]}} for every file the kinds name."""
    data = {}
    for name in sorted({kind.file for kind in KINDS}):
        path = seeds_dir / name
        if not path.exists():
            raise SeedError(f"{path.name}: file not found in {seeds_dir.name}/.")
        if name.endswith(".toml"):
            try:
                with path.open("rb") as fh:
                    data[name] = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise SeedError(f"{name}: not valid TOML: {exc}") from exc
        else:
            with path.open(newline="", encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                rows = []
                for row in reader:
                    # Cells beyond the header land under the key None, as a list.
                    if None in row:
                        raise SeedError(
                            f"{name}: line {reader.line_num}: {len(row[None])} cell(s) more than the header's "
                            f"{len(reader.fieldnames)} columns ({', '.join(reader.fieldnames)}); "
                            "quote a value that contains a comma."
                        )
                    rows.append(row)
            # The CSV names its ISO column "code"; the model calls it country.
            data[name] = {
                "states": [
                    {("country" if k == "code" else k): (v or "").strip() for k, v in row.items()} for row in rows
                ]
            }
    return data


class Loader:
    def __init__(self, *, update):
        self.update = update
        self.report = {kind.table: dict.fromkeys(OUTCOMES, 0) for kind in KINDS}
        self._cache = {}

    def _where(self, kind, index, row):
        label = ", ".join(
            f"{k} {row[k]!r}" if isinstance(row[k], str) else f"{k} {row[k]}" for k in kind.key if k in row
        )
        return f"{kind.file}: {kind.table}[{index}]" + (f" ({label})" if label else "")

    def _resolve(self, model, key_field, value, where, name):
        cache = self._cache.setdefault((model, key_field), {})
        if value not in cache:
            fields = key_field if isinstance(key_field, tuple) else (key_field,)
            parts = str(value).split("/") if len(fields) > 1 else [value]
            if len(parts) != len(fields):
                written = "/".join(field.split("__")[0] for field in fields)
                raise SeedError(f"{where}: {name} is written {written}, not {value!r}.")
            cache[value] = model.objects.filter(**dict(zip(fields, parts, strict=True))).first()
        if cache[value] is None:
            raise SeedError(f"{where}: {name} refers to unknown {model._meta.verbose_name} {value!r}.")
        return cache[value]

    def load_kind(self, kind, rows):
        seen = {}
        for index, row in enumerate(rows):
            where = self._where(kind, index, row)
            key = tuple(str(row.get(name, "")) for name in kind.key)
            if key in seen:
                raise SeedError(f"{where}: duplicate of {kind.table}[{seen[key]}]; each row needs its own key.")
            seen[key] = index
            self.load_row(kind, row, where)

    def load_row(self, kind, row, where):
        allowed = set(kind.required) | set(kind.optional)
        unknown = sorted(set(row) - allowed)
        if unknown:
            raise SeedError(f"{where}: unknown field(s) {', '.join(unknown)}.")
        missing = [name for name in kind.required if row.get(name) in (None, "")]
        if missing:
            raise SeedError(f"{where}: missing field(s) {', '.join(missing)}.")

        values, many = {}, {}
        for name, value in row.items():
            if name in kind.foreign:
                model, key_field = kind.foreign[name]
                values[name] = self._resolve(model, key_field, value, where, name) if value not in (None, "") else None
            elif name in kind.many:
                model, key_field = kind.many[name]
                many[name] = {self._resolve(model, key_field, v, where, name).pk for v in value}
            elif name in kind.decimals:
                values[name] = Decimal(str(value))
            else:
                values[name] = value
        if "country" in values and values["country"] not in countries:
            raise SeedError(f"{where}: unknown country code {values['country']!r} (use ISO 3166-1 alpha-2, e.g. VN).")

        lookup = {name: values.get(name) for name in kind.key}
        obj = kind.model.objects.filter(**lookup).first()
        if obj is None:
            obj = kind.model(**values)
            self._validate(obj, where, many)
            obj._change_reason = SEED_REASON
            obj.save()
            for name, pks in many.items():
                getattr(obj, name).set(pks)
            self.report[kind.table]["created"] += 1
            return

        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        changed_many = [
            name for name, pks in many.items() if set(getattr(obj, name).values_list("pk", flat=True)) != pks
        ]
        if not changed and not changed_many:
            self.report[kind.table]["unchanged"] += 1
            return
        if not self.update:
            self.report[kind.table]["kept"] += 1
            return
        for name in changed:
            setattr(obj, name, values[name])
        self._validate(obj, where, many)
        obj._change_reason = SEED_REASON
        obj.save()
        for name in changed_many:
            getattr(obj, name).set(many[name])
        self.report[kind.table]["updated"] += 1

    @staticmethod
    def _validate(obj, where, many):
        try:
            obj.full_clean(exclude=list(many))
        except ValidationError as exc:
            problems = "; ".join(
                f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
                for name, messages in exc.message_dict.items()
            )
            raise SeedError(f"{where}: {problems}") from exc


def seed_ceremony(*, seeds_dir=DEFAULT_SEEDS_DIR, update=False):
    """Load every seed file; returns {table: {outcome: count}}. Raises SeedError and writes nothing on a bad row."""
    seeds_dir = Path(seeds_dir)
    data = _read_files(seeds_dir)
    loader = Loader(update=update)
    with transaction.atomic():
        for kind in KINDS:
            loader.load_kind(kind, data[kind.file].get(kind.table, []))
    return loader.report
