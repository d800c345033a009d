"""Service plans (服务计划): which services each elder is due, and when.

A county's visit policy holds its service plan (``VisitPolicy.services``, versioned with the
policy): rules of a service, an interval and the elders it is for (categories, or every
elder; only those who signed with a family doctor). An elder is due each service of a rule
that applies to them, at the shortest interval of those rules; a visit that records the
service (``Visit.services``) satisfies it, and the next is due ``interval`` days after the
last. A service never recorded is due from the day the elder was registered.

``elder_service_schedules`` keeps one row per elder and due service, so that due and overdue
services are an indexed range. ``elder_services_done`` keeps each elder's last time per
service (every service a visit recorded, in the plan or not), written as visits are logged
and corrected. :func:`refresh` rewrites the rows of a county (after a policy change) or of
some of its elders (new elders) with set-based statements, whatever their number: drop the
rows no rule gives any more, then one upsert of every due service with its last time. It
reads the elders and their last times, never the visits, so a policy change costs the same
whatever the number of visits; ``rescan=True`` first rebuilds the last times from the
visits (to repair, or after visits were written by SQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eldercare.config import get_settings
from eldercare.db import UTCDateTime, utcnow
from eldercare.scope import Scope
from eldercare.visits.models import ElderServiceDone, ElderServiceSchedule, Visit
from eldercare.visits.rules import ServiceRule, VisitPolicy
from eldercare.visits.schedule import SqlDates, policy_for


@dataclass(frozen=True)
class Plan:
    """The policy's service rules by service, shortest interval first."""

    by_service: dict[str, list[ServiceRule]]

    @classmethod
    def of(cls, policy: VisitPolicy) -> Plan:
        by_service: dict[str, list[ServiceRule]] = {}
        for rule in sorted(policy.services, key=lambda r: r.interval_days):
            by_service.setdefault(rule.service, []).append(rule)
        return cls(by_service)


def applies(e: Any, rule: ServiceRule) -> Any:
    """Whether ``rule`` is for the elder of row ``e`` (the ``elders`` table)."""
    conditions: list[Any] = []
    if rule.categories:
        conditions.append(or_(*[e.c.category_codes.contains(f",{c},") for c in rule.categories]))
    if rule.family_doctor_signed:
        conditions.append(e.c.family_doctor_signed.is_(True))
    return and_(*conditions) if conditions else true()


def _interval(e: Any, rules: list[ServiceRule]) -> Any:
    """The elder's interval for a service: the first (shortest) rule that applies, else null."""
    return case(*[(applies(e, r), r.interval_days) for r in rules], else_=None)


def _recorded(v: Any, service: str) -> Any:
    """Whether the visit row ``v`` recorded ``service`` (a JSON list of codes, as text)."""
    return cast(v.c.services, String).like(f'%"{service}"%')


def last_done(services: Sequence[str], where: Any, since: Any = None, until: Any = None) -> Any:
    """Per elder, the time of the last visit recording each service (a column per service,
    named by it), among the visits ``where`` selects (and within ``since``-``until``)."""
    v = Visit.__table__
    assert isinstance(v, Table)
    columns = [
        func.max(case((_recorded(v, s), v.c.visited_at), else_=None)).label(s) for s in services
    ]
    stmt = select(v.c.elder_id, *columns).where(where, cast(v.c.services, String) != "[]")
    if since is not None:
        stmt = stmt.where(v.c.visited_at >= since)
    if until is not None:
        stmt = stmt.where(v.c.visited_at < until)
    return stmt.group_by(v.c.elder_id).subquery("done")


