"""Reporting incidents and moving them through their states, with deadlines and a timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from eldercare import clock, versioned
from eldercare.audit import service as audit
from eldercare.concurrency import check_version
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.elders import contacts
from eldercare.elders import service as elders
from eldercare.elders.models import GuardianContact
from eldercare.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from eldercare.followups import service as followups
from eldercare.followups.schemas import NewFollowUp
from eldercare.incidents import rules
from eldercare.incidents.models import Incident, IncidentPolicyVersion, IncidentTransition
from eldercare.incidents.schemas import IncidentIn, IncidentPatch, NotificationIn, TransitionIn
from eldercare.pagination import Direction, Page, keyset
from eldercare.patching import apply_patch
from eldercare.scope import Scope
from eldercare.visits import schedule

CLOCK_SKEW = timedelta(minutes=5)


def incident_scope(ctx: RequestCtx) -> ColumnElement[bool]:
    """Staff see their region's incidents. A volunteer sees the incidents they reported
    themselves, for elders still paired with them (not others' reports about the elder,
    which may concern the family or a helper, and nothing once the pairing ends)."""
    p = ctx.actor
    scope = p.scope
    if scope.elder_ids is not None:
        return and_(Incident.reporter_id == p.id, Incident.elder_id.in_(scope.elder_ids))
    return scope.clause_levels(Incident.village_code, Incident.township_code, Incident.county_code)


def get_incident(db: Session, ctx: RequestCtx, incident_id: str) -> Incident:
    incident = db.scalar(select(Incident).where(Incident.id == incident_id, incident_scope(ctx)))
    if incident is None:
        raise NotFound()
    return incident


# ----------------------------------------------------------------------------- policy


def policy_for(
    db: Session, county: str, on: date | None = None
) -> tuple[rules.IncidentPolicy, date | None]:
    """The version in force on ``on`` (default today), else the defaults."""
    return versioned.in_force(db, IncidentPolicyVersion, rules.IncidentPolicy, county, on)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(get_settings().tz).date()


def _policy_of(db: Session, incident: Incident) -> rules.IncidentPolicy:
    """The policy in force on the day of the report."""
    return policy_for(db, incident.village_code[:6], _local_date(incident.reported_at))[0]


def _set_deadline(db: Session, incident: Incident) -> None:
    """Deadlines follow the policy in force on the day of the report: those from the report
    stay through an escalation, which adds the county's; the one due is the earliest unmet."""
    d = rules.deadlines(
        _policy_of(db, incident), incident.severity, incident.reported_at, incident.escalated_at
    )
    incident.acknowledge_due_at, incident.resolve_due_at = d.acknowledge, d.resolve
    incident.county_due_at = d.county
    incident.due_step, incident.due_at = rules.due(
        d, incident.status, incident.acknowledged_at is not None
    )


def _set_late(db: Session, incident: Incident) -> None:
    limit = _policy_of(db, incident).report_limit_hours
    incident.reported_late = rules.reported_late(incident.occurred_at, incident.reported_at, limit)


def put_policy(db: Session, ctx: RequestCtx, policy: rules.IncidentPolicy, effective: date) -> int:
    """Store a new version; open incidents reported since ``effective`` get new deadlines,
    and every incident reported since is judged on time or late against its limit."""
    county = ctx.actor.region_code[:6]
    versioned.store(db, IncidentPolicyVersion, county, effective, policy, ctx.actor.id)
    n = 0
    since = db.scalars(
        select(Incident).where(
            Incident.county_code == county,
            # a day's margin for the time zone; the local date decides below
            Incident.reported_at >= datetime.combine(effective, time.min, UTC) - timedelta(days=1),
        )
    )
    for incident in since:
        if _local_date(incident.reported_at) < effective:
            continue
        _set_late(db, incident)
        if incident.status in rules.OPEN:
            _set_deadline(db, incident)
            n += 1
    db.flush()
    audit.record(
        db,
        ctx,
        "update",
        resource="incident_policy",
        resource_id=f"{county}@{effective}",
        region_code=county,
        detail={"deadlines_recomputed": n},
    )
    return n


