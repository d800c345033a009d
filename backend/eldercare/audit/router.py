from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from fastapi.responses import StreamingResponse

from eldercare import clock
from eldercare.audit import service
from eldercare.audit.schemas import AuditEventOut
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.clock import aware
from eldercare.config import get_settings
from eldercare.db import DbSession
from eldercare.pagination import PageOut, Paging
from eldercare.routing import Router
from eldercare.sheets.formats import MEDIA_TYPES
from eldercare.sheets.write import as_csv, as_xlsx

router = Router(prefix="/audit", tags=["audit"], dependencies=[Depends(auth_ctx)])


@router.get(
    "", response_model=PageOut[AuditEventOut], summary="The audit log of the county, newest first"
)
def list_audit(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    actor: Annotated[str | None, Query(max_length=150, description="Actor id or name")] = None,
    resource: Annotated[str | None, Query(max_length=40)] = None,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    outcome: Literal["success", "failure"] | None = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, inclusive")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive")] = None,
) -> PageOut[AuditEventOut]:
    page = service.list_events(
        db,
        ctx.actor.scope,
        actor=actor,
        resource=resource,
        resource_id=resource_id,
        action=action,
        outcome=outcome,
        since=aware(since),
        until=aware(until),
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    return PageOut(
        items=[
            AuditEventOut.model_validate(e).model_copy(update=words)
            for e, words in zip(page.items, service.in_words(db, page.items, ctx.lang), strict=True)
        ],
        next_cursor=page.next_cursor,
        total=page.total,
    )


EXPORT_PAGE = 500
EXPORT_MAX = 50_000  # events in one file: narrow the dates for more


@router.get(
    "/export",
    summary="The audit log as a file, with the list's filters, in words (Chinese or English)",
    response_class=StreamingResponse,
)
def export_audit(
    db: DbSession,
    ctx: AuthCtx,
    actor: Annotated[str | None, Query(max_length=150, description="Actor id or name")] = None,
    resource: Annotated[str | None, Query(max_length=40)] = None,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    outcome: Literal["success", "failure"] | None = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, inclusive")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive")] = None,
    format: Literal["xlsx", "csv"] = "xlsx",
) -> StreamingResponse:
    lang = ctx.lang
    pages = []
    cursor: str | None = None
    seen = 0
    while seen < EXPORT_MAX:
        page = service.list_events(
            db,
            ctx.actor.scope,
            actor=actor,
            resource=resource,
            resource_id=resource_id,
            action=action,
            outcome=outcome,
            since=aware(since),
            until=aware(until),
            limit=EXPORT_PAGE,
            cursor=cursor,
            count=False,
        )
        pages.append((page.items, service.in_words(db, page.items, lang)))
        seen += len(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    places = service.region_names(db, {e.region_code for items, _ in pages for e in items})
    head = service.EXPORT_HEADERS[1 if lang == "en" else 0]
    tz = get_settings().tz

    def rows() -> Iterator[list[Any]]:
        for items, words in pages:
            for e, w in zip(items, words, strict=True):
                township, village = places.get(e.region_code or "", ("", ""))
                yield [
                    e.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                    e.actor_name or "",
                    service.role_label(e.role, lang),
                    w["action_label"],
                    w["resource_label"] or "",
                    w["object_label"] or "",
                    ("、" if lang != "en" else ", ").join(w["field_labels"] or []),
                    w["outcome_label"],
                    township,
                    village,
                    e.ip or "",
                ]

    writer = {"csv": as_csv, "xlsx": as_xlsx}[format]
    name = f"audit-{clock.today().isoformat()}.{format}"
    return StreamingResponse(
        writer(head, rows(), None),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
