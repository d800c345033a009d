"""Per-resource import handlers: validate a batch of rows, then write it.

Validation is the domain's own: the pydantic schemas of the create endpoints, identity
checks and the scope rules of the services. New elders, the bulk of any import, are then
written set-based (one multi-row write per table per batch, COPY on PostgreSQL) with the
same derived facts, history, visit schedule, change-feed rows and audit events the service
would write; changed elders, guardians and volunteers go through the domain services row by
row, each inside a savepoint so a bad row fails alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from pydantic import BaseModel, ValidationError
from sqlalchemy import ARRAY, String, Text, any_, bindparam, cast, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare import synth
from eldercare.audit.models import AuditEvent
from eldercare.bulk.columns import SPECS, Spec, convert, normalise_header
from eldercare.bulkload import CopyData, bulk_write, copy_in
from eldercare.clock import aware
from eldercare.clock import today as local_today
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import new_ids
from eldercare.elders import rules
from eldercare.elders import service as elders
from eldercare.elders.models import Elder, ElderChange, Guardian, Household
from eldercare.elders.schemas import ElderCreate, ElderPatch, GuardianIn, GuardianPatch
from eldercare.errors import AppError, Forbidden
from eldercare.feed.models import Change
from eldercare.identity import age_on
from eldercare.names import pinyin
from eldercare.regions.models import Region
from eldercare.roles import TOWNSHIP_UP
from eldercare.sheets.formats import ERROR, ERROR_COLUMN
from eldercare.visits import schedule
from eldercare.visits import service as visits
from eldercare.visits.models import ElderSchedule, Visit
from eldercare.visits.rules import next_due
from eldercare.visits.schemas import VisitIn, VisitPatch
from eldercare.volunteers import service as volunteers
from eldercare.volunteers.models import Pairing, Volunteer
from eldercare.volunteers.schemas import PairingIn, PairingPatch, VolunteerIn, VolunteerPatch

RowError = tuple[str | None, str, dict[str, Any]]  # field, code, message parameters
Write = Callable[[Session], None]  # one write step of a prepared batch


@dataclass
class Outcome:
    row: int
    action: str = "failed"  # created, updated, unchanged, failed
    errors: list[RowError] = field(default_factory=list)


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def schema_errors(exc: ValidationError) -> list[RowError]:
    out: list[RowError] = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        params = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
        out.append((loc[0] if loc else None, err["type"], params))
    return out


def app_errors(exc: AppError) -> list[RowError]:
    if exc.errors:
        return [
            (str(e.loc[-1]) if e.loc else None, e.code, {k: _plain(v) for k, v in e.params.items()})
            for e in exc.errors
        ]
    return [(None, exc.code, {k: _plain(v) for k, v in exc.params.items()})]


def _any(column: Any, values: list[str], db: Session) -> Any:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter however many."""
    if db.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("keys", values, type_=ARRAY(String)))
    return column.in_(values)


def _quick_key(raw: Any) -> str | None:
    """An ID number as stored when it is written plainly (others take the full check)."""
    return raw.strip().upper() if isinstance(raw, str) and raw else None


def read_error(spec: Spec, cells: dict[str, Any]) -> RowError:
    """The error of a row that failed as it was read (``formats.ERROR``), in the field of
    its column (the header as written if it names no field; None for the whole row)."""
    column = cells.get(ERROR_COLUMN)
    field = None
    if isinstance(column, str):
        col = spec.by_header.get(normalise_header(column))
        field = col.field if col is not None else column
    return (field, cells[ERROR], {})


def _parse(spec: Spec, cells: dict[str, Any], model: type[BaseModel]) -> tuple[Any, Outcome | None]:
    if ERROR in cells:
        return None, Outcome(0, errors=[read_error(spec, cells)])
    data, _unknown = convert(spec, cells)
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        return None, Outcome(0, errors=schema_errors(exc))


def _savepoint_call(db: Session, outcome: Outcome, fn: Any, *args: Any) -> Any:
    """Run one row's service call in a savepoint; an error fails that row only."""
    try:
        with db.begin_nested():
            return fn(*args)
    except AppError as exc:
        outcome.action = "failed"
        outcome.errors = app_errors(exc)
    except IntegrityError:
        outcome.action = "failed"
        outcome.errors = [(None, "conflict", {})]
    return None


class Seen:
    """The first row of each natural key in a file, across all of its batches.

    Keys are kept as 64-bit digests (about 100 bytes a row), so a file of a million rows
    stays well within the import's memory budget.
    """

    def __init__(self) -> None:
        self.rows: dict[int, int] = {}

    @staticmethod
    def _digest(key: Hashable) -> int:
        text = repr(key).encode()
        return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")

    def first(self, key: Hashable, row: int) -> int | None:
        """The earlier row with this key, or None (and this row becomes the first)."""
        digest = self._digest(key)
        earlier = self.rows.get(digest)
        if earlier is None:
            self.rows[digest] = row
        return earlier


def _canonical_number(raw: Any) -> str:
    from eldercare import identity

    try:
        return identity.parse(str(raw)).value
    except identity.IdNumberError:
        return str(raw).strip().upper()


