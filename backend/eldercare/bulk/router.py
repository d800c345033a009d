from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from eldercare.audit import service as audit
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.bulk import export, jobs, service
from eldercare.bulk.handlers import HANDLERS
from eldercare.bulk.models import ImportJob
from eldercare.bulk.schemas import ChangeItem, ChangesPage, ImportReport
from eldercare.bulk.templates import xlsx_template
from eldercare.config import get_settings
from eldercare.db import DbSession, session_factory
from eldercare.elders.filters import ElderFilters, elder_filters
from eldercare.elders.service import REVEAL_ROLES
from eldercare.errors import BadRequest, FieldError, Forbidden, ValidationFailed
from eldercare.feed import changes
from eldercare.routing import Router, in_thread
from eldercare.sheets import write
from eldercare.sheets.formats import MEDIA_TYPES, UNREADABLE, format_of

router = Router(tags=["bulk"], dependencies=[Depends(auth_ctx)])

ImportResource = Literal["elders", "guardians", "volunteers", "pairings", "visits"]
ExportResource = Literal["elders", "guardians", "volunteers"]

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "description": "JSON array, NDJSON, CSV (UTF-8 or GB18030/GBK) or XLSX, by Content-Type",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in (
                "application/json",
                "application/x-ndjson",
                "text/csv",
                MEDIA_TYPES["xlsx"],
            )
        },
    }
}


