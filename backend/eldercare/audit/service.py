"""Writing and reading the append-only audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from eldercare.audit.models import AuditEvent
from eldercare.context import RequestCtx
from eldercare.pagination import Page, keyset
from eldercare.scope import Scope


def record(
    db: Session,
    ctx: RequestCtx,
    action: str,
    *,
    resource: str | None = None,
    resource_id: str | None = None,
    region_code: str | None = None,
    fields: Sequence[str] | None = None,
    outcome: str = "success",
    actor_name: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the request's transaction (it commits or rolls back with it)."""
    p = ctx.principal
    event = AuditEvent(
        actor_type=p.kind if p else "anonymous",
        actor_id=p.id if p else None,
        actor_name=p.name if p else actor_name,
        role=(p.role.value if p.role else None) if p else None,
        actor_region=p.region_code if p else None,
        region_code=region_code or (p.region_code if p else None),
        action=action,
        resource=resource,
        resource_id=resource_id,
        fields=sorted(fields) if fields else None,
        outcome=outcome,
        ip=ctx.ip,
        request_id=ctx.request_id,
        detail=detail,
    )
    db.add(event)
    return event


def list_events(
    db: Session,
    scope: Scope,
    *,
    actor: str | None = None,
    resource: str | None = None,
    resource_id: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[AuditEvent]:
    """Events of the caller's region, newest first.

    An event belongs to a region through its resource, or through its actor's region; a
    county admin sees both kinds for their county and nothing of a neighbour's.
    """
    stmt = select(AuditEvent).where(
        or_(scope.clause(AuditEvent.region_code), scope.clause(AuditEvent.actor_region))
    )
    if actor:
        stmt = stmt.where(or_(AuditEvent.actor_id == actor, AuditEvent.actor_name == actor))
    if resource:
        stmt = stmt.where(AuditEvent.resource == resource)
    if resource_id:
        stmt = stmt.where(AuditEvent.resource_id == resource_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if outcome:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    return keyset(db, stmt, [(AuditEvent.id, "desc")], limit=limit, cursor=cursor, count=count)
