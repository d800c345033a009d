"""Rosters: receiving one (an import job of its kind), its summary, its discrepancies and
their resolution through the register's and relief's own services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.bulk import service as bulk
from eldercare.bulk.models import ImportJob
from eldercare.clock import now as clock_now
from eldercare.clock import today as local_today
from eldercare.concurrency import check_version
from eldercare.context import RequestCtx
from eldercare.elders import service as elders
from eldercare.elders.models import Elder
from eldercare.elders.schemas import ElderPatch
from eldercare.errors import Conflict, FieldError, NotFound, ValidationFailed
from eldercare.pagination import Page, keyset
from eldercare.relief import benefits
from eldercare.relief.models import Benefit
from eldercare.rosters.columns import PROGRAMS, resource_of
from eldercare.rosters.handler import open_benefits
from eldercare.rosters.labels import DISCREPANCIES, label
from eldercare.rosters.models import Roster, RosterDiscrepancy

ELDER_COLUMNS = (
    Elder.name.label("elder_name"),
    Elder.id_number.label("elder_number"),
    Elder.status.label("elder_status"),
)
# Discrepancies that mean a payment to someone another office reports deceased.
DEATH_KINDS = ("deceased_but_active", "paid_but_deceased")


async def receive(
    ctx: RequestCtx,
    body: AsyncIterator[bytes],
    *,
    kind: str,
    fmt: str,
    dry_run: bool,
    file_name: str,
    inline_max_bytes: int | None,
) -> bulk.Upload:
    """Store the file as an import job of the roster's kind (``per_row``: each batch's
    discrepancies commit with its progress) and the roster in the job's transaction."""

    def roster(db: Session, job: ImportJob) -> None:
        db.add(
            Roster(
                id=job.id,
                kind=kind,
                county_code=ctx.actor.region_code[:6],
                dry_run=dry_run,
                file_name=file_name,
                matched=0,
                near_misses=0,
                not_found=0,
                counts={},
                created_by=ctx.actor.id,
                created_by_name=ctx.actor.shown_name,
            )
        )

    return await bulk.receive(
        ctx,
        body,
        resource=resource_of(kind),
        fmt=fmt,
        mode="per_row",
        dry_run=False,
        key=None,
        inline_max_bytes=inline_max_bytes,
        on_create=roster,
    )


def _county(ctx: RequestCtx) -> str:
    return ctx.actor.region_code[:6]


def get_roster(db: Session, ctx: RequestCtx, roster_id: str) -> tuple[Roster, ImportJob]:
    """A roster of the caller's county (another county's is not found)."""
    roster = db.get(Roster, roster_id)
    if (
        roster is None
        or roster.county_code != _county(ctx)
        or not ctx.actor.scope.covers(roster.county_code)
    ):
        raise NotFound()
    job = db.get(ImportJob, roster.id)
    assert job is not None
    return roster, job


def list_rosters(
    db: Session, ctx: RequestCtx, kind: str | None, *, limit: int, cursor: str | None, count: bool
) -> Page[Roster]:
    stmt = select(Roster).where(Roster.county_code == _county(ctx))
    if kind:
        stmt = stmt.where(Roster.kind == kind)
    return keyset(
        db,
        stmt,
        [(Roster.created_at, "desc"), (Roster.id, "desc")],
        limit=limit,
        cursor=cursor,
        count=count,
    )


def jobs_of(db: Session, rosters: list[Roster]) -> dict[str, ImportJob]:
    ids = [r.id for r in rosters]
    if not ids:
        return {}
    return {j.id: j for j in db.scalars(select(ImportJob).where(ImportJob.id.in_(ids)))}


