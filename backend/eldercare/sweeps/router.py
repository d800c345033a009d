from __future__ import annotations

from typing import Any

from fastapi import Depends
from sqlalchemy.orm import Session

from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.context import RequestCtx
from eldercare.db import DbSession
from eldercare.identity import mask
from eldercare.pagination import PageOut, Paging
from eldercare.routing import Router
from eldercare.sweeps import service
from eldercare.sweeps.labels import PERIODS, STATUSES, label
from eldercare.sweeps.models import Sweep
from eldercare.sweeps.schemas import (
    Checklist,
    ConfirmationOut,
    ConfirmIn,
    PendingElder,
    ProgressRow,
    SweepIn,
    SweepOut,
    SweepStatus,
)

router = Router(tags=["sweeps"], dependencies=[Depends(auth_ctx)])


def _row(code: str, name: str, figures: dict[str, int]) -> ProgressRow:
    total = figures.get("total", 0)
    confirmed = figures.get("confirmed", 0)
    return ProgressRow(
        code=code,
        name=name,
        confirmed=confirmed,
        with_issues=figures.get("with_issues", 0),
        total=total,
        rate=round(confirmed / total, 4) if total else None,
    )


def sweep_out(db: Session, ctx: RequestCtx, sweep: Sweep, *, children: bool) -> SweepOut:
    view = service.view_of(ctx, sweep)
    child = service.CHILD[len(view)] if children else len(view)
    by_child = service.progress(db, sweep, view, child)
    total: dict[str, int] = {"total": 0, "confirmed": 0, "with_issues": 0}
    for figures in by_child.values():
        for k, v in figures.items():
            total[k] += v
    found = service.names(db, {view, sweep.region_code, *by_child})
    return SweepOut(
        id=sweep.id,
        name=sweep.name,
        region_code=sweep.region_code,
        region_name=found.get(sweep.region_code, sweep.region_code),
        period=sweep.period,
        period_label=label(PERIODS, sweep.period, ctx.lang),
        starts_on=sweep.starts_on,
        ends_on=sweep.ends_on,
        status=sweep.status,
        status_label=label(STATUSES, sweep.status, ctx.lang),
        created_by_name=sweep.created_by_name,
        created_at=sweep.created_at,
        closed_at=sweep.closed_at,
        closed_by_name=sweep.closed_by_name,
        progress=_row(view, found.get(view, view), total),
        children=[
            _row(code, found.get(code, code), figures) for code, figures in sorted(by_child.items())
        ]
        if children
        else [],
        version=sweep.version,
    )


@router.post("/sweeps", response_model=SweepOut, status_code=201, summary="Open a sweep")
def create_sweep(db: DbSession, ctx: AuthCtx, body: SweepIn) -> SweepOut:
    sweep = service.create_sweep(db, ctx, body)
    db.commit()
    return sweep_out(db, ctx, sweep, children=True)


@router.get(
    "/sweeps", response_model=PageOut[SweepOut], summary="Sweeps over or within your region"
)
def list_sweeps(
    db: DbSession, ctx: AuthCtx, page: Paging, status: SweepStatus | None = None
) -> PageOut[SweepOut]:
    found = service.list_sweeps(
        db, ctx, status, limit=page.limit, cursor=page.cursor, count=page.count
    )
    return PageOut(
        items=[sweep_out(db, ctx, s, children=False) for s in found.items],
        next_cursor=found.next_cursor,
        total=found.total,
    )


@router.get(
    "/sweeps/{sweep_id}",
    response_model=SweepOut,
    summary="A sweep with its progress by child region (by village under a township)",
)
def get_sweep(db: DbSession, ctx: AuthCtx, sweep_id: str) -> SweepOut:
    return sweep_out(db, ctx, service.get_sweep(db, ctx, sweep_id), children=True)


@router.post("/sweeps/{sweep_id}/close", response_model=SweepOut, summary="Close a sweep")
def close_sweep(db: DbSession, ctx: AuthCtx, sweep_id: str) -> SweepOut:
    sweep = service.close_sweep(db, ctx, sweep_id)
    db.commit()
    return sweep_out(db, ctx, sweep, children=True)


@router.get(
    "/sweeps/{sweep_id}/pending",
    response_model=PageOut[PendingElder],
    summary="The sweep's active elders you see that are not yet confirmed, by village",
)
def pending(db: DbSession, ctx: AuthCtx, sweep_id: str, page: Paging) -> PageOut[PendingElder]:
    found = service.pending(
        db, ctx, sweep_id, limit=page.limit, cursor=page.cursor, count=page.count
    )
    villages = service.names(db, {r.village_code for r in found.items})
    return PageOut(
        items=[_pending(r, villages) for r in found.items],
        next_cursor=found.next_cursor,
        total=found.total,
    )


def _pending(r: Any, villages: dict[str, str]) -> PendingElder:
    return PendingElder(
        id=r.id,
        name=r.name,
        id_number=mask(r.id_number) or "",
        village_code=r.village_code,
        village_name=villages.get(r.village_code, r.village_code),
        address=r.address,
        verified_on=r.verified_on,
        checked_with_issues=bool(r.checked_with_issues),
        version=r.version,
    )


@router.post(
    "/sweeps/{sweep_id}/elders/{elder_id}/confirm",
    response_model=ConfirmationOut,
    summary="Confirm an elder in a sweep with the checklist (all right: sets verified_on)",
)
def confirm_elder(
    db: DbSession, ctx: AuthCtx, sweep_id: str, elder_id: str, body: ConfirmIn
) -> ConfirmationOut:
    row, elder = service.confirm(db, ctx, sweep_id, elder_id, body)
    db.commit()
    return ConfirmationOut(
        sweep_id=row.sweep_id,
        elder_id=row.elder_id,
        village_code=row.village_code,
        confirmed_on=row.confirmed_on,
        all_right=row.all_right,
        checklist=Checklist(**row.checklist),
        note=row.note,
        confirmed_by_name=row.confirmed_by_name,
        confirmed_at=row.confirmed_at,
        verified_on=elder.verified_on,
    )
