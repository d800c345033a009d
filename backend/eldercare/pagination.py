"""Keyset (cursor) pagination: ``{"items": [...], "next_cursor": ...}``, never offsets."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, tuple_
from sqlalchemy.orm import Session

from eldercare.errors import BadRequest

T = TypeVar("T")
Direction = Literal["asc", "desc"]
MAX_LIMIT = 500


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None = None


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None = None


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: str | None
    count: bool


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 500)")] = 50,
    cursor: Annotated[str | None, Query(description="Opaque cursor from next_cursor")] = None,
    count: Annotated[bool, Query(description="Also return the total")] = False,
) -> PageParams:
    return PageParams(limit, cursor, count)


Paging = Annotated[PageParams, Depends(page_params)]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict) and len(value) == 1:
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
    raise ValueError("bad cursor value")


# What a database integer column holds: a larger number in a cursor would overflow the
# query's parameter (an error of the database, not of the request).
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True)
class Kind:
    """What a cursor may hold for one sort column: its Python type, whether it may be null,
    and (datetimes) whether it must carry a time zone."""

    type: type
    nullable: bool = False
    aware: bool = False

    def check(self, value: Any) -> None:
        if value is None:
            if not self.nullable:
                raise ValueError("null")
            return
        t = self.type
        if t is bool:
            ok = isinstance(value, bool)
        elif t is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
            ok = ok and _INT_MIN <= value <= _INT_MAX
        elif t is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and math.isfinite(value)
        elif t is str:
            ok = isinstance(value, str) and "\x00" not in value
        elif t is datetime:
            ok = isinstance(value, datetime) and (not self.aware or value.tzinfo is not None)
        elif t is date:
            ok = isinstance(value, date) and not isinstance(value, datetime)
        else:  # a type the cursor cannot tell: any plain value of the ones encoded
            ok = not (isinstance(value, str) and "\x00" in value)
        if not ok:
            raise ValueError("wrong type")


def kind_of(col: Any) -> Kind:
    """The cursor kind of a sort column (an ORM attribute or a Core column)."""
    expr = getattr(col, "expression", col)
    sql_type = getattr(expr, "type", None)
    impl = getattr(sql_type, "impl_instance", None) or sql_type
    try:
        py = impl.python_type if impl is not None else object
    except NotImplementedError:
        py = object
    if py not in (bool, int, float, str, datetime, date):
        py = object
    return Kind(
        py,
        nullable=bool(getattr(expr, "nullable", True)),
        aware=bool(getattr(impl, "timezone", False)),
    )


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: int | Sequence[Kind]) -> list[Any]:
    """The values of a cursor, each checked against what its sort column holds (``kinds``;
    a bare count checks the length only): anything else is 400 ``bad_cursor``, never a
    query the database rejects."""
    n = kinds if isinstance(kinds, int) else len(kinds)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != n:
            raise ValueError("wrong length")
        decoded = [_decode_value(v) for v in values]
        if not isinstance(kinds, int):
            for kind, value in zip(kinds, decoded, strict=True):
                kind.check(value)
        return decoded
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError, RecursionError):
        raise BadRequest("bad_cursor") from None


def order_kinds(order: Iterable[tuple[Any, Direction]]) -> list[Kind]:
    return [kind_of(col) for col, _ in order]


def after(order: list[tuple[Any, Direction]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the given order.

    One direction: a row-value comparison, ``(a, b) > (x, y)``, which an index on (a, b)
    serves as a range (page 1,000 costs what page 1 does). Mixed directions: the OR form.
    """
    directions = {d for _, d in order}
    if len(directions) == 1 and len(order) > 1:
        left = tuple_(*[c for c, _ in order])
        right = tuple_(*values)
        return left > right if directions == {"asc"} else left < right
    clauses = []
    for i, (col, direction) in enumerate(order):
        equal = [order[j][0] == values[j] for j in range(i)]
        beyond = col > values[i] if direction == "asc" else col < values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def _ordered(stmt: Any, order: Iterable[tuple[Any, Direction]], limit: int) -> Any:
    return stmt.order_by(*[c.asc() if d == "asc" else c.desc() for c, d in order]).limit(limit + 1)


@functools.lru_cache(maxsize=1024)
def _first_page(stmt: Any, order: tuple[tuple[Any, Direction], ...], limit: int) -> Any:
    return _ordered(stmt, order, limit)