def refresh(
    db: Session,
    county: str,
    elder_ids: Sequence[str] | None = None,
    policy: VisitPolicy | None = None,
    rescan: bool = False,
) -> int:
    """Rewrite the service schedules of a county's active elders (all, or ``elder_ids``) by
    the county's service plan in force today, from their last times per service (rebuilt
    from the visits first with ``rescan``). Returns how many rows the county has (all) or
    those elders have afterwards."""
    from eldercare.elders.models import Elder

    db.flush()
    plan = Plan.of(policy or policy_for(db, county)[0])
    dialect = db.get_bind().dialect.name
    d = SqlDates(dialect, get_settings().tz)
    s, e, dn = ElderServiceSchedule.__table__, Elder.__table__, ElderServiceDone.__table__
    assert isinstance(s, Table)
    assert isinstance(e, Table)
    assert isinstance(dn, Table)
    mine = and_(e.c.county_code == county, e.c.status == "active", e.c.merged_into_id.is_(None))
    if elder_ids is not None:
        ids = list(elder_ids)
        if not ids:
            return 0
        mine = and_(mine, e.c.id.in_(ids))
        rows_in = s.c.elder_id.in_(ids)
    else:
        rows_in = s.c.county_code == county
    if dialect == "postgresql" and elder_ids is None:
        db.execute(text("SET LOCAL jit = off"))  # as for the visit schedule: JIT costs more
    if rescan:
        rebuild_done(db, county, elder_ids)

    # 1. rows of elders who left, and of services no rule gives them any more
    still_due = (
        case(
            *[(s.c.service == svc, _interval(e, rules)) for svc, rules in plan.by_service.items()],
            else_=None,
        )
        if plan.by_service
        else literal(None, Integer)
    )
    db.execute(
        delete(s).where(
            rows_in,
            ~exists().where(e.c.id == s.c.elder_id, mine, still_due.is_not(None)),
        )
    )
    if not plan.by_service:
        return 0

    # 2. every due service of every elder (one pass over the elders: each against the
    # plan's services), with its last recording visit
    names = union_all(
        *[select(literal(svc, String).label("service")) for svc in plan.by_service]
    ).subquery("plan")
    interval = case(
        *[(names.c.service == svc, _interval(e, rules)) for svc, rules in plan.by_service.items()],
        else_=None,
    )
    pairs = (
        select(
            e.c.id.label("elder_id"),
            e.c.village_code,
            names.c.service,
            interval.label("interval"),
            e.c.created_at,
        )
        .select_from(e.join(names, true()))
        .where(mine)
        .offset(0)  # kept whole: the interval is computed once per pair
        .subquery("pairs")
    )
    due = select(pairs).where(pairs.c.interval.is_not(None)).subquery("due")
    # each pair's last time looked up by its key: a join would read every elder's rows
    last = (
        select(dn.c.last_done_at)
        .where(dn.c.elder_id == due.c.elder_id, dn.c.service == due.c.service)
        .scalar_subquery()
    )
    x = (
        select(
            due.c.elder_id,
            due.c.service,
            due.c.village_code,
            due.c.interval,
            last.label("last"),
            due.c.created_at,
        )
        .offset(0)  # kept whole (see schedule.refresh_county)
        .subquery("x")
    )
    next_due = case(
        (x.c.last.is_(None), d.local_date(x.c.created_at)),
        else_=d.add_days(d.local_date(x.c.last), x.c.interval),
    )
    rows = (
        select(
            x.c.elder_id,
            x.c.service,
            x.c.village_code,
            x.c.interval,
            x.c.last,
            next_due,
            literal(utcnow(), UTCDateTime()),
        )
        .where(true())  # SQLite reads "INSERT ... SELECT ... ON CONFLICT" only after a WHERE
        .order_by(x.c.elder_id, x.c.service)  # in key order: each index page met once
    )
    columns = ["elder_id", "service", "village_code", "interval_days", "last_done_at"]
    columns += ["next_due_date", "updated_at"]
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(s).from_select(columns, rows)
    compared = ["village_code", "interval_days", "last_done_at", "next_due_date"]
    db.execute(
        upsert.on_conflict_do_update(
            index_elements=[s.c.elder_id, s.c.service],
            set_={c: upsert.excluded[c] for c in columns if c not in ("elder_id", "service")},
            where=or_(*[s.c[c].is_distinct_from(upsert.excluded[c]) for c in compared]),
        )
    )
    db.expire_all()
    count = db.scalar(select(func.count()).select_from(s).where(rows_in))
    return int(count or 0)


