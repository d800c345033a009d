"""A month's figures against the register as it stood then, and their snapshots (月报).

**Who a month counts.** An elder is in a month's figures when they were active (not moved
out, deceased, merged or marked not left-behind) at the end of the month's last day, and
they count in the village, categories and risk tier they had then (``elder_periods``:
the register as it stood, by the day of each write; a death recorded in December with a
date in October changes December, not October). For the current month the day is today
(month to date). Elders who left during the month are not in it; elders who arrived are,
in the village they arrived in.

**Visits.** An elder is visited in the month when a visit of theirs in the month has a
method the county's visit policy (in force on the month's last day) accepts for the
elder's tier: the special-difficulty monthly visit rate (月探访率) is special-difficulty
elders so visited over special-difficulty elders; coverage is elders so visited over all.

**Incidents.** Those reported in the month in the region: how many, acknowledged and
resolved before their deadlines, reported late.

**Services.** Per service of the county's service plan (in force on the month's last day):
the elders standing at month end it was due for in the month (a rule gives it to them by
their categories then, and its last recording visit before the month is older than the
interval, or there is none), and of them those served (a visit in the month recording it).

**Contact with the children.** The elders the county's contact rule (in force on the
month's last day) covered at month end by their categories then, and of them those with a
logged contact (``guardian_contacts``) with a guardian of the rule's relations within the
rule's interval before the month's last day.

**Follow-ups.** Items of the region's elders (in their village at month end), by category
and kind: found in the month, resolved in the month, open and overdue at month end by their
history (``follow_up_transitions``: a later resolution does not change an earlier month),
and the days from finding to resolution of those resolved in the month (their median).

**Snapshots.** A county's month is computed set-based (a few grouped queries over its
villages) and stored per village, township and county (``month_snapshots``: the figures
as JSON by key, core figures as columns). A month is frozen on the county's
``month_freeze_day`` of the next month (by a worker, ``freezing``, or ``eldercare stats
freeze``); a frozen month is only ever read. Recomputing a frozen month is a county's
audited action with a reason; the values it replaces are kept (``month_snapshot_revisions``).
"""

from __future__ import annotations

import calendar
import re
import statistics
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    distinct,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from eldercare import clock
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import write_apart
from eldercare.elders import contacts
from eldercare.elders.models import Elder, ElderPeriod, GuardianContact
from eldercare.elders.rules import CATEGORY_CODES
from eldercare.errors import FieldError, ValidationFailed
from eldercare.followups import rules as follow_up_rules
from eldercare.followups.models import FollowUp, FollowUpTransition
from eldercare.incidents.models import Incident
from eldercare.regions.models import Region
from eldercare.relief import lists as relief_lists
from eldercare.relief.rules import PROGRAMS
from eldercare.scope import Scope
from eldercare.stats.models import MonthSnapshot, MonthSnapshotRevision
from eldercare.visits import services as visit_services
from eldercare.visits.models import Visit
from eldercare.visits.schedule import policy_for

RISK_LEVELS = ("high", "key", "general")
FOLLOW_UP_CATEGORIES = ("hazard", "need", "general")
LEVELS = {12: "village", 9: "township", 6: "county"}
MONTH = re.compile(r"^((?:19|20)\d{2})-(0[1-9]|1[0-2])$")


# ----------------------------------------------------------------------------- months


def parse_month(key: str) -> date:
    """The first day of month ``YYYY-MM``; a field error otherwise."""
    m = MONTH.match(key or "")
    if m is None:
        raise ValidationFailed(errors=[FieldError(["query", "month"], "month.invalid")])
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_key(first: date) -> str:
    return first.strftime("%Y-%m")


