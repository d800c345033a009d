"""The rows of new elders, for every table a new elder touches.

One builder serves every path that registers elders: ``service.create_elder`` (one elder,
from the API), the importer (batches of thousands) and the synthetic data generator. From
a validated elder (an ``ElderCreate`` and its checked ID number) it derives what the
register keeps besides (the name in pinyin; categories, left-behind status and risk by
``rules.derive``; the first due visit by the county's visit policy, which visits provides
through ``hooks.first_schedule``) and builds a row for each table: the household (unless
the elder joins one), the elder, their guardians, the history entry, the visit schedule,
the change-feed rows and the audit event. They are written with one multi-row write per
table: COPY on PostgreSQL, executemany elsewhere.

Column lists come from the tables. A column of ``elders`` named like a field of
``ElderCreate`` is stored as given and kept in the history; the others are the identity,
the names and the derived facts set here, or take their column's default. A new field of
the register is therefore a column, a schema field and a migration, and every path that
creates elders writes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import JSON, Column, Connection, Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare.audit.models import AuditEvent
from eldercare.bulkload import CopyData, bulk_write, copy_in
from eldercare.clock import today as local_today
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import new_ids, utcnow
from eldercare.elders import hooks, periods, rules
from eldercare.elders.models import (
    Elder,
    ElderChange,
    ElderPeriod,
    Guardian,
    Household,
    RegisterPolicy,
)
from eldercare.elders.schemas import ElderCreate, GuardianIn
from eldercare.feed.models import Change
from eldercare.identity import IdNumber, age_on
from eldercare.names import pinyin


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


# The register's own tables a new elder touches. Visits' schedules are the other one
# (``SCHEDULES``): its table is known once ``wiring.install`` registered it (``_shape``).
TABLES: dict[str, Table] = {
    t.name: t
    for t in map(_table, (Household, Elder, Guardian, ElderChange, ElderPeriod, AuditEvent, Change))
}
SCHEDULES = "elder_schedules"
# Every table a new elder touches, in the order they are written (households before the
# elders that reference them, elders before their guardians; the feed last).
ALL = (
    "households",
    "elders",
    "guardians",
    "elder_changes",
    "elder_periods",
    SCHEDULES,
    "audit_events",
    "changes",
)
# What the generator writes: the register as it stands (with each elder's first period,
# which statistics count by), without the record of anyone's action (history, audit,
# change feed) and without schedules (computed set-based after).
REGISTER = ("households", "elders", "guardians", "elder_periods")


def written_columns(table: Table) -> tuple[str, ...]:
    """The columns a row of ``table`` is written with: all but those the database fills
    (computed columns and an autoincrement key)."""
    auto = table.autoincrement_column
    return tuple(c.name for c in table.columns if c.computed is None and c is not auto)


_json = json.JSONEncoder(ensure_ascii=False).encode  # as json.dumps writes it, without its set-up


def _default(column: Column[Any]) -> Any:
    """What a column takes when a new row does not name it: its default (a fresh value of
    a callable one, e.g. an empty list), else null."""
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg  # type: ignore[attr-defined]
    if default.is_callable:
        return default.arg(None)  # type: ignore[attr-defined]
    return None


@dataclass(frozen=True, slots=True)
class _Shape:
    """How the rows of one table are written: the table, its columns, its JSON columns,
    its row as its column defaults make it (JSON as text), and how a dict of values
    becomes a row in column order."""

    table: Table
    columns: tuple[str, ...]
    json: frozenset[str]
    template: dict[str, Any]
    row: Callable[[dict[str, Any]], tuple[Any, ...]]

    @classmethod
    def of(cls, table: Table) -> _Shape:
        columns = written_columns(table)
        json_columns = frozenset(c.name for c in table.columns if isinstance(c.type, JSON))
        template = {}
        for c in columns:
            value = _default(table.c[c])
            if c in json_columns and value is not None:
                value = _json(value)
            template[c] = value
        return cls(table, columns, json_columns, template, itemgetter(*columns))


_SHAPES = {name: _Shape.of(t) for name, t in TABLES.items()}
COLUMNS = {name: shape.columns for name, shape in _SHAPES.items()}
_JSON_COLUMNS = {name: shape.json for name, shape in _SHAPES.items()}
_TEMPLATES = {name: shape.template for name, shape in _SHAPES.items()}
_ROW = {name: shape.row for name, shape in _SHAPES.items()}


@cache
def _schedules() -> _Shape:
    """Visits' schedule table, as ``wiring.install`` registered it (it raises ``NotWired``
    before, and is read again then)."""
    return _Shape.of(hooks.first_schedule().table)


def _shape(name: str) -> _Shape:
    """Any table's shape by name, the schedules' too."""
    return _schedules() if name == SCHEDULES else _SHAPES[name]


# Columns of ``elders`` set from the ID number, the name and ``rules.derive``: never given,
# not in the history (they are recomputed from what is).
DERIVED = frozenset(
    {
        "id_number_rev",
        "name_pinyin",
        "name_initials",
        "categories",
        "category_codes",
        "is_left_behind",
        "left_behind_reason",
        "risk_level",
        "risk_rank",
        "risk_reasons",
        "no_one_at_home",
        "no_one_at_home_reason",
        "derived_until",
    }
)
BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "version"})
# Fields of ``ElderCreate`` stored otherwise than as given: the ID number (checked), the
# name (trimmed), manual categories (as dicts) and the household (joined or new).
_SPECIAL = frozenset({"id_number", "name", "manual_categories", "household_id"})

# The fields of ``ElderCreate`` stored in ``elders`` as given (and patched as given).
GIVEN = tuple(c for c in COLUMNS["elders"] if c in ElderCreate.model_fields and c not in _SPECIAL)
# An elder's recorded fields: everything but derived facts and bookkeeping. The history
# keeps them, with the household's size and income (HOUSEHOLD_FACTS).
RECORDED = tuple(c for c in COLUMNS["elders"] if c not in DERIVED | BOOKKEEPING)
# The household's facts in an elder's history, and the household's columns they are.
HOUSEHOLD_FACTS = {"household_size": "size", "annual_income_per_capita": "annual_income_per_capita"}
_HISTORY_KEYS = tuple(sorted({*RECORDED, *HOUSEHOLD_FACTS}))

_GIVEN_JSON = tuple(f for f in GIVEN if f in _JSON_COLUMNS["elders"])

_FEED_COLUMNS = tuple(c for c in COLUMNS["changes"] if c != "xid")  # the position comes last
_FEED_ROW = itemgetter(*_FEED_COLUMNS)


def _python_type(key: str) -> type | None:
    """The Python type of a history key's values (its column's, the household's for the
    household's facts)."""
    column = TABLES["elders"].c.get(key)
    if column is None:
        column = TABLES["households"].c[HOUSEHOLD_FACTS[key]]
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