def rebuild_done(db: Session, county: str, elder_ids: Sequence[str] | None = None) -> None:
    """Each last time per service of a county's elders (all, or ``elder_ids``; whatever
    their status), rebuilt from their visits: two set-based statements."""
    from eldercare.elders.models import Elder

    dn, v = ElderServiceDone.__table__, Visit.__table__
    assert isinstance(dn, Table)
    assert isinstance(v, Table)
    whose: Any = (
        list(elder_ids)
        if elder_ids is not None
        else select(Elder.id).where(Elder.county_code == county).scalar_subquery()
    )
    db.execute(delete(dn).where(dn.c.elder_id.in_(whose)))
    pg = db.get_bind().dialect.name == "postgresql"
    if pg:
        db.execute(text("SET LOCAL work_mem = '64MB'"))  # grouped in memory, not on disk
    each = (func.json_array_elements_text if pg else func.json_each)(v.c.services)
    recorded = each.table_valued("value").alias("recorded")
    kind = (func.json_typeof if pg else func.json_type)(v.c.services)
    rows = (
        select(v.c.elder_id, recorded.c.value, func.max(v.c.visited_at))
        .select_from(v.join(recorded, true()))
        .where(v.c.elder_id.in_(whose), kind == "array")
        .group_by(v.c.elder_id, recorded.c.value)
    )
    db.execute(insert(dn).from_select(["elder_id", "service", "last_done_at"], rows))


def record_done(db: Session, elder_id: str, recorded: Sequence[str], at: datetime) -> None:
    """A visit at ``at`` recorded these services: each last time moves to ``at`` unless a
    later visit recorded the service already (one upsert)."""
    if not recorded:
        return
    dn = ElderServiceDone.__table__
    assert isinstance(dn, Table)
    pg = db.get_bind().dialect.name == "postgresql"
    upsert = (pg_insert if pg else sqlite_insert)(dn).values(
        [{"elder_id": elder_id, "service": svc, "last_done_at": at} for svc in set(recorded)]
    )
    db.execute(
        upsert.on_conflict_do_update(
            index_elements=[dn.c.elder_id, dn.c.service],
            set_={"last_done_at": upsert.excluded.last_done_at},
            where=dn.c.last_done_at < upsert.excluded.last_done_at,
        )
    )


def plan_for(policy: VisitPolicy, elder: Any) -> dict[str, int]:
    """The services the plan gives an active elder, each with its shortest interval."""
    codes = elder.category_codes or ""
    wanted: dict[str, int] = {}
    for rule in policy.services:
        if rule.categories and not any(f",{c}," in codes for c in rule.categories):
            continue
        if rule.family_doctor_signed and elder.family_doctor_signed is not True:
            continue
        wanted[rule.service] = min(wanted.get(rule.service, rule.interval_days), rule.interval_days)
    return wanted


def refresh_elder(
    db: Session, elder: Any, policy: VisitPolicy | None = None, rescan: bool = False
) -> None:
    """One elder's service schedules (after a change of the elder, or with ``rescan`` a
    visit's correction), by the same rules as :func:`refresh`: rows no rule gives are
    dropped, the others written from the elder's last times (rebuilt from the elder's
    visits first with ``rescan``)."""
    s, dn = ElderServiceSchedule, ElderServiceDone.__table__
    assert isinstance(dn, Table)
    if rescan:
        rebuild_done(db, elder.village_code[:6], [elder.id])
    current = {r.service: r for r in db.scalars(select(s).where(s.elder_id == elder.id))}
    wanted: dict[str, int] = {}
    if elder.status == "active" and elder.merged_into_id is None:
        wanted = plan_for(policy or policy_for(db, elder.village_code[:6])[0], elder)
    for service, gone in current.items():
        if service not in wanted:
            db.delete(gone)
    if not wanted:
        return
    tz = get_settings().tz
    last: dict[str, datetime] = {
        service: at
        for service, at in db.execute(
            select(dn.c.service, dn.c.last_done_at).where(
                dn.c.elder_id == elder.id, dn.c.service.in_(list(wanted))
            )
        )
    }
    registered = elder.created_at.astimezone(tz).date()
    for service, days in wanted.items():
        done = last.get(service)
        due = done.astimezone(tz).date() + timedelta(days=days) if done else registered
        row = current.get(service)
        if row is None:
            row = current[service] = ElderServiceSchedule(elder_id=elder.id, service=service)
            db.add(row)
        if row.village_code != elder.village_code:
            row.village_code = elder.village_code
        if row.interval_days != days:
            row.interval_days = days
        if row.last_done_at != done:
            row.last_done_at = done
        if row.next_due_date != due:
            row.next_due_date = due