def _canonical_phone(raw: Any) -> str:
    from eldercare import phones

    try:
        return phones.canonical(str(raw)) or str(raw).strip()
    except phones.PhoneError:
        return str(raw).strip()


class Handler:
    resource = ""
    natural_key = ""

    def __init__(self, db: Session, ctx: RequestCtx, job_id: str) -> None:
        self.db = db
        self.ctx = ctx
        self.job_id = job_id
        self.spec = SPECS[self.resource]
        self.seen = Seen()

    def check_allowed(self) -> None:
        """Refuse the whole import when the caller may not write this resource at all."""

    # A handler that can split a batch into reading and checking (``prepare``, on a read
    # session) and writing (the returned steps, on the batch's write session) lets a
    # per_row job check the next batch while the database writes this one.
    pipelined = False

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        raise NotImplementedError

    def prepare(self, rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[Outcome], list[Write]]:
        """Check a batch with ``self.db`` (reads only); the writes come back as steps to run
        in order on the write session. The outcomes are final once the steps have run."""
        raise NotImplementedError

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        """The natural key of a row as ``batch`` records it, from its cells alone (for the
        rows a resumed job skips because an earlier run committed them)."""
        return None

    def remember(self, rows: list[tuple[int, dict[str, Any]]], failed: set[int]) -> None:
        """Record the keys of rows an earlier run of this job handled (a resumed job)."""
        for row, cells in rows:
            if row in failed or ERROR in cells:
                continue
            try:
                key = self.key_of(cells)
            except Exception:  # a row that would not parse was failed, not recorded
                key = None
            if key is not None:
                self.seen.first(key, row)


# ----------------------------------------------------------------------------- elders

_PATCHABLE = (
    "name",
    "phone",
    "address",
    "hukou_address",
    "ethnicity",
    "marital_status",
    "living_arrangement",
    "self_care",
    "health_conditions",
    "disability_grade",
    "disability_type",
    "income_sources",
    "family_doctor_signed",
    "care_situation",
    "notes",
)
_HOUSEHOLD = ("household_size", "annual_income_per_capita")
_JSON_LISTS = ("health_conditions", "income_sources")
_EXISTING_NAMES = ("id", "id_number", "village_code", "version", *_PATCHABLE, *_HOUSEHOLD)
_ELDER_COLUMNS = synth.ELDER_COLUMNS  # the register's columns, as the generator writes them
_HOUSEHOLD_COLUMNS = synth.HOUSEHOLD_COLUMNS
_CHANGE_COLUMNS = (
    "elder_id",
    "entity",
    "entity_id",
    "action",
    "changes",
    "changed_at",
    "actor_id",
    "actor_name",
    "reason",
)
_SCHEDULE_COLUMNS = (
    "elder_id",
    "village_code",
    "risk_level",
    "special_difficulty",
    "interval_days",
    "next_due_date",
    "reason",
    "updated_at",
)
_SNAPSHOT_KEYS = tuple(
    sorted({*elders.ELDER_FIELDS, "household_id", "household_size", "annual_income_per_capita"})
)
_EMPTY: tuple[Any, ...] = (None, "", [])
_AUDIT_COLUMNS = (
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_name",
    "role",
    "actor_region",
    "region_code",
    "action",
    "resource",
    "resource_id",
    "fields",
    "outcome",
    "ip",
    "request_id",
    "detail",
)
_FEED_COLUMNS = ("xid", "resource", "resource_id", "action", "region_code", "version", "changed_at")


_json = json.JSONEncoder(ensure_ascii=False).encode  # as json.dumps writes it, without its set-up


@dataclass(frozen=True, slots=True)
class _Facts:
    """What a new elder's facts derive to, with the JSON the multi-row write needs."""

    categories: list[dict[str, Any]]
    categories_json: str
    category_codes: str
    is_left_behind: bool
    left_behind_reason: dict[str, Any]
    left_json: str
    risk_level: str
    risk_rank: int
    risk_reasons: list[dict[str, Any]]
    risk_json: str
    special: bool
    interval_days: int
    next_due_date: date
    next_due_text: str  # as COPY takes it
    due_reason: str


@dataclass
class _New:
    outcome: Outcome
    data: ElderCreate
    number: Any


