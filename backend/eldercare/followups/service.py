"""Opening follow-ups from what visits and incidents found, assigning and closing them, and
the lists and counts that hold them to account."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, get_args

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from eldercare import clock, versioned
from eldercare.audit import service as audit
from eldercare.auth.models import User
from eldercare.concurrency import check_version
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.elders import service as elders
from eldercare.elders.models import Elder
from eldercare.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from eldercare.followups import rules
from eldercare.followups.models import FollowUp, FollowUpPolicyVersion, FollowUpTransition
from eldercare.followups.schemas import (
    FollowUpAssignIn,
    FollowUpPatch,
    FollowUpTransitionIn,
    NewFollowUp,
)
from eldercare.pagination import Direction, Page, keyset
from eldercare.roles import STAFF, TOWNSHIP_UP, Role
from eldercare.scope import Scope
from eldercare.visits.models import Visit
from eldercare.volunteers import service as volunteers
from eldercare.volunteers.models import Volunteer


def follow_up_scope(ctx: RequestCtx) -> ColumnElement[bool]:
    """Staff see their region's items; a volunteer those of the elders paired with them."""
    scope = ctx.actor.scope
    if scope.elder_ids is not None:
        return FollowUp.elder_id.in_(scope.elder_ids)
    return scope.clause_levels(FollowUp.village_code, FollowUp.township_code, FollowUp.county_code)


def get_follow_up(db: Session, ctx: RequestCtx, item_id: str) -> FollowUp:
    item = db.scalar(select(FollowUp).where(FollowUp.id == item_id, follow_up_scope(ctx)))
    if item is None:
        raise NotFound()
    return item


def _local_date(moment: datetime) -> date:
    return moment.astimezone(get_settings().tz).date()


# ----------------------------------------------------------------------------- policy


def policy_for(
    db: Session, county: str, on: date | None = None
) -> tuple[rules.FollowUpPolicy, date | None]:
    """The version in force on ``on`` (default today), else the defaults."""
    return versioned.in_force(db, FollowUpPolicyVersion, rules.FollowUpPolicy, county, on)


def _set_due(db: Session, item: FollowUp, policy: rules.FollowUpPolicy | None = None) -> None:
    """The due date by the policy in force on the day the item was found (``policy``: that
    one, read already)."""
    found_on = _local_date(item.found_at)
    policy = policy or policy_for(db, item.village_code[:6], found_on)[0]
    item.due_date = rules.due_date(policy, item.kind, item.severity, found_on)


def put_policy(db: Session, ctx: RequestCtx, policy: rules.FollowUpPolicy, effective: date) -> int:
    """Store a new version; open items found since ``effective`` get new due dates."""
    county = ctx.actor.region_code[:6]
    versioned.store(db, FollowUpPolicyVersion, county, effective, policy, ctx.actor.id)
    n = 0
    since = db.scalars(
        select(FollowUp).where(
            FollowUp.county_code == county,
            FollowUp.status.in_(rules.OPEN),
            FollowUp.found_at >= datetime.combine(effective, time.min, UTC) - timedelta(days=1),
        )
    )
    for item in since:
        if _local_date(item.found_at) < effective:
            continue
        before = item.due_date
        _set_due(db, item)
        n += item.due_date != before
    db.flush()
    audit.record(
        db,
        ctx,
        "update",
        resource="follow_up_policy",
        resource_id=f"{county}@{effective}",
        region_code=county,
        detail={"due_dates_recomputed": n},
    )
    return n


# ----------------------------------------------------------------------------- history