def last_day(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def next_first(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def previous_first(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def this_month(today: date | None = None) -> date:
    return (today or clock.today()).replace(day=1)


def is_future(first: date, today: date | None = None) -> bool:
    return first > this_month(today)


def _bounds(first: date) -> tuple[datetime, datetime]:
    tz = get_settings().tz
    start = datetime(first.year, first.month, 1, tzinfo=tz)
    nxt = next_first(first)
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=tz)


def _day_start(day: date) -> datetime:
    """The start of a local day."""
    return datetime(day.year, day.month, day.day, tzinfo=get_settings().tz)


# ----------------------------------------------------------------------------- figures


def empty() -> dict[str, Any]:
    """A region's figures for a month, all zero. New kinds of figures are new keys."""
    return {
        "elders": 0,
        "left_behind": 0,
        "by_category": dict.fromkeys(CATEGORY_CODES, 0),
        "by_risk_level": dict.fromkeys(RISK_LEVELS, 0),
        "visits": {
            "special_difficulty": 0,
            "special_visited": 0,
            "monthly_visit_rate": None,
            "elders_visited": 0,
            "coverage_rate": None,
            "visits": 0,
            "home_visits": 0,
        },
        "incidents": {
            "reported": 0,
            "acknowledged_on_time": 0,
            "resolved": 0,
            "resolved_on_time": 0,
            "on_time_rate": None,
            "report_time_known": 0,
            "reported_late": 0,
        },
        # relief coverage per program, from the pre-screening as stored when computed
        "relief": {
            p: {
                "eligible": 0,
                "likely_eligible": 0,
                "receiving": 0,
                "gaps": 0,
                "to_check": 0,
                "coverage_rate": None,
            }
            for p in PROGRAMS
        },
        # per service of the plan in force at month end: due in the month, and served
        "services": {"due": 0, "served": 0, "rate": None, "by_service": {}},
        # contact with the children by the county's rule at month end
        "contacts": {"covered": 0, "contacted": 0, "contact_rate": None},
        "follow_ups": {
            **_follow_up_counts(),
            "by_category": {c: _follow_up_counts() for c in FOLLOW_UP_CATEGORIES},
            "by_kind": {k: {n: 0 for n in FOLLOW_UP_FIGURES} for k in follow_up_rules.KINDS},
        },
    }


FOLLOW_UP_FIGURES = ("opened", "resolved", "open_at_end", "overdue_at_end")


def _follow_up_counts() -> dict[str, Any]:
    # resolve_days: how many items resolved in the month took so many days (one decimal),
    # kept so that regions add up and the median is of all their items
    return {
        **dict.fromkeys(FOLLOW_UP_FIGURES, 0),
        "resolve_days": {},
        "median_days_to_resolve": None,
    }


def _service_counts() -> dict[str, Any]:
    return {"planned": 0, "due": 0, "served": 0, "rate": None}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def add(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Add ``other``'s counts into ``into`` (rates are finished after, by ``finish``)."""
    for key, value in other.items():
        if isinstance(value, dict):
            add(into.setdefault(key, {}), value)
        elif isinstance(value, int) and not isinstance(value, bool):
            into[key] = into.get(key, 0) + value
        elif key not in into:
            into[key] = value


def finish(f: dict[str, Any]) -> dict[str, Any]:
    """The rates of summed figures."""
    v, i = f["visits"], f["incidents"]
    v["monthly_visit_rate"] = _ratio(v["special_visited"], v["special_difficulty"])
    v["coverage_rate"] = _ratio(v["elders_visited"], f["elders"])
    i["on_time_rate"] = _ratio(i["resolved_on_time"], i["reported"])
    for c in f["relief"].values():
        entitled = c["eligible"] + c["likely_eligible"]
        c["coverage_rate"] = _ratio(entitled - c["gaps"], entitled)
    if "services" in f:  # months computed before these figures have none
        s = f["services"]
        for c in s["by_service"].values():
            c["rate"] = _ratio(c["served"], c["due"])
        s["due"] = sum(c["due"] for c in s["by_service"].values())
        s["served"] = sum(c["served"] for c in s["by_service"].values())
        s["rate"] = _ratio(s["served"], s["due"])
    if "contacts" in f:
        c = f["contacts"]
        c["contact_rate"] = _ratio(c["contacted"], c["covered"])
    if "follow_ups" in f:
        fu = f["follow_ups"]
        for counts in (fu, *fu["by_category"].values()):
            counts["median_days_to_resolve"] = _median(counts["resolve_days"])
    return f


def _median(histogram: dict[str, int]) -> float | None:
    """The median of values counted by ``{value: how many}``."""
    values = sorted((float(k), n) for k, n in histogram.items() if n)
    total = sum(n for _, n in values)
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found: list[float] = []
    seen = 0
    for value, n in values:
        while middle and middle[0] < seen + n:
            found.append(value)
            middle.pop(0)
        seen += n
    return round(statistics.mean(found), 1)


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def standing_on(county_or_region: str, day: date) -> Any:
    """The periods of the elders active at the end of ``day`` in the region (a subquery)."""
    p = ElderPeriod
    return (
        select(p.elder_id, p.village_code, p.category_codes, p.risk_level, p.is_left_behind)
        .where(
            Scope(county_or_region).clause(p.village_code),
            p.active.is_(True),
            p.valid_from <= day,
            or_(p.valid_to.is_(None), p.valid_to > day),
        )
        .subquery("standing")
    )


def _qualifying(db: Session, county: str, day: date, method: Any, risk: Any) -> Any:
    """A visit's method the county's visit policy on ``day`` accepts for the elder's tier."""
    policy = policy_for(db, county, day)[0]
    cases = [(risk == tier, method.in_(rule.methods)) for tier, rule in policy.tiers.items()]
    if all(set(rule.methods) >= {"home_visit", "phone", "video"} for rule in policy.tiers.values()):
        return None  # every visit counts
    return case(*cases, else_=false())


def village_figures(
    db: Session, county: str, first: date, as_of: date
) -> dict[str, dict[str, Any]]:
    """Each village of ``county`` with elders (or incidents) in the month: its figures."""
    s = standing_on(county, as_of)
    special = s.c.category_codes.contains(",special_difficulty,")
    out: dict[str, dict[str, Any]] = {}
    columns = [
        *[_flag(s.c.category_codes.contains(f",{c},")) for c in CATEGORY_CODES],
        *[_flag(s.c.risk_level == r) for r in RISK_LEVELS],
        _flag(s.c.is_left_behind.is_(True)),
    ]
    for row in db.execute(
        select(s.c.village_code, func.count(), *columns).group_by(s.c.village_code)
    ):
        f = out.setdefault(row[0], empty())
        f["elders"] = row[1]
        values = list(row[2:])
        for c in CATEGORY_CODES:
            f["by_category"][c] = int(values.pop(0) or 0)
        for r in RISK_LEVELS:
            f["by_risk_level"][r] = int(values.pop(0) or 0)
        f["left_behind"] = int(values.pop(0) or 0)
        f["visits"]["special_difficulty"] = f["by_category"]["special_difficulty"]

    start, end = _bounds(first)
    qualifying = _qualifying(db, county, as_of, Visit.method, s.c.risk_level)
    counted = Visit.id if qualifying is None else case((qualifying, Visit.id))
    visited = s.c.elder_id if qualifying is None else case((qualifying, s.c.elder_id))
    stmt = (
        select(
            s.c.village_code,
            func.count(distinct(visited)),
            func.count(distinct(case((special, visited)))),
            func.count(counted),
            _flag(Visit.method == "home_visit"),
        )
        .join(Visit, Visit.elder_id == s.c.elder_id)
        .where(Visit.visited_at >= start, Visit.visited_at < end)
        .group_by(s.c.village_code)
    )
    for code, elders_visited, special_visited, visits, home in db.execute(stmt):
        v = out.setdefault(code, empty())["visits"]
        v["elders_visited"], v["special_visited"] = elders_visited, special_visited
        v["visits"], v["home_visits"] = visits, int(home or 0)

    i = Incident
    incidents = (
        select(
            i.village_code,
            func.count(),
            _flag(and_(i.acknowledged_at.is_not(None), i.acknowledged_at <= i.acknowledge_due_at)),
            _flag(i.resolved_at.is_not(None)),
            _flag(
                and_(
                    i.resolved_at.is_not(None),
                    or_(i.resolve_due_at.is_(None), i.resolved_at <= i.resolve_due_at),
                )
            ),
            _flag(i.reported_late.is_not(None)),
            _flag(i.reported_late.is_(True)),
        )
        .where(i.county_code == county, i.reported_at >= start, i.reported_at < end)
        .group_by(i.village_code)
    )
    for code, n, acknowledged, resolved, resolved_on_time, known, late in db.execute(incidents):
        f = out.setdefault(code, empty())["incidents"]
        f["reported"], f["acknowledged_on_time"] = n, int(acknowledged or 0)
        f["resolved"], f["resolved_on_time"] = int(resolved or 0), int(resolved_on_time or 0)
        f["report_time_known"], f["reported_late"] = int(known or 0), int(late or 0)
    for code, programs in relief_lists.coverage_by_village(db, county).items():
        if code in out:  # villages with elders in the month
            for p, counts in programs.items():
                out[code]["relief"][p].update(counts)
    _services(db, county, first, as_of, s, out)
    _contacts(db, county, first, as_of, s, out)
    _follow_ups(db, county, first, as_of, out)
    return out


def _services(
    db: Session, county: str, first: date, as_of: date, s: Any, out: dict[str, dict[str, Any]]
) -> None:
    """Per village and service of the plan in force on ``as_of``: the standing elders it
    gives the service, those due it in the month, and of them those served in the month."""
    plan = visit_services.Plan.of(policy_for(db, county, as_of)[0]).by_service
    if not plan:
        return
    start, end = _bounds(first)
    signed = any(r.family_doctor_signed for rules in plan.values() for r in rules)
    columns = [s.c.elder_id, s.c.village_code, s.c.category_codes]
    x: Any = select(*columns)
    if signed:  # as the register is now: periods do not keep it
        x = select(*columns, Elder.family_doctor_signed).join(Elder, Elder.id == s.c.elder_id)
    x = x.subquery("x")
    # one pass over the county's visits recording services, from the earliest time a
    # recording still keeps an elder from being due by month end (older ones count as none)
    longest = max(r.interval_days for rules in plan.values() for r in rules)
    since = _day_start(as_of - timedelta(days=longest - 1))
    v = Visit.__table__
    assert isinstance(v, Table)
    codes = cast(v.c.services, String)
    aggregates: list[Any] = []
    for service in plan:
        recorded = codes.like(f'%"{service}"%')
        aggregates += [
            func.max(case((and_(recorded, v.c.visited_at < start), v.c.visited_at))).label(
                f"before_{service}"
            ),
            func.max(case((and_(recorded, v.c.visited_at >= start), 1))).label(f"during_{service}"),
        ]
    done = (
        select(v.c.elder_id, *aggregates)
        .where(
            Scope(county).clause(v.c.village_code),
            v.c.visited_at >= min(since, start),
            v.c.visited_at < end,
            codes != "[]",
        )
        .group_by(v.c.elder_id)
        .subquery("done")
    )
    sums: list[Any] = []
    for service, rules in plan.items():
        planned = or_(*[visit_services.applies(x, r) for r in rules])
        before = done.c[f"before_{service}"]
        # due by a rule when its last recording visit before the month is at least the
        # rule's interval before month end (the shortest interval is the earliest due)
        due = or_(
            *[
                and_(
                    visit_services.applies(x, r),
                    or_(
                        before.is_(None),
                        before < _day_start(as_of - timedelta(days=r.interval_days - 1)),
                    ),
                )
                for r in rules
            ]
        )
        served = and_(due, done.c[f"during_{service}"].is_not(None))
        sums += [_flag(planned), _flag(due), _flag(served)]
    stmt = (
        select(x.c.village_code, *sums)
        .select_from(x.outerjoin(done, done.c.elder_id == x.c.elder_id))
        .group_by(x.c.village_code)
    )
    for row in db.execute(stmt):
        values = [int(n or 0) for n in row[1:]]
        by_service = out.setdefault(row[0], empty())["services"]["by_service"]
        for service in plan:
            c = by_service[service] = _service_counts()
            c["planned"], c["due"], c["served"] = values[:3]
            del values[:3]


def _contacts(
    db: Session, county: str, first: date, as_of: date, s: Any, out: dict[str, dict[str, Any]]
) -> None:
    """Per village: the standing elders the contact rule in force on ``as_of`` covers, and
    of them those with a logged contact with a child the rule counts within its interval."""
    policy = contacts.policy_for(db, county, as_of)[0]
    g = GuardianContact
    contacted = exists().where(
        g.elder_id == s.c.elder_id,
        g.guardian_relation.in_(policy.relations),
        g.contacted_at >= _day_start(contacts.cutoff_of(policy, as_of)),
        g.contacted_at < _day_start(as_of + timedelta(days=1)),
    )
    covered = or_(*[s.c.category_codes.contains(f",{c},") for c in policy.categories])
    stmt = (
        select(s.c.village_code, func.count(), _flag(contacted))
        .where(covered)
        .group_by(s.c.village_code)
    )
    for code, n, done in db.execute(stmt):
        c = out.setdefault(code, empty())["contacts"]
        c["covered"], c["contacted"] = n, int(done or 0)


def _follow_ups(
    db: Session, county: str, first: date, as_of: date, out: dict[str, dict[str, Any]]
) -> None:
    """Per village (the elder's at month end), category and kind: follow-ups found in the
    month, resolved in it, open and overdue at its end (by their history)."""
    start, end = _bounds(first)
    f, t, p = FollowUp, FollowUpTransition, ElderPeriod
    # the elder's period holding the month's last day (whatever their status then)
    period = and_(
        p.elder_id == f.elder_id,
        p.valid_from <= as_of,
        or_(p.valid_to.is_(None), p.valid_to > as_of),
        Scope(county).clause(p.village_code),
    )
    last_step = (
        select(t.follow_up_id, func.max(t.id).label("id"))
        .join(f, f.id == t.follow_up_id)
        .where(f.county_code == county, f.found_at < end, t.at < end)
        .group_by(t.follow_up_id)
        .subquery("last_step")
    )
    state = t.__table__.alias("state")
    status = func.coalesce(state.c.to_status, literal("open"))
    is_open = status.in_(follow_up_rules.OPEN)
    overdue = and_(is_open, func.coalesce(state.c.due_date, f.due_date) < as_of)
    stmt = (
        select(
            p.village_code,
            f.category,
            f.kind,
            _flag(f.found_at >= start),
            _flag(is_open),
            _flag(overdue),
        )
        .select_from(f)
        .join(p, period)
        .outerjoin(last_step, last_step.c.follow_up_id == f.id)
        .outerjoin(state, state.c.id == last_step.c.id)
        .where(f.county_code == county, f.found_at < end)
        .group_by(p.village_code, f.category, f.kind)
    )
    for code, category, kind, opened, open_n, overdue_n in db.execute(stmt):
        for counts in _follow_up_buckets(out, code, category, kind):
            counts["opened"] += int(opened or 0)
            counts["open_at_end"] += int(open_n or 0)
            counts["overdue_at_end"] += int(overdue_n or 0)
    # resolved in the month (the last resolution of an item resolved twice)
    resolved: dict[str, tuple[str, str, str, float]] = {}
    for item, code, category, kind, found_at, at in db.execute(
        select(f.id, p.village_code, f.category, f.kind, f.found_at, t.at)
        .join(f, f.id == t.follow_up_id)
        .join(p, period)
        .where(
            f.county_code == county,
            t.to_status == "resolved",
            t.at >= start,
            t.at < end,
        )
        .order_by(t.id)
    ):
        resolved[item] = (code, category, kind, (at - found_at).total_seconds() / 86400)
    for code, category, kind, days in resolved.values():
        key = f"{max(days, 0.0):.1f}"
        for counts in _follow_up_buckets(out, code, category, kind):
            counts["resolved"] += 1
            if "resolve_days" in counts:
                counts["resolve_days"][key] = counts["resolve_days"].get(key, 0) + 1


def _follow_up_buckets(
    out: dict[str, dict[str, Any]], code: str, category: str, kind: str
) -> list[dict[str, Any]]:
    fu = out.setdefault(code, empty())["follow_ups"]
    buckets = [fu]
    if category in fu["by_category"]:
        buckets.append(fu["by_category"][category])
    if kind in fu["by_kind"]:
        buckets.append(fu["by_kind"][kind])
    return buckets


def county_figures(db: Session, county: str, first: date, as_of: date) -> dict[str, dict[str, Any]]:
    """Figures per region code: each village, each township and the county."""
    villages = village_figures(db, county, first, as_of)
    regions: dict[str, dict[str, Any]] = {county: empty()}
    for code, f in villages.items():
        add(regions.setdefault(code[:9], empty()), f)
        add(regions[county], f)
        regions[code] = f
    return {code: finish(f) for code, f in regions.items()}


# ----------------------------------------------------------------------------- snapshots


def _actor(ctx: RequestCtx | None) -> tuple[str | None, str]:
    p = ctx.principal if ctx else None
    return (p.id, p.shown_name) if p else (None, "")


def compute(
    db: Session,
    county: str,
    first: date,
    *,
    ctx: RequestCtx | None = None,
    freeze: bool = False,
    reason: str = "",
) -> list[MonthSnapshot]:
    """Compute a county's month and store it (every village, township and the county),
    replacing what was stored. Replacing a frozen month keeps the values it replaces, with
    ``reason`` (``recompute`` checks and audits). Returns the county's rows."""
    # one computation of a county's month at a time (PostgreSQL): the second waits, then
    # replaces what the first stored
    db.execute(select(Region.code).where(Region.code == county).with_for_update())
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL jit = off"))  # see service.refresh_county
        # the county's visits grouped by elder in memory (services), not spilled to disk
        db.execute(text("SET LOCAL work_mem = '64MB'"))
    today, now = clock.today(), clock.now()
    as_of = min(last_day(first), today)
    key = month_key(first)
    actor_id, actor_name = _actor(ctx)
    figures = county_figures(db, county, first, as_of)
    old = {
        s.region_code: s
        for s in db.scalars(
            select(MonthSnapshot).where(
                MonthSnapshot.county_code == county, MonthSnapshot.month == key
            )
        )
    }
    for code, s in old.items():
        if s.frozen:
            db.add(
                MonthSnapshotRevision(
                    region_code=code,
                    month=key,
                    version=s.version,
                    as_of=s.as_of,
                    figures=s.figures,
                    computed_at=s.computed_at,
                    computed_by=s.computed_by,
                    computed_by_name=s.computed_by_name,
                    replaced_at=now,
                    replaced_by=actor_id,
                    replaced_by_name=actor_name,
                    reason=reason,
                )
            )
    versions = {code: s.version for code, s in old.items()}
    frozen_at = {code: s.frozen_at for code, s in old.items() if s.frozen}
    db.execute(
        delete(MonthSnapshot).where(MonthSnapshot.county_code == county, MonthSnapshot.month == key)
    )
    for s in old.values():  # deleted in SQL: replaced below
        db.expunge(s)
    rows = []
    county_frozen = frozen_at.get(county)  # a frozen month stays frozen, every row of it
    for code, f in figures.items():
        v = f["visits"]
        row = MonthSnapshot(
            region_code=code,
            month=key,
            level=LEVELS[len(code)],
            county_code=county,
            as_of=as_of,
            elders=f["elders"],
            special_difficulty=v["special_difficulty"],
            special_visited=v["special_visited"],
            monthly_visit_rate=v["monthly_visit_rate"],
            elders_visited=v["elders_visited"],
            coverage_rate=v["coverage_rate"],
            figures=f,
            computed_at=now,
            computed_by=actor_id,
            computed_by_name=actor_name,
            frozen=freeze or county_frozen is not None,
            frozen_at=frozen_at.get(code) or county_frozen or (now if freeze else None),
            version=versions.get(code, 0) + 1,
        )
        rows.append(row)
    db.add_all(rows)
    db.flush()
    return [r for r in rows if r.region_code == county]


def freeze(db: Session, county: str, first: date, ctx: RequestCtx | None = None) -> bool:
    """Freeze a county's month unless it is frozen already; whether it froze it now."""
    key = month_key(first)
    snapshot = db.get(MonthSnapshot, (county, key), populate_existing=True)
    if snapshot is not None and snapshot.frozen:
        return False
    compute(db, county, first, ctx=ctx, freeze=True)
    return True


def counties(db: Session, region: str | None = None) -> list[str]:
    stmt = select(Region.code).where(Region.level == "county").order_by(Region.code)
    if region:
        stmt = stmt.where(Scope(region[:6] if len(region) >= 6 else region).clause(Region.code))
    return list(db.scalars(stmt))


def county_of(code: str) -> str:
    return code[:6]


# ----------------------------------------------------------------------------- reading


def month_of(db: Session, region: Region, first: date) -> dict[str, Any]:
    """A region's month: from its snapshot when frozen; the current month to date, or a
    past month not yet frozen, computed now when older than ``stats_max_age_seconds``
    (and stored, not frozen). A prefecture or province adds up its counties' rows as
    stored (``eldercare stats refresh`` keeps the current month current)."""
    code = region.code
    prefix = _prefix(region)
    key = month_key(first)
    today = clock.today()
    partial = first == this_month(today)
    if len(prefix) >= 6:
        county = prefix[:6]
        row = _current_row(db, county, first, code)
        children = _children(db, prefix, key)
        return _answer(region, key, row, children, partial)
    # a prefecture or province: its counties, each as above
    total: dict[str, Any] = empty()
    children = []
    computed_at, frozen, as_of = None, True, None
    for county in counties(db, prefix):
        row = _current_row(db, county, first, county, stored=True)
        f = row.figures
        add(total, f)
        children.append(_child(row))
        computed_at = min(computed_at or row.computed_at, row.computed_at)
        frozen = frozen and row.frozen
        as_of = row.as_of
    finish(total)
    return {
        "region": code,
        "region_name": region.name,
        "level": region.level,
        "month": key,
        "partial": partial,
        "as_of": as_of or min(last_day(first), today),
        "frozen": frozen and bool(children),
        "computed_at": computed_at or clock.now(),
        "computed_by_name": "",
        "version": 0,
        "figures": total,
        "children": children,
    }


def _prefix(region: Region) -> str:
    from eldercare.stats.service import prefix_of

    return prefix_of(region)


def _current_row(
    db: Session, county: str, first: date, code: str, *, stored: bool = False
) -> MonthSnapshot:
    """The stored row of ``code`` for the month, computing the county's month first unless
    it is frozen or was computed within ``stats_max_age_seconds`` (a month not frozen can
    still change: a visit logged late, an incident resolved). ``stored``: as stored,
    however old (a prefecture or province; computed only if never computed)."""
    key = month_key(first)
    row = db.get(MonthSnapshot, (code, key), populate_existing=True)
    county_row = row if code == county else db.get(MonthSnapshot, (county, key))
    fresh = county_row is not None and (
        stored
        or county_row.frozen
        or (clock.now() - county_row.computed_at).total_seconds()
        < get_settings().stats_max_age_seconds
    )
    if not fresh:
        # in a write transaction of its own, committed before the request reads it (as
        # service.bring_up_to_date does): the request's own transaction ends first
        db.commit()
        write_apart(lambda writer: compute(writer, county, first))
        row = db.get(MonthSnapshot, (code, key), populate_existing=True)
        county_row = db.get(MonthSnapshot, (county, key), populate_existing=True)
    if row is None:  # no elders nor incidents there that month
        return MonthSnapshot(
            region_code=code,
            month=key,
            level=LEVELS.get(len(code), "county"),
            county_code=county,
            as_of=min(last_day(first), clock.today()),
            figures=finish(empty()),
            computed_at=county_row.computed_at if county_row else clock.now(),
            computed_by_name=county_row.computed_by_name if county_row else "",
            frozen=bool(county_row and county_row.frozen),
            version=0,
        )
    return row


def _children(db: Session, prefix: str, key: str) -> list[dict[str, Any]]:
    if len(prefix) >= 12:
        return []
    n = 9 if len(prefix) == 6 else 12
    rows = db.scalars(
        select(MonthSnapshot)
        .where(
            MonthSnapshot.county_code == prefix[:6],
            MonthSnapshot.month == key,
            func.length(MonthSnapshot.region_code) == n,
            Scope(prefix).clause(MonthSnapshot.region_code),
        )
        .order_by(MonthSnapshot.region_code)
    ).all()
    return [_child(r) for r in rows]


def _child(row: MonthSnapshot) -> dict[str, Any]:
    return {"code": row.region_code, "figures": row.figures}


def _answer(
    region: Region, key: str, row: MonthSnapshot, children: list[dict[str, Any]], partial: bool
) -> dict[str, Any]:
    return {
        "region": region.code,
        "region_name": region.name,
        "level": region.level,
        "month": key,
        "partial": partial,
        "as_of": row.as_of,
        "frozen": row.frozen,
        "computed_at": row.computed_at,
        "computed_by_name": row.computed_by_name,
        "version": row.version,
        "figures": row.figures,
        "children": children,
    }


def series(db: Session, region: Region, months: list[date]) -> list[dict[str, Any]]:
    """The monthly visit rate of ``region`` for each month, from its snapshots (the current
    month to date, flagged ``partial``)."""
    out = []
    for first in months:
        m = month_of(db, region, first)
        v = m["figures"]["visits"]
        out.append(
            {
                "month": m["month"],
                "partial": m["partial"],
                "as_of": m["as_of"],
                "frozen": m["frozen"],
                "elders_visited": v["elders_visited"],
                "special_visited": v["special_visited"],
                "special_difficulty": v["special_difficulty"],
                "monthly_visit_rate": v["monthly_visit_rate"],
            }
        )
    return out


def revisions(db: Session, code: str, key: str) -> list[MonthSnapshotRevision]:
    return list(
        db.scalars(
            select(MonthSnapshotRevision)
            .where(MonthSnapshotRevision.region_code == code, MonthSnapshotRevision.month == key)
            .order_by(MonthSnapshotRevision.id.desc())
        )
    )
