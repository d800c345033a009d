"""Reading a roster: each row matched to the county's register by ID number, the
discrepancies of its kind written, a batch at a time (an import job of its own resource,
``roster_<kind>``, run by the import queue's workers).

Matching: the number as written; a 15-digit number in its 18-digit form; an 18-digit number
whose check digit is wrong is matched by its first 17 digits (the one number with a right
check digit they make) and flagged a near miss. Rows whose number cannot be read are the
job's row errors (the error file); numbers not on the register are counted.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from eldercare import identity
from eldercare.bulk.columns import convert
from eldercare.bulk.handlers.base import Handler, Outcome, RowError, read_error
from eldercare.clock import today as local_today
from eldercare.context import RequestCtx
from eldercare.db import new_id
from eldercare.elders.models import Elder
from eldercare.errors import Forbidden
from eldercare.relief.models import Benefit
from eldercare.roles import COUNTY_UP
from eldercare.rosters.columns import PROGRAMS, resource_of
from eldercare.rosters.models import Roster, RosterDiscrepancy, RosterMatch
from eldercare.sheets.formats import ERROR

LIVE = ("active", "not_left_behind")
DISCREPANCIES = cast(Table, RosterDiscrepancy.__table__)
ANALYZE_AFTER = 5000  # discrepancies written by one roster
MATCHES = cast(Table, RosterMatch.__table__)
_CN_GRADES = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_CN_DATE = re.compile(r"^(\d{4})\s*[年.-]\s*(\d{1,2})\s*[月.-]\s*(\d{1,2})\s*日?$")


def read_number(raw: str) -> tuple[str | None, bool, RowError | None]:
    """(18-digit number to look up, near miss, error)."""
    try:
        return identity.parse(raw).value, False, None
    except identity.IdNumberError as exc:
        if exc.code == "id_number.checksum":
            first17 = identity.normalise(raw)[:17]
            return first17 + identity.check_char(first17), True, None
        return None, False, ("id_number", exc.code, {})


def read_date(value: Any) -> date | None:
    """A roster's date: 2026-11-02, 2026/11/2, 2026年11月2日, 20261102; ValueError else."""
    text = str(value).strip()
    m = _CN_DATE.match(text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    if len(text) == 8 and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return date.fromisoformat(text[:10])


def read_grade(value: Any) -> int | None:
    """一级, 二级, 1级, 1, 四: the grade 1-4, else None."""
    text = str(value).strip().removeprefix("残疾").removesuffix("级").strip()
    if text.endswith(".0"):
        text = text[:-2]
    return _CN_GRADES.get(text)


def open_benefits(on: date) -> Any:
    return and_(Benefit.start_date <= on, or_(Benefit.end_date.is_(None), Benefit.end_date >= on))


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in data.items()
    }