def _step(
    db: Session,
    ctx: RequestCtx,
    item: FollowUp,
    action: str,
    to: str,
    note: str = "",
    *,
    at: datetime | None = None,
    visit_id: str | None = None,
) -> FollowUpTransition:
    p = ctx.actor
    at = at or clock.now()
    due = item.due_date
    entry = FollowUpTransition(
        follow_up_id=item.id,
        action=action,
        from_status=None if action == "opened" else item.status,
        to_status=to,
        note=note,
        owner_type=item.owner_type,
        owner_id=item.owner_id,
        visit_id=visit_id,
        actor_id=p.id,
        actor_name=p.shown_name,
        actor_role=p.role.value if p.role else None,
        at=at,
        due_date=due,
        late=(_local_date(at) > due) if due is not None and action != "opened" else None,
    )
    db.add(entry)
    return entry


def history(db: Session, item_id: str) -> list[FollowUpTransition]:
    return list(
        db.scalars(
            select(FollowUpTransition)
            .where(FollowUpTransition.follow_up_id == item_id)
            .order_by(FollowUpTransition.id)
        )
    )


# ----------------------------------------------------------------------------- opening


def _finder(db: Session, ctx: RequestCtx, visit: Visit | None) -> tuple[str, str, str]:
    """Who found it: the visit's helper (a volunteer), else the account that wrote it."""
    if visit is not None and visit.volunteer_id is not None:
        v = db.get(Volunteer, visit.volunteer_id)
        return "volunteer", visit.volunteer_id, v.name if v is not None else ""
    p = ctx.actor
    return "user", p.id, p.shown_name


def _default_owner(ctx: RequestCtx) -> tuple[str, str | None, str]:
    """The village worker who found it, else the elder's village's workers."""
    p = ctx.actor
    if p.kind == "user" and p.role == Role.village_worker:
        return "village_worker", p.id, p.shown_name
    return "village_worker", None, ""


def _open(
    db: Session,
    ctx: RequestCtx,
    elder: Elder,
    kind: str,
    description: str,
    severity: str,
    *,
    found_at: datetime,
    visit: Visit | None = None,
    incident_id: str | None = None,
    program: str | None = None,
    policy: rules.FollowUpPolicy | None = None,
) -> FollowUp:
    found_type, found_id, found_name = _finder(db, ctx, visit)
    owner_type, owner_id, owner_name = _default_owner(ctx)
    item = FollowUp(
        elder_id=elder.id,
        village_code=elder.village_code,
        category=rules.category_of(kind),
        kind=kind,
        program=program,
        description=description,
        severity=severity,
        found_by_type=found_type,
        found_by_id=found_id,
        found_by_name=found_name,
        found_at=found_at,
        visit_id=visit.id if visit is not None else None,
        incident_id=incident_id,
        last_seen_at=found_at,
        times_seen=1,
        owner_type=owner_type,
        owner_id=owner_id,
        owner_name=owner_name,
        status="open",
    )
    _set_due(db, item, policy)
    db.add(item)
    db.flush()
    _step(db, ctx, item, "opened", "open", description, visit_id=item.visit_id)
    audit.record(
        db,
        ctx,
        "create",
        resource="follow_up",
        resource_id=item.id,
        region_code=item.village_code,
        detail={
            "kind": kind,
            "elder_id": elder.id,
            "visit_id": item.visit_id,
            "incident_id": incident_id,
        },
    )
    return item


def _seen_again(db: Session, ctx: RequestCtx, item: FollowUp, visit: Visit) -> None:
    """The same finding on a later visit: counted on the open item (or reopens a recently
    closed hazard) instead of a second item."""
    if item.visit_id == visit.id or item.last_seen_at >= visit.visited_at:
        return
    item.last_seen_at = visit.visited_at
    item.times_seen += 1
    if item.status in rules.CLOSED:
        _step(db, ctx, item, "reopened", "open", visit_id=visit.id)
        item.status = "open"
        item.closed_at, item.closed_visit_id = None, None
        _set_due(db, item)
        action = "reopen"
    else:
        _step(db, ctx, item, "seen_again", item.status, visit_id=visit.id)
        action = "seen_again"
    db.flush()
    audit.record(
        db,
        ctx,
        "update",
        resource="follow_up",
        resource_id=item.id,
        region_code=item.village_code,
        detail={"action": action, "visit_id": visit.id},
    )