# ----------------------------------------------------------------------------- writes


def _check_occurred(occurred_at: datetime | None, now: datetime) -> None:
    if occurred_at is not None and occurred_at > now + CLOCK_SKEW:
        raise ValidationFailed(errors=[FieldError(["body", "occurred_at"], "incident.future")])


def _step(
    db: Session,
    ctx: RequestCtx,
    incident: Incident,
    to: str,
    note: str,
    at: datetime,
) -> IncidentTransition:
    p = ctx.actor
    deadline_at = incident.due_at
    entry = IncidentTransition(
        incident_id=incident.id,
        from_status=incident.status if to != "reported" else None,
        to_status=to,
        note=note,
        actor_id=p.id,
        actor_name=p.shown_name,
        actor_role=p.role.value if p.role else None,
        at=at,
        deadline_at=deadline_at,
        late=(at > deadline_at) if deadline_at is not None else None,
    )
    db.add(entry)
    return entry


def report(db: Session, ctx: RequestCtx, data: IncidentIn) -> Incident:
    """A village (or anyone in scope, or a volunteer for a paired elder) reports; a visit
    falls due within the event window. The severity is at least the type's floor."""
    elder = elders.get_elder(db, ctx, data.elder_id, lock=True)
    if elder.status != "active":
        raise Conflict("incident.elder_inactive")
    now = clock.now()
    occurred_at = clock.aware(data.occurred_at)
    _check_occurred(occurred_at, now)
    p = ctx.actor
    severity = rules.effective_severity(data.type, data.severity)
    incident = Incident(
        elder_id=elder.id,
        village_code=elder.village_code,
        type=data.type,
        severity=severity,
        description=data.description,
        status="reported",
        level="township",
        reporter_id=p.id,
        reporter_name=p.shown_name,
        occurred_at=occurred_at,
        reported_at=now,
        created_at=now,
        updated_at=now,
    )
    _set_deadline(db, incident)
    _set_late(db, incident)
    db.add(incident)
    db.flush()
    _step(db, ctx, incident, "reported", "", now)
    schedule.record_event(db, ctx, elder, "incident", now)
    audit.record(
        db,
        ctx,
        "create",
        resource="incident",
        resource_id=incident.id,
        region_code=incident.village_code,
        detail={
            "type": data.type,
            "severity": severity,
            "severity_asked": data.severity,
            "elder_id": elder.id,
            "reported_late": incident.reported_late,
        },
    )
    db.flush()
    return incident


def transition(
    db: Session, ctx: RequestCtx, incident_id: str, data: TransitionIn, expected: int | None
) -> Incident:
    """Move an incident on: 409 (listing what is allowed) for a move the state machine does
    not have, 403 when the caller does not hold the incident at its level."""
    incident = get_incident(db, ctx, incident_id)
    if expected is not None:
        check_version(incident.version, expected)
    targets = rules.allowed(incident.status, incident.level)
    if data.to not in targets:
        raise Conflict(
            "incident.invalid_transition",
            extra={"current_status": incident.status, "allowed": targets},
            current=incident.status,
            to=data.to,
            allowed=", ".join(targets) or "-",
        )
    if not rules.may_move(ctx.actor.role, incident.level):
        raise Forbidden(f"incident.{incident.level}_holds")
    _check_arranged(data)
    now = clock.now()
    with db.no_autoflush:  # one write (one version) per transition
        entry = _step(db, ctx, incident, data.to, data.note, now)
        incident.status = data.to
        if data.to == "acknowledged":
            incident.acknowledged_at = now
        elif data.to == "escalated":
            incident.escalated_at, incident.level = now, "county"
        elif data.to == "resolved":
            incident.resolved_at = now
        _set_deadline(db, incident)
        incident.updated_at = now
    db.flush()
    arranged = _arrange(db, ctx, incident, data) if data.to == "resolved" else None
    audit.record(
        db,
        ctx,
        "transition",
        resource="incident",
        resource_id=incident.id,
        region_code=incident.village_code,
        detail={
            "from": entry.from_status,
            "to": data.to,
            "late": entry.late,
            **({"follow_up": arranged} if data.to == "resolved" else {}),
        },
    )
    return incident


