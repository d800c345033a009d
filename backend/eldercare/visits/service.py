"""Logging visits: who may log for whom, when, and who may correct them afterwards.

A visit may be corrected by its author or by a township or county officer (of its region)
within the county's correction window (``VisitPolicy.correction_window_days``, default 7
days after it was logged); every correction keeps its fields before and after, who made it
and why (``visit_changes``), and moves the elder's visit and service schedules.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from eldercare import clock
from eldercare.audit import service as audit
from eldercare.clock import aware
from eldercare.concurrency import check_version
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import utcnow
from eldercare.elders import contacts
from eldercare.elders import service as elders
from eldercare.errors import FieldError, Forbidden, NotFound, ValidationFailed
from eldercare.pagination import Page, keyset
from eldercare.patching import apply_patch
from eldercare.roles import TOWNSHIP_UP, Role
from eldercare.visits import hooks, schedule, services
from eldercare.visits.models import Visit, VisitChange
from eldercare.visits.schemas import VisitIn, VisitPatch
from eldercare.volunteers import service as volunteers

CLOCK_SKEW = timedelta(minutes=5)
# A visit's fields a correction may change (and its history records).
CORRECTABLE = (
    "visited_at",
    "method",
    "findings",
    "safety_risks",
    "needs",
    "services",
    "guardian_contacted",
    "follow_up",
    "notes",
)


def visit_scope(ctx: RequestCtx) -> ColumnElement[bool]:
    scope = ctx.actor.scope
    if scope.elder_ids is not None:  # a volunteer: the visits of their paired elders
        return Visit.elder_id.in_(scope.elder_ids)
    return scope.clause(Visit.village_code)


def get_visit(db: Session, ctx: RequestCtx, visit_id: str, *, lock: bool = False) -> Visit:
    """``lock``: for a write, the elder's row lock first (see ``elders.get_elder``), then
    the visit as it is once the lock is ours."""
    stmt = select(Visit).where(Visit.id == visit_id, visit_scope(ctx))
    if lock:
        elder_id = db.scalar(select(Visit.elder_id).where(Visit.id == visit_id))
        if elder_id is None:
            raise NotFound()
        elders.get_elder(db, ctx, elder_id, lock=True)
        stmt = stmt.execution_options(populate_existing=True)
    visit = db.scalar(stmt)
    if visit is None:
        raise NotFound()
    return visit


def _check_time(elder: Any, visited_at: datetime) -> None:
    if visited_at > utcnow() + CLOCK_SKEW:
        raise ValidationFailed(errors=[FieldError(["body", "visited_at"], "visit.future")])
    born = datetime.combine(elder.birth_date, time.min, tzinfo=get_settings().tz)
    if visited_at < born:  # also keeps years no database timestamp holds (0001-01-01) out
        raise ValidationFailed(errors=[FieldError(["body", "visited_at"], "visit.before_birth")])
    if elder.status in ("deceased", "moved_out") and elder.status_date is not None:
        end = datetime.combine(elder.status_date, time.max, tzinfo=get_settings().tz)
        if visited_at > end:
            raise ValidationFailed(
                errors=[FieldError(["body", "visited_at"], f"visit.after_{elder.status}")]
            )


def log_visit(
    db: Session, ctx: RequestCtx, data: VisitIn, windows: dict[str, timedelta] | None = None
) -> Visit:
    """Log a visit: the elder's schedule, the services it records and its follow-ups
    updated. ``windows``: the county's correction window is put there (its policy is read
    here once)."""
    p = ctx.actor
    # volunteers: paired elders only, else 404; locked, so that a move cannot leave it behind
    elder = elders.get_elder(db, ctx, data.elder_id, lock=True)
    visited_at = aware(data.visited_at) or utcnow()
    _check_time(elder, visited_at)
    volunteer_id = data.volunteer_id
    user_id: str | None = None
    if p.role == Role.volunteer:
        mine = volunteers.volunteer_of_user(db, p.id)
        if mine is None:
            raise Forbidden("visit.no_volunteer_record")
        volunteer_id = mine.id
    elif volunteer_id is not None:
        volunteers.get_volunteer(db, ctx, volunteer_id)
    elif p.kind == "user":
        user_id = p.id
    else:  # an integration client records visits made by a helper
        raise ValidationFailed(errors=[FieldError(["body", "volunteer_id"], "missing")])
    guardian = None
    if data.guardian_contacted:
        guardian = (
            contacts.guardian_of(db, elder, data.guardian_id, ["body", "guardian_id"])
            if data.guardian_id
            else contacts.default_guardian(db, elder.id)
        )
        # None: no living guardian on record, nobody's log to write (the visit still says so)
    visit = Visit(
        elder_id=elder.id,
        village_code=elder.village_code,
        volunteer_id=volunteer_id,
        user_id=user_id,
        author_id=p.id,
        visited_at=visited_at,
        method=data.method,
        findings=data.findings.model_dump(),
        safety_risks=list(data.safety_risks),
        needs=list(data.needs),
        services=list(data.services),
        guardian_contacted=data.guardian_contacted,
        follow_up=data.follow_up,
        notes=data.notes,
    )
    db.add(visit)
    db.flush()
    if guardian is not None:
        helper = volunteers.get_volunteer(db, ctx, volunteer_id) if volunteer_id else None
        contacts.log_contact(
            db,
            ctx,
            elder,
            guardian,
            contacted_at=visited_at,
            method=data.guardian_contact_method,
            source="visit",
            source_id=visit.id,
            volunteer_id=volunteer_id,
            contacted_by=helper.name if helper else None,
        )
    policy = schedule.policy_for(db, elder.village_code[:6])[0]
    schedule.refresh(db, elder, policy)
    if windows is not None:
        windows[elder.village_code[:6]] = timedelta(days=policy.correction_window_days)
    services.visit_logged(db, visit)
    hooks.logged(db, ctx, elder, visit, data.resolved_follow_ups)
    audit.record(
        db,
        ctx,
        "create",
        resource="visit",
        resource_id=visit.id,
        region_code=elder.village_code,
        fields=sorted(data.model_fields_set),
    )
    return visit


def correction_window(db: Session, visit: Visit) -> timedelta:
    """How long after logging a visit of this county may be corrected (its policy today)."""
    policy = schedule.policy_for(db, visit.village_code[:6])[0]
    return timedelta(days=policy.correction_window_days)


def correctable_until(db: Session, visit: Visit) -> datetime:
    return visit.created_at + correction_window(db, visit)


def may_correct_role(ctx: RequestCtx, visit: Visit) -> bool:
    return ctx.actor.id == visit.author_id or ctx.actor.role in TOWNSHIP_UP


def may_correct(db: Session, ctx: RequestCtx, visit: Visit) -> bool:
    """Whether this actor may correct the visit now (for the app's button)."""
    return may_correct_role(ctx, visit) and clock.now() <= correctable_until(db, visit)


def _snapshot(visit: Visit) -> dict[str, Any]:
    """The correctable fields as JSON values (a correction's before and after)."""
    out: dict[str, Any] = {}
    for field in CORRECTABLE:
        value = getattr(visit, field)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, list):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        out[field] = value
    return out