class ElderHandler(Handler):
    resource = "elders"
    natural_key = "id_number"

    def __init__(self, db: Session, ctx: RequestCtx, job_id: str) -> None:
        super().__init__(db, ctx, job_id)
        self.today = local_today()
        self.villages = self._villages_in_scope()
        self.settings: dict[str, rules.RegisterSettings] = {}
        self.policies: dict[str, Any] = {}
        self.names: dict[str, tuple[str, str]] = {}
        self.derived: dict[tuple[Any, ...], _Facts] = {}
        self.lists: dict[tuple[Any, ...], str] = {}

    def _villages_in_scope(self) -> set[str]:
        scope = self.ctx.actor.scope
        rows = self.db.execute(
            select(Region.code).where(scope.clause(Region.code), Region.level == "village")
        )
        return {code for (code,) in rows}

    def _settings(self, county: str) -> rules.RegisterSettings:
        if county not in self.settings:
            self.settings[county] = elders.county_settings(self.db, county)
        return self.settings[county]

    def _policy(self, county: str) -> Any:
        if county not in self.policies:
            self.policies[county] = schedule.policy_for(self.db, county, self.today)[0]
        return self.policies[county]

    def _derive(self, d: ElderCreate, birth: date, county: str) -> _Facts:
        """Categories, risk and visit schedule of a new elder, with their JSON. Without
        guardians they depend on the birth date only through the age, so rows with the
        same age and facts share one result."""
        key = None
        if not d.manual_categories:
            key = (
                county,
                age_on(birth, self.today),
                d.living_arrangement,
                d.self_care,
                d.disability_grade,
                tuple(d.health_conditions),
            )
            found = self.derived.get(key)
            if found is not None:
                return found
        derived = rules.derive(
            rules.ElderFacts(
                birth,
                d.village_code,
                d.living_arrangement,
                d.self_care,
                d.disability_grade,
                list(d.health_conditions),
                [c.model_dump() for c in d.manual_categories],
                [],
            ),
            self._settings(county),
            self.today,
            None,
        )
        codes = [c["code"] for c in derived.categories]
        category_codes = "," + ",".join(codes) + "," if codes else ""
        special = "special_difficulty" in category_codes
        tz = get_settings().tz
        due = next_due(
            self._policy(county),
            derived.risk_level,
            special,
            None,
            datetime.now(UTC).astimezone(tz).date(),
            None,
            tz,
        )
        facts = _Facts(
            categories=derived.categories,
            categories_json=_json(derived.categories),
            category_codes=category_codes,
            is_left_behind=derived.is_left_behind,
            left_behind_reason=derived.left_behind_reason.as_dict(),
            left_json=_json(derived.left_behind_reason.as_dict()),
            risk_level=derived.risk_level,
            risk_rank=rules.RISK_RANK[derived.risk_level],
            risk_reasons=[r.as_dict() for r in derived.risk_reasons],
            risk_json=_json([r.as_dict() for r in derived.risk_reasons]),
            special=special,
            interval_days=due.interval_days,
            next_due_date=due.next_due_date,
            next_due_text=due.next_due_date.isoformat(),
            due_reason=_json(due.reason),
        )
        if key is not None:
            if len(self.derived) > 10_000:
                self.derived.clear()
            self.derived[key] = facts
        return facts

    def _list_json(self, values: Any) -> str:
        key = tuple(values)
        found = self.lists.get(key)
        if found is None:
            if len(self.lists) > 10_000:
                self.lists.clear()
            found = self.lists[key] = _json(list(values))
        return found

    def _pinyin(self, name: str) -> tuple[str, str]:
        found = self.names.get(name)
        if found is None:
            if len(self.names) > 50_000:
                self.names.clear()
            found = self.names[name] = pinyin(name)
        return found

    pipelined = True

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes, writes = self.prepare(rows)
        for write in writes:
            write(self.db)
        return outcomes

    def prepare(self, rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[Outcome], list[Write]]:
        outcomes: list[Outcome] = []
        writes: list[Write] = []
        converted: list[tuple[Outcome, dict[str, Any]]] = []
        for row, cells in rows:
            outcome = Outcome(row)
            outcomes.append(outcome)
            if ERROR in cells:
                outcome.errors.append(read_error(self.spec, cells))
                continue
            converted.append((outcome, convert(self.spec, cells)[0]))
        # The stored rows for the keys as written, in one query: a row equal to its stored
        # record is unchanged without validating it again (it was valid when stored).
        quick = {k for _, data in converted if (k := _quick_key(data.get("id_number")))}
        existing = self._existing(list(quick)) if quick else {}
        seen = self.seen
        valid: dict[str, tuple[Outcome, ElderCreate, Any]] = {}
        for outcome, data in converted:
            key = _quick_key(data.get("id_number"))
            current = existing.get(key) if key is not None else None
            if key is not None and current is not None and self._same(data, current):
                first = seen.first(key, outcome.row)
                if first is not None:
                    outcome.errors.append(("id_number", "import.duplicate_row", {"row": first}))
                else:
                    outcome.action = "unchanged"
                continue
            try:
                elder = ElderCreate.model_validate(data)
            except ValidationError as exc:
                outcome.errors = schema_errors(exc)
                continue
            if elder.village_code not in self.villages:
                outcome.errors.append(("village_code", "region.unknown", {}))
                continue
            try:
                checked = elders.check_identity(
                    elder.id_number,
                    self._settings(elder.village_code[:6]),
                    self.ctx.lang,
                    self.today,
                )
            except AppError as exc:
                outcome.errors = app_errors(exc)
                continue
            key = checked.number.value
            first = seen.first(key, outcome.row)
            if first is not None:
                outcome.errors.append(("id_number", "import.duplicate_row", {"row": first}))
                continue
            valid[key] = (outcome, elder, checked.number)
        if not valid:
            return outcomes, writes
        missing = [k for k in valid if k not in quick]
        if missing:
            existing.update(self._existing(missing))
        new: list[_New] = []
        for key, (outcome, parsed, number) in valid.items():
            current = existing.get(key)
            if current is None:
                new.append(_New(outcome, parsed, number))
            elif not self.ctx.actor.scope.covers(current["village_code"]):
                outcome.errors.append(("id_number", "elder.duplicate_elsewhere", {}))
            else:
                update = self._update(outcome, parsed, current)
                if update is not None:
                    writes.append(update)
        if new:
            writes.append(self._create(new))
        return outcomes, writes

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        raw = convert(self.spec, cells)[0].get("id_number")
        return _canonical_number(raw) if raw else None

    def _same(self, data: dict[str, Any], current: dict[str, Any]) -> bool:
        """Whether converted cells equal the stored record (same types, same values)."""
        village = current["village_code"]
        if data.get("village_code") != village or village not in self.villages:
            return False
        if "name" not in data:
            return False
        for f, value in data.items():
            if f == "id_number" or f == "village_code":
                continue
            if f not in current:
                return False
            old = current[f]
            if isinstance(old, Decimal):
                if isinstance(value, bool) or not isinstance(value, Decimal | int):
                    return False
                if old != Decimal(value):
                    return False
            elif type(old) is not type(value) or old != value:
                return False
        return True

    def _existing(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        # JSON lists come as text and are decoded here: most are "[]", which needs no parser.
        cols = [
            cast(getattr(Elder, f), Text) if f in _JSON_LISTS else getattr(Elder, f)
            for f in _PATCHABLE
        ]
        stmt = (
            select(
                Elder.id,
                Elder.id_number,
                Elder.village_code,
                Elder.version,
                *cols,
                Household.size.label("household_size"),
                Household.annual_income_per_capita,
            )
            .outerjoin(Household, Household.id == Elder.household_id)
            .where(
                _any(Elder.id_number, keys, self.db),
                Elder.status == "active",
                Elder.merged_into_id.is_(None),
            )
        )
        names = _EXISTING_NAMES
        loads = json.loads
        out: dict[str, dict[str, Any]] = {}
        for r in self.db.execute(stmt):
            record = dict(zip(names, r, strict=True))
            for f in _JSON_LISTS:
                text = record[f]
                if text is not None:
                    record[f] = [] if text == "[]" else loads(text)
            out[record["id_number"]] = record
        return out

    def _update(self, outcome: Outcome, data: ElderCreate, current: dict[str, Any]) -> Write | None:
        given = data.model_fields_set
        changes: dict[str, Any] = {}
        for f in (*_PATCHABLE, *_HOUSEHOLD):
            if f not in given:
                continue
            value = getattr(data, f)
            if f == "name":
                value = value.strip()
            old = current[f]
            if isinstance(old, Decimal) and value is not None:
                same = old == Decimal(value)
            else:
                same = old == value or (old in ("", None, []) and value in ("", None, []))
            if not same:
                changes[f] = value
        moved = data.village_code != current["village_code"]
        if not changes and not moved:
            outcome.action = "unchanged"
            return None
        outcome.action = "updated"
        ctx = self.ctx

        def write(db: Session) -> None:
            version = current["version"]
            if moved:
                elder = elders.move(
                    db, ctx, current["id"], data.village_code, "import", None, version
                )
                version = elder.version
            if changes:
                elders.update_elder(db, ctx, current["id"], ElderPatch(**changes), version)

        return lambda db: _savepoint_call(db, outcome, write, db)

    def _create(self, new: list[_New]) -> Write:
        """Households, elders, history, schedules, feed rows and audit events: one write per
        table. JSON values are encoded here (shared ones once), so the write only copies."""
        copying = self.db.get_bind().dialect.name == "postgresql"
        # COPY takes the time as text: formatted once here rather than in every row.
        stamp: Any = datetime.now(UTC)
        if copying:
            stamp = stamp.isoformat()
        households, elder_rows, history, schedules, feed_rows = [], [], [], [], []
        events: list[tuple[Any, ...]] = []
        fields_by_set: dict[frozenset[str], str] = {}
        audit_row = self._audit_row(stamp)
        ids = new_ids(2 * len(new))
        actor_id, actor_name = self.ctx.actor.id, self.ctx.actor.name
        list_json = self._list_json
        empty_list = _json([])
        for i, item in enumerate(new):
            d, n = item.data, item.number
            elder_id, household_id = ids[2 * i], ids[2 * i + 1]
            name = d.name.strip()
            full, initials = self._pinyin(name)
            village = d.village_code
            county = village[:6]
            f = self._derive(d, n.birth_date, county)
            until = rules.next_birthday(n.birth_date, self.today)
            born = n.birth_date.isoformat()
            health, income = list(d.health_conditions), list(d.income_sources)
            manual = [c.model_dump() for c in d.manual_categories]
            size, money = d.household_size, d.annual_income_per_capita
            elder_rows.append(
                (
                    elder_id,
                    household_id,
                    village,
                    n.value,
                    n.original,
                    n.value[::-1],
                    name,
                    full,
                    initials,
                    n.sex,
                    born if copying else n.birth_date,
                    d.ethnicity,
                    d.marital_status,
                    d.phone,
                    d.address,
                    d.hukou_address,
                    d.living_arrangement,
                    d.self_care,
                    list_json(health),
                    d.disability_grade,
                    d.disability_type,
                    list_json(income),
                    d.family_doctor_signed,
                    d.care_situation,
                    d.notes,
                    _json(manual) if manual else empty_list,
                    f.categories_json,
                    f.category_codes,
                    f.is_left_behind,
                    f.left_json,
                    f.risk_level,
                    f.risk_rank,
                    f.risk_json,
                    # without guardians or benefits the facts change on a birthday only
                    until.isoformat() if copying else until,
                    "active",
                    "",
                    stamp,
                    stamp,
                    1,
                )
            )
            households.append((household_id, village, d.address, size, money, "", stamp, stamp, 1))
            # The history row, as the service writes it: the snapshot's non-empty values,
            # keys sorted (_SNAPSHOT_KEYS is), dates and decimals as text.
            snap = {
                "address": d.address,
                "annual_income_per_capita": None if money is None else str(money),
                "birth_date": born,
                "care_situation": d.care_situation,
                "disability_grade": d.disability_grade,
                "disability_type": d.disability_type,
                "ethnicity": d.ethnicity,
                "family_doctor_signed": d.family_doctor_signed,
                "health_conditions": health,
                "household_id": household_id,
                "household_size": size,
                "hukou_address": d.hukou_address,
                "id_number": n.value,
                "id_number_original": n.original,
                "income_sources": income,
                "living_arrangement": d.living_arrangement,
                "manual_categories": manual,
                "marital_status": d.marital_status,
                "name": name,
                "notes": d.notes,
                "phone": d.phone,
                "self_care": d.self_care,
                "sex": n.sex,
                "status": "active",
                "status_reason": "",
                "village_code": village,
            }
            created = {k: [None, v] for k, v in snap.items() if v not in _EMPTY}
            history.append(
                (
                    elder_id,
                    "elder",
                    elder_id,
                    "create",
                    _json(created),
                    stamp,
                    actor_id,
                    actor_name,
                    "import",
                )
            )
            schedules.append(
                (
                    elder_id,
                    village,
                    f.risk_level,
                    f.special,
                    f.interval_days,
                    f.next_due_text if copying else f.next_due_date,
                    f.due_reason,
                    stamp,
                )
            )
            feed_rows.append(("household", household_id, village, 1))
            feed_rows.append(("elder", elder_id, village, 1))
            given = frozenset(d.model_fields_set)
            fields = fields_by_set.get(given)
            if fields is None:  # sorted, as audit.record stores them
                fields = fields_by_set[given] = _json(sorted(given | {"id_number"}))
            events.append(audit_row(elder_id, village, fields))
        ctx = self.ctx
        tables: list[tuple[Any, Sequence[str], Iterable[Sequence[Any]]]] = [
            (Household.__table__, _HOUSEHOLD_COLUMNS, households),
            (Elder.__table__, _ELDER_COLUMNS, elder_rows),
            (ElderChange.__table__, _CHANGE_COLUMNS, history),
            (ElderSchedule.__table__, _SCHEDULE_COLUMNS, schedules),
            (AuditEvent.__table__, _AUDIT_COLUMNS, events),
        ]
        feed = ((r, i, "create", v, ver, stamp) for r, i, v, ver in feed_rows)
        conn = self.db.connection()
        copies: list[CopyData] | None = None
        if copying:  # formatted here, while the last batch is written
            copies = [CopyData.of(conn, *t) for t in tables]
            copies.append(CopyData.of(conn, Change.__table__, _FEED_COLUMNS[1:], feed))  # type: ignore[arg-type]

        def write(db: Session) -> None:
            try:
                with db.begin_nested():
                    conn = db.connection()
                    if copies is not None:
                        _copy_all(conn, copies)
                    else:
                        for table, columns, rows in tables:
                            bulk_write(conn, table, columns, rows)
                        _write_feed(conn, feed)
            except (IntegrityError, psycopg.errors.IntegrityError):
                # Someone created one of these elders meanwhile: the service decides row by row.
                # (COPY runs on the driver's connection: its errors come unwrapped.)
                for item in new:
                    item.outcome.action = "created"
                    _savepoint_call(db, item.outcome, elders.create_elder, db, ctx, item.data)
                return
            for item in new:
                item.outcome.action = "created"

        return write

    def _audit_row(self, now: datetime | str) -> Any:
        """The ``create`` event of one new elder, as ``create_elder`` records it (plus the
        job), for a multi-row write: one event per elder, like a hand-made one."""
        p = self.ctx.actor
        head = (now, p.kind, p.id, p.name, p.role.value if p.role else None)
        detail = _json({"job_id": self.job_id})
        request_id = self.ctx.request_id

        def row(elder_id: str, village: str, fields: list[str]) -> tuple[Any, ...]:
            return (
                *head,
                p.region_code,
                village,
                "create",
                "elder",
                elder_id,
                fields,
                "success",
                None,
                request_id,
                detail,
            )

        return row


def _copy_all(conn: Connection, copies: list[CopyData]) -> None:
    """The formatted tables in order; the feed (last) gets this transaction's id (its
    position: these records are new, no earlier row of theirs can sort after it)."""
    *tables, feed = copies
    for data in tables:
        copy_in(conn, data)
    xid = conn.exec_driver_sql("SELECT pg_current_xact_id()::text").scalar_one()
    copy_in(conn, feed.with_first("xid", xid))


def _write_feed(conn: Connection, feed: Iterable[tuple[Any, ...]]) -> None:
    """The feed rows where no COPY runs (SQLite: one writer at a time, xid 0)."""
    bulk_write(conn, Change.__table__, _FEED_COLUMNS, ((0, *r) for r in feed))  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- guardians


class GuardianHandler(Handler):
    resource = "guardians"
    natural_key = "elder_id_number, name, relation"

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes = []
        for row, cells in rows:
            raw_key = cells.get("elder_id_number") or _by_header(
                self.spec, cells, "elder_id_number"
            )
            stripped = {
                k: v
                for k, v in cells.items()
                if self.spec.by_header.get(_n(k)) is None
                or self.spec.by_header[_n(k)].field != "elder_id_number"
            }
            data, failed = _parse(self.spec, stripped, GuardianIn)
            outcome = failed or Outcome(row)
            outcome.row = row
            outcomes.append(outcome)
            if not raw_key:
                outcome.errors.insert(0, ("elder_id_number", "missing", {}))
            if outcome.errors:
                continue
            elder = self._elder(str(raw_key))
            if elder is None:
                outcome.errors.append(("elder_id_number", "import.elder_not_found", {}))
                continue
            first = self.seen.first((elder.id_number, data.name.strip(), data.relation), row)
            if first is not None:
                outcome.errors.append(("name", "import.duplicate_guardian", {"row": first}))
                continue
            existing = self.db.scalar(
                select(Guardian).where(
                    Guardian.elder_id == elder.id,
                    Guardian.name == data.name,
                    Guardian.relation == data.relation,
                )
            )
            if existing is None:
                outcome.action = "created"
                _savepoint_call(
                    self.db, outcome, elders.add_guardian, self.db, self.ctx, elder.id, data
                )
                continue
            given = data.model_fields_set - {"name", "relation"}
            changes = {
                f: getattr(data, f) for f in given if getattr(existing, f) != getattr(data, f)
            }
            if not changes:
                outcome.action = "unchanged"
                continue
            outcome.action = "updated"
            _savepoint_call(
                self.db,
                outcome,
                elders.update_guardian,
                self.db,
                self.ctx,
                existing.id,
                GuardianPatch(**changes),
                existing.version,
            )
        return outcomes

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        raw_key = cells.get("elder_id_number") or _by_header(self.spec, cells, "elder_id_number")
        data = convert(self.spec, cells)[0]
        if not raw_key or not data.get("name"):
            return None
        return (_canonical_number(raw_key), str(data["name"]).strip(), data.get("relation"))

    def _elder(self, raw: str) -> Elder | None:
        from eldercare import identity

        try:
            number = identity.parse(raw).value
        except identity.IdNumberError:
            number = raw.strip()
        return self.db.scalar(
            select(Elder).where(
                Elder.id_number == number,
                Elder.status == "active",
                Elder.merged_into_id.is_(None),
                elders.elder_scope(self.ctx),
            )
        )


def _n(header: str) -> str:
    from eldercare.bulk.columns import normalise_header

    return normalise_header(header)


def _by_header(spec: Spec, cells: dict[str, Any], field_name: str) -> Any:
    for header, value in cells.items():
        col = spec.by_header.get(_n(header))
        if col is not None and col.field == field_name:
            return value if value not in ("", None) else None
    return None


# ----------------------------------------------------------------------------- volunteers


class VolunteerHandler(Handler):
    resource = "volunteers"
    natural_key = "phone"

    def check_allowed(self) -> None:
        p = self.ctx.actor
        if p.kind == "user" and p.role not in TOWNSHIP_UP:
            raise Forbidden("auth.role_required")

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        raw = convert(self.spec, cells)[0].get("phone")
        return _canonical_phone(raw) if raw else None

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes = []
        for row, cells in rows:
            data, failed = _parse(self.spec, cells, VolunteerIn)
            outcome = failed or Outcome(row)
            outcome.row = row
            outcomes.append(outcome)
            if outcome.errors:
                continue
            first = self.seen.first(data.phone, row)
            if first is not None:
                outcome.errors.append(("phone", "import.duplicate_volunteer", {"row": first}))
                continue
            existing = self.db.scalar(select(Volunteer).where(Volunteer.phone == data.phone))
            if existing is None:
                outcome.action = "created"
                _savepoint_call(
                    self.db, outcome, volunteers.create_volunteer, self.db, self.ctx, data
                )
                continue
            if not self.ctx.actor.scope.covers(existing.region_code):
                outcome.errors.append(("phone", "volunteer.phone_taken", {}))
                continue
            given = data.model_fields_set
            changes = {
                f: getattr(data, f) for f in given if getattr(existing, f) != getattr(data, f)
            }
            if not changes:
                outcome.action = "unchanged"
                continue
            outcome.action = "updated"
            _savepoint_call(
                self.db,
                outcome,
                volunteers.update_volunteer,
                self.db,
                self.ctx,
                existing.id,
                VolunteerPatch(**changes),
                existing.version,
            )
        return outcomes


# ----------------------------------------------------------------------------- pairings and visits


def _split_keys(
    spec: Spec, cells: dict[str, Any], keys: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any], Outcome | None]:
    """Converted values without the key columns, the key values, or a failed outcome."""
    if ERROR in cells:
        return {}, {}, Outcome(0, errors=[read_error(spec, cells)])
    data, _unknown = convert(spec, cells)
    found = {k: data.pop(k, None) for k in keys}
    return data, found, None


