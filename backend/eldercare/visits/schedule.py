"""Keeping each elder's next due visit current, and reading the worklist from it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eldercare import versioned
from eldercare.audit import service as audit
from eldercare.clock import today as local_today
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import UTCDateTime, get_engine, utcnow, write_apart
from eldercare.visits.models import ElderSchedule, Visit, VisitPolicyVersion
from eldercare.visits.rules import ALL_METHODS, VisitPolicy, next_due

# The schedule's event slot when a move ended the elder's pairings (see ``needs_helper``).
NEEDS_HELPER = "needs_helper"


def policy_for(db: Session, county: str, on: date | None = None) -> tuple[VisitPolicy, date | None]:
    """The version in force on ``on`` (default today), else the defaults."""
    return versioned.in_force(db, VisitPolicyVersion, VisitPolicy, county, on)


def first_values(
    db: Session, county: str, on: date
) -> Callable[[str, bool, date, str], dict[str, Any]]:
    """The values of a new elder's first schedule in the county, by the policy in force on
    ``on`` (read here, once): from the elder's risk level, special difficulty, day of
    registration (due that day: never visited) and categories (``,code,`` text)."""
    policy = policy_for(db, county, on)[0]
    tz = get_settings().tz

    def values(
        risk_level: str, special_difficulty: bool, registered: date, category_codes: str = ""
    ) -> dict[str, Any]:
        categories = [c for c in category_codes.split(",") if c]
        due = next_due(
            policy, risk_level, special_difficulty, None, registered, None, tz, categories
        )
        return {
            "risk_level": risk_level,
            "special_difficulty": special_difficulty,
            "interval_days": due.interval_days,
            "next_due_date": due.next_due_date,
            "reason": due.reason,
        }

    return values


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
    helper_since: datetime | None = None
    if event_type == NEEDS_HELPER:
        # not answered by a visit: only by a pairing made since the move
        helper_since, event_due, event_type = event_due, None, None
        if helper_since is not None and _helper_found(db, elder.id, helper_since):
            helper_since = None
    elif (
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
        [c for c in (elder.category_codes or "").split(",") if c],
    )
    next_due_date, reason = due.next_due_date, due.reason
    if helper_since is not None:
        event_type, event_due = NEEDS_HELPER, helper_since
        next_due_date = min(next_due_date, helper_since.astimezone(tz).date())
        reason = {"code": "due.needs_helper", "params": {}}
    if current is None:
        current = ElderSchedule(elder_id=elder.id)
        db.add(current)
    current.village_code = elder.village_code
    current.risk_level = elder.risk_level
    current.special_difficulty = special
    current.interval_days = due.interval_days
    current.last_visit_at = last
    current.event_type, current.event_due_at = event_type, event_due
    current.next_due_date = next_due_date
    current.reason = reason
    return current


def _helper_found(db: Session, elder_id: str, since: datetime) -> bool:
    from eldercare.volunteers.models import Pairing

    return (
        db.scalar(
            select(Pairing.id)
            .where(
                Pairing.elder_id == elder_id,
                Pairing.end_date.is_(None),
                Pairing.created_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def needs_helper(db: Session, elder: Any) -> ElderSchedule | None:
    """The elder moved and lost their helper: the worklist shows them as due now, with the
    reason ``due.needs_helper``, until a pairing is made (:func:`refresh` after it). Takes
    the place of a pending event (it is due no later than one)."""
    current = refresh(db, elder)
    if current is None:
        return None
    current.event_type, current.event_due_at = NEEDS_HELPER, utcnow()
    return refresh(db, elder)


def helper_paired(db: Session, elder_id: str) -> None:
    """After a pairing is made: an elder flagged as needing a helper is no longer."""
    from eldercare.elders.models import Elder

    current = db.get(ElderSchedule, elder_id)
    if current is None or current.event_type != NEEDS_HELPER:
        return
    elder = db.get(Elder, elder_id)
    if elder is not None:
        refresh(db, elder)


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
    """Recompute every next due date of a county after a policy change: set-based SQL.

    Two statements, whatever the county's size: drop the schedules of elders no longer
    active, then one upsert that, for every active elder, reads its tier, categories, last
    qualifying visit under the policy's methods and pending event, and writes its due date
    and reason with the same rules as :func:`refresh` (and ``next_due``), in SQL date
    arithmetic. Returns how many schedules the county has afterwards.
    """
    from eldercare.elders.models import Elder

    policy = policy_for(db, county)[0]
    dialect = db.get_bind().dialect.name
    d = SqlDates(dialect, get_settings().tz)
    from eldercare.volunteers.models import Pairing

    s, e, v = ElderSchedule.__table__, Elder.__table__, Visit.__table__
    p = Pairing.__table__
    assert isinstance(s, Table)
    in_county = e.c.county_code == county
    active = and_(e.c.status == "active", e.c.merged_into_id.is_(None))
    now = utcnow()
    if dialect == "postgresql":
        # The estimated cost of the statement below makes PostgreSQL JIT-compile it, which
        # costs more than running it: off, for this transaction only.
        db.execute(text("SET LOCAL jit = off"))

    db.execute(
        delete(s).where(
            s.c.county_code == county,
            s.c.elder_id.not_in(select(e.c.id).where(in_county, active)),
        )
    )

    tiers = policy.tiers.items()
    if all(set(r.methods) >= set(ALL_METHODS) for _, r in tiers):
        qualifying: Any = true()  # every visit counts: the index alone answers
    else:
        qualifying = or_(*[and_(e.c.risk_level == t, v.c.method.in_(r.methods)) for t, r in tiers])
    last_visit = (
        select(func.max(v.c.visited_at))
        .where(v.c.elder_id == e.c.id, qualifying)
        .correlate(e)
        .scalar_subquery()
    )
    tier_interval: Any = case({t: r.interval_days for t, r in tiers}, value=e.c.risk_level)
    # a category's own interval when shorter than the tier's (the shortest such category)
    by_category = sorted((r.interval_days, c) for c, r in policy.categories.items())
    category_of: Any = null()
    interval: Any = tier_interval
    if by_category:
        has = [(e.c.category_codes.contains(f",{c},"), days, c) for days, c in by_category]
        category_of = case(
            *[(and_(cond, tier_interval > days), literal(c)) for cond, days, c in has],
            else_=null(),
        )
        interval = case(
            *[(and_(cond, tier_interval > days), days) for cond, days, _ in has],
            else_=tier_interval,
        )
    x = (
        select(
            e.c.id,
            e.c.village_code,
            e.c.risk_level,
            e.c.category_codes.contains(",special_difficulty,").label("special"),
            interval.label("interval"),
            category_of.label("category"),
            e.c.created_at,
            last_visit.label("last"),
            s.c.event_type,
            s.c.event_due_at,
        )
        .select_from(e.outerjoin(s, and_(s.c.elder_id == e.c.id, s.c.county_code == county)))
        .where(in_county, active)
        # OFFSET 0 keeps the subquery whole: merged into the statement, its visit lookup
        # would run once for every use of ``last`` below.
        .offset(0)
        .subquery("x")
    )
    hours = policy.event_due_hours
    never = x.c.last.is_(None)
    last_day = d.local_date(x.c.last)
    is_helper = and_(x.c.event_type.is_not(None), x.c.event_type == NEEDS_HELPER)
    helper_found = exists().where(
        p.c.elder_id == x.c.id, p.c.end_date.is_(None), p.c.created_at >= x.c.event_due_at
    )
    helper_live = and_(is_helper, x.c.event_due_at.is_not(None), ~helper_found)
    event_live = and_(
        x.c.event_due_at.is_not(None),
        ~is_helper,
        or_(never, x.c.last < d.minus_hours(x.c.event_due_at, hours)),
    )
    base = case((never, d.local_date(x.c.created_at)), else_=d.add_days(last_day, x.c.interval))
    monthly = d.end_of_next_month(last_day)
    use_monthly = and_(
        ~never, x.c.special, literal(policy.special_difficulty_monthly), monthly < base
    )
    due1 = case((use_monthly, monthly), else_=base)
    event_day = d.local_date(x.c.event_due_at)
    use_event = and_(event_live, event_day < due1)
    reason = case(
        (helper_live, d.json("due.needs_helper")),
        (use_event, d.json("due.event", hours=literal(hours))),
        (use_monthly, d.json("due.monthly")),
        (never, d.json("due.never_visited", tier=x.c.risk_level)),
        (
            x.c.category.is_not(None),
            d.json("due.category", category=x.c.category, days=x.c.interval),
        ),
        else_=d.json("due.tier", tier=x.c.risk_level, days=x.c.interval),
    )
    rows = select(
        x.c.id,
        x.c.village_code,
        x.c.risk_level,
        x.c.special,
        x.c.interval,
        x.c.last,
        case((or_(event_live, helper_live), x.c.event_type), else_=null()),
        case((or_(event_live, helper_live), x.c.event_due_at), else_=null()),
        case((use_event, event_day), (and_(helper_live, event_day < due1), event_day), else_=due1),
        reason,
        literal(now, UTCDateTime()),
    ).where(true())  # SQLite reads "INSERT ... SELECT ... ON CONFLICT" only after a WHERE
    columns = ["elder_id", "village_code", "risk_level", "special_difficulty", "interval_days"]
    columns += ["last_visit_at", "event_type", "event_due_at", "next_due_date", "reason"]
    columns += ["updated_at"]
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(s).from_select(columns, rows)
    compared = [c for c in columns if c not in ("elder_id", "updated_at")]
    db.execute(
        upsert.on_conflict_do_update(
            index_elements=[s.c.elder_id],
            set_={c: upsert.excluded[c] for c in columns if c != "elder_id"},
            # a row the change leaves as it was is not written again
            where=or_(
                *[s.c[c].is_distinct_from(upsert.excluded[c]) for c in compared if c != "reason"],
                cast(s.c.reason, String) != cast(upsert.excluded.reason, String),
            ),
        )
    )
    db.expire_all()  # ORM objects of this session may hold the old schedules
    count = db.scalar(select(func.count()).select_from(s).where(s.c.county_code == county))
    return int(count or 0)


def refresh_counties(counties: list[str], jobs: int = 1) -> int:
    """:func:`refresh_county` for many counties, each in a transaction of its own, ``jobs``
    at a time (PostgreSQL; SQLite has one writer). Returns how many schedules they hold."""
    from concurrent.futures import ThreadPoolExecutor

    def one(county: str) -> int:
        return write_apart(lambda db: refresh_county(db, county))

    if get_engine().dialect.name != "postgresql":
        jobs = 1
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return sum(pool.map(one, counties))


class SqlDates:
    """The date arithmetic of :func:`next_due`, in the SQL of each database.

    Local dates are in the service's time zone; SQLite, which has no time zones, uses the
    zone's current UTC offset (Asia/Shanghai has kept +08:00 since 1991).
    """

    def __init__(self, dialect: str, tz: Any) -> None:
        self.pg = dialect == "postgresql"
        self.tzname = str(tz)
        offset = datetime.now(tz).utcoffset() or timedelta()
        self.offset_minutes = int(offset.total_seconds() // 60)

    def local_date(self, col: Any) -> Any:
        if self.pg:
            return cast(func.timezone(self.tzname, col), Date)
        return func.date(col, f"{self.offset_minutes:+d} minutes", type_=Date)

    def add_days(self, day: Any, days: Any) -> Any:
        if self.pg:
            return cast(day + days, Date)
        return func.date(day, literal("+") + cast(days, String) + literal(" days"), type_=Date)

    def end_of_next_month(self, day: Any) -> Any:
        if self.pg:
            first = func.date_trunc("month", day)
            return cast(first + text("interval '2 months'") - text("interval '1 day'"), Date)
        return func.date(day, "start of month", "+2 months", "-1 day", type_=Date)

    def minus_hours(self, col: Any, hours: int) -> Any:
        if self.pg:
            return col - text(f"interval '{int(hours)} hours'")
        return func.datetime(col, f"-{int(hours)} hours", type_=UTCDateTime())

    def json(self, code: str, **params: Any) -> Any:
        build = func.json_build_object if self.pg else func.json_object
        args: list[Any] = []
        for key, value in params.items():
            args += [literal(key), value]
        return build(literal("code"), literal(code), literal("params"), build(*args), type_=JSON)


def put_policy(db: Session, ctx: RequestCtx, policy: VisitPolicy, effective: date) -> int:
    county = ctx.actor.region_code[:6]
    versioned.store(db, VisitPolicyVersion, county, effective, policy, ctx.actor.id)
    n = services_n = 0
    if effective <= local_today():
        from eldercare.visits import services

        n = refresh_county(db, county)
        services_n = services.refresh(db, county)
    audit.record(
        db,
        ctx,
        "update",
        resource="visit_policy",
        resource_id=f"{county}@{effective}",
        region_code=county,
        detail={"schedules_recomputed": n, "service_schedules": services_n},
    )
    return n


def due_in_days(due: date, today: date) -> int:
    """Days from ``today`` to ``due``: positive ahead, 0 due today, negative overdue."""
    return (due - today).days


def overdue_days(due: date, today: date) -> int:
    """Days past ``due`` (0 when due today or later)."""
    return max(0, -due_in_days(due, today))


def overdue_clause(on: date) -> Any:
    """到期未探访, the one definition: the elder's next visit was due before ``on`` (today).
    The worklist's ``overdue=true`` (its total), the visit rates' ``overdue`` (each region's
    and the totals), the statistics and the elder list's ``overdue=true`` all count this."""
    return ElderSchedule.next_due_date < on


def overdue_elder_ids(on: date) -> Any:
    """Elders whose next visit was due before ``on`` (for the elder list's ``overdue=true``)."""
    return select(ElderSchedule.elder_id).where(overdue_clause(on))
