"""What needs the user now: the counts behind the bell and the menu badges.

Each count is one indexed count query in the caller's scope (the same scope as the list it
points to), so the app may poll every minute. Imports are the caller's own jobs; those
finished after the user last opened the bell are new (``users.notifications_seen_at``, kept
on the server so a reload loses nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from eldercare import clock
from eldercare.auth.models import User
from eldercare.bulk.models import ImportJob
from eldercare.context import RequestCtx
from eldercare.followups import rules as followup_rules
from eldercare.followups.models import FollowUp
from eldercare.followups.service import follow_up_scope
from eldercare.incidents import rules as incident_rules
from eldercare.incidents.models import Incident
from eldercare.incidents.service import incident_scope
from eldercare.roles import Role
from eldercare.visits.models import ElderSchedule
from eldercare.visits.schedule import NEEDS_HELPER

FINISHED = ("succeeded", "failed")


@dataclass(frozen=True, slots=True)
class Counts:
    incidents_escalated: int
    incidents_overdue: int
    follow_ups_overdue: int
    needs_helper: int
    imports_finished: int
    seen_at: datetime | None

    @property
    def total(self) -> int:
        return (
            self.incidents_escalated
            + self.incidents_overdue
            + self.follow_ups_overdue
            + self.needs_helper
            + self.imports_finished
        )


def counts(db: Session, ctx: RequestCtx) -> Counts:
    p = ctx.actor
    now = clock.now()
    user = db.get(User, p.id)
    seen_at = user.notifications_seen_at if user is not None else None

    def count(entity: type, *where: ColumnElement[bool]) -> int:
        return int(db.scalar(select(func.count()).select_from(entity).where(*where)) or 0)

    in_incidents = incident_scope(ctx)
    escalated = count(Incident, in_incidents, Incident.status == "escalated")
    overdue = count(
        Incident,
        in_incidents,
        Incident.status.in_(incident_rules.OPEN),
        Incident.due_at < now,
    )
    follow_ups = count(
        FollowUp,
        follow_up_scope(ctx),
        FollowUp.status.in_(followup_rules.OPEN),
        FollowUp.due_date < clock.today(),
    )
    needs_helper = 0
    if p.role != Role.volunteer:  # pairing is the staff's work
        needs_helper = count(
            ElderSchedule,
            p.scope.clause_levels(
                ElderSchedule.village_code, ElderSchedule.township_code, ElderSchedule.county_code
            ),
            ElderSchedule.event_type == NEEDS_HELPER,
        )
    mine = [ImportJob.actor_id == p.id, ImportJob.status.in_(FINISHED)]
    if seen_at is not None:
        mine.append(ImportJob.finished_at > seen_at)
    imports = count(ImportJob, *mine)
    return Counts(escalated, overdue, follow_ups, needs_helper, imports, seen_at)


def mark_seen(db: Session, ctx: RequestCtx) -> datetime:
    """The user opened the bell: imports finished until now are no longer new."""
    now = clock.now()
    db.execute(
        update(User)
        .where(User.id == ctx.actor.id)
        .values(notifications_seen_at=now, updated_at=User.updated_at)
    )
    return now
