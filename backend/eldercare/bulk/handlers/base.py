"""What every import handler shares: row outcomes and their errors, parsing a row with a
domain schema, one savepoint per row, the natural keys seen in a file, lookups by key."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare.bulk.columns import SPECS, Spec, convert, normalise_header
from eldercare.context import RequestCtx
from eldercare.elders import service as elders
from eldercare.elders.models import Elder
from eldercare.errors import AppError
from eldercare.sheets.formats import ERROR, ERROR_COLUMN
from eldercare.volunteers import service as volunteers
from eldercare.volunteers.models import Volunteer

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


def read_error(spec: Spec, cells: dict[str, Any]) -> RowError:
    """The error of a row that failed as it was read (``formats.ERROR``), in the field of
    its column (the header as written if it names no field; None for the whole row)."""
    column = cells.get(ERROR_COLUMN)
    field = None
    if isinstance(column, str):
        col = spec.by_header.get(normalise_header(column))
        field = col.field if col is not None else column
    return (field, cells[ERROR], {})


def parse_row(
    spec: Spec, cells: dict[str, Any], model: type[BaseModel]
) -> tuple[Any, Outcome | None]:
    if ERROR in cells:
        return None, Outcome(0, errors=[read_error(spec, cells)])
    data, _unknown = convert(spec, cells)
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        return None, Outcome(0, errors=schema_errors(exc))


def savepoint_call(db: Session, outcome: Outcome, fn: Any, *args: Any) -> Any:
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

    Keys are kept as their 64-bit hashes (about 100 bytes a row), so a file of a million
    rows stays well within the import's memory budget. The hashes of one process are
    compared only with each other: a resumed job records the keys of its earlier run again.
    """

    def __init__(self) -> None:
        self.rows: dict[int, int] = {}

    def first(self, key: Hashable, row: int) -> int | None:
        """The earlier row with this key, or None (and this row becomes the first)."""
        digest = hash(key)
        earlier = self.rows.get(digest)
        if earlier is None:
            self.rows[digest] = row
        return earlier


def canonical_number(raw: Any) -> str:
    from eldercare import identity

    try:
        return identity.parse(str(raw)).value
    except identity.IdNumberError:
        return str(raw).strip().upper()


def canonical_phone(raw: Any) -> str:
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

    def finish(self) -> None:
        """After the last batch, in the job's last transaction (with ``self.db``): work
        that needs the whole file (a roster's recipients missing from it)."""

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


def by_header(spec: Spec, cells: dict[str, Any], field_name: str) -> Any:
    """The value of a field's column in raw cells, whichever header names it."""
    for header, value in cells.items():
        col = spec.by_header.get(normalise_header(header))
        if col is not None and col.field == field_name:
            return value if value not in ("", None) else None
    return None


def split_keys(
    spec: Spec, cells: dict[str, Any], keys: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any], Outcome | None]:
    """Converted values without the key columns, the key values, or a failed outcome."""
    if ERROR in cells:
        return {}, {}, Outcome(0, errors=[read_error(spec, cells)])
    data, _unknown = convert(spec, cells)
    found = {k: data.pop(k, None) for k in keys}
    return data, found, None


def elder_by_number(
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


def volunteer_by_phone(db: Session, ctx: RequestCtx, raw: Any) -> Volunteer | None:
    from eldercare import phones

    try:
        phone = phones.canonical(str(raw))
    except phones.PhoneError:
        return None
    return db.scalar(
        select(Volunteer).where(Volunteer.phone == phone, volunteers.volunteer_scope(ctx))
    )
