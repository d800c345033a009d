"""Which elders a caller may see, one elder by its ID, and audited reveals of full values."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.context import RequestCtx
from eldercare.elders.models import (
    Elder,
)
from eldercare.errors import Forbidden, NotFound
from eldercare.regions.models import Region
from eldercare.roles import Role

REVEAL_ROLES = frozenset(
    {Role.village_worker, Role.township_officer, Role.county_officer, Role.county_admin}
)


def elder_scope(ctx: RequestCtx) -> ColumnElement[bool]:
    """Which elders the caller may see. Volunteers see their paired elders only."""
    scope = ctx.actor.scope
    if scope.elder_ids is not None:
        return Elder.id.in_(scope.elder_ids)
    return scope.clause_levels(Elder.village_code, Elder.township_code, Elder.county_code)


def get_elder(db: Session, ctx: RequestCtx, elder_id: str, *, lock: bool = False) -> Elder:
    """The elder, if in the caller's scope (else 404).

    ``lock``: for a write of the elder or of a row that belongs to it (a visit, an incident,
    the schedule, the screening, a benefit...), take the elder's row lock first (``FOR NO
    KEY UPDATE`` on PostgreSQL; SQLite runs one writer at a time anyway). A move takes the
    same lock before it re-keys the elder's rows (:func:`move`), so a write either waits
    for a move to commit and then reads the new village (an old village's worker gets 404)
    or the move waits for the write and then re-keys its row too: no row is left with the
    village the elder left. The lock is exclusive among writers, not shared: several of
    these writes go on to update the elder row (a benefit changes its categories), and two
    shared holders upgrading would deadlock. It does not block readers or inserts of rows
    that merely reference the elder (their foreign key check takes ``FOR KEY SHARE``).
    Lock order: the elder first, then its rows.
    """
    stmt = select(Elder).where(
        Elder.id == elder_id, Elder.merged_into_id.is_(None), elder_scope(ctx)
    )
    if lock:  # and read the row as it is once the lock is ours, not as first loaded
        stmt = stmt.with_for_update(key_share=True, of=Elder).execution_options(
            populate_existing=True
        )
    elder = db.scalar(stmt)
    if elder is None:
        raise NotFound()
    return elder


def merged_into(db: Session, ctx: RequestCtx, elder_id: str) -> str | None:
    """The record a merged-away elder now lives on (following merges of merges), if the
    caller may see that record; None otherwise, so that nothing leaks out of scope."""
    seen: set[str] = set()
    current = elder_id
    while current not in seen and len(seen) < 20:
        seen.add(current)
        target = db.scalar(select(Elder.merged_into_id).where(Elder.id == current))
        if target is None:
            break
        current = target
    if current == elder_id:
        return None
    visible = db.scalar(
        select(Elder.id).where(
            Elder.id == current, Elder.merged_into_id.is_(None), elder_scope(ctx)
        )
    )
    return visible


def reveal(db: Session, ctx: RequestCtx, elder: Elder, fields: set[str]) -> set[str]:
    """Full values for the asked fields, if the role may; every reveal is audited."""
    if not fields:
        return set()
    if ctx.actor.role not in REVEAL_ROLES:
        raise Forbidden("reveal.not_allowed")
    audit.record(
        db,
        ctx,
        "reveal",
        resource="elder",
        resource_id=elder.id,
        region_code=elder.village_code,
        fields=sorted(fields),
    )
    return fields


def reveal_pair(db: Session, ctx: RequestCtx, a_id: str, b_id: str) -> tuple[Elder, Elder]:
    """Two records' full ID numbers side by side (to see which one has the typo): both must
    be in scope; each reveal is audited, naming the record it was compared with."""
    if ctx.actor.role not in REVEAL_ROLES:
        raise Forbidden("reveal.not_allowed")
    a, b = get_elder(db, ctx, a_id), get_elder(db, ctx, b_id)
    for elder, other in ((a, b), (b, a)):
        audit.record(
            db,
            ctx,
            "reveal",
            resource="elder",
            resource_id=elder.id,
            region_code=elder.village_code,
            fields=["id_number"],
            detail={"compared_with": other.id},
        )
    return a, b


def village_names(db: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}


def elder_names(db: Session, ids: set[str]) -> dict[str, str]:
    """Names of the given elders (for other domains' lists; the caller has scoped the ids)."""
    if not ids:
        return {}
    return {i: n for i, n in db.execute(select(Elder.id, Elder.name).where(Elder.id.in_(ids)))}
