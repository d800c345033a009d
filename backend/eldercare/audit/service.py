"""Writing and reading the append-only audit log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from eldercare import labels
from eldercare.audit.models import AuditEvent
from eldercare.context import RequestCtx
from eldercare.pagination import Page, keyset
from eldercare.scope import Scope

# Names of the objects of events, by resource: each domain registers its own (wiring), so
# the log shows "王桂英" rather than "elder 01a24aac".
Namer = Callable[[Session, set[str]], dict[str, str]]
NAMERS: dict[str, Namer] = {}


def register_namer(resource: str, namer: Namer) -> None:
    NAMERS[resource] = namer


def _users(db: Session, ids: set[str]) -> dict[str, str]:
    from eldercare.auth.models import IntegrationClient, User

    rows = db.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
    out = {i: (name or login) for i, name, login in rows}
    clients = db.execute(
        select(IntegrationClient.client_id, IntegrationClient.name).where(
            IntegrationClient.client_id.in_(ids)
        )
    )
    return out | {i: n for i, n in clients}


register_namer("user", _users)
register_namer("client", _users)


def in_words(db: Session, events: Sequence[AuditEvent], lang: str) -> list[dict[str, Any]]:
    """The events with their action, object, fields and outcome in words."""
    wanted: dict[str, set[str]] = {}
    for e in events:
        if e.resource and e.resource_id and e.resource in NAMERS:
            wanted.setdefault(e.resource, set()).add(e.resource_id)
    names = {r: NAMERS[r](db, ids) for r, ids in wanted.items()}
    out = []
    for e in events:
        kind = labels.label("auditResource", e.resource, lang) if e.resource else None
        name = names.get(e.resource or "", {}).get(e.resource_id or "")
        out.append(
            {
                "object_label": name or kind,
                "action_label": labels.label("auditAction", e.action, lang),
                "resource_label": kind,
                "outcome_label": labels.label("auditResult", e.outcome, lang),
                "field_labels": [labels.label("field", f, lang) for f in e.fields]
                if e.fields
                else None,
            }
        )
    return out


EXPORT_HEADERS = (
    (
        "时间",
        "操作人",
        "角色",
        "操作",
        "对象类型",
        "对象",
        "字段",
        "结果",
        "乡镇",
        "村（社区）",
        "IP 地址",
    ),
    (
        "Time",
        "Actor",
        "Role",
        "Action",
        "Object type",
        "Object",
        "Fields",
        "Outcome",
        "Township",
        "Village",
        "IP address",
    ),
)


def role_label(role: str | None, lang: str) -> str:
    return labels.label("role", role, lang) if role else ""


def region_names(db: Session, codes: set[str | None]) -> dict[str, tuple[str, str]]:
    """(township, village) names of region codes ('' above that level)."""
    from eldercare.regions.models import Region

    wanted = {c for c in codes if c}
    parents = {c[:9] for c in wanted if len(c) == 12}
    rows = db.execute(select(Region.code, Region.name).where(Region.code.in_(wanted | parents)))
    names = {code: name for code, name in rows}
    out: dict[str, tuple[str, str]] = {}
    for code in wanted:
        if len(code) == 12:
            out[code] = (names.get(code[:9], ""), names.get(code, code))
        elif len(code) == 9:
            out[code] = (names.get(code, code), "")
        else:
            out[code] = ("", "")
    return out


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