@functools.lru_cache(maxsize=1024)
def _next_page(stmt: Any, order: tuple[tuple[Any, Direction], ...], limit: int) -> Any:
    """The page after a cursor, the cursor's values the parameters ``cursor_0``,
    ``cursor_1``, ... (see ``cursor_params``)."""
    marks = [bindparam(f"cursor_{i}", type_=col.type) for i, (col, _) in enumerate(order)]
    return _ordered(stmt.where(after(list(order), marks)), order, limit)


def _positions(keys: Iterable[str], order: Iterable[tuple[Any, Direction]]) -> list[int]:
    """Where the sort columns are in a row whose columns are named ``keys``."""
    names = list(keys)
    return [names.index(col.key) for col, _ in order]


def keyset(
    db: Session,
    stmt: Select[Any],
    order: list[tuple[Any, Direction]],
    *,
    limit: int,
    cursor: str | None,
    count: bool = False,
    scalars: bool = True,
    shared: bool = False,
) -> Page[Any]:
    """Run ``stmt`` one page at a time; the order must be total (end with a unique key).

    ``scalars``: ``stmt`` selects one entity (rows are its objects), else columns (rows are
    tuples in the order of its columns). ``shared``: ``stmt`` is built once and used by many
    requests (a region's plain list); its pages are then built once too, the cursor's values
    passed as parameters. The total and the page are read in the caller's transaction: one
    snapshot (see ``db.READ_ISOLATION``).
    """
    total = None
    if count:
        total = db.scalar(count_statement(stmt))
    params: dict[str, Any] = {}
    if shared and not scalars:
        if cursor:
            params = cursor_params(cursor, order)
            stmt = _next_page(stmt, tuple(order), limit)
        else:
            stmt = _first_page(stmt, tuple(order), limit)
    elif cursor:
        values = decode_cursor(cursor, order_kinds(order))
        stmt = _ordered(stmt.where(after(order, values)), order, limit)
    else:
        stmt = _ordered(stmt, order, limit)
    if scalars:
        # Entity selects go through the ORM.
        items: list[Any] = list(db.scalars(stmt, params))
        return _page_of_objects(items, limit, order, total)
    # Column selects go through Core (no ORM row processing); rows are read by position.
    result = db.connection().execute(stmt, params)
    positions = _positions(result.keys(), order)
    return page_of_tuples(list(result.all()), limit, positions, total)


def count_statement(stmt: Select[Any]) -> Select[Any]:
    """How many rows ``stmt`` selects."""
    return select(func.count()).select_from(stmt.order_by(None).subquery())


@functools.lru_cache(maxsize=1024)
def count_sql(stmt: Any, dialect: Any) -> tuple[str, dict[str, Any]]:
    """``count_statement`` of a shared statement compiled once: its SQL and parameters."""
    compiled = count_statement(stmt).compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


@functools.lru_cache(maxsize=1024)
def first_page_sql(
    stmt: Any, order: tuple[tuple[Any, Direction], ...], limit: int, dialect: Any
) -> tuple[str, dict[str, Any], list[int]]:
    """A shared first page compiled once: its SQL, its (constant) parameters, and where the
    sort columns are in its rows (for ``page_of_tuples``)."""
    page = _first_page(stmt, order, limit)
    compiled = page.compile(dialect=dialect)
    keys = [c.key for c in page.selected_columns]
    return str(compiled), dict(compiled.params), _positions(keys, order)


@functools.lru_cache(maxsize=1024)
def next_page_sql(
    stmt: Any, order: tuple[tuple[Any, Direction], ...], limit: int, dialect: Any
) -> tuple[str, dict[str, Any], list[int]]:
    """Like ``first_page_sql`` for the pages after a cursor: the cursor's values are the
    parameters ``cursor_0``, ``cursor_1``, ... (see ``cursor_params``)."""
    page = _next_page(stmt, order, limit)
    compiled = page.compile(dialect=dialect)
    keys = [c.key for c in page.selected_columns]
    return str(compiled), dict(compiled.params), _positions(keys, order)


def cursor_params(cursor: str, order: Iterable[tuple[Any, Direction]]) -> dict[str, Any]:
    values = decode_cursor(cursor, order_kinds(order))
    return {f"cursor_{i}": value for i, value in enumerate(values)}


def page_of_tuples(
    rows: list[Any], limit: int, positions: list[int], total: int | None = None
) -> Page[Any]:
    """A page of plain rows fetched with one row more than ``limit``."""
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1][i] for i in positions])
    return Page(rows, next_cursor, total)


def _page_of_objects(
    items: list[Any], limit: int, order: list[tuple[Any, Direction]], total: int | None
) -> Page[Any]:
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor([getattr(items[-1], col.key) for col, _ in order])
    return Page(items, next_cursor, total)