@router.post(
    "/imports/{resource}",
    response_model=ImportReport,
    responses={202: {"model": ImportReport, "description": "Accepted: runs as a job"}},
    summary="Import rows (upsert by natural key), or check them with dry_run",
    openapi_extra=_UPLOAD_DOC,
)
async def create_import(
    request: Request,
    resource: ImportResource,
    ctx: AuthCtx,
    dry_run: bool = False,
    mode: Literal["atomic", "per_row"] = "atomic",
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    prefer: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    fmt = format_of(request.headers.get("content-type"))
    if fmt is None:
        raise BadRequest("import.unsupported_format")
    # Small bodies run within the request (200 and the report); larger ones, or when the
    # caller prefers, are queued for a worker (202, then `GET Location`).
    respond_async = "respond-async" in (prefer or "")
    upload = await service.receive(
        ctx,
        request.stream(),
        resource=resource,
        fmt=fmt,
        mode=mode,
        dry_run=dry_run,
        key=idempotency_key,
        inline_max_bytes=None if respond_async else get_settings().import_inline_max_bytes,
    )
    job = upload.job
    if upload.claim is not None:
        await in_thread(jobs.run_claimed, upload.claim)
    report = await in_thread(_report, job.id, ctx.lang, upload.replayed)
    status = 202 if report.status in ("queued", "running") else 200
    headers = {"Location": f"/api/v1/imports/{job.id}"}
    if upload.replayed:
        headers["Idempotent-Replayed"] = "true"
    error = report.error or {}
    if report.status == "failed" and error.get("code") in UNREADABLE:
        # The file itself could not be read: a problem (422) naming why, with the job's
        # report (kept at Location) in it.
        params = dict(error.get("params") or {})
        raise ValidationFailed(
            error["code"],
            errors=[FieldError(["body"], error["code"], **params)],
            headers=headers,
            extra={"params": params, "report": report.model_dump(mode="json")},
            **params,
        )
    return JSONResponse(report.model_dump(mode="json"), status_code=status, headers=headers)


def _plain(value: object) -> object:
    """A filter's value as the audit's JSON keeps it (a date as its ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


def _report(job_id: str, lang: str, replayed: bool) -> ImportReport:
    with session_factory()() as db:
        job = db.get(ImportJob, job_id)
        assert job is not None
        out = service.report(db, job, lang, replayed=replayed)
        db.commit()
        return out


@router.get(
    "/imports/{resource}/template",
    summary="An import template: Chinese headers, an example row, drop-down lists",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}, "text/csv": {}}}},
)
def import_template(resource: ImportResource, format: Literal["xlsx", "csv"] = "xlsx") -> Response:
    from eldercare.bulk.columns import SPECS, zh_label
    from eldercare.sheets.formats import csv_line

    if format == "csv":
        spec = SPECS[resource]
        example = [
            zh_label(c.example, c) if c.kind in ("enum", "list") and c.example else c.example
            for c in spec.columns
        ]
        body = ("\ufeff" + csv_line([c.zh for c in spec.columns]) + csv_line(example)).encode()
    else:
        body = xlsx_template(resource)
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{resource}-template.{format}"'},
    )


@router.get(
    "/imports/{job_id}", response_model=ImportReport, summary="An import's progress and report"
)
def get_import(db: DbSession, ctx: AuthCtx, job_id: str) -> ImportReport:
    job = service.get_job(db, ctx, job_id)
    out = service.report(db, job, ctx.lang)
    if out.status == "interrupted" and job.status != "interrupted":
        service.mark_interrupted(job.id)
    return out


@router.get(
    "/imports/{job_id}/error-file",
    summary="The uploaded rows with an error column added",
    response_class=StreamingResponse,
)
def import_error_file(
    db: DbSession, ctx: AuthCtx, job_id: str, failed_only: bool = False
) -> StreamingResponse:
    job = service.get_job(db, ctx, job_id)
    db.expunge(job)
    body, media, name = service.error_file(job, ctx.lang, failed_only)
    return StreamingResponse(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/exports/{resource}",
    summary="Stream the caller's rows as CSV, XLSX or NDJSON (masked unless revealed)",
    description="Elders take the filters of `GET /elders` (the export holds exactly the rows "
    "the list shows), guardians the same filters (the guardians of those elders, the "
    "guardian import's columns); volunteers take `region` only.",
    response_class=StreamingResponse,
)
def export_rows(
    db: DbSession,
    ctx: AuthCtx,
    resource: ExportResource,
    filters: Annotated[ElderFilters, Depends(elder_filters)],
    format: Literal["csv", "xlsx", "ndjson"] = "csv",
    reveal: Annotated[
        bool, Query(description="ID numbers and phones in full: audited and watermarked")
    ] = False,
    labels: Annotated[
        Literal["words", "codes"] | None,
        Query(
            description="`words`: headers and codes in the words of the caller's language "
            "(Accept-Language), with the township and village named (the default for "
            "people); `codes`: the field names and codes, which import back unchanged (the "
            "default for integration clients; NDJSON is always in codes)"
        ),
    ] = None,
) -> StreamingResponse:
    words = (labels or ("codes" if ctx.actor.kind == "client" else "words")) == "words"
    lang = ctx.lang if words and format != "ndjson" else None
    if resource == "volunteers" and not filters.only_region():
        raise BadRequest("export.elder_filters_only", extra={"filters": filters.given()})
    mark = None
    if reveal:
        if ctx.actor.kind != "user" or ctx.actor.role not in REVEAL_ROLES:
            raise Forbidden("reveal.not_allowed")
        mark = write.watermark(ctx)
        audit.record(
            db,
            ctx,
            "export",
            resource=resource[:-1],
            region_code=filters.region or ctx.actor.region_code,
            fields={
                "elders": ["id_number", "phone"],
                "guardians": ["elder_id_number", "phone"],
            }.get(resource, ["phone"]),
            detail={
                "format": format,
                "filters": {name: _plain(getattr(filters, name)) for name in filters.given()},
                "unmasked": True,
            },
        )
        db.commit()
    if format == "csv":
        body = export.csv_body(ctx, resource, filters, reveal, mark, lang)
    else:
        columns, rows = export.records(ctx, resource, filters, reveal)
        if lang is not None:
            columns, rows = export.in_words(columns, rows, lang)
        body = {"ndjson": write.as_ndjson, "xlsx": write.as_xlsx}[format](columns, rows, mark)
    headers = {"Content-Disposition": f'attachment; filename="{resource}.{format}"'}
    if mark:
        headers["X-Watermark"] = mark.encode("ascii", "backslashreplace").decode()
    return StreamingResponse(body, media_type=MEDIA_TYPES[format], headers=headers)


@router.get(
    "/changes",
    response_model=ChangesPage,
    summary="Every create, update and delete in scope from a cursor; each record's in commit order",
    description=(
        "Pages of the changes after `since` (none: from the start). Guaranteed: every "
        "committed create, update and delete in the caller's scope is served, and resuming "
        "from `next_cursor` neither skips nor repeats one; the entries of one record come in "
        "the order they were committed (its `version` increases along the feed), so its "
        "last entry is its current state. Entries of different records are not necessarily "
        "in commit order. A change is served once every transaction that began writing "
        "before it has ended: a long transaction (a large atomic import) holds back what "
        "was committed after it began, until it ends. `has_more: false` means nothing more "
        "can be served now; `next_cursor` is always returned: poll again from it."
    ),
)
def list_changes(
    db: DbSession,
    ctx: AuthCtx,
    since: Annotated[str | None, Query(max_length=60, description="A next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    resource: Annotated[list[Literal[changes.RESOURCES]] | None, Query()] = None,  # type: ignore[valid-type]
) -> ChangesPage:
    rows, cursor, more = changes.feed(db, ctx, since, limit, resource)
    return ChangesPage(
        items=[
            ChangeItem(
                resource=r.resource,
                id=r.resource_id,
                action=r.action,
                version=r.version,
                parent_id=r.parent_id,
                changed_at=r.changed_at,
            )
            for r in rows
        ],
        next_cursor=cursor,
        has_more=more,
    )


# (rosters add their own resources to HANDLERS: eldercare.wiring)
assert {"elders", "guardians", "volunteers", "pairings", "visits"} <= set(HANDLERS)