def _existing(
    db: Session, elder_id: str, kind: str, reopen_after: datetime | None
) -> FollowUp | None:
    """The elder's open item of this kind, else (for a hazard) one closed since
    ``reopen_after``: the most recent."""
    wanted: ColumnElement[bool] = FollowUp.status.in_(rules.OPEN)
    if reopen_after is not None:
        wanted = or_(wanted, and_(FollowUp.closed_at >= reopen_after))
    return db.scalar(
        select(FollowUp)
        .where(FollowUp.elder_id == elder_id, FollowUp.kind == kind, wanted)
        .order_by(case((FollowUp.status.in_(rules.OPEN), 0), else_=1), FollowUp.found_at.desc())
        .limit(1)
    )


def from_visit(db: Session, ctx: RequestCtx, elder: Elder, visit: Visit) -> list[FollowUp]:
    """A logged (or corrected) visit: each hazard, need and its "needs follow-up" opens an
    item, or counts on the open one of the same kind (a hazard closed within the policy's
    reopen window reopens). Returns the items opened or touched."""
    policy = policy_for(db, elder.village_code[:6], _local_date(visit.visited_at))[0]
    danger = (visit.findings or {}).get("danger", "none")
    touched: list[FollowUp] = []
    found: list[tuple[str, str]] = [
        *[("hazard", rules.kind_of_visit_code("hazard", c)) for c in visit.safety_risks or []],
        *[("need", rules.kind_of_visit_code("need", c)) for c in visit.needs or []],
    ]
    for category, kind in dict.fromkeys(found):
        reopen_after = (
            visit.visited_at - timedelta(days=policy.reopen_days) if category == "hazard" else None
        )
        item = _existing(db, elder.id, kind, reopen_after)
        if item is not None:
            _seen_again(db, ctx, item, visit)
        else:
            severity = rules.visit_severity(policy, kind, danger)
            item = _open(
                db,
                ctx,
                elder,
                kind,
                _visit_description(visit, category),
                severity,
                found_at=visit.visited_at,
                visit=visit,
                policy=policy,
            )
        touched.append(item)
    text = (visit.follow_up or "").strip()
    if text:
        item = db.scalar(
            select(FollowUp).where(FollowUp.visit_id == visit.id, FollowUp.kind == "general")
        )
        if item is None:
            severity = rules.visit_severity(policy, "general", danger)
            item = _open(
                db,
                ctx,
                elder,
                "general",
                text,
                severity,
                found_at=visit.visited_at,
                visit=visit,
                policy=policy,
            )
        elif item.description != text and item.status in rules.OPEN:
            _step(db, ctx, item, "updated", item.status, text, visit_id=visit.id)
            item.description = text
            db.flush()
        touched.append(item)
    return touched


def _visit_description(visit: Visit, category: str) -> str:
    findings = visit.findings or {}
    if category == "hazard":
        return str(findings.get("living_conditions") or visit.notes or "")[:2000]
    return str(visit.notes or "")[:2000]


def on_visit(
    db: Session, ctx: RequestCtx, elder: Elder, visit: Visit, resolved: Sequence[str]
) -> None:
    """Registered into ``visits.hooks.logged``: findings first, then what was solved."""
    from_visit(db, ctx, elder, visit)
    resolve_on_visit(db, ctx, elder, visit, resolved)


def resolve_on_visit(
    db: Session, ctx: RequestCtx, elder: Elder, visit: Visit, item_ids: Sequence[str]
) -> None:
    """Items the visitor found solved on this visit (closure evidence: the visit)."""
    for item_id in dict.fromkeys(item_ids):
        item = get_follow_up(db, ctx, item_id)
        if item.elder_id != elder.id:
            raise ValidationFailed(
                errors=[FieldError(["body", "resolved_follow_ups"], "follow_up.other_elder")]
            )
        if item.status in rules.CLOSED:
            continue
        if not may_move(ctx, db, item):  # a helper closes only what they hold
            raise Forbidden("follow_up.not_owner")
        _move(db, ctx, item, "resolved", "", visit_id=visit.id, at=visit.visited_at)