def update_visit(
    db: Session, ctx: RequestCtx, visit_id: str, data: VisitPatch, expected: int
) -> Visit:
    """The author, or a township or county officer, within the county's correction window;
    the change is kept in the visit's history."""
    p = ctx.actor
    visit = get_visit(db, ctx, visit_id, lock=True)
    check_version(visit.version, expected)
    if not may_correct_role(ctx, visit):
        raise Forbidden("visit.edit_not_author")
    window = correction_window(db, visit)
    if clock.now() > visit.created_at + window:
        raise Forbidden("visit.edit_window", days=window.days)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "reason"})
    if "visited_at" in changes and changes["visited_at"] is not None:
        changes["visited_at"] = aware(changes["visited_at"])
        elder = elders.get_elder(db, ctx, visit.elder_id)
        _check_time(elder, changes["visited_at"])
    before = _snapshot(visit)
    changed = apply_patch(visit, changes, required=set(changes))
    db.flush()
    if not changed:
        return visit
    after = _snapshot(visit)
    db.add(
        VisitChange(
            visit_id=visit.id,
            actor_id=p.id,
            actor_name=p.shown_name,
            reason=data.reason,
            changes={f: {"before": before[f], "after": after[f]} for f in changed},
            version=visit.version,
        )
    )
    if {"visited_at", "method", "services"} & set(changed):
        elder = elders.get_elder(db, ctx, visit.elder_id)
        schedule.refresh(db, elder)
        services.refresh_elder(db, elder, rescan=True)
    if (
        "guardian_contacted" in changed
        and visit.guardian_contacted
        and not contacts.contacts_from(db, "visit", visit.id)
    ):  # a correction saying the children were reached writes the entry the visit lacked
        elder = elders.get_elder(db, ctx, visit.elder_id)
        guardian = contacts.default_guardian(db, elder.id)
        if guardian is not None:
            contacts.log_contact(
                db,
                ctx,
                elder,
                guardian,
                contacted_at=visit.visited_at,
                method="phone",
                source="visit",
                source_id=visit.id,
                volunteer_id=visit.volunteer_id,
            )
    if {"safety_risks", "needs", "follow_up", "findings"} & set(changed):
        # a hazard or need added by a correction opens its item
        hooks.logged(db, ctx, elders.get_elder(db, ctx, visit.elder_id), visit, [])
    audit.record(
        db,
        ctx,
        "update",
        resource="visit",
        resource_id=visit.id,
        region_code=visit.village_code,
        fields=changed,
        detail={"reason": data.reason} if data.reason else None,
    )
    return visit


