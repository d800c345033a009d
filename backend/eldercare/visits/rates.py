"""Visit rates for supervision (督导): per region and child region, for a calendar month."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session

from eldercare.clock import today as local_today
from eldercare.config import get_settings
from eldercare.elders import contacts
from eldercare.elders.models import Elder, Guardian
from eldercare.scope import Scope
from eldercare.visits.models import ElderSchedule, Visit
from eldercare.visits.schedule import overdue_clause
from eldercare.volunteers.models import Volunteer

CHILD_LENGTH = {6: 9, 9: 12, 12: 12}


def month_bounds(month: date) -> tuple[datetime, datetime]:
    tz = get_settings().tz
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def rates(db: Session, region: str, month: date, contact_days: int | None = None) -> dict[str, Any]:
    """Counts for ``region`` and each child region (townships of a county, villages of a
    township): special-difficulty elders and how many had a visit in the month (月探访率),
    elders within their visit interval and overdue, guardians out of contact (not contacted
    within ``contact_days``, by default the county's rule: ``elders.contacts``), helper
    activity."""
    scope = Scope(region)
    n = CHILD_LENGTH[len(region)]
    child = func.substr(Elder.village_code, 1, n).label("child")
    special = Elder.category_codes.contains(",special_difficulty,")
    active = and_(
        scope.clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
        Elder.status == "active",
        Elder.merged_into_id.is_(None),
    )
    start, end = month_bounds(month)
    today = local_today()
    rows: dict[str, dict[str, Any]] = {}

    def bucket(code: str) -> dict[str, Any]:
        return rows.setdefault(
            code,
            {
                "elders": 0,
                "special_difficulty": 0,
                "special_visited": 0,
                "visited_in_month": 0,
                "overdue": 0,
                "guardians_out_of_contact": 0,
            },
        )

    if _from_schedules(db, region, month, today):
        # This month, every visit counting: each elder's schedule already knows its last
        # visit, so one pass over the region's elders answers what the join below does.
        # (Every active elder has a schedule: the worklist and overdue filters rely on it.)
        es = ElderSchedule
        visited_now = es.last_visit_at >= start
        special_now = es.special_difficulty.is_(True)
        es_child = func.substr(es.village_code, 1, n).label("child")
        counts = (
            select(
                es_child,
                func.count(),
                func.sum(case((special_now, 1), else_=0)),
                func.sum(case((visited_now, 1), else_=0)),
                func.sum(case((and_(special_now, visited_now), 1), else_=0)),
                func.sum(case((overdue_clause(today), 1), else_=0)),
            )
            .where(scope.clause_levels(es.village_code, es.township_code, es.county_code))
            .group_by(es_child)
        )
        for code, elders, specials, visited_n, special_n, overdue_n in db.execute(counts):
            b = bucket(code)
            b["elders"], b["special_difficulty"] = elders, int(specials or 0)
            b["visited_in_month"], b["special_visited"] = int(visited_n or 0), int(special_n or 0)
            b["overdue"] = int(overdue_n or 0)
    else:
        _counts_by_join(db, region, n, child, special, active, start, end, today, bucket)
    policy = contacts.policy_for(db, region[:6])[0]
    cutoff = today - timedelta(days=contact_days or policy.interval_days)
    silent = (
        select(child, func.count())
        .join(Guardian, Guardian.elder_id == Elder.id)
        .where(
            active,
            Guardian.relation.in_(policy.relations),
            Guardian.alive.is_(True),
            (Guardian.last_contact_date.is_(None)) | (Guardian.last_contact_date < cutoff),
        )
        .group_by(child)
    )
    for code, count in db.execute(silent):
        bucket(code)["guardians_out_of_contact"] = count
    helpers = db.execute(
        select(
            Volunteer.id, Volunteer.name, func.count(Visit.id), func.count(distinct(Visit.elder_id))
        )
        .join(Visit, Visit.volunteer_id == Volunteer.id)
        .where(scope.clause(Visit.village_code), Visit.visited_at >= start, Visit.visited_at < end)
        .group_by(Volunteer.id, Volunteer.name)
        .order_by(func.count(Visit.id).desc(), Volunteer.id)
        .limit(50)
    ).all()
    total = {k: sum(r[k] for r in rows.values()) for k in bucket("__total__")}
    rows.pop("__total__", None)
    return {
        "totals": _with_rates(total),
        "children": {code: _with_rates(values) for code, values in sorted(rows.items())},
        "helpers": [
            {"volunteer_id": h[0], "name": h[1], "visits": h[2], "elders_visited": h[3]}
            for h in helpers
        ],
    }


def _from_schedules(db: Session, region: str, month: date, today: date) -> bool:
    """Whether the schedules answer "visited this month": the current month, and a policy
    under which every visit is a qualifying one (so the schedule's last visit is the last)."""
    from eldercare.visits.rules import ALL_METHODS
    from eldercare.visits.schedule import policy_for

    if (month.year, month.month) != (today.year, today.month):
        return False
    policy = policy_for(db, region[:6], today)[0]
    return all(set(rule.methods) >= set(ALL_METHODS) for rule in policy.tiers.values())


def _counts_by_join(
    db: Session,
    region: str,
    n: int,
    child: Any,
    special: Any,
    active: Any,
    start: datetime,
    end: datetime,
    today: date,
    bucket: Any,
) -> None:
    """Any month: elders, and those with a visit in it, from the visits themselves."""
    for code, elders, specials in db.execute(
        select(child, func.count(), func.sum(case((special, 1), else_=0)))
        .where(active)
        .group_by(child)
    ):
        b = bucket(code)
        b["elders"], b["special_difficulty"] = elders, int(specials or 0)
    visited = (
        select(
            child, func.count(distinct(Elder.id)), func.count(distinct(case((special, Elder.id))))
        )
        .join(Visit, Visit.elder_id == Elder.id)
        .where(active, Visit.visited_at >= start, Visit.visited_at < end)
        .group_by(child)
    )
    for code, any_visit, special_visit in db.execute(visited):
        b = bucket(code)
        b["visited_in_month"], b["special_visited"] = any_visit, special_visit
    for code, count in overdue_by_child(db, region, n, today).items():
        bucket(code)["overdue"] = count


def overdue_by_child(db: Session, region: str, n: int, today: date) -> dict[str, int]:
    """Elders whose next visit was due before ``today``, per child region (code length ``n``)."""
    scope = Scope(region)
    schedule_child = func.substr(ElderSchedule.village_code, 1, n).label("child")
    overdue = (
        select(schedule_child, func.count())
        .where(
            scope.clause_levels(
                ElderSchedule.village_code, ElderSchedule.township_code, ElderSchedule.county_code
            ),
            overdue_clause(today),
        )
        .group_by(schedule_child)
    )
    return {code: count for code, count in db.execute(overdue)}


def visited_by_child(
    db: Session, region: str, n: int, windows: list[tuple[datetime, datetime]]
) -> dict[str, dict[int, tuple[int, int]]]:
    """Per child region and per window (disjoint ``[start, end)``, by index): active elders
    with a visit in it, and special-difficulty elders with a visit in it. One query."""
    scope = Scope(region)
    child = func.substr(Elder.village_code, 1, n).label("child")
    special = Elder.category_codes.contains(",special_difficulty,")
    window = case(
        *[
            (and_(Visit.visited_at >= a, Visit.visited_at < b), i)
            for i, (a, b) in enumerate(windows)
        ]
    ).label("window")
    stmt = (
        select(
            child,
            window,
            func.count(distinct(Elder.id)),
            func.count(distinct(case((special, Elder.id)))),
        )
        .join(Visit, Visit.elder_id == Elder.id)
        .where(
            scope.clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
            Elder.status == "active",
            Elder.merged_into_id.is_(None),
            Visit.visited_at >= min(a for a, _ in windows),
            Visit.visited_at < max(b for _, b in windows),
        )
        .group_by(child, window)
    )
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for code, i, visited, special_visited in db.execute(stmt):
        if i is not None:
            out.setdefault(code, {})[i] = (visited, special_visited)
    return out


def _with_rates(values: dict[str, Any]) -> dict[str, Any]:
    elders, special = values["elders"], values["special_difficulty"]
    return {
        **values,
        "monthly_visit_rate": round(values["special_visited"] / special, 4) if special else None,
        "within_interval_rate": round((elders - values["overdue"]) / elders, 4) if elders else None,
    }