def visit_logged(db: Session, visit: Any) -> None:
    """A new visit: the elder's due services it records are done at its time (unless a
    later visit recorded them already). Reads and writes only those rows."""
    if not visit.services:
        return
    record_done(db, visit.elder_id, visit.services, visit.visited_at)
    s = ElderServiceSchedule
    tz = get_settings().tz
    for row in db.scalars(
        select(s).where(s.elder_id == visit.elder_id, s.service.in_(list(visit.services)))
    ):
        if row.last_done_at is None or visit.visited_at > row.last_done_at:
            row.last_done_at = visit.visited_at
            row.next_due_date = visit.visited_at.astimezone(tz).date() + timedelta(
                days=row.interval_days
            )


def refresh_new(db: Session, elder_ids: Sequence[str]) -> None:
    """New elders' service schedules, county by county."""
    from eldercare.elders.models import Elder

    ids = list(elder_ids)
    if not ids:
        return
    by_county: dict[str, list[str]] = {}
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk : chunk + 5000]
        for elder_id, county in db.execute(
            select(Elder.id, Elder.county_code).where(Elder.id.in_(part))
        ):
            by_county.setdefault(county, []).append(elder_id)
    for county, members in by_county.items():
        for chunk in range(0, len(members), 5000):
            refresh(db, county, members[chunk : chunk + 5000])


def refresh_counties(counties: list[str], jobs: int = 1, rescan: bool = False) -> int:
    """:func:`refresh` for many counties, each in a transaction of its own, ``jobs`` at a
    time (PostgreSQL; SQLite has one writer). Returns how many rows they hold."""
    from concurrent.futures import ThreadPoolExecutor

    from eldercare.db import get_engine, write_apart

    def one(county: str) -> int:
        return write_apart(lambda db: refresh(db, county, rescan=rescan))

    if get_engine().dialect.name != "postgresql":
        jobs = 1
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return sum(pool.map(one, counties))


def due_reason(service: str, interval_days: int, last_done_at: datetime | None) -> dict[str, Any]:
    if last_done_at is None:
        return {"code": "service.never_done", "params": {"service": service}}
    return {"code": "service.every", "params": {"service": service, "days": interval_days}}


def due_for(db: Session, elder_ids: Sequence[str], until: date) -> dict[str, list[Any]]:
    """The services due on or before ``until`` for each of these elders, soonest first."""
    if not elder_ids:
        return {}
    s = ElderServiceSchedule
    found: dict[str, list[Any]] = {}
    for row in db.scalars(
        select(s)
        .where(s.elder_id.in_(list(elder_ids)), s.next_due_date <= until)
        .order_by(s.elder_id, s.next_due_date, s.service)
    ):
        found.setdefault(row.elder_id, []).append(row)
    return found


def elder_services(db: Session, elder_id: str) -> list[ElderServiceSchedule]:
    s = ElderServiceSchedule
    return list(
        db.scalars(select(s).where(s.elder_id == elder_id).order_by(s.next_due_date, s.service))
    )


