"""The one place the domains are connected: each domain's follow-ups registered into the hooks
of the domains below it (see :mod:`eldercare.hooks` and docs/design.md, "Domain
boundaries").

:func:`install` runs first in the app factory (every web worker), the command line (every
command, ``eldercare worker`` too) and the tests; it is idempotent. A hook called in a
process that skipped it raises instead of leaving a follow-up undone.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from eldercare import scope
from eldercare.audit import service as audit
from eldercare.bulk import columns as bulk_columns
from eldercare.bulk import handlers as bulk_handlers
from eldercare.context import RequestCtx
from eldercare.elders import access as elder_access
from eldercare.elders import follow, rules
from eldercare.elders import hooks as elders
from eldercare.elders.models import Elder
from eldercare.followups import service as followups
from eldercare.followups.models import FollowUp
from eldercare.incidents.models import Incident
from eldercare.relief import hooks as relief_hooks
from eldercare.relief import service as relief
from eldercare.relief.models import Benefit, ReliefScreening
from eldercare.rosters import columns as roster_columns
from eldercare.rosters import handler as roster_handler
from eldercare.rosters import service as rosters
from eldercare.rosters.models import RosterDiscrepancy
from eldercare.sweeps.models import SweepConfirmation
from eldercare.visits import hooks as visits
from eldercare.visits import schedule, services
from eldercare.visits.models import ElderSchedule, ElderServiceSchedule, Visit
from eldercare.volunteers import hooks as volunteers
from eldercare.volunteers import service as pairings
from eldercare.volunteers.models import Volunteer


def _elder_moved(db: Session, ctx: RequestCtx, elder: Elder, old_village: str) -> None:
    """The pairings whose helper cannot follow the elder end; if any did, the new village's
    worklist shows the elder as needing a helper."""
    if pairings.end_pairings_elsewhere(db, ctx, elder.id, elder.village_code):
        schedule.needs_helper(db, elder)


def _register_benefits(db: Session, elder_id: str) -> list[tuple[str, date, date | None]]:
    """The elder's benefit records (relief's) of the programs that are register categories."""
    return [
        (program, start, end)
        for program, start, end in db.execute(
            select(Benefit.program, Benefit.start_date, Benefit.end_date).where(
                Benefit.elder_id == elder_id,
                Benefit.program.in_(list(rules.BENEFIT_CATEGORIES)),
            )
        )
    ]


# A new elder's first schedule row: visits' table and the values its policy gives.
_FIRST_SCHEDULE = elders.FirstSchedule(cast(Table, ElderSchedule.__table__), schedule.first_values)


def _first_schedule() -> elders.FirstSchedule:
    return _FIRST_SCHEDULE


def _volunteer_names(db: Session, ids: set[str]) -> dict[str, str]:
    rows = db.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(ids)))
    return {i: n for i, n in rows}


def install() -> None:
    # the audit log names its objects
    audit.register_namer("elder", elder_access.elder_names)
    audit.register_namer("volunteer", _volunteer_names)
    # who sees which elders: a volunteer, those paired with them
    scope.paired_elders.register(pairings.paired_elder_ids)
    # the register (elders), below everything
    elders.changed.register(schedule.refresh)
    elders.changed.register(services.refresh_elder)
    elders.created.register(services.refresh_new)
    elders.moved.register(_elder_moved)
    elders.moved.register(followups.elder_moved)
    elders.supporters_changed.register(relief.refresh_elders)
    elders.benefits.register(_register_benefits)
    elders.overdue.register(schedule.overdue_elder_ids)
    elders.first_schedule.register(_first_schedule)
    follow.follows(
        Visit.__tablename__,
        Incident.__tablename__,
        ElderSchedule.__tablename__,
        ElderServiceSchedule.__tablename__,
        ReliefScreening.__tablename__,
        FollowUp.__tablename__,
        SweepConfirmation.__tablename__,
        RosterDiscrepancy.__tablename__,
    )
    # volunteers and pairings, below visits
    volunteers.paired.register(schedule.helper_paired)
    # visits, below follow-ups
    visits.logged.register(followups.on_visit)
    visits.worklist_follow_ups.register(followups.worklist_items)
    visits.open_follow_ups.register(followups.open_count_by_elder)
    visits.opened_by_visit.register(followups.opened_by_visit)
    # relief: the payments to check include those a death roster reports
    relief_hooks.roster_flagged.register(rosters.flagged_elders)
    # the import queue runs roster uploads too (their own resources)
    bulk_columns.SPECS.update(roster_columns.SPECS)
    bulk_handlers.HANDLERS.update(roster_handler.HANDLERS)