_EMPTY: tuple[Any, ...] = (None, "", [])  # values a new record's history leaves out
# History keys whose values the history keeps as text: dates and decimals.
_AS_TEXT: tuple[tuple[str, Callable[[Any], str]], ...] = tuple(
    (k, date.isoformat if t is date else str)
    for k in _HISTORY_KEYS
    if (t := _python_type(k)) in (date, Decimal)
)


def _as_text(values: dict[str, Any], json_columns: frozenset[str]) -> dict[str, Any]:
    """Values as COPY takes them: JSON and dates as text."""
    return {
        k: _json(v) if k in json_columns else v.isoformat() if v.__class__ is date else v
        for k, v in values.items()
    }


def county_settings(db: Session, county: str) -> rules.RegisterSettings:
    row = db.get(RegisterPolicy, county)
    return rules.RegisterSettings.model_validate(row.settings) if row else rules.RegisterSettings()


# ----------------------------------------------------------------------------- derived facts


@dataclass(frozen=True, slots=True)
class Facts:
    """What a new elder's facts derive to: the elder's derived columns and its schedule's,
    as Python values or as COPY takes them (JSON and dates as text)."""

    elder: dict[str, Any]
    schedule: dict[str, Any]
    # The first day these facts may go stale; None when elders of one age share them (it
    # is then each one's next birthday).
    valid_until: date | None