def service_worklist_stmt(scope: Any, region: str | None, until: date) -> Any:
    """Due services on or before ``until`` in a scope (with the elder's name and address)."""
    from eldercare.elders.models import Elder

    s = ElderServiceSchedule
    stmt = (
        select(
            s.elder_id,
            Elder.name,
            s.village_code,
            Elder.address,
            s.service,
            s.interval_days,
            s.last_done_at,
            s.next_due_date,
        )
        .join(Elder, Elder.id == s.elder_id)
        .where(s.next_due_date <= until)
    )
    if scope.elder_ids is not None:
        stmt = stmt.where(s.elder_id.in_(scope.elder_ids))
    else:
        stmt = stmt.where(scope.clause_levels(s.village_code, s.township_code, s.county_code))
    if region:
        stmt = stmt.where(
            Scope(region).clause_levels(s.village_code, s.township_code, s.county_code)
        )
    return stmt


def rates(db: Session, region: str, start: datetime, end: datetime, today: date) -> dict[str, Any]:
    """Per child region and service: elders due the service, those who had it in the month
    (a visit recording it between ``start`` and ``end``) and those overdue today."""
    from eldercare.visits.rates import CHILD_LENGTH

    s = ElderServiceSchedule.__table__
    assert isinstance(s, Table)
    scope = Scope(region)
    n = CHILD_LENGTH[len(region)]
    services = [
        r[0]
        for r in db.execute(
            select(s.c.service)
            .where(scope.clause_levels(s.c.village_code, s.c.township_code, s.c.county_code))
            .distinct()
        )
    ]
    out: dict[str, dict[str, dict[str, int]]] = {}
    if not services:
        return out
    v = Visit.__table__
    assert isinstance(v, Table)
    done = last_done(services, scope.clause(v.c.village_code), start, end)
    got = case(*[(s.c.service == svc, done.c[svc]) for svc in services], else_=None)
    child = func.substr(s.c.village_code, 1, n).label("child")
    stmt = (
        select(
            child,
            s.c.service,
            func.count(),
            func.sum(case((got.is_not(None), 1), else_=0)),
            func.sum(case((s.c.next_due_date < today, 1), else_=0)),
        )
        .select_from(s.outerjoin(done, done.c.elder_id == s.c.elder_id))
        .where(scope.clause_levels(s.c.village_code, s.c.township_code, s.c.county_code))
        .group_by(child, s.c.service)
    )
    for code, service, due_n, done_n, overdue_n in db.execute(stmt):
        out.setdefault(code, {})[service] = {
            "due": int(due_n),
            "done_in_month": int(done_n or 0),
            "overdue": int(overdue_n or 0),
        }
    return out


def empty_counts() -> dict[str, Any]:
    return {"due": 0, "done_this_month": 0, "overdue": 0, "by_service": {}}


def counts_by_child(
    db: Session, region: str, child_length: int, today: date, month_start: datetime
) -> dict[str, dict[str, Any]]:
    """For statistics, per child region and ``""`` for the whole region, from the service
    schedules alone (no visit is read): the plan services due (one per elder and service),
    those done since ``month_start`` (their last time falls in the month) and those overdue
    ``today``; in all and by service."""
    s = ElderServiceSchedule
    child = func.substr(s.village_code, 1, child_length).label("child")
    rows = db.execute(
        select(
            child,
            s.service,
            func.count(),
            func.sum(case((s.last_done_at >= month_start, 1), else_=0)),
            func.sum(case((s.next_due_date < today, 1), else_=0)),
        )
        .where(Scope(region).clause_levels(s.village_code, s.township_code, s.county_code))
        .group_by(child, s.service)
    )
    out: dict[str, dict[str, Any]] = {}
    for code, service, due, done, late in rows:
        figures = {"due": int(due), "done_this_month": int(done or 0), "overdue": int(late or 0)}
        for key in (code, ""):
            b = out.setdefault(key, empty_counts())
            for name, n in figures.items():
                b[name] += n
            by = b["by_service"].setdefault(service, {"due": 0, "done_this_month": 0, "overdue": 0})
            for name, n in figures.items():
                by[name] += n
    return out