def _check_arranged(data: TransitionIn) -> None:
    """Resolving says what follow-up was arranged (exactly one: an item, a relief referral,
    or none with a note); other moves arrange none."""
    given = [
        name
        for name, value in (
            ("follow_up", data.follow_up),
            ("relief_referral", data.relief_referral),
            ("no_follow_up", data.no_follow_up or None),
        )
        if value is not None
    ]
    if data.to != "resolved":
        if given:
            raise ValidationFailed(
                errors=[FieldError(["body", given[0]], "incident.follow_up_only_on_resolve")]
            )
        return
    if len(given) != 1 or (data.no_follow_up and not data.note.strip()):
        loc = "note" if given == ["no_follow_up"] else "follow_up"
        raise ValidationFailed(errors=[FieldError(["body", loc], "incident.follow_up_required")])


def _arrange(db: Session, ctx: RequestCtx, incident: Incident, data: TransitionIn) -> str | None:
    """Opens the follow-up the resolution arranged; returns its id (None: none needed)."""
    elder = elders.get_elder(db, ctx, incident.elder_id)
    if data.follow_up is not None:
        item = followups.open_from_incident(db, ctx, elder, incident.id, data.follow_up)
    elif data.relief_referral is not None:
        referral = NewFollowUp(
            kind="relief",
            description=data.note.strip() or incident.description[:2000],
            program=data.relief_referral,
        )
        item = followups.open_from_incident(db, ctx, elder, incident.id, referral)
    else:
        return None
    return item.id


def follow_up_ids(db: Session, incident_id: str) -> list[str]:
    return followups.ids_from_incident(db, incident_id)


def update(
    db: Session, ctx: RequestCtx, incident_id: str, data: IncidentPatch, expected: int
) -> Incident:
    incident = get_incident(db, ctx, incident_id)
    check_version(incident.version, expected)
    if incident.status == "resolved":
        raise Conflict("incident.closed")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "occurred_at" in changes:
        changes["occurred_at"] = clock.aware(changes["occurred_at"])
        _check_occurred(changes["occurred_at"], clock.now())
    if "type" in changes or "severity" in changes:  # a correction may raise it, not lower it
        asked = changes.get("severity") or incident.severity
        changes["severity"] = rules.effective_severity(changes.get("type") or incident.type, asked)
    with db.no_autoflush:  # one write (one version) per change
        changed = apply_patch(incident, changes, required={"type", "severity", "description"})
        if "severity" in changed:
            _set_deadline(db, incident)
        if "occurred_at" in changed:
            _set_late(db, incident)
        if changed:
            incident.updated_at = clock.now()
    if changed:
        db.flush()
        audit.record(
            db,
            ctx,
            "update",
            resource="incident",
            resource_id=incident.id,
            region_code=incident.village_code,
            fields=changed,
        )
    return incident


def notify_children(
    db: Session, ctx: RequestCtx, incident_id: str, data: NotificationIn
) -> Incident:
    """Record that one of the elder's guardians was notified (plan 八 (三)): an entry of
    their contact log with source ``incident``; the incident keeps its first notification."""
    incident = get_incident(db, ctx, incident_id)
    elder = elders.get_elder(db, ctx, incident.elder_id, lock=True)
    guardian = contacts.guardian_of(db, elder, data.guardian_id, ["body", "guardian_id"])
    at = clock.aware(data.notified_at) or clock.now()
    contacts.check_time(at, ["body", "notified_at"])
    entry = contacts.log_contact(
        db,
        ctx,
        elder,
        guardian,
        contacted_at=at,
        method=data.method,
        note=data.note,
        source="incident",
        source_id=incident.id,
    )
    if incident.children_notified_at is None or at < incident.children_notified_at:
        incident.children_notified_at = at
        incident.updated_at = clock.now()
        db.flush()
    audit.record(
        db,
        ctx,
        "notify",
        resource="incident",
        resource_id=incident.id,
        region_code=incident.village_code,
        detail={"guardian_id": guardian.id, "contact_id": entry.id, "method": data.method},
    )
    return incident


# ----------------------------------------------------------------------------- reads


