from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.bulk import jobs
from eldercare.bulk import service as bulk
from eldercare.bulk.models import ImportJob, ImportRowError
from eldercare.bulk.schemas import RowErrorOut
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import DbSession, session_factory
from eldercare.elders.models import Elder
from eldercare.errors import BadRequest
from eldercare.identity import mask
from eldercare.pagination import PageOut, Paging
from eldercare.rosters import service
from eldercare.rosters.labels import DISCREPANCIES, KINDS, STATUSES, label
from eldercare.rosters.models import Roster, RosterDiscrepancy
from eldercare.rosters.schemas import (
    DiscrepancyKind,
    DiscrepancyOut,
    DiscrepancyStatus,
    KindCount,
    ResolveIn,
    RosterKind,
    RosterOut,
)
from eldercare.routing import Router, in_thread
from eldercare.sheets.formats import MEDIA_TYPES, format_of

router = Router(tags=["rosters"], dependencies=[Depends(auth_ctx)])

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "description": "CSV (UTF-8 or GB18030/GBK) or XLSX with Chinese headers, by Content-Type",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("text/csv", MEDIA_TYPES["xlsx"])
        },
    }
}
REPORT_ERRORS = 100


def roster_out(db: Session, roster: Roster, job: ImportJob, lang: str) -> RosterOut:
    errors = [
        RowErrorOut(
            row=e.row,
            field=e.field,
            code=e.code,
            message=bulk.row_message(job.resource, e.field, e.code, e.params, lang),
        )
        for e in db.scalars(
            select(ImportRowError)
            .where(ImportRowError.job_id == job.id)
            .order_by(ImportRowError.row, ImportRowError.seq)
            .limit(REPORT_ERRORS)
        )
    ]
    counts = roster.counts or {}
    return RosterOut(
        id=roster.id,
        kind=roster.kind,
        kind_label=label(KINDS, roster.kind, lang),
        dry_run=roster.dry_run,
        file_name=roster.file_name,
        status=jobs.effective_status(job),
        format=job.format,
        encoding=job.encoding,
        rows=job.rows_done,
        failed=job.failed,
        matched=roster.matched,
        near_misses=roster.near_misses,
        not_found=roster.not_found,
        discrepancies=sum(counts.values()),
        by_kind=[
            KindCount(kind=k, label=label(DISCREPANCIES, k, lang), count=counts.get(k, 0))
            for k in DISCREPANCIES
            if counts.get(k)
        ],
        errors=errors,
        error_file=f"/api/v1/rosters/{roster.id}/error-file" if job.failed else None,
        error=job.error,
        created_by_name=roster.created_by_name,
        created_at=roster.created_at,
        finished_at=job.finished_at,
    )


def discrepancy_out(d: Any, lang: str) -> DiscrepancyOut:
    """A row of the discrepancy's columns and its elder's (``service.ELDER_COLUMNS``)."""
    return DiscrepancyOut(
        id=d.id,
        roster_id=d.roster_id,
        kind=d.kind,
        kind_label=label(DISCREPANCIES, d.kind, lang),
        elder_id=d.elder_id,
        elder_name=d.elder_name,
        elder_id_number=mask(d.elder_number) or "",
        elder_status=d.elder_status,
        village_code=d.village_code,
        row=d.row,
        data=d.data or {},
        near_miss=d.near_miss,
        event_date=d.event_date,
        status=d.status,
        status_label=label(STATUSES, d.status, lang),
        reason=d.reason,
        resolved_by_name=d.resolved_by_name,
        resolved_at=d.resolved_at,
        version=d.version,
    )


def _report(ctx: RequestCtx, roster_id: str) -> RosterOut:
    with session_factory()() as db:
        roster, job = service.get_roster(db, ctx, roster_id)
        out = roster_out(db, roster, job, ctx.lang)
        db.commit()
        return out