def open_from_incident(
    db: Session, ctx: RequestCtx, elder: Elder, incident_id: str, data: NewFollowUp
) -> FollowUp:
    """The follow-up an incident's resolution arranged."""
    now = clock.now()
    policy = policy_for(db, elder.village_code[:6])[0]
    severity = data.severity or rules.visit_severity(policy, data.kind, "none")
    return _open(
        db,
        ctx,
        elder,
        data.kind,
        data.description,
        severity,
        found_at=now,
        incident_id=incident_id,
        program=data.program if data.kind == "relief" else None,
    )


def opened_by_visit(db: Session, visit_id: str) -> list[dict[str, Any]]:
    """The items a visit opened, oldest first (for reading the visit)."""
    rows = db.execute(
        select(FollowUp.id, FollowUp.kind, FollowUp.status, FollowUp.due_date)
        .where(FollowUp.visit_id == visit_id)
        .order_by(FollowUp.created_at, FollowUp.id)
    )
    return [dict(r._mapping) for r in rows]


def ids_from_incident(db: Session, incident_id: str) -> list[str]:
    return list(
        db.scalars(
            select(FollowUp.id)
            .where(FollowUp.incident_id == incident_id)
            .order_by(FollowUp.found_at, FollowUp.id)
        )
    )


def resolve_relief(
    db: Session, ctx: RequestCtx, elder_id: str, program: str, benefit_id: str
) -> list[FollowUp]:
    """A benefit was recorded: the elder's open relief needs for its program (or for no
    program in particular) are resolved, with the benefit as evidence."""
    items = list(
        db.scalars(
            select(FollowUp).where(
                FollowUp.elder_id == elder_id,
                FollowUp.kind == "relief",
                FollowUp.status.in_(rules.OPEN),
                or_(FollowUp.program.is_(None), FollowUp.program == program),
            )
        )
    )
    for item in items:
        item.benefit_id = benefit_id
        _move(db, ctx, item, "resolved", f"benefit:{program}")
    return items


# ----------------------------------------------------------------------------- moving on


def _is_owner(ctx: RequestCtx, db: Session, item: FollowUp) -> bool:
    p = ctx.actor
    if p.role != Role.volunteer:
        return False
    mine = volunteers.volunteer_of_user(db, p.id)
    return mine is not None and item.owner_type == "volunteer" and item.owner_id == mine.id


def may_move(ctx: RequestCtx, db: Session, item: FollowUp) -> bool:
    return ctx.actor.role in STAFF or _is_owner(ctx, db, item)


def allowed_for(ctx: RequestCtx, db: Session, item: FollowUp) -> list[str]:
    if not may_move(ctx, db, item):
        return []
    targets = rules.allowed(item.status)
    if ctx.actor.role not in STAFF:  # a volunteer does not reopen
        targets = [t for t in targets if t != "open"]
    return targets


def _move(
    db: Session,
    ctx: RequestCtx,
    item: FollowUp,
    to: str,
    note: str,
    *,
    visit_id: str | None = None,
    at: datetime | None = None,
) -> FollowUp:
    at = at or clock.now()
    with db.no_autoflush:  # one write (one version) per transition
        entry = _step(db, ctx, item, "moved", to, note, at=at, visit_id=visit_id)
        item.status = to
        if to in rules.CLOSED:
            item.closed_at = at
            item.closure_note = note
            item.closed_visit_id = visit_id
        else:  # reopened by hand
            item.closed_at, item.closed_visit_id = None, None
            if to == "open":
                item.last_seen_at = max(item.last_seen_at, at)
        item.updated_at = at
    db.flush()
    audit.record(
        db,
        ctx,
        "transition",
        resource="follow_up",
        resource_id=item.id,
        region_code=item.village_code,
        detail={"from": entry.from_status, "to": to, "late": entry.late, "visit_id": visit_id},
    )
    return item