def notifications(db: Session, incident_id: str) -> list[GuardianContact]:
    """The children notified of an incident, first first."""
    return contacts.contacts_from(db, "incident", incident_id)


def timeline(db: Session, incident_id: str) -> list[IncidentTransition]:
    return list(
        db.scalars(
            select(IncidentTransition)
            .where(IncidentTransition.incident_id == incident_id)
            .order_by(IncidentTransition.id)
        )
    )


def list_incidents(
    db: Session,
    ctx: RequestCtx,
    *,
    region: str | None,
    elder_id: str | None,
    status: list[str] | None,
    type: str | None,
    severity: str | None,
    open_only: bool,
    overdue: bool,
    limit: int,
    children_notified: bool | None = None,
    cursor: str | None,
    count: bool,
) -> Page[Incident]:
    """Newest first; with ``overdue`` only incidents past their deadline, most overdue first."""
    stmt = select(Incident).where(incident_scope(ctx))
    if region:
        stmt = stmt.where(
            Scope(region).clause_levels(
                Incident.village_code, Incident.township_code, Incident.county_code
            )
        )
    if elder_id:
        stmt = stmt.where(Incident.elder_id == elder_id)
    if status:
        stmt = stmt.where(Incident.status.in_(status))
    if open_only:
        stmt = stmt.where(Incident.status.in_(rules.OPEN))
    if type:
        stmt = stmt.where(Incident.type == type)
    if severity:
        stmt = stmt.where(Incident.severity == severity)
    if children_notified is not None:
        notified = Incident.children_notified_at.is_not(None)
        stmt = stmt.where(notified if children_notified else ~notified)
    order: list[tuple[Any, Direction]]
    if overdue:
        stmt = stmt.where(Incident.due_at < clock.now())
        order = [(Incident.due_at, "asc"), (Incident.id, "asc")]
    else:
        order = [(Incident.reported_at, "desc"), (Incident.id, "desc")]
    return keyset(db, stmt, order, limit=limit, cursor=cursor, count=count)


def elder_names(db: Session, incidents: list[Incident]) -> dict[str, str]:
    return elders.elder_names(db, {i.elder_id for i in incidents})


def open_and_overdue_by_child(db: Session, region: str, child_length: int) -> dict[str, Any]:
    """For statistics: open and overdue incidents per child region (and the region's total)."""
    from sqlalchemy import case, func

    child = func.substr(Incident.village_code, 1, child_length).label("child")
    now = clock.now()
    rows = db.execute(
        select(
            child,
            Incident.status,
            func.count(),
            func.sum(case((Incident.due_at < now, 1), else_=0)),
        )
        .where(
            Scope(region).clause_levels(
                Incident.village_code, Incident.township_code, Incident.county_code
            ),
            Incident.status.in_(rules.OPEN),
        )
        .group_by(child, Incident.status)
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for code, status, n, late in rows:
        b = out.setdefault(code, {"open": 0, "overdue": 0, "by_status": {}})
        b["open"] += n
        b["overdue"] += int(late or 0)
        b["by_status"][status] = n
    return out


REPORT_WINDOW = timedelta(days=365)


def reports_by_child(db: Session, region: str, child_length: int) -> dict[str, dict[str, int]]:
    """For statistics (及时报告): incidents reported in the last 12 months per child region,
    how many of them say when the event happened, and how many were reported late."""
    from sqlalchemy import case, func

    child = func.substr(Incident.village_code, 1, child_length).label("child")
    rows = db.execute(
        select(
            child,
            func.count(),
            func.sum(case((Incident.reported_late.is_not(None), 1), else_=0)),
            func.sum(case((Incident.reported_late.is_(True), 1), else_=0)),
        )
        .where(
            Scope(region).clause_levels(
                Incident.village_code, Incident.township_code, Incident.county_code
            ),
            Incident.reported_at >= clock.now() - REPORT_WINDOW,
        )
        .group_by(child)
    ).all()
    return {
        code: {
            "reported_last_12_months": n,
            "report_time_known": int(known or 0),
            "reported_late": int(late or 0),
        }
        for code, n, known, late in rows
    }