class Deriver:
    """The derived facts of new elders on one day.

    Each county's register settings and visit policy are read once. Without guardians or
    manual categories the facts depend on the birth date only through the age, so elders
    of one county, age and set of facts share one derivation. Names in pinyin and lists
    as JSON are kept too (a file repeats them). One per writer: an import keeps one across
    its batches (and their sessions).
    """

    def __init__(self, today: date | None = None) -> None:
        self.today = today or local_today()
        self.tz = get_settings().tz
        self.settings: dict[str, rules.RegisterSettings] = {}
        self.schedules: dict[str, hooks.ScheduleValues] = {}
        self.shared: dict[tuple[Any, ...], Facts] = {}
        self.names: dict[str, tuple[str, str]] = {}
        self.lists: dict[tuple[Any, ...], str] = {}
        self.birthdays: dict[tuple[int, int], date] = {}

    def county_settings(self, db: Session, county: str) -> rules.RegisterSettings:
        found = self.settings.get(county)
        if found is None:
            found = self.settings[county] = county_settings(db, county)
        return found

    def schedule_values(self, db: Session, county: str) -> hooks.ScheduleValues:
        """How the first schedules of the county's new elders are computed, by its visit
        policy on the day (visits', through ``hooks.first_schedule``)."""
        found = self.schedules.get(county)
        if found is None:
            first = hooks.first_schedule()
            found = self.schedules[county] = first.values_for(db, county, self.today)
        return found

    def facts(
        self,
        db: Session,
        data: ElderCreate,
        birth: date,
        guardians: Sequence[rules.GuardianFacts],
        registered: date,
        text: bool,
    ) -> Facts:
        county = data.village_code[:6]
        key = None
        if not guardians and not data.manual_categories:
            key = (
                county,
                age_on(birth, self.today),
                data.living_arrangement,
                data.self_care,
                data.disability_grade,
                tuple(data.health_conditions),
                registered,
                text,
            )
            found = self.shared.get(key)
            if found is not None:
                return found
        derived = rules.derive(
            rules.ElderFacts(
                birth,
                data.village_code,
                data.living_arrangement,
                data.self_care,
                data.disability_grade,
                list(data.health_conditions),
                [c.model_dump() for c in data.manual_categories],
                list(guardians),
            ),
            self.county_settings(db, county),
            self.today,
        )
        codes = [c["code"] for c in derived.categories]
        category_codes = "," + ",".join(codes) + "," if codes else ""
        special = "special_difficulty" in category_codes
        schedule = self.schedule_values(db, county)(
            derived.risk_level, special, registered, category_codes
        )
        elder = {
            "categories": derived.categories,
            "category_codes": category_codes,
            "is_left_behind": derived.is_left_behind,
            "left_behind_reason": derived.left_behind_reason.as_dict(),
            "risk_level": derived.risk_level,
            "risk_rank": rules.RISK_RANK[derived.risk_level],
            "risk_reasons": [r.as_dict() for r in derived.risk_reasons],
            "no_one_at_home": derived.no_one_at_home is not None,
            "no_one_at_home_reason": (
                derived.no_one_at_home.as_dict() if derived.no_one_at_home else {}
            ),
        }
        if text:
            elder = _as_text(elder, _JSON_COLUMNS["elders"])
            schedule = _as_text(schedule, _schedules().json)
        facts = Facts(elder, schedule, None if key is not None else derived.valid_until)
        if key is not None:
            if len(self.shared) > 10_000:
                self.shared.clear()
            self.shared[key] = facts
        return facts

    def pinyin(self, name: str) -> tuple[str, str]:
        found = self.names.get(name)
        if found is None:
            if len(self.names) > 50_000:
                self.names.clear()
            found = self.names[name] = pinyin(name)
        return found

    def json(self, value: Any) -> str:
        """A JSON value as text; a list of strings (codes, mostly) from a cache."""
        if value.__class__ is not list:
            return _json(value)
        if not value:
            return "[]"
        if not all(v.__class__ is str for v in value):
            return _json(value)
        key = tuple(value)
        found = self.lists.get(key)
        if found is None:
            if len(self.lists) > 10_000:
                self.lists.clear()
            found = self.lists[key] = _json(value)
        return found

    def next_birthday(self, birth: date) -> date:
        """``rules.next_birthday`` after today, kept per day of the year."""
        key = (birth.month, birth.day)
        found = self.birthdays.get(key)
        if found is None:
            found = self.birthdays[key] = rules.next_birthday(birth, self.today)
        return found


