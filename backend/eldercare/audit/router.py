from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query

from eldercare.audit import service
from eldercare.audit.schemas import AuditEventOut
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.clock import aware
from eldercare.db import DbSession
from eldercare.pagination import PageOut, Paging
from eldercare.routing import Router

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
