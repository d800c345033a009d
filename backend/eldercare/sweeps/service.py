"""Sweeps (摸底排查, plan 十一: in spring and autumn every elder of a region is checked in
person): opening and closing one, each elder confirmed with a short checklist, which sets
the elder's ``verified_on`` through the register's write path, and progress per region.

Who sees a sweep: those whose region lies within it (a village worker sees the township's
sweep, with the progress of their village) and those above it. The elders counted are the
active elders of the region now (moved in: counted; deceased: not)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.clock import now as clock_now
from eldercare.clock import today as local_today
from eldercare.context import RequestCtx
from eldercare.elders import service as elders
from eldercare.elders.models import Elder
from eldercare.errors import Conflict, FieldError, NotFound, ValidationFailed
from eldercare.pagination import Page, keyset
from eldercare.regions import service as regions
from eldercare.regions.models import Region
from eldercare.scope import Scope
from eldercare.sweeps.models import Sweep, SweepConfirmation
from eldercare.sweeps.schemas import ConfirmIn, SweepIn

LIVE = ("active", "not_left_behind")
CHILD = {6: 9, 9: 12, 12: 12}


def _visible(ctx: RequestCtx) -> ColumnElement[bool]:
    own = ctx.actor.region_code
    above = [own[:n] for n in (6, 9, 12) if n <= len(own)]
    return or_(Sweep.region_code.in_(above), ctx.actor.scope.clause(Sweep.region_code))


def view_of(ctx: RequestCtx, sweep: Sweep) -> str:
    """The part of the sweep's region the caller sees."""
    own = ctx.actor.region_code
    return own if len(own) > len(sweep.region_code) else sweep.region_code


def get_sweep(db: Session, ctx: RequestCtx, sweep_id: str, *, lock: bool = False) -> Sweep:
    sweep = db.get(Sweep, sweep_id, with_for_update=lock or None)
    own = ctx.actor.region_code
    if sweep is None or not (
        own.startswith(sweep.region_code) or sweep.region_code.startswith(own)
    ):
        raise NotFound()
    return sweep


def create_sweep(db: Session, ctx: RequestCtx, data: SweepIn) -> Sweep:
    region = regions.get_in_scope(db, ctx.actor.scope, data.region_code or ctx.actor.region_code)
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise ValidationFailed(errors=[FieldError(["body", "ends_on"], "sweep.ends_before_start")])
    sweep = Sweep(
        region_code=region.code,
        name=data.name.strip(),
        period=data.period,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        status="open",
        created_by=ctx.actor.id,
        created_by_name=ctx.actor.shown_name,
    )
    db.add(sweep)
    db.flush()
    audit.record(
        db,
        ctx,
        "create",
        resource="sweep",
        resource_id=sweep.id,
        region_code=region.code,
        fields=sorted(data.model_fields_set),
    )
    return sweep


def close_sweep(db: Session, ctx: RequestCtx, sweep_id: str) -> Sweep:
    sweep = get_sweep(db, ctx, sweep_id, lock=True)
    if not ctx.actor.scope.covers(sweep.region_code):  # who opened it, or above: may close
        raise NotFound()
    if sweep.status == "closed":
        raise Conflict("sweep.closed")
    sweep.status, sweep.closed_at = "closed", clock_now()
    sweep.closed_by_name = ctx.actor.shown_name
    db.flush()
    audit.record(
        db, ctx, "close", resource="sweep", resource_id=sweep.id, region_code=sweep.region_code
    )
    return sweep


def list_sweeps(
    db: Session, ctx: RequestCtx, status: str | None, *, limit: int, cursor: str | None, count: bool
) -> Page[Sweep]:
    stmt = select(Sweep).where(_visible(ctx))
    if status:
        stmt = stmt.where(Sweep.status == status)
    return keyset(
        db,
        cast("Select[Any]", stmt),
        [(Sweep.created_at, "desc"), (Sweep.id, "desc")],
        limit=limit,
        cursor=cursor,
        count=count,
    )


# ----------------------------------------------------------------------------- progress