def _elder_by_number(
    db: Session, ctx: RequestCtx, raw: Any, *, active_only: bool = True
) -> Elder | None:
    from eldercare import identity

    try:
        number = identity.parse(str(raw)).value
    except identity.IdNumberError:
        number = str(raw).strip()
    stmt = select(Elder).where(
        Elder.id_number == number, Elder.merged_into_id.is_(None), elders.elder_scope(ctx)
    )
    if active_only:
        stmt = stmt.where(Elder.status == "active")
    else:  # the same ID number may be on the register again after a move: prefer the current
        stmt = stmt.order_by((Elder.status == "active").desc(), Elder.created_at.desc()).limit(1)
    return db.scalar(stmt)


def _volunteer_by_phone(db: Session, ctx: RequestCtx, raw: Any) -> Volunteer | None:
    from eldercare import phones

    try:
        phone = phones.canonical(str(raw))
    except phones.PhoneError:
        return None
    return db.scalar(
        select(Volunteer).where(Volunteer.phone == phone, volunteers.volunteer_scope(ctx))
    )


class PairingHandler(Handler):
    """Pairings match by (elder ID number, helper phone): the open pairing of the two."""

    resource = "pairings"
    natural_key = "elder_id_number, volunteer_phone"

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes = []
        for row, cells in rows:
            data, keys, failed = _split_keys(
                self.spec, cells, ("elder_id_number", "volunteer_phone")
            )
            outcome = failed or Outcome(row)
            outcome.row = row
            outcomes.append(outcome)
            if failed is not None:
                continue
            end = {k: data.pop(k) for k in ("end_date", "end_reason") if k in data}
            try:
                parsed = PairingIn.model_validate({"elder_id": "-", "volunteer_id": "-", **data})
                ending = PairingPatch.model_validate(end)
            except ValidationError as exc:
                outcome.errors = schema_errors(exc)
            for k in ("elder_id_number", "volunteer_phone"):
                if not keys[k]:
                    outcome.errors.insert(0, (k, "missing", {}))
            if outcome.errors:
                continue
            elder = _elder_by_number(self.db, self.ctx, keys["elder_id_number"])
            if elder is None:
                outcome.errors.append(("elder_id_number", "import.elder_not_found", {}))
                continue
            helper = _volunteer_by_phone(self.db, self.ctx, keys["volunteer_phone"])
            if helper is None:
                outcome.errors.append(("volunteer_phone", "import.volunteer_not_found", {}))
                continue
            first = self.seen.first((elder.id_number, helper.phone), row)
            if first is not None:
                outcome.errors.append(
                    ("volunteer_phone", "import.duplicate_pairing", {"row": first})
                )
                continue
            self._upsert(outcome, elder, helper, parsed, ending)
        return outcomes

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        data = convert(self.spec, cells)[0]
        number, phone = data.get("elder_id_number"), data.get("volunteer_phone")
        if not number or not phone:
            return None
        return (_canonical_number(number), _canonical_phone(phone))

    def _upsert(
        self,
        outcome: Outcome,
        elder: Elder,
        helper: Volunteer,
        data: PairingIn,
        ending: PairingPatch,
    ) -> None:
        data = data.model_copy(update={"elder_id": elder.id, "volunteer_id": helper.id})
        current = self.db.scalar(
            select(Pairing).where(
                Pairing.elder_id == elder.id,
                Pairing.volunteer_id == helper.id,
                Pairing.end_date.is_(None),
            )
        )
        if current is None:
            if ending.end_date is not None and self.db.scalar(
                select(Pairing.id).where(
                    Pairing.elder_id == elder.id,
                    Pairing.volunteer_id == helper.id,
                    Pairing.end_date == ending.end_date,
                )
            ):
                outcome.action = "unchanged"  # this pairing was imported and ended before
                return
            outcome.action = "created"

            def create() -> None:
                made = volunteers.create_pairing(self.db, self.ctx, data, elder.village_code)
                if ending.end_date is not None:
                    volunteers.update_pairing(
                        self.db, self.ctx, made, elder.village_code, ending, made.version
                    )

            _savepoint_call(self.db, outcome, create)
            return
        given = (data.model_fields_set & {"is_primary", "services"}) | ending.model_fields_set
        changes: dict[str, Any] = {}
        for f in given:
            value = getattr(ending, f) if f in ending.model_fields_set else getattr(data, f)
            if f == "services":
                value = list(value)
            if getattr(current, f) != value:
                changes[f] = value
        if not changes:
            outcome.action = "unchanged"
            return
        outcome.action = "updated"
        _savepoint_call(
            self.db,
            outcome,
            volunteers.update_pairing,
            self.db,
            self.ctx,
            current,
            elder.village_code,
            PairingPatch(**changes),
            current.version,
        )