@router.post(
    "/rosters",
    response_model=RosterOut,
    responses={202: {"model": RosterOut, "description": "Accepted: runs as a job"}},
    summary="Upload another office's roster and list where the register differs from it",
    description="Matched by ID number (15-digit numbers in their 18-digit form; a wrong check "
    "digit corrected, flagged `near_miss`). A dry run lists the discrepancies for a look: "
    "none of them can be resolved.",
    openapi_extra=_UPLOAD_DOC,
)
async def upload_roster(
    request: Request,
    ctx: AuthCtx,
    kind: RosterKind,
    dry_run: bool = False,
    file_name: Annotated[str, Query(max_length=200)] = "",
) -> JSONResponse:
    fmt = format_of(request.headers.get("content-type"))
    if fmt not in ("csv", "xlsx"):
        raise BadRequest("import.unsupported_format")
    upload = await service.receive(
        ctx,
        request.stream(),
        kind=kind,
        fmt=fmt,
        dry_run=dry_run,
        file_name=file_name,
        inline_max_bytes=get_settings().import_inline_max_bytes,
    )
    if upload.claim is not None:
        await in_thread(jobs.run_claimed, upload.claim)
    out = await in_thread(_report, ctx, upload.job.id)
    status = 202 if out.status in ("queued", "running") else 200
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=status,
        headers={"Location": f"/api/v1/rosters/{out.id}"},
    )


@router.get("/rosters", response_model=PageOut[RosterOut], summary="The county's rosters")
def list_rosters(
    db: DbSession, ctx: AuthCtx, page: Paging, kind: RosterKind | None = None
) -> PageOut[RosterOut]:
    found = service.list_rosters(
        db, ctx, kind, limit=page.limit, cursor=page.cursor, count=page.count
    )
    jobs_by_id = service.jobs_of(db, found.items)
    return PageOut(
        items=[roster_out(db, r, jobs_by_id[r.id], ctx.lang) for r in found.items],
        next_cursor=found.next_cursor,
        total=found.total,
    )


@router.get(
    "/rosters/{roster_id}",
    response_model=RosterOut,
    summary="A roster: its progress, matches and discrepancies by kind",
)
def get_roster(db: DbSession, ctx: AuthCtx, roster_id: str) -> RosterOut:
    roster, job = service.get_roster(db, ctx, roster_id)
    return roster_out(db, roster, job, ctx.lang)


@router.get(
    "/rosters/{roster_id}/discrepancies",
    response_model=PageOut[DiscrepancyOut],
    summary="A roster's discrepancies, by village",
)
def list_discrepancies(
    db: DbSession,
    ctx: AuthCtx,
    roster_id: str,
    page: Paging,
    kind: DiscrepancyKind | None = None,
    status: DiscrepancyStatus | None = None,
    village: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
) -> PageOut[DiscrepancyOut]:
    found = service.list_discrepancies(
        db,
        ctx,
        roster_id,
        kind=kind,
        status=status,
        village=village,
        limit=page.limit,
        cursor=page.cursor,
        count=page.count,
    )
    return PageOut(
        items=[discrepancy_out(r, ctx.lang) for r in found.items],
        next_cursor=found.next_cursor,
        total=found.total,
    )


@router.post(
    "/rosters/discrepancies/{discrepancy_id}/resolve",
    response_model=DiscrepancyOut,
    summary="Apply the roster's word through the register's and relief's services, or dismiss",
)
def resolve_discrepancy(
    db: DbSession, ctx: AuthCtx, discrepancy_id: str, body: ResolveIn
) -> DiscrepancyOut:
    d = service.resolve(db, ctx, discrepancy_id, body.action, body.reason, body.date, body.version)
    db.commit()
    row = db.execute(
        select(*RosterDiscrepancy.__table__.c, *service.ELDER_COLUMNS)
        .join(Elder, Elder.id == RosterDiscrepancy.elder_id)
        .where(RosterDiscrepancy.id == d.id)
    ).one()
    return discrepancy_out(row, ctx.lang)


@router.get(
    "/rosters/{roster_id}/error-file",
    summary="The roster's rows with an error column added",
    response_class=StreamingResponse,
)
def roster_error_file(
    db: DbSession, ctx: AuthCtx, roster_id: str, failed_only: bool = False
) -> StreamingResponse:
    _roster, job = service.get_roster(db, ctx, roster_id)
    db.expunge(job)
    body, media, name = bulk.error_file(job, ctx.lang, failed_only)
    return StreamingResponse(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