def transition(
    db: Session, ctx: RequestCtx, item_id: str, data: FollowUpTransitionIn, expected: int | None
) -> FollowUp:
    item = get_follow_up(db, ctx, item_id)
    if expected is not None:
        check_version(item.version, expected)
    if not may_move(ctx, db, item):
        raise Forbidden("follow_up.not_owner")
    targets = allowed_for(ctx, db, item)
    if data.to not in targets:
        raise Conflict(
            "follow_up.invalid_transition",
            extra={"current_status": item.status, "allowed": targets},
            current=item.status,
            to=data.to,
            allowed=", ".join(targets) or "-",
        )
    note = data.note.strip()
    if data.to in rules.NEED_REASON and not note:
        raise ValidationFailed(errors=[FieldError(["body", "note"], "follow_up.reason_required")])
    visit_id = None
    if data.visit_id is not None:
        visit = db.scalar(
            select(Visit).where(Visit.id == data.visit_id, Visit.elder_id == item.elder_id)
        )
        if visit is None:
            raise ValidationFailed(
                errors=[FieldError(["body", "visit_id"], "follow_up.visit_not_found")]
            )
        visit_id = visit.id
    return _move(db, ctx, item, data.to, note, visit_id=visit_id)


def _owner(
    db: Session, ctx: RequestCtx, village: str, owner_type: str, owner_id: str | None
) -> tuple[str | None, str]:
    """Checks an owner for an item of ``village``: (id, name), or 422."""
    p = ctx.actor

    def bad(code: str) -> ValidationFailed:
        return ValidationFailed(errors=[FieldError(["body", "owner_id"], code)])

    if owner_type == "village_worker":
        if owner_id is None:
            return None, ""
        user = db.get(User, owner_id)
        if (
            user is None
            or user.role != Role.village_worker.value
            or not user.active
            or user.region_code != village
        ):
            raise bad("follow_up.owner_not_village_worker")
        return user.id, user.display_name or user.username
    if owner_type == "volunteer":
        if owner_id is None:
            raise bad("follow_up.owner_missing")
        try:
            v = volunteers.get_volunteer(db, ctx, owner_id)
        except NotFound:
            raise bad("follow_up.owner_not_volunteer") from None
        if not v.active or not village.startswith(v.region_code):
            raise bad("follow_up.owner_not_volunteer")
        return v.id, v.name
    if owner_type == "township":
        if owner_id is not None:
            raise bad("follow_up.owner_not_expected")
        return None, ""
    # a department
    if p.role not in TOWNSHIP_UP:
        raise Forbidden("follow_up.department_by_officer")
    if owner_id not in get_args(rules.Department):
        raise bad("follow_up.owner_not_department")
    return owner_id, ""


def owner_candidates(db: Session, ctx: RequestCtx, village: str) -> dict[str, Any]:
    """The named owners :func:`_owner` accepts for an item of ``village`` (404 outside the
    caller's region): its active village workers and the active volunteers of the village
    or a region above it, by name."""
    ctx.actor.scope.require(village)
    workers = db.execute(
        select(User.id, User.display_name, User.username, User.region_code)
        .where(
            User.role == Role.village_worker.value,
            User.active.is_(True),
            User.region_code == village,
        )
        .order_by(User.display_name, User.username)
    )
    levels = [village[:n] for n in (12, 9, 6)]
    helpers = db.execute(
        select(Volunteer.id, Volunteer.name, Volunteer.region_code)
        .where(
            Volunteer.active.is_(True),
            Volunteer.region_code.in_(levels),
            volunteers.volunteer_scope(ctx),  # those the caller may name
        )
        .order_by(Volunteer.name, Volunteer.id)
        .limit(500)
    )
    return {
        "village": village,
        "village_workers": [
            {"id": i, "name": shown or username, "region_code": region}
            for i, shown, username, region in workers
        ],
        "volunteers": [{"id": i, "name": n, "region_code": r} for i, n, r in helpers],
    }


