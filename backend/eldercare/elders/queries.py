"""The register list: its statement, scope, filters, search and sort orders."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, aliased

from eldercare import identity
from eldercare.clock import today as local_today
from eldercare.context import RequestCtx
from eldercare.elders import hooks, rules
from eldercare.elders.access import elder_scope
from eldercare.elders.filters import ElderFilters
from eldercare.elders.models import (
    Elder,
    Guardian,
)
from eldercare.pagination import (
    Direction,
    Page,
    cursor_params,
    first_page_sql,
    keyset,
    next_page_sql,
)
from eldercare.roles import Role
from eldercare.scope import Scope

SORTS: dict[str, Callable[[], list[tuple[Any, Direction]]]] = {
    "name": lambda: [(Elder.name_pinyin, "asc"), (Elder.id, "asc")],
    "-name": lambda: [(Elder.name_pinyin, "desc"), (Elder.id, "desc")],
    "age": lambda: [(Elder.birth_date, "desc"), (Elder.id, "asc")],
    "-age": lambda: [(Elder.birth_date, "asc"), (Elder.id, "asc")],
    "risk": lambda: [(Elder.risk_rank, "asc"), (Elder.name_pinyin, "asc"), (Elder.id, "asc")],
}


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def list_elders(
    db: Session,
    ctx: RequestCtx,
    filters: ElderFilters,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[Any]:
    stmt, order = list_statement(ctx, filters, sort=sort)
    # an unfiltered list of a region is one shared statement: its first pages are reused
    shared = ctx.actor.role != Role.volunteer and filters.is_empty()
    return keyset(
        db, stmt, order, limit=limit, cursor=cursor, count=count, scalars=False, shared=shared
    )


def shared_page_sql(
    ctx: RequestCtx,
    filters: ElderFilters,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    dialect: Any,
) -> tuple[str, dict[str, Any], list[int]] | None:
    """The SQL and parameters of a page of a region's unfiltered list (its SQL built and
    compiled once), or None when the request asks for anything else (filters, a volunteer's
    list). The positions say where the sort columns are in a row."""
    if ctx.actor.role == Role.volunteer or not filters.is_empty():
        return None
    stmt, order = list_statement(ctx, filters, sort=sort)
    if not cursor:
        return first_page_sql(stmt, tuple(order), limit, dialect)
    sql, params, positions = next_page_sql(stmt, tuple(order), limit, dialect)
    return sql, {**params, **cursor_params(cursor, order)}, positions


# The columns a list row needs: no JSON documents on the hot path. The table's own
# columns, not the ORM attributes: the result of a statement built for one request (a
# filtered list) maps them by identity to the cached compiled form, where annotated ORM
# columns are compared as SQL expressions (a fifth of a filtered page's Python time).
_columns = Elder.__table__.c
LIST_COLUMNS = (
    _columns.id,
    _columns.name,
    _columns.name_pinyin,
    _columns.sex,
    _columns.birth_date,
    _columns.id_number,
    _columns.phone,
    _columns.village_code,
    _columns.address,
    _columns.living_arrangement,
    _columns.self_care,
    _columns.category_codes,
    _columns.is_left_behind,
    _columns.risk_level,
    _columns.risk_rank,
    _columns.status,
    _columns.version,
    _columns.no_one_at_home,
)


@functools.lru_cache(maxsize=4096)
def _scoped_list(region_prefix: str) -> Select[*tuple[Any, ...]]:
    """The list's columns of the elders of one region (not merged away), built once: every
    request adds only its own filters and order to it (statements are immutable)."""
    scope = Scope(region_prefix)
    return select(*LIST_COLUMNS).where(
        scope.clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
        Elder.merged_into_id.is_(None),
    )


def list_statement(
    ctx: RequestCtx, filters: ElderFilters, *, sort: str = "name"
) -> tuple[Any, list[tuple[Any, Direction]]]:
    p = ctx.actor
    if p.role == Role.volunteer:
        stmt = select(*LIST_COLUMNS).where(*scope_clauses(ctx))
    else:
        stmt = _scoped_list(p.scope.region_prefix)
    clauses = filter_clauses(filters)
    if clauses:
        stmt = stmt.where(*clauses)
    return stmt, SORTS[sort]()


def scope_clauses(ctx: RequestCtx) -> list[ColumnElement[bool]]:
    """The elders the caller may see, merged records left out (the list's base)."""
    return [elder_scope(ctx), Elder.merged_into_id.is_(None)]


def filter_clauses(filters: ElderFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the register list's filters (the list and its export add them to
    the caller's scope)."""
    f = filters
    where: list[ColumnElement[bool]] = []
    if f.region:
        where.append(
            Scope(f.region).clause_levels(
                Elder.village_code, Elder.township_code, Elder.county_code
            )
        )
    today = local_today()
    if f.status:
        where.append(Elder.status == f.status)
    if f.risk_level:
        where.append(Elder.risk_level == f.risk_level)
    if f.left_behind is not None:
        where.append(Elder.is_left_behind == f.left_behind)
    settings_age = rules.RegisterSettings().advanced_age
    for code in f.category:
        if code == "advanced_age":  # exact on any day, not as of the last recompute
            where.append(Elder.birth_date <= _years_ago(today, settings_age))
        else:
            where.append(Elder.category_codes.contains(f",{code},"))
    if f.age_min is not None:  # age >= n  <=>  born on or before today n years ago
        where.append(Elder.birth_date <= _years_ago(today, f.age_min))
    if f.age_max is not None:  # age <= n  <=>  born after today n+1 years ago
        where.append(Elder.birth_date > _years_ago(today, f.age_max + 1))
    if f.q:
        where.append(search_clause(f.q))
    if f.overdue is not None:
        ids = hooks.overdue(today)
        where.append(Elder.id.in_(ids) if f.overdue else Elder.id.not_in(ids))
    if f.no_one_at_home is not None:
        where.append(Elder.no_one_at_home.is_(f.no_one_at_home))
    if f.caretaker_agreement is not None:
        signed = caretaker_agreement_clause()
        where.append(signed if f.caretaker_agreement == "present" else ~signed)
    if f.verified_before is not None:
        where.append(or_(Elder.verified_on.is_(None), Elder.verified_on < f.verified_before))
    return where


def caretaker_agreement_clause() -> ColumnElement[bool]:
    """The elder has a living entrusted caretaker with a signed agreement (委托照料协议).

    Its guardians are an alias correlated to the elder only, so that a statement that
    selects guardians too (the guardian export) keeps its own."""
    g = aliased(Guardian)
    return (
        select(g.id)
        .where(
            g.elder_id == Elder.id,
            g.is_entrusted_caretaker.is_(True),
            g.alive.is_(True),
            g.agreement_date.is_not(None),
        )
        .correlate(Elder)
        .exists()
    )


def search_clause(q: str) -> ColumnElement[bool]:
    """Name, full pinyin or initials, the ID number or its last 4-6 characters, the phone.

    Only the clauses that can match the kind of text given are used, so letters are index
    prefix scans on pinyin and initials, and digits look at ID numbers and phones.
    """
    raw = q.strip()
    clauses: list[ColumnElement[bool]] = []
    lowered = raw.lower().replace(" ", "")
    if lowered.isascii() and lowered.isalpha():
        # letters only: no wildcard to escape (an ESCAPE clause would keep SQLite off the index)
        clauses.append(Elder.name_initials.startswith(lowered))
        clauses.append(Elder.name_pinyin.startswith(lowered))
        return or_(*clauses)
    if any("\u3400" <= ch <= "\u9fff" or ch > "\uffff" for ch in raw):
        clauses.append(Elder.name.contains(raw, autoescape=True))
    text = identity.normalise(raw)
    if len(text) in (15, 18) and text[:15].isdigit():
        try:
            clauses.append(Elder.id_number == identity.parse(text).value)
        except identity.IdNumberError:
            clauses.append(Elder.id_number == text)
    elif 4 <= len(text) <= 6 and text[:-1].isdigit() and (text[-1].isdigit() or text[-1] == "X"):
        clauses.append(Elder.id_number_rev.startswith(text[::-1]))
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        clauses.append(Elder.phone == digits)
    elif len(digits) >= 7:
        clauses.append(Elder.phone.contains(digits))
    if not clauses:
        clauses.append(Elder.name.contains(raw, autoescape=True))
    return or_(*clauses)