# ----------------------------------------------------------------------------- rows


_NONE: tuple[Any, ...] = ()  # no guardians


class Added(NamedTuple):
    elder_id: str
    household_id: str  # the one the elder started or joined


@dataclass(frozen=True, slots=True)
class Joined:
    """The household a new elder joins: its id, and its size and income for the history."""

    id: str
    size: int | None
    annual_income_per_capita: Decimal | None


class NewElders:
    """The rows of a batch of new elders, for every table in ``tables``.

    ``ctx`` is who registers them (the actor of the history entry and the audit event);
    ``reason`` goes into the history entry and ``detail`` into the audit event (an import
    names its job there). Values are kept as each database takes them fastest: for COPY on
    PostgreSQL dates, times and JSON as text (the batch's time formatted once, shared JSON
    encoded once), as Python values elsewhere.
    """

    def __init__(
        self,
        db: Session,
        ctx: RequestCtx | None,
        *,
        deriver: Deriver | None = None,
        reason: str = "",
        detail: dict[str, Any] | None = None,
        tables: Collection[str] = ALL,
    ) -> None:
        self.db = db
        self.copying = db.get_bind().dialect.name == "postgresql"
        self.deriver = deriver or Deriver()
        now = utcnow()
        self.registered = now.astimezone(self.deriver.tz).date()
        stamp: Any = now.isoformat() if self.copying else now
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in ALL if t in tables}
        self.count = 0
        made = {"created_at": stamp, "updated_at": stamp, "version": 1}
        self._elder = {**_TEMPLATES["elders"], **made}
        self._household = {**_TEMPLATES["households"], **made}
        self._guardian = {**_TEMPLATES["guardians"], **made}
        p = ctx.principal if ctx else None
        self._history = {
            **_TEMPLATES["elder_changes"],
            "entity": "elder",
            "action": "create",
            "changed_at": stamp,
            "actor_id": p.id if p else None,
            "actor_name": p.shown_name if p else None,
            "reason": reason,
        }
        if SCHEDULES in self.rows:
            schedules = _schedules()
            self._schedule = {**schedules.template, "updated_at": stamp}
            self._schedule_row = schedules.row
        self._audit = {
            **_TEMPLATES["audit_events"],
            "occurred_at": stamp,
            "actor_type": p.kind if p else "system",
            "actor_id": p.id if p else None,
            "actor_name": p.name if p else None,
            "role": p.role.value if p and p.role else None,
            "actor_region": p.region_code if p else None,
            "action": "create",
            "resource": "elder",
            "outcome": "success",
            "ip": ctx.ip if ctx else None,
            "request_id": ctx.request_id if ctx else None,
            "detail": _json(detail) if self.copying and detail is not None else detail,
        }
        self._feed = {
            **_TEMPLATES["changes"],
            "action": "create",
            "version": 1,
            "changed_at": stamp,
        }
        self._fields: dict[frozenset[str], Any] = {}
        today = self.deriver.today
        self._period = {
            **_TEMPLATES["elder_periods"],
            "valid_from": today.isoformat() if self.copying else today,
        }

    def __len__(self) -> int:
        return self.count

    def add(self, data: ElderCreate, number: IdNumber, household: Joined | None = None) -> Added:
        """The rows of one new elder (validated, with its checked ID number) who starts a
        household or joins ``household``."""
        d, rows, copying = self.deriver, self.rows, self.copying
        elder_id, household_id = new_ids(2)
        village = data.village_code
        guardians, guardian_facts = self._guardians(data.guardians, elder_id, village)
        f = d.facts(self.db, data, number.birth_date, guardian_facts, self.registered, copying)
        if household is None:
            size, income = data.household_size, data.annual_income_per_capita
        else:
            household_id, size = household.id, household.size
            income = household.annual_income_per_capita
        name = data.name.strip()
        manual = [c.model_dump() for c in data.manual_categories] if data.manual_categories else []
        # The elder's values: first as recorded (the history keeps them, with the
        # household's facts), then with the derived facts, JSON and dates as stored.
        # (The model's fields are its instance's attributes: those named like a column
        # are the GIVEN ones, the others are replaced below or not written.)
        row = {**self._elder, **vars(data)}
        row["id"] = elder_id
        row["household_id"] = household_id
        row["id_number"] = number.value
        row["id_number_original"] = number.original
        row["name"] = name
        row["sex"] = number.sex
        row["birth_date"] = number.birth_date
        row["manual_categories"] = manual
        row["household_size"] = size
        row["annual_income_per_capita"] = income
        if "elder_changes" in rows:  # the non-empty values, keys sorted, dates as text
            created = {k: [None, v] for k in _HISTORY_KEYS if (v := row[k]) not in _EMPTY}
            for k, plain in _AS_TEXT:
                if k in created:
                    created[k][1] = plain(created[k][1])
            history = {
                **self._history,
                "elder_id": elder_id,
                "entity_id": elder_id,
                "changes": _json(created) if copying else created,
            }
            rows["elder_changes"].append(_ROW["elder_changes"](history))
        if "elders" in rows:
            full, initials = d.pinyin(name)
            until = f.valid_until or d.next_birthday(number.birth_date)
            row["id_number_rev"] = number.value[::-1]
            row["name_pinyin"] = full
            row["name_initials"] = initials
            row.update(f.elder)
            if copying:
                row["manual_categories"] = d.json(manual)
                for g in _GIVEN_JSON:
                    row[g] = d.json(row[g])
                row["birth_date"] = number.birth_date.isoformat()
                row["derived_until"] = until.isoformat()
            else:
                row["derived_until"] = until
            rows["elders"].append(_ROW["elders"](row))
        if "elder_periods" in rows:  # from the day of registration (``periods``)
            facts = {**f.elder, "status": row["status"], "village_code": village}
            period = {**self._period, **periods.values_of(facts), "elder_id": elder_id}
            rows["elder_periods"].append(_ROW["elder_periods"](period))
        if household is None and "households" in rows:
            household_row = {
                **self._household,
                "id": household_id,
                "village_code": village,
                "address": data.address,
                "size": size,
                "annual_income_per_capita": income,
            }
            rows["households"].append(_ROW["households"](household_row))
        if "guardians" in rows:
            rows["guardians"].extend(map(_ROW["guardians"], guardians))
        if SCHEDULES in rows:
            schedule = {
                **self._schedule,
                **f.schedule,
                "elder_id": elder_id,
                "village_code": village,
            }
            rows[SCHEDULES].append(self._schedule_row(schedule))
        if "audit_events" in rows:
            given = frozenset(data.model_fields_set)
            fields = self._fields.get(given)
            if fields is None:  # sorted, as audit.record stores them
                fields = sorted(given | {"id_number"})
                self._fields[given] = fields = _json(fields) if copying else fields
            event = {
                **self._audit,
                "region_code": village,
                "resource_id": elder_id,
                "fields": fields,
            }
            rows["audit_events"].append(_ROW["audit_events"](event))
        if "changes" in rows:
            feed, base = rows["changes"], self._feed
            if household is None:
                feed.append(
                    _FEED_ROW(
                        {
                            **base,
                            "resource": "household",
                            "resource_id": household_id,
                            "region_code": village,
                        }
                    )
                )
            feed.append(
                _FEED_ROW(
                    {**base, "resource": "elder", "resource_id": elder_id, "region_code": village}
                )
            )
            for guardian in guardians:
                feed.append(
                    _FEED_ROW(
                        {
                            **base,
                            "resource": "guardian",
                            "resource_id": guardian["id"],
                            "region_code": village,
                            "parent_id": elder_id,
                        }
                    )
                )
        self.count += 1
        return Added(elder_id, household_id)

    def _guardians(
        self, given: Sequence[GuardianIn], elder_id: str, village: str
    ) -> tuple[Sequence[dict[str, Any]], Sequence[rules.GuardianFacts]]:
        """Each guardian's values (how far away they work follows from the code of the
        place, where it says) and their facts for the derivation."""
        if not given:
            return _NONE, _NONE
        values, facts = [], []
        for g, guardian_id in zip(given, new_ids(len(given)), strict=True):
            v = {**self._guardian, **vars(g)}  # a guardian's fields are all columns
            v["id"], v["elder_id"] = guardian_id, elder_id
            scope = rules.region_scope(v["work_region_code"], village)
            if scope is not None:
                v["away_scope"] = scope
            values.append(v)
            facts.append(
                rules.GuardianFacts(
                    v["relation"],
                    v["alive"],
                    v["away_since"],
                    v["away_scope"],
                    v["work_region_code"],
                    v["can_support"],
                    bool(v["is_entrusted_caretaker"]),
                )
            )
        return values, facts

    def prepare(self, conn: Connection) -> Prepared:
        """The rows, ready to be written on any connection to the same database. On
        PostgreSQL they are formatted as COPY data here (psycopg's own adapters; ``conn``
        only lends them), so the thread that writes them only sends bytes."""
        tables: list[tuple[Table, Sequence[str], list[tuple[Any, ...]]]] = []
        for t, r in self.rows.items():
            if t != "changes" and r:
                shape = _shape(t)
                tables.append((shape.table, shape.columns, r))
        feed = self.rows.get("changes") or None  # none, or none to write
        if not self.copying:
            return Prepared(tables, feed, None)
        copies = [CopyData.of(conn, *t) for t in tables]
        if feed is not None:
            copies.append(CopyData.of(conn, TABLES["changes"], _FEED_COLUMNS, feed))
        return Prepared(None, None, (copies, feed is not None))

    def write(self, conn: Connection) -> None:
        self.prepare(conn).write(conn)