def _assign(
    db: Session, ctx: RequestCtx, item: FollowUp, owner_type: str, owner_id: str | None, note: str
) -> bool:
    new_id, name = _owner(db, ctx, item.village_code, owner_type, owner_id)
    if (item.owner_type, item.owner_id) == (owner_type, new_id):
        return False
    item.owner_type, item.owner_id, item.owner_name = owner_type, new_id, name
    _step(db, ctx, item, "assigned", item.status, note)
    return True


def update(
    db: Session, ctx: RequestCtx, item_id: str, data: FollowUpPatch, expected: int
) -> FollowUp:
    """Assign an open item, correct its severity or description, or set its due date."""
    item = get_follow_up(db, ctx, item_id)
    check_version(item.version, expected)
    if item.status in rules.CLOSED:
        raise Conflict("follow_up.closed")
    given = data.model_fields_set
    if "due_date" in given and ctx.actor.role not in TOWNSHIP_UP:
        raise Forbidden("follow_up.due_by_officer")
    changed: list[str] = []
    with db.no_autoflush:  # one write (one version) per change
        owner = data.owner_type if "owner_type" in given else None
        if owner is not None and _assign(db, ctx, item, owner, data.owner_id, data.note):
            changed += ["owner_type", "owner_id"]
        if data.description is not None and data.description != item.description:
            item.description = data.description
            changed.append("description")
        if data.severity is not None and data.severity != item.severity:
            item.severity = data.severity
            _set_due(db, item)
            changed.append("severity")
        if data.due_date is not None and data.due_date != item.due_date:
            item.due_date = data.due_date
            changed.append("due_date")
        if {"description", "severity", "due_date"} & set(changed):
            _step(db, ctx, item, "updated", item.status, data.note)
        if changed:
            item.updated_at = clock.now()
    if changed:
        db.flush()
        audit.record(
            db,
            ctx,
            "update",
            resource="follow_up",
            resource_id=item.id,
            region_code=item.village_code,
            fields=changed,
        )
    return item


def assign_many(db: Session, ctx: RequestCtx, data: FollowUpAssignIn) -> int:
    """One owner for several open items; every id must be in scope (else 404, nothing
    changes) and open (else 409)."""
    ids = list(dict.fromkeys(data.ids))
    items = list(db.scalars(select(FollowUp).where(FollowUp.id.in_(ids), follow_up_scope(ctx))))
    if len(items) != len(ids):
        raise NotFound()
    closed = [i.id for i in items if i.status in rules.CLOSED]
    if closed:
        raise Conflict("follow_up.closed", extra={"ids": closed})
    n = 0
    for item in items:
        with db.no_autoflush:
            if _assign(db, ctx, item, data.owner_type, data.owner_id, data.note):
                item.updated_at = clock.now()
                n += 1
    db.flush()
    if n:
        audit.record(
            db,
            ctx,
            "update",
            resource="follow_up",
            resource_id=None,
            region_code=ctx.actor.region_code,
            fields=["owner_type", "owner_id"],
            detail={"ids": ids, "owner_type": data.owner_type, "owner_id": data.owner_id},
        )
    return n


