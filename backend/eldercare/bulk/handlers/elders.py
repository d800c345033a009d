"""Elders: new ones set-based, changed ones through the register's services.

A batch is read and checked first: the stored records of its ID numbers in one query (a
row equal to its record is unchanged without being validated again), then the schema,
scope and identity checks of the create endpoint. New elders, the bulk of any import, get
their rows for every table from ``elders.rows`` (as ``create_elder`` does) and are written
with one write per table (COPY on PostgreSQL). Changed elders go through ``update_elder``
and ``move``, each in a savepoint so a bad row fails alone.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ARRAY, JSON, String, Text, any_, bindparam, cast, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare.bulk.columns import convert
from eldercare.bulk.handlers.base import (
    Handler,
    Outcome,
    Write,
    app_errors,
    canonical_number,
    read_error,
    savepoint_call,
    schema_errors,
)
from eldercare.context import RequestCtx
from eldercare.elders import hooks as register_hooks
from eldercare.elders import rows as register_rows
from eldercare.elders import service as elders
from eldercare.elders.models import Elder, Household
from eldercare.elders.schemas import ElderCreate, ElderPatch
from eldercare.errors import AppError
from eldercare.identity import IdNumber
from eldercare.regions.models import Region
from eldercare.sheets.formats import ERROR

# What a row may change of a stored elder (besides its village: a move), and the stored
# values a re-imported row is compared with.
_PATCHABLE = ("name", *(f for f in register_rows.GIVEN if f != "village_code"))
_HOUSEHOLD = tuple(register_rows.HOUSEHOLD_FACTS)
_JSON_LISTS = tuple(f for f in _PATCHABLE if isinstance(Elder.__table__.c[f].type, JSON))
_EXISTING_NAMES = ("id", "id_number", "village_code", "version", *_PATCHABLE, *_HOUSEHOLD)


def _any(column: Any, values: list[str], db: Session) -> Any:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter however many."""
    if db.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("keys", values, type_=ARRAY(String)))
    return column.in_(values)


def _quick_key(raw: Any) -> str | None:
    """An ID number as stored when it is written plainly (others take the full check)."""
    return raw.strip().upper() if isinstance(raw, str) and raw else None


@dataclass
class _New:
    outcome: Outcome
    data: ElderCreate
    number: IdNumber


class ElderHandler(Handler):
    resource = "elders"
    natural_key = "id_number"

    def __init__(self, db: Session, ctx: RequestCtx, job_id: str) -> None:
        super().__init__(db, ctx, job_id)
        self.deriver = register_rows.Deriver()  # kept across batches (and their sessions)
        self.today = self.deriver.today
        self.villages = self._villages_in_scope()

    def _villages_in_scope(self) -> set[str]:
        scope = self.ctx.actor.scope
        codes = self.db.execute(
            select(Region.code).where(scope.clause(Region.code), Region.level == "village")
        )
        return {code for (code,) in codes}

    pipelined = True

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes, writes = self.prepare(rows)
        for write in writes:
            write(self.db)
        return outcomes

    def prepare(self, rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[Outcome], list[Write]]:
        outcomes: list[Outcome] = []
        writes: list[Write] = []
        converted: list[tuple[Outcome, dict[str, Any], str | None]] = []
        for row, cells in rows:
            outcome = Outcome(row)
            outcomes.append(outcome)
            if ERROR in cells:
                outcome.errors.append(read_error(self.spec, cells))
                continue
            data = convert(self.spec, cells)[0]
            converted.append((outcome, data, _quick_key(data.get("id_number"))))
        # The stored rows for the keys as written, in one query: a row equal to its stored
        # record is unchanged without validating it again (it was valid when stored).
        quick = {k for _, _, k in converted if k}
        existing = self._existing(list(quick)) if quick else {}
        seen = self.seen
        valid: dict[str, tuple[Outcome, ElderCreate, Any]] = {}
        for outcome, data, key in converted:
            current = existing.get(key) if key is not None else None
            if key is not None and current is not None and self._same(data, current):
                first = seen.first(key, outcome.row)
                if first is not None:
                    outcome.errors.append(("id_number", "import.duplicate_row", {"row": first}))
                else:
                    outcome.action = "unchanged"
                continue
            # Every error of the row at once: the schema's, the village's and the ID number's
            # (a bad phone and a bad checksum are two errors of one row).
            parsed: ElderCreate | None = None
            try:
                parsed = ElderCreate.model_validate(data)
            except ValidationError as exc:
                outcome.errors = schema_errors(exc)
            failed = {f for f, _, _ in outcome.errors}
            village = parsed.village_code if parsed else data.get("village_code")
            number = parsed.id_number if parsed else data.get("id_number")
            if "village_code" not in failed and village not in self.villages:
                outcome.errors.append(("village_code", "region.unknown", {}))
            if "id_number" not in failed and isinstance(number, str):
                home = village if isinstance(village, str) and village in self.villages else None
                county = (home or self.ctx.actor.region_code or "")[:6]
                try:
                    checked = elders.check_identity(
                        number,
                        self.deriver.county_settings(self.db, county),
                        self.ctx.lang,
                        self.today,
                    )
                except AppError as exc:
                    outcome.errors.extend(app_errors(exc))
            if outcome.errors or parsed is None:
                continue
            elder = parsed
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
        return canonical_number(raw) if raw else None

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

        return lambda db: savepoint_call(db, outcome, write, db)

    def _create(self, new: list[_New]) -> Write:
        """The batch's new elders: their rows for every table, one write per table. On
        PostgreSQL the COPY data is formatted here, while the previous batch is written."""
        batch = register_rows.NewElders(
            self.db, self.ctx, deriver=self.deriver, reason="import", detail={"job_id": self.job_id}
        )
        ids = [batch.add(item.data, item.number).elder_id for item in new]
        prepared = batch.prepare(self.db.connection())
        ctx = self.ctx

        def write(db: Session) -> None:
            try:
                with db.begin_nested():
                    prepared.write(db.connection())
            except IntegrityError:
                # Someone created one of these elders meanwhile: the service decides row by row.
                for item in new:
                    item.outcome.action = "created"
                    savepoint_call(db, item.outcome, elders.create_elder, db, ctx, item.data)
                return
            register_hooks.created(db, ids)
            for item in new:
                item.outcome.action = "created"

        return write