def list_discrepancies(
    db: Session,
    ctx: RequestCtx,
    roster_id: str,
    *,
    kind: str | None,
    status: str | None,
    village: str | None,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[Any]:
    get_roster(db, ctx, roster_id)
    d = RosterDiscrepancy
    stmt = (
        select(*d.__table__.c, *ELDER_COLUMNS)
        .join(Elder, Elder.id == d.elder_id)
        .where(d.roster_id == roster_id)
    )
    if kind:
        stmt = stmt.where(d.kind == kind)
    if status:
        stmt = stmt.where(d.status == status)
    if village:
        stmt = stmt.where(d.village_code.startswith(village))
    return keyset(
        db,
        cast("Select[Any]", stmt),
        [(d.village_code, "asc"), (d.id, "asc")],
        limit=limit,
        cursor=cursor,
        count=count,
        scalars=False,
    )


def flagged_elders() -> Any:
    """Open discrepancies of a death roster (not a dry run): the elders' ids, a subquery
    (relief's payments to check read it)."""
    d = RosterDiscrepancy
    return (
        select(d.elder_id)
        .join(Roster, Roster.id == d.roster_id)
        .where(d.kind.in_(DEATH_KINDS), d.status == "open", Roster.dry_run.is_(False))
    )


# ----------------------------------------------------------------------------- resolving


def _on(value: date | None) -> date:
    today = local_today()
    return today if value is None or value > today else value


def _open_benefits(db: Session, elder_id: str, program: str | None) -> list[Benefit]:
    conds: list[ColumnElement[bool]] = [Benefit.elder_id == elder_id, open_benefits(local_today())]
    if program:
        conds.append(Benefit.program == program)
    return list(db.scalars(select(Benefit).where(and_(*conds)).order_by(Benefit.start_date)))


def _apply(
    db: Session, ctx: RequestCtx, d: RosterDiscrepancy, roster: Roster, on: date | None, reason: str
) -> None:
    elder = elders.get_elder(db, ctx, d.elder_id, lock=True)
    when = _on(on or d.event_date)
    if d.kind == "deceased_but_active":
        elders.change_status(db, ctx, elder.id, "deceased", when, reason, elder.version)
    elif d.kind == "moved_but_active":
        elders.change_status(db, ctx, elder.id, "moved_out", when, reason, elder.version)
    elif d.kind == "paid_but_deceased":
        end = _on(on or d.event_date or elder.status_date)
        for b in _open_benefits(db, elder.id, None):
            benefits.end_benefit(
                db, ctx, b.id, max(end, b.start_date), "deceased", reason, b.version
            )
    elif d.kind == "paid_not_on_roster":
        for b in _open_benefits(db, elder.id, PROGRAMS[roster.kind]):
            end = max(_on(on), b.start_date)
            benefits.end_benefit(db, ctx, b.id, end, "no_longer_eligible", reason, b.version)
    elif d.kind == "on_roster_no_benefit":
        data = d.data or {}
        amount = data.get("monthly_amount")
        benefits.add_benefit(
            db,
            ctx,
            elder,
            {
                "program": PROGRAMS[roster.kind],
                "start_date": _on(on or d.event_date),
                "monthly_amount": None if amount in (None, "") else amount,
                "source": "civil_affairs_roster",
                "reference": str(data.get("reference") or "")[:100],
                "notes": reason,
            },
        )
    elif d.kind == "grade_differs":
        grade = (d.data or {}).get("grade_value")
        elders.update_elder(db, ctx, elder.id, ElderPatch(disability_grade=grade), elder.version)
    else:  # pragma: no cover - every kind is handled above
        raise Conflict("roster.unknown_kind")


def resolve(
    db: Session,
    ctx: RequestCtx,
    discrepancy_id: str,
    action: str,
    reason: str,
    on: date | None,
    expected: int | None,
) -> RosterDiscrepancy:
    """Apply the roster's word (the register's or relief's own service makes the change,
    with its history, feed and audit) or dismiss it with a reason."""
    d = db.get(RosterDiscrepancy, discrepancy_id, with_for_update=True)
    if d is None:
        raise NotFound()
    roster, _job = get_roster(db, ctx, d.roster_id)
    if expected is not None:
        check_version(d.version, expected)
    if roster.dry_run:
        raise Conflict("roster.dry_run")
    if d.status != "open":
        raise Conflict("roster.already_resolved", extra={"status": d.status})
    reason = reason.strip()
    if action == "dismiss" and not reason:
        raise ValidationFailed(errors=[FieldError(["body", "reason"], "roster.reason_required")])
    if action == "apply":
        _apply(db, ctx, d, roster, on, reason or label(DISCREPANCIES, d.kind, ctx.lang))
    d.status = "applied" if action == "apply" else "dismissed"
    d.reason = reason
    d.resolved_by, d.resolved_by_name = ctx.actor.id, ctx.actor.shown_name
    d.resolved_at = clock_now()
    db.flush()
    audit.record(
        db,
        ctx,
        action,
        resource="roster_discrepancy",
        resource_id=d.id,
        region_code=d.village_code,
        fields=["status"],
        detail={"kind": d.kind, "roster_id": d.roster_id, "elder_id": d.elder_id},
    )
    return d