_FINDINGS = ("health", "mental_state", "living_conditions", "family_support", "danger")
_VISIT_FIELDS = (
    "findings",
    "safety_risks",
    "needs",
    "services",
    "guardian_contacted",
    "follow_up",
    "notes",
)


class VisitHandler(Handler):
    """Visits match by (elder ID number, visit time, method). Each visit is logged by the
    visits service (no future visits, none after death or moving out) and so refreshes
    the elder's next due visit."""

    resource = "visits"
    natural_key = "elder_id_number, visited_at, method"

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes = []
        for row, cells in rows:
            data, keys, failed = _split_keys(
                self.spec, cells, ("elder_id_number", "volunteer_phone")
            )
            outcome = failed or Outcome(row)
            outcome.row = row
            outcomes.append(outcome)
            if failed is not None:
                continue
            findings = {f: data.pop(f) for f in _FINDINGS if f in data}
            if findings:
                data["findings"] = findings
            try:
                parsed = VisitIn.model_validate({"elder_id": "-", **data})
            except ValidationError as exc:
                outcome.errors = schema_errors(exc)
            if "visited_at" not in data:
                outcome.errors.insert(0, ("visited_at", "missing", {}))
            if not keys["elder_id_number"]:
                outcome.errors.insert(0, ("elder_id_number", "missing", {}))
            if outcome.errors:
                continue
            elder = _elder_by_number(self.db, self.ctx, keys["elder_id_number"], active_only=False)
            if elder is None:
                outcome.errors.append(("elder_id_number", "import.elder_not_found", {}))
                continue
            update: dict[str, Any] = {"elder_id": elder.id}
            if keys["volunteer_phone"]:
                helper = _volunteer_by_phone(self.db, self.ctx, keys["volunteer_phone"])
                if helper is None:
                    outcome.errors.append(("volunteer_phone", "import.volunteer_not_found", {}))
                    continue
                update["volunteer_id"] = helper.id
            at = aware(parsed.visited_at)
            assert at is not None
            update["visited_at"] = at
            first = self.seen.first((elder.id_number, at.timestamp(), parsed.method), row)
            if first is not None:
                outcome.errors.append(("visited_at", "import.duplicate_visit", {"row": first}))
                continue
            self._upsert(outcome, parsed.model_copy(update=update), set(data) | set(update))
        return outcomes

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        data, keys, failed = _split_keys(self.spec, cells, ("elder_id_number", "volunteer_phone"))
        if failed is not None or not keys["elder_id_number"] or "visited_at" not in data:
            return None
        findings = {f: data.pop(f) for f in _FINDINGS if f in data}
        if findings:
            data["findings"] = findings
        parsed = VisitIn.model_validate({"elder_id": "-", **data})
        at = aware(parsed.visited_at)
        assert at is not None
        return (_canonical_number(keys["elder_id_number"]), at.timestamp(), parsed.method)

    def _upsert(self, outcome: Outcome, data: VisitIn, given: set[str]) -> None:
        assert data.visited_at is not None
        current = self.db.scalar(
            select(Visit)
            .where(
                Visit.elder_id == data.elder_id,
                Visit.method == data.method,
                Visit.visited_at == data.visited_at,
            )
            .limit(1)
        )
        if current is None:
            outcome.action = "created"
            _savepoint_call(self.db, outcome, visits.log_visit, self.db, self.ctx, data)
            return
        changes: dict[str, Any] = {}
        for f in given & set(_VISIT_FIELDS):
            value = getattr(data, f)
            value = value.model_dump() if f == "findings" else value
            value = list(value) if isinstance(value, tuple) else value
            if getattr(current, f) != value:
                changes[f] = value
        if not changes:
            outcome.action = "unchanged"
            return
        outcome.action = "updated"
        _savepoint_call(
            self.db,
            outcome,
            visits.update_visit,
            self.db,
            self.ctx,
            current.id,
            VisitPatch(**changes),
            current.version,
        )


HANDLERS: dict[str, type[Handler]] = {
    "elders": ElderHandler,
    "guardians": GuardianHandler,
    "volunteers": VolunteerHandler,
    "pairings": PairingHandler,
    "visits": VisitHandler,
}
