"""Streaming exports: scoped like any read, masked unless the caller may and asks to reveal.

Rows are read in keyset pages (by id) in short read sessions of their own, so a million
rows go out in constant memory without one long transaction. An unmasked export is
audited and carries a watermark (who, when) at the top of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Integer, Text, case, cast, func, or_, select

from eldercare import identity, phones
from eldercare import labels as dictionary
from eldercare.bulk.columns import GUARDIANS
from eldercare.context import RequestCtx
from eldercare.db import session_factory
from eldercare.elders import service as elders
from eldercare.elders.filters import ElderFilters
from eldercare.elders.models import Elder, Guardian
from eldercare.regions.models import Region
from eldercare.scope import Scope
from eldercare.sheets import write
from eldercare.sheets.inert import sql_inert
from eldercare.volunteers import service as volunteers
from eldercare.volunteers.models import Volunteer

PAGE = 5000
EXPORTS = ("elders", "guardians", "volunteers")

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
# The guardian import's columns (its natural key first): an export imports back unchanged
GUARDIAN_COLUMNS = tuple(c.field for c in GUARDIANS.columns)
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


def _guardian_rows(ctx: RequestCtx, filters: ElderFilters) -> Iterator[Any]:
    """The guardians of the elders the register list shows with these filters."""
    cols = [
        Elder.id_number if c == "elder_id_number" else getattr(Guardian, c)
        for c in GUARDIAN_COLUMNS
    ]
    last = ""
    while True:
        stmt = (
            select(Guardian.id, *cols)
            .join(Elder, Elder.id == Guardian.elder_id)
            .where(*elders.scope_clauses(ctx), *elders.filter_clauses(filters))
        )
        stmt = stmt.where(Guardian.id > last).order_by(Guardian.id).limit(PAGE)
        with session_factory()() as db:
            page = db.execute(stmt).all()
            db.commit()
        yield from (r[1:] for r in page)
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
    """The rows of an export: elders with the register list's filters, the guardians of
    those elders, volunteers by region."""
    columns = {
        "elders": ELDER_COLUMNS,
        "guardians": GUARDIAN_COLUMNS,
        "volunteers": VOLUNTEER_COLUMNS,
    }[resource]
    source = {
        "elders": _elder_rows,
        "guardians": _guardian_rows,
        "volunteers": _volunteer_rows,
    }[resource]
    phone = columns.index("phone")

    def rows() -> Iterator[list[Any]]:
        for r in source(ctx, filters):
            values = list(r)
            if resource == "elders":
                values[1] = values[1] if reveal else identity.mask(values[1])
                values[4] = values[4].isoformat() if reveal else values[4].year
                values[5] = values[5] if reveal else phones.mask(values[5])
                values[13] = [c for c in values[13].split(",") if c]
            elif not reveal:
                values[phone] = phones.mask(values[phone])
                if resource == "guardians":
                    values[0] = identity.mask(values[0])
            yield values

    return columns, rows()


# ------------------------------------------------------------------ in words

# Enumerations of the exported fields whose API field name is not theirs
GROUPS: dict[str, str] = {"category_codes": "category", "status": "status", "kind": "volunteerKind"}
REGION_FIELDS = ("village_code", "region_code")
BOOLS = {True: ("是", "Yes"), False: ("否", "No")}


def header(field: str, lang: str) -> str:
    """A column's header: the field's words in the one dictionary (eldercare.labels)."""
    return dictionary.label("field", field, lang)


class _Regions:
    """Township and village names of region codes, read once each."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, str | None, str]] = {}

    def _load(self, codes: set[str]) -> None:
        codes = {c for c in codes if c and c not in self.known}
        if not codes:
            return
        with session_factory()() as db:
            rows = db.execute(
                select(Region.code, Region.name, Region.parent_code, Region.level).where(
                    Region.code.in_(codes)
                )
            ).all()
            db.commit()
        for code, name, parent, level in rows:
            self.known[code] = (name, parent, level)

    def names(self, code: str | None) -> tuple[str, str]:
        """(township, village) of a region code ('' where it is above that level)."""
        if not code:
            return "", ""
        self._load({code})
        name, parent, level = self.known.get(code, (code, None, ""))
        if level == "village":
            self._load({parent} if parent else set())
            township = self.known.get(parent or "", (parent or "", None, ""))[0]
            return township, name
        if level == "township":
            return name, ""
        return "", ""


def in_words(
    columns: tuple[str, ...], rows: Iterator[list[Any]], lang: str
) -> tuple[tuple[str, ...], Iterator[list[Any]]]:
    """An export for people: headers and codes in words of the one dictionary (zh-CN, or en
    when asked), booleans as 是/否, and the township and village named after the region."""
    i = 1 if lang == "en" else 0
    region = next((n for n, c in enumerate(columns) if c in REGION_FIELDS), None)
    groups: dict[int, str] = {}
    for n, field in enumerate(columns):
        found = GROUPS.get(field) or next(iter(dictionary.FIELDS.get(field, ())), None)
        if found:
            groups[n] = found
    head = [header(c, lang) for c in columns]
    if region is not None:
        head[region + 1 : region + 1] = [header("township", lang), header("village", lang)]
    places = _Regions()

    def word(n: int, value: Any) -> Any:
        if isinstance(value, bool):
            return BOOLS[value][i]
        group = groups.get(n)
        if group is None or value is None or value == "":
            return value
        if isinstance(value, str) and "," in value:
            value = [v for v in value.split(",") if v]
        if isinstance(value, list):
            sep = ", " if i else "、"
            return sep.join(dictionary.label(group, v, lang) for v in value)
        return dictionary.label(group, value, lang)

    def out() -> Iterator[list[Any]]:
        for row in rows:
            values = [word(n, v) for n, v in enumerate(row)]
            if region is not None:
                values[region + 1 : region + 1] = list(places.names(row[region]))
            yield values

    return tuple(head), out()


