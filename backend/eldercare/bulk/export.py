"""Streaming exports: scoped like any read, masked unless the caller may and asks to reveal.

Rows are read in keyset pages (by id) in short read sessions of their own, so a million
rows go out in constant memory without one long transaction. An unmasked export is
audited and carries a watermark (who, when) at the top of the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from eldercare import identity, phones
from eldercare.bulk.formats import csv_line
from eldercare.context import RequestCtx
from eldercare.db import session_factory
from eldercare.elders import service as elders
from eldercare.elders.filters import ElderFilters
from eldercare.elders.models import Elder
from eldercare.scope import Scope
from eldercare.volunteers import service as volunteers
from eldercare.volunteers.models import Volunteer

PAGE = 5000
EXPORTS = ("elders", "volunteers")

ELDER_COLUMNS = (
    "id",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "phone",
    "village_code",
    "address",
    "living_arrangement",
    "self_care",
    "health_conditions",
    "disability_grade",
    "income_sources",
    "category_codes",
    "is_left_behind",
    "risk_level",
    "status",
    "version",
    "updated_at",
)
VOLUNTEER_COLUMNS = (
    "id",
    "name",
    "phone",
    "kind",
    "team",
    "region_code",
    "max_pairings",
    "active",
    "version",
    "updated_at",
)


def _elder_rows(ctx: RequestCtx, filters: ElderFilters) -> Iterator[Any]:
    cols = [getattr(Elder, c) for c in ELDER_COLUMNS]
    last = ""
    while True:
        stmt = select(*cols).where(*elders.scope_clauses(ctx), *elders.filter_clauses(filters))
        stmt = stmt.where(Elder.id > last).order_by(Elder.id).limit(PAGE)
        with session_factory()() as db:
            page = db.execute(stmt).all()
            db.commit()
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].id


def _volunteer_rows(ctx: RequestCtx, filters: ElderFilters) -> Iterator[Any]:
    region = filters.region
    cols = [getattr(Volunteer, c) for c in VOLUNTEER_COLUMNS]
    last = ""
    while True:
        stmt = select(*cols).where(volunteers.volunteer_scope(ctx))
        if region:
            stmt = stmt.where(Scope(region).clause(Volunteer.region_code))
        stmt = stmt.where(Volunteer.id > last).order_by(Volunteer.id).limit(PAGE)
        with session_factory()() as db:
            page = db.execute(stmt).all()
            db.commit()
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].id


def records(
    ctx: RequestCtx, resource: str, filters: ElderFilters, reveal: bool
) -> tuple[tuple[str, ...], Iterator[list[Any]]]:
    """The rows of an export: elders with the register list's filters, volunteers by region."""
    columns = ELDER_COLUMNS if resource == "elders" else VOLUNTEER_COLUMNS
    source = _elder_rows if resource == "elders" else _volunteer_rows

    def rows() -> Iterator[list[Any]]:
        for r in source(ctx, filters):
            values = list(r)
            if resource == "elders":
                values[1] = values[1] if reveal else identity.mask(values[1])
                values[4] = values[4].isoformat() if reveal else values[4].year
                values[5] = values[5] if reveal else phones.mask(values[5])
                values[13] = [c for c in values[13].split(",") if c]
            elif not reveal:
                values[2] = phones.mask(values[2])
            yield values

    return columns, rows()


def watermark(ctx: RequestCtx) -> str:
    p = ctx.actor
    at = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    return f"明文导出 / unmasked export: {p.display_name or p.name} ({p.id}), {at}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(map(str, value))
    return value


def as_csv(
    columns: tuple[str, ...], rows: Iterator[list[Any]], mark: str | None
) -> Iterator[bytes]:
    head = "\ufeff" + (f"# {mark}\n" if mark else "") + csv_line(columns)
    yield head.encode()
    buf = io.StringIO()
    writer = csv.writer(buf)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_plain(v) for v in row])
        if n % 2000 == 0:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode()


def as_ndjson(
    columns: tuple[str, ...], rows: Iterator[list[Any]], mark: str | None
) -> Iterator[bytes]:
    if mark:
        yield (json.dumps({"_watermark": mark}, ensure_ascii=False) + "\n").encode()
    buf: list[str] = []
    for row in rows:
        buf.append(
            json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str)
        )
        if len(buf) >= 1000:
            yield ("\n".join(buf) + "\n").encode()
            buf = []
    if buf:
        yield ("\n".join(buf) + "\n").encode()


def as_xlsx(
    columns: tuple[str, ...], rows: Iterator[list[Any]], mark: str | None
) -> Iterator[bytes]:
    from eldercare.bulk.xlsx import write_rows

    def table() -> Iterator[list[Any]]:
        if mark:
            yield [mark]
        yield list(columns)
        for row in rows:
            yield [_plain(v) for v in row]

    yield from write_rows(table())