class RosterHandler(Handler):
    kind = ""

    def __init__(self, db: Session, ctx: RequestCtx, job_id: str) -> None:
        self.resource = resource_of(self.kind)
        super().__init__(db, ctx, job_id)
        self.county = ctx.actor.region_code[:6]
        self.program = PROGRAMS.get(self.kind)

    def check_allowed(self) -> None:
        p = self.ctx.actor
        if p.kind != "user" or p.role not in COUNTY_UP:
            raise Forbidden("auth.role_required")

    def key_of(self, cells: dict[str, Any]) -> str | None:
        data, _unknown = convert(self.spec, cells)
        raw = data.get("id_number")
        return None if raw is None else read_number(str(raw))[0]

    # ------------------------------------------------------------------------ a batch

    def _row(self, row: int, cells: dict[str, Any]) -> tuple[Outcome, dict[str, Any] | None]:
        o = Outcome(row, action="unchanged")
        if ERROR in cells:
            o.action, o.errors = "failed", [read_error(self.spec, cells)]
            return o, None
        data, _unknown = convert(self.spec, cells)
        errors: list[RowError] = []
        raw = data.get("id_number")
        number, near = None, False
        if raw is None:
            errors.append(("id_number", "missing", {}))
        else:
            number, near, err = read_number(str(raw))
            if err:
                errors.append(err)
        when = None
        if data.get("date") is not None:
            try:
                when = read_date(data["date"])
            except ValueError:
                errors.append(("date", "date_parsing", {}))
        if "monthly_amount" in data:
            try:
                data["monthly_amount"] = Decimal(str(data["monthly_amount"]))
            except InvalidOperation:
                errors.append(("monthly_amount", "decimal_parsing", {}))
        if self.kind == "disability":
            grade = read_grade(data.get("grade")) if data.get("grade") is not None else None
            if data.get("grade") is None:
                errors.append(("grade", "missing", {}))
            elif grade is None:
                errors.append(("grade", "roster.bad_grade", {}))
            data["grade_value"] = grade
        if not errors and number is not None:
            earlier = self.seen.first(number, row)
            if earlier is not None:
                errors.append(("id_number", "import.duplicate_row", {"row": earlier}))
        if errors:
            o.action, o.errors = "failed", errors
            return o, None
        return o, {"number": number, "near": near, "date": when, "data": data}

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        db, today = self.db, local_today()
        outcomes: list[Outcome] = []
        good: list[tuple[Outcome, dict[str, Any]]] = []
        for row, cells in rows:
            o, parsed = self._row(row, cells)
            outcomes.append(o)
            if parsed is not None:
                good.append((o, parsed))
        numbers = {p["number"] for _, p in good}
        found: dict[str, Any] = {}
        if numbers:
            e: Any
            for e in db.execute(
                select(
                    Elder.id,
                    Elder.id_number,
                    Elder.village_code,
                    Elder.status,
                    Elder.disability_grade,
                    Elder.merged_into_id,
                ).where(Elder.id_number.in_(numbers))  # the number's index alone
            ):
                if e.merged_into_id is not None or not e.village_code.startswith(self.county):
                    continue
                kept = found.get(e.id_number)
                # the same number may be on the register again after a move: the live one
                if kept is None or (kept.status not in LIVE and e.status in LIVE):
                    found[e.id_number] = e
        ids = [e.id for e in found.values()]
        paid: dict[str, set[str]] = {}
        if ids and self.kind in ("deaths", "dibao", "tekun"):
            stmt = select(Benefit.elder_id, Benefit.program).where(
                Benefit.elder_id.in_(ids), open_benefits(today)
            )
            if self.program:
                stmt = stmt.where(Benefit.program == self.program)
            for elder_id, program in db.execute(stmt):
                paid.setdefault(elder_id, set()).add(program)
        already: set[tuple[str, str]] = set()
        if ids:
            already = {
                (kind, elder_id)
                for kind, elder_id in db.execute(
                    select(RosterDiscrepancy.kind, RosterDiscrepancy.elder_id).where(
                        RosterDiscrepancy.roster_id == self.job_id,
                        RosterDiscrepancy.elder_id.in_(ids),
                    )
                )
            }
        found_rows: list[dict[str, Any]] = []
        matches: list[dict[str, Any]] = []
        matched = near_misses = not_found = 0
        for o, p in good:
            e = found.get(p["number"])
            if e is None:
                not_found += 1
                continue
            matched += 1
            near_misses += p["near"]
            kind = self._discrepancy(e, p, paid.get(e.id, set()))
            if self.program:
                matches.append({"roster_id": self.job_id, "elder_id": e.id})
            if kind is None or (kind, e.id) in already:
                continue
            already.add((kind, e.id))
            o.action = "created"
            found_rows.append(
                {
                    "id": new_id(),
                    "roster_id": self.job_id,
                    "kind": kind,
                    "elder_id": e.id,
                    "village_code": e.village_code,
                    "row": o.row,
                    "data": _plain(p["data"]),
                    "near_miss": p["near"],
                    "event_date": p["date"],
                    "status": "open",
                    "reason": "",
                    "version": 1,
                }
            )
        if found_rows:  # one executemany of the table (no ORM bookkeeping per row)
            db.execute(insert(DISCREPANCIES), found_rows)
        if matches:  # a resumed job may meet an elder its earlier run matched
            kept = set(
                db.scalars(
                    select(RosterMatch.elder_id).where(
                        RosterMatch.roster_id == self.job_id,
                        RosterMatch.elder_id.in_([m["elder_id"] for m in matches]),
                    )
                )
            )
            fresh = {m["elder_id"]: m for m in matches if m["elder_id"] not in kept}
            if fresh:
                db.execute(insert(MATCHES), list(fresh.values()))
        db.execute(
            update(Roster)
            .where(Roster.id == self.job_id)
            .values(
                matched=Roster.matched + matched,
                near_misses=Roster.near_misses + near_misses,
                not_found=Roster.not_found + not_found,
            )
            .execution_options(synchronize_session=False)
        )
        return outcomes

    def _discrepancy(self, e: Any, p: dict[str, Any], paid: set[str]) -> str | None:
        live = e.status in LIVE
        if self.kind == "deaths":
            return "deceased_but_active" if live else "paid_but_deceased" if paid else None
        if self.kind == "hukou_out":
            return "moved_but_active" if live else None
        if self.kind in ("dibao", "tekun"):
            return "on_roster_no_benefit" if live and not paid else None
        if self.kind == "disability" and live:
            return "grade_differs" if e.disability_grade != p["data"]["grade_value"] else None
        return None

    # ------------------------------------------------------------------------ the end

    def finish(self) -> None:
        """After the last batch: the paid elders a recipient roster leaves out, and the
        counts by kind."""
        db, today = self.db, local_today()
        if self.program:
            on_roster = select(RosterMatch.elder_id).where(RosterMatch.roster_id == self.job_id)
            listed = select(RosterDiscrepancy.elder_id).where(
                RosterDiscrepancy.roster_id == self.job_id,
                RosterDiscrepancy.kind == "paid_not_on_roster",
            )
            rows = db.execute(
                select(Elder.id, Elder.village_code)
                .join(Benefit, Benefit.elder_id == Elder.id)
                .where(
                    Elder.county_code == self.county,
                    Elder.merged_into_id.is_(None),
                    Benefit.program == self.program,
                    open_benefits(today),
                    Elder.id.not_in(on_roster),
                    Elder.id.not_in(listed),
                )
                .distinct()
            ).all()
            if rows:
                db.execute(
                    insert(DISCREPANCIES),
                    [
                        {
                            "id": new_id(),
                            "roster_id": self.job_id,
                            "kind": "paid_not_on_roster",
                            "elder_id": elder_id,
                            "village_code": village,
                            "row": None,
                            "data": {},
                            "near_miss": False,
                            "event_date": None,
                            "status": "open",
                            "reason": "",
                            "version": 1,
                        }
                        for elder_id, village in rows
                    ],
                )
        counts = {
            kind: int(n)
            for kind, n in db.execute(
                select(RosterDiscrepancy.kind, func.count())
                .where(RosterDiscrepancy.roster_id == self.job_id)
                .group_by(RosterDiscrepancy.kind)
            )
        }
        if sum(counts.values()) >= ANALYZE_AFTER and db.get_bind().dialect.name == "postgresql":
            # the planner's row counts before autovacuum catches up: a page of this
            # roster's discrepancies is then an index range scan, not a sort of all of them
            db.execute(text("ANALYZE roster_discrepancies"))
        db.execute(
            update(Roster)
            .where(Roster.id == self.job_id)
            .values(counts=counts)
            .execution_options(synchronize_session=False)
        )


def _handler(kind: str) -> type[RosterHandler]:
    return type(f"Roster{kind.title().replace('_', '')}Handler", (RosterHandler,), {"kind": kind})


HANDLERS: dict[str, type[Handler]] = {
    resource_of(k): _handler(k) for k in ("deaths", "hukou_out", "dibao", "tekun", "disability")
}
