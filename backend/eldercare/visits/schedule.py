"""Keeping each elder's next due visit current, and reading the worklist from it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.clock import today as local_today
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.visits.models import ElderSchedule, Visit, VisitPolicyVersion
from eldercare.visits.rules import VisitPolicy, next_due


def policy_for(db: Session, county: str, on: date | None = None) -> tuple[VisitPolicy, date | None]:
    """The version in force on ``on`` (default today), else the defaults."""
    row = db.scalar(
        select(VisitPolicyVersion)
        .where(
            VisitPolicyVersion.county_code == county,
            VisitPolicyVersion.effective_date <= (on or local_today()),
        )
        .order_by(VisitPolicyVersion.effective_date.desc())
        .limit(1)
    )
    if row is None:
        return VisitPolicy(), None
    return VisitPolicy.model_validate(row.settings), row.effective_date


def refresh(db: Session, elder: Any, policy: VisitPolicy | None = None) -> ElderSchedule | None:
    """Recompute one elder's next due date (after a visit, an elder change or an event)."""
    current = db.get(ElderSchedule, elder.id)
    if elder.status != "active" or elder.merged_into_id is not None:
        if current is not None:
            db.delete(current)
        return None
    policy = policy or policy_for(db, elder.village_code[:6])[0]
    rule = policy.tiers[elder.risk_level]
    last = db.scalar(
        select(Visit.visited_at)
        .where(Visit.elder_id == elder.id, Visit.method.in_(rule.methods))
        .order_by(Visit.visited_at.desc())
        .limit(1)
    )
    tz = get_settings().tz
    event_due = current.event_due_at if current else None
    event_type = current.event_type if current else None
    if (
        event_due is not None
        and last is not None
        and last >= event_due - timedelta(hours=policy.event_due_hours)
    ):
        event_due, event_type = None, None  # a visit after the event answered it
    special = "special_difficulty" in (elder.category_codes or "")
    due = next_due(
        policy,
        elder.risk_level,
        special,
        last.astimezone(tz).date() if last else None,
        elder.created_at.astimezone(tz).date(),
        event_due,
        tz,
    )
    if current is None:
        current = ElderSchedule(elder_id=elder.id)
        db.add(current)
    current.village_code = elder.village_code
    current.risk_level = elder.risk_level
    current.special_difficulty = special
    current.interval_days = due.interval_days
    current.last_visit_at = last
    current.event_type, current.event_due_at = event_type, event_due
    current.next_due_date = due.next_due_date
    current.reason = due.reason
    return current


def record_event(
    db: Session, ctx: RequestCtx, elder: Any, event_type: str, occurred_at: datetime
) -> ElderSchedule | None:
    policy = policy_for(db, elder.village_code[:6])[0]
    schedule = refresh(db, elder, policy)
    if schedule is None:
        return None
    schedule.event_type = event_type
    schedule.event_due_at = occurred_at + timedelta(hours=policy.event_due_hours)
    schedule = refresh(db, elder, policy)
    audit.record(
        db,
        ctx,
        "event",
        resource="elder",
        resource_id=elder.id,
        region_code=elder.village_code,
        detail={"type": event_type},
    )
    return schedule


def refresh_county(db: Session, county: str) -> int:
    from eldercare.elders.models import Elder
    from eldercare.scope import Scope

    policy = policy_for(db, county)[0]
    n = 0
    elders = db.scalars(select(Elder).where(Scope(county).clause(Elder.village_code)))
    for elder in elders:
        refresh(db, elder, policy)
        n += 1
    db.flush()
    return n


def put_policy(db: Session, ctx: RequestCtx, policy: VisitPolicy, effective: date) -> int:
    county = ctx.actor.region_code[:6]
    db.execute(
        delete(VisitPolicyVersion).where(
            VisitPolicyVersion.county_code == county, VisitPolicyVersion.effective_date == effective
        )
    )
    db.add(
        VisitPolicyVersion(
            county_code=county,
            effective_date=effective,
            settings=policy.model_dump(),
            created_by=ctx.actor.id,
        )
    )
    db.flush()
    n = refresh_county(db, county) if effective <= local_today() else 0
    audit.record(
        db,
        ctx,
        "update",
        resource="visit_policy",
        resource_id=f"{county}@{effective}",
        region_code=county,
        detail={"schedules_recomputed": n},
    )
    return n


def overdue_days(due: date, today: date) -> int:
    return max(0, (today - due).days)


def overdue_elder_ids(on: date) -> Any:
    """Elders whose next visit was due before ``on`` (for the elder list's ``overdue=true``)."""
    return select(ElderSchedule.elder_id).where(ElderSchedule.next_due_date < on)