class Prepared:
    """A batch's rows ready to be written: one write per table, in one transaction."""

    def __init__(
        self,
        tables: list[tuple[Table, Sequence[str], list[tuple[Any, ...]]]] | None,
        feed: list[tuple[Any, ...]] | None,
        copies: tuple[list[CopyData], bool] | None,
    ) -> None:
        self.tables = tables or []
        self.feed = feed
        self.copies = copies

    def write(self, conn: Connection) -> None:
        """Write every table. A unique index that refuses a row (someone registered the
        same elder meanwhile) raises ``IntegrityError``, as a flush would."""
        if self.copies is None:
            for table, columns, rows in self.tables:
                bulk_write(conn, table, columns, rows)
            if self.feed is not None:  # one writer at a time: position 0 (see feed.changes)
                feed = ((0, *r) for r in self.feed)
                bulk_write(conn, TABLES["changes"], ("xid", *_FEED_COLUMNS), feed)
            return
        import psycopg

        copies, has_feed = self.copies
        tables = copies[:-1] if has_feed else copies
        try:
            for data in tables:
                copy_in(conn, data)
            if has_feed:
                # The feed's position is this transaction's id: the records are new, so no
                # earlier row of theirs can sort after it (see feed.changes).
                xid = conn.exec_driver_sql("SELECT pg_current_xact_id()::text").scalar_one()
                copy_in(conn, copies[-1].with_first("xid", xid))
        except psycopg.errors.IntegrityError as exc:  # COPY runs on the driver's connection
            raise IntegrityError("COPY", None, exc) from exc