def elder_moved(db: Session, ctx: RequestCtx, elder: Elder, old_village: str) -> None:
    """An elder moved: their open items go with them (the re-keying moves the village);
    an item held by someone of the old village goes to the new village's workers."""
    held_here = FollowUp.owner_type.in_(("village_worker", "volunteer"))
    items = db.scalars(
        select(FollowUp).where(
            FollowUp.elder_id == elder.id, FollowUp.status.in_(rules.OPEN), held_here
        )
    )
    for item in items:
        if item.owner_type == "volunteer":
            v = db.get(Volunteer, item.owner_id) if item.owner_id else None
            if v is not None and elder.village_code.startswith(v.region_code):
                continue
        elif item.owner_id is None:
            continue
        _step(db, ctx, item, "assigned", item.status, f"moved:{old_village}")
        item.owner_type, item.owner_id, item.owner_name = "village_worker", None, ""
    db.flush()


# ----------------------------------------------------------------------------- reads


def _filtered(
    ctx: RequestCtx,
    *,
    region: str | None = None,
    elder_id: str | None = None,
    category: str | None = None,
    kind: Iterable[str] | None = None,
    status: Iterable[str] | None = None,
    open_only: bool = False,
    owner_type: str | None = None,
    owner_id: str | None = None,
    mine: bool = False,
    overdue: bool = False,
    ids: Iterable[str] | None = None,
) -> Any:
    stmt = select(FollowUp).where(follow_up_scope(ctx))
    if ids:
        stmt = stmt.where(FollowUp.id.in_(list(ids)))
    if region:
        ctx.actor.scope.require(region)  # a region outside the caller's: 404
        stmt = stmt.where(
            Scope(region).clause_levels(
                FollowUp.village_code, FollowUp.township_code, FollowUp.county_code
            )
        )
    if elder_id:
        stmt = stmt.where(FollowUp.elder_id == elder_id)
    if category:
        stmt = stmt.where(FollowUp.category == category)
    if kind:
        stmt = stmt.where(FollowUp.kind.in_(list(kind)))
    if status:
        stmt = stmt.where(FollowUp.status.in_(list(status)))
    if open_only:
        stmt = stmt.where(FollowUp.status.in_(rules.OPEN))
    if owner_type:
        stmt = stmt.where(FollowUp.owner_type == owner_type)
    if owner_id:
        stmt = stmt.where(FollowUp.owner_id == owner_id)
    if mine:
        stmt = stmt.where(_mine(ctx))
    if overdue:
        stmt = stmt.where(FollowUp.status.in_(rules.OPEN), FollowUp.due_date < clock.today())
    return stmt


def _mine(ctx: RequestCtx) -> ColumnElement[bool]:
    """The items the caller holds: a village worker's own and their village's unassigned
    ones; a township officer's township's; a volunteer's."""
    p = ctx.actor
    if p.role == Role.village_worker:
        return and_(
            FollowUp.owner_type == "village_worker",
            or_(FollowUp.owner_id == p.id, FollowUp.owner_id.is_(None)),
        )
    if p.role == Role.township_officer:
        return and_(FollowUp.owner_type == "township")
    if p.role == Role.volunteer:
        mine = select(Volunteer.id).where(Volunteer.user_id == p.id).scalar_subquery()
        return and_(FollowUp.owner_type == "volunteer", FollowUp.owner_id == mine)
    return and_(FollowUp.owner_type.in_(("township", "department")))


def list_follow_ups(
    db: Session,
    ctx: RequestCtx,
    *,
    limit: int,
    cursor: str | None,
    count: bool,
    **filters: Any,
) -> Page[FollowUp]:
    """Newest first; with ``overdue`` the most overdue first."""
    stmt = _filtered(ctx, **filters)
    order: list[tuple[Any, Direction]]
    if filters.get("overdue"):
        order = [(FollowUp.due_date, "asc"), (FollowUp.id, "asc")]
    else:
        order = [(FollowUp.found_at, "desc"), (FollowUp.id, "desc")]
    return keyset(db, stmt, order, limit=limit, cursor=cursor, count=count)