def progress(db: Session, sweep: Sweep, view: str, child: int) -> dict[str, dict[str, int]]:
    """(confirmed, with issues, total) of the active elders of ``view`` by ``child``-digit
    region code."""
    code = func.substr(Elder.village_code, 1, child).label("code")
    c = SweepConfirmation
    right = exists().where(c.sweep_id == sweep.id, c.elder_id == Elder.id, c.all_right.is_(True))
    issues = exists().where(c.sweep_id == sweep.id, c.elder_id == Elder.id, c.all_right.is_(False))
    rows = db.execute(
        select(
            code,
            func.count(),
            func.sum(case((right, 1), else_=0)),
            func.sum(case((issues, 1), else_=0)),
        )
        .where(
            Scope(view).clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
            Elder.status.in_(LIVE),
            Elder.merged_into_id.is_(None),
        )
        .group_by(code)
    )
    return {
        r[0]: {"total": int(r[1]), "confirmed": int(r[2] or 0), "with_issues": int(r[3] or 0)}
        for r in rows
    }


def names(db: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}


# ----------------------------------------------------------------------------- confirming


def confirm(
    db: Session, ctx: RequestCtx, sweep_id: str, elder_id: str, data: ConfirmIn
) -> tuple[SweepConfirmation, Elder]:
    sweep = get_sweep(db, ctx, sweep_id)
    elder = elders.get_elder(db, ctx, elder_id, lock=True)
    if not elder.village_code.startswith(sweep.region_code):
        raise NotFound()
    if sweep.status != "open":
        raise Conflict("sweep.closed")
    if elder.status not in LIVE or elder.merged_into_id is not None:
        raise Conflict("sweep.elder_not_active", extra={"status": elder.status})
    on = data.date or local_today()
    if on > local_today():
        raise ValidationFailed(errors=[FieldError(["body", "date"], "date.future")])
    answers = data.checklist.model_dump()
    all_right = all(answers.values())
    note = data.note.strip()
    if not all_right and not note:
        raise ValidationFailed(errors=[FieldError(["body", "note"], "sweep.note_required")])
    row = db.get(SweepConfirmation, (sweep.id, elder.id))
    if row is None:
        row = SweepConfirmation(sweep_id=sweep.id, elder_id=elder.id)
        db.add(row)
    row.village_code = elder.village_code
    row.confirmed_on, row.all_right, row.checklist, row.note = on, all_right, answers, note
    row.confirmed_by, row.confirmed_by_name = ctx.actor.id, ctx.actor.shown_name
    row.confirmed_at = clock_now()
    if all_right:
        # the register's write path: history entry, feed row and audit entry of the elder
        elders.verify(db, ctx, elder, on, note or sweep.name)
    else:
        audit.record(
            db,
            ctx,
            "sweep_issue",
            resource="elder",
            resource_id=elder.id,
            region_code=elder.village_code,
            fields=sorted(k for k, v in answers.items() if not v),
            detail={"sweep_id": sweep.id},
        )
    db.flush()
    return row, elder


def pending(
    db: Session, ctx: RequestCtx, sweep_id: str, *, limit: int, cursor: str | None, count: bool
) -> Page[Any]:
    """The active elders of the sweep (in the caller's scope) not yet confirmed all right."""
    sweep = get_sweep(db, ctx, sweep_id)
    c = SweepConfirmation
    done = exists().where(c.sweep_id == sweep.id, c.elder_id == Elder.id, c.all_right.is_(True))
    issues = exists().where(c.sweep_id == sweep.id, c.elder_id == Elder.id, c.all_right.is_(False))
    stmt = select(
        Elder.id,
        Elder.name,
        Elder.id_number,
        Elder.village_code,
        Elder.address,
        Elder.verified_on,
        issues.label("checked_with_issues"),
        Elder.version,
    ).where(
        and_(
            elders.elder_scope(ctx),
            Scope(sweep.region_code).clause(Elder.village_code),
            Elder.status.in_(LIVE),
            Elder.merged_into_id.is_(None),
            ~done,
        )
    )
    return keyset(
        db,
        cast("Select[Any]", stmt),
        [(Elder.village_code, "asc"), (Elder.id, "asc")],
        limit=limit,
        cursor=cursor,
        count=count,
        scalars=False,
    )


def not_verified_since(months: int, today: date | None = None) -> date:
    """The day before which a confirmation is too old (``months`` back from today)."""
    today = today or local_today()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