def history(db: Session, ctx: RequestCtx, visit_id: str) -> list[VisitChange]:
    """A visit's corrections, newest first (the visit in scope, else 404)."""
    visit = get_visit(db, ctx, visit_id)
    return list(
        db.scalars(
            select(VisitChange)
            .where(VisitChange.visit_id == visit.id)
            .order_by(VisitChange.changed_at.desc(), VisitChange.version.desc())
        )
    )


def list_visits(
    db: Session,
    ctx: RequestCtx,
    *,
    elder_id: str | None,
    volunteer_id: str | None,
    region: str | None,
    method: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[Visit]:
    stmt = select(Visit).where(visit_scope(ctx))
    if elder_id:
        stmt = stmt.where(Visit.elder_id == elder_id)
    if volunteer_id:
        stmt = stmt.where(Visit.volunteer_id == volunteer_id)
    if region:
        stmt = stmt.where(Visit.village_code.startswith(region))
    if method:
        stmt = stmt.where(Visit.method == method)
    if since:
        stmt = stmt.where(Visit.visited_at >= since)
    if until:
        stmt = stmt.where(Visit.visited_at < until)
    return keyset(
        db,
        stmt,
        [(Visit.visited_at, "desc"), (Visit.id, "desc")],
        limit=limit,
        cursor=cursor,
        count=count,
    )


def worklist(
    db: Session,
    ctx: RequestCtx,
    *,
    region: str | None,
    volunteer_id: str | None,
    until: date,
    limit: int,
    cursor: str | None,
    count: bool,
    overdue_on: date | None = None,
) -> Page[Any]:
    """Scheduled elders due on or before ``until``, most overdue first (an indexed range);
    ``overdue_on``: instead, those overdue on that day (到期未探访, one definition:
    :func:`eldercare.visits.schedule.overdue_clause`)."""
    from eldercare.elders.models import Elder
    from eldercare.scope import Scope
    from eldercare.visits.models import ElderSchedule
    from eldercare.visits.schedule import overdue_clause
    from eldercare.volunteers.models import Pairing

    p = ctx.actor
    s = ElderSchedule
    stmt = (
        select(
            s.elder_id,
            Elder.name,
            s.village_code,
            Elder.address,
            Elder.phone,
            s.risk_level,
            Elder.category_codes,
            s.last_visit_at,
            s.next_due_date,
            s.reason,
            s.event_type,
        )
        .join(Elder, Elder.id == s.elder_id)
        .where(overdue_clause(overdue_on) if overdue_on else s.next_due_date <= until)
    )
    scope = p.scope
    if scope.elder_ids is not None:
        stmt = stmt.where(s.elder_id.in_(scope.elder_ids))
    else:
        stmt = stmt.where(scope.clause_levels(s.village_code, s.township_code, s.county_code))
    if region:
        stmt = stmt.where(
            Scope(region).clause_levels(s.village_code, s.township_code, s.county_code)
        )
    if volunteer_id:
        stmt = stmt.where(
            s.elder_id.in_(
                select(Pairing.elder_id).where(
                    Pairing.volunteer_id == volunteer_id, Pairing.end_date.is_(None)
                )
            )
        )
    return keyset(
        db,
        stmt,
        [(s.next_due_date, "asc"), (s.elder_id, "asc")],
        limit=limit,
        cursor=cursor,
        count=count,
        scalars=False,
    )