def worklist_items(
    db: Session, ctx: RequestCtx, region: str | None, limit: int
) -> list[dict[str, Any]]:
    """For the worklist: the open items the caller holds, the earliest due first (their
    columns and the elder's name in one statement)."""
    f = FollowUp
    columns: list[Any] = [f.id, f.elder_id, Elder.name.label("elder_name"), f.village_code]
    columns += [f.category, f.kind, f.description, f.severity, f.status, f.owner_type]
    stmt = (
        _filtered(ctx, region=region, open_only=True, mine=True)
        .with_only_columns(*columns, f.owner_id, f.due_date, f.version)
        .join(Elder, Elder.id == f.elder_id)
        .order_by(f.due_date, f.id)
        .limit(limit)
    )
    today = clock.today()
    return [
        {
            "id": i.id,
            "elder_id": i.elder_id,
            "elder_name": i.elder_name,
            "village_code": i.village_code,
            "category": i.category,
            "kind": i.kind,
            "description": i.description,
            "severity": i.severity,
            "status": i.status,
            "owner_type": i.owner_type,
            "owner_id": i.owner_id,
            "due_date": i.due_date,
            "overdue": rules.overdue(i.status, i.due_date, today),
            "version": i.version,
        }
        for i in db.execute(stmt)
    ]


def open_count_by_elder(db: Session, elder_ids: Sequence[str]) -> dict[str, int]:
    if not elder_ids:
        return {}
    rows = db.execute(
        select(FollowUp.elder_id, func.count())
        .where(FollowUp.elder_id.in_(list(elder_ids)), FollowUp.status.in_(rules.OPEN))
        .group_by(FollowUp.elder_id)
    )
    return {elder_id: n for elder_id, n in rows}


def elder_names(db: Session, items: Sequence[FollowUp]) -> dict[str, str]:
    return elders.elder_names(db, {i.elder_id for i in items})


# ----------------------------------------------------------------------------- statistics


def empty_counts() -> dict[str, Any]:
    return {
        "open": 0,
        "overdue": 0,
        "open_hazards": 0,
        "resolved_this_month": 0,
        "median_days_to_resolve": None,
        "by_kind": {},
    }


def counts_by_child(db: Session, region: str, child_length: int) -> dict[str, dict[str, Any]]:
    """For statistics, per child region and ``""`` for the whole region: open, overdue
    and open hazards, open items by kind, items resolved this month and the median days
    from finding to resolution of those."""
    scoped = Scope(region).clause_levels(
        FollowUp.village_code, FollowUp.township_code, FollowUp.county_code
    )
    child = func.substr(FollowUp.village_code, 1, child_length).label("child")
    today = clock.today()
    out: dict[str, dict[str, Any]] = {}
    rows = db.execute(
        select(
            child,
            FollowUp.kind,
            func.count(),
            func.sum(case((FollowUp.due_date < today, 1), else_=0)),
        )
        .where(scoped, FollowUp.status.in_(rules.OPEN))
        .group_by(child, FollowUp.kind)
    )
    for code, kind, n, late in rows:
        for key in (code, ""):
            b = out.setdefault(key, empty_counts())
            b["open"] += n
            b["overdue"] += int(late or 0)
            if kind in rules.HAZARD_KINDS:
                b["open_hazards"] += n
            b["by_kind"][kind] = b["by_kind"].get(kind, 0) + n
    tz = get_settings().tz
    month_start = datetime.combine(today.replace(day=1), time.min, tz)
    durations: dict[str, list[float]] = {}
    resolved = db.execute(
        select(child, FollowUp.found_at, FollowUp.closed_at).where(
            scoped, FollowUp.status == "resolved", FollowUp.closed_at >= month_start
        )
    )
    for code, found_at, closed_at in resolved:
        days = (closed_at - found_at).total_seconds() / 86400
        for key in (code, ""):
            out.setdefault(key, empty_counts())["resolved_this_month"] += 1
            durations.setdefault(key, []).append(days)
    for key, values in durations.items():
        out[key]["median_days_to_resolve"] = round(statistics.median(values), 1)
    return out