# ------------------------------------------------------------------ CSV of elders, set-based


def _sql_mask_id(col: Any) -> Any:
    """``identity.mask`` in SQL: first 3 and last 4 kept."""
    n = func.length(col)
    return case(
        (or_(col.is_(None), col == ""), col),
        (n <= 7, func.repeat("*", n)),
        else_=func.concat(func.left(col, 3), func.repeat("*", n - 7), func.right(col, 4)),
    )


def _sql_mask_phone(col: Any) -> Any:
    """``phones.mask`` in SQL (a landline keeps its area code and last four digits)."""
    n = func.length(col)
    number = func.substr(col, func.strpos(col, "-") + 1)
    return case(
        (or_(col.is_(None), col == ""), col),
        (
            func.strpos(col, "-") > 0,
            func.concat(
                func.split_part(col, "-", 1),
                "-",
                func.repeat("*", func.length(number) - 4),
                func.right(number, 4),
            ),
        ),
        else_=func.concat(func.left(col, 3), func.repeat("*", n - 7), func.right(col, 4)),
    )


def _sql_list(col: Any) -> Any:
    """A JSON list of codes as ``a,b`` (what the CSV writes for a list). The lists exported
    this way hold enumeration codes (no brackets, quotes or spaces), so taking those
    characters out of the JSON text is enough, and far cheaper than unnesting it."""
    return case(
        (func.json_typeof(col) == "array", func.translate(cast(col, Text), '[]" ', "")),
        else_=None,
    )


def _sql_iso(col: Any) -> Any:
    """``datetime.isoformat()`` of a UTC timestamp (microseconds only when not zero)."""
    text = func.to_char(func.timezone("UTC", col), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    return func.replace(text, ".000000+", "+")


def _elder_csv_columns(reveal: bool) -> list[Any]:
    """The export's elder columns, each as Python's CSV writer writes it, computed by the
    database: text columns with '' as NULL (PostgreSQL's CSV quotes an empty string, the
    writer does not), booleans as ``True``/``False``, the name, phone and address made
    inert (a leading ``= + - @`` gets an apostrophe, see eldercare.sheets.inert). The other
    text columns cannot start so: codes, ID numbers (17 digits and a digit or X, parsed on
    every write), timestamps."""
    e = Elder

    def txt(col: Any) -> Any:
        return func.nullif(col, "")

    return [
        e.id,
        txt(e.id_number if reveal else _sql_mask_id(e.id_number)),
        txt(sql_inert(e.name)),
        txt(e.sex),
        func.to_char(e.birth_date, "YYYY-MM-DD")
        if reveal
        else cast(func.extract("year", e.birth_date), Integer),
        txt(sql_inert(e.phone if reveal else _sql_mask_phone(e.phone))),
        txt(e.village_code),
        txt(sql_inert(e.address)),
        txt(e.living_arrangement),
        txt(e.self_care),
        txt(_sql_list(e.health_conditions)),
        e.disability_grade,
        txt(_sql_list(e.income_sources)),
        txt(func.trim(e.category_codes, ",")),
        case((e.is_left_behind.is_(True), "True"), (e.is_left_behind.is_(False), "False")),
        txt(e.risk_level),
        txt(e.status),
        e.version,
        _sql_iso(e.updated_at),
    ]


def elder_csv_rows(ctx: RequestCtx, filters: ElderFilters, reveal: bool) -> Iterator[bytes] | None:
    """The CSV rows of the elders export written by PostgreSQL itself (None elsewhere).

    ``COPY (query ORDER BY id) TO STDOUT (FORMAT csv)`` masks, formats, sorts and quotes in
    the database, one statement in id order (a sequential read and a sort); this process
    only turns each row's line ending into the ``\\r\\n`` the CSV writer uses (each row
    arrives as a message of its own, so its last byte is the end of the row even when a
    quoted value holds a line break) and sends 2,000 rows at a time. The statement only
    reads: it takes no transaction id, so the change feed's horizon does not wait for it.
    """
    with session_factory()() as db:
        dialect = db.get_bind().dialect
        db.commit()
    if dialect.name != "postgresql":
        return None
    stmt = select(*_elder_csv_columns(reveal)).where(
        *elders.scope_clauses(ctx), *elders.filter_clauses(filters)
    )
    # COPY takes no parameters: the values (region codes, filters, ids) are rendered as
    # literals, quoted by the dialect.
    query = str(
        stmt.order_by(Elder.id).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    )

    def rows() -> Iterator[bytes]:
        with session_factory()() as db:
            raw: Any = db.connection().connection.driver_connection
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy,
            ):
                out: list[bytes] = []
                for row in copy:
                    out.append(bytes(row[:-1]) + b"\r\n")
                    if len(out) == 2000:
                        yield b"".join(out)
                        out = []
                if out:
                    yield b"".join(out)
            db.commit()

    return rows()


def csv_body(
    ctx: RequestCtx,
    resource: str,
    filters: ElderFilters,
    reveal: bool,
    mark: str | None,
    lang: str | None = None,
) -> Iterator[bytes]:
    """The CSV export: in codes, written by the database for elders on PostgreSQL, row by
    row otherwise (the same bytes either way); in words (``lang``) row by row."""
    if lang is not None:
        columns, records_ = in_words(*records(ctx, resource, filters, reveal), lang)
        return write.as_csv(columns, records_, mark)
    if resource == "elders":
        rows = elder_csv_rows(ctx, filters, reveal)
        if rows is not None:
            return write.with_head(ELDER_COLUMNS, rows, mark)
    columns, records_ = records(ctx, resource, filters, reveal)
    return write.as_csv(columns, records_, mark)
