"""Supervision statistics (督导): size, make-up, visits, emergencies and data quality of a
region's elders, for the region and each child region.

Every figure counts active elders of the register (not moved out, deceased or merged).
Each village's figures are computed set-based, a county at a time (a few grouped queries),
and kept as roll-ups (``stats_rollups``); a summary adds up the villages under the region,
so a province costs what reading its villages' rows costs. A county's roll-ups are
recomputed when a summary of it (or of anything in it) finds them older than
``stats_max_age_seconds``; a prefecture or province summary reads them as they are and says
how old the oldest is (``eldercare stats refresh`` keeps them all current, e.g. from cron).
Open and overdue incidents, and the timeliness of the last 12 months' reports, are always
read live.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import reduce
from typing import Any, get_args

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from eldercare import clock
from eldercare.config import get_settings
from eldercare.db import write_apart
from eldercare.elders import contacts
from eldercare.elders.facts import county_settings
from eldercare.elders.models import Elder, Guardian
from eldercare.elders.queries import caretaker_agreement_clause
from eldercare.elders.rules import CATEGORY_CODES
from eldercare.elders.schemas import LivingArrangement
from eldercare.followups import service as followups
from eldercare.incidents import service as incidents
from eldercare.regions.models import Region
from eldercare.scope import Scope
from eldercare.stats import months
from eldercare.stats.models import StatsRefresh, StatsRollup
from eldercare.sweeps.service import not_verified_since
from eldercare.visits import rates, services
from eldercare.visits.models import Visit
from eldercare.volunteers.models import Pairing

# Region code (as stored: provinces and prefectures padded to 6 digits) -> prefix and child length
LEVEL_PREFIX = {"province": 2, "prefecture": 4, "county": 6, "township": 9, "village": 12}
CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}
AGE_BANDS = ("under_60", "60_69", "70_79", "80_89", "90_plus")
SEXES = ("male", "female")
RISK_LEVELS = ("high", "key", "general")
LIVING = (*get_args(LivingArrangement), "unknown")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SERIES_MONTHS = 12


def prefix_of(region: Region) -> str:
    return region.code[: LEVEL_PREFIX.get(region.level, len(region.code))]


def region_code_of(prefix: str) -> str:
    """The stored code of a region prefix (provinces and prefectures are padded to 6)."""
    return prefix.ljust(6, "0") if len(prefix) < 6 else prefix


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def id_number_invalid(column: Any) -> ColumnElement[int]:
    """1 when the stored number is not 18 characters with a correct MOD 11-2 check digit.

    A CASE, so that the digits are only cast once the format is known to be right.
    """
    total = reduce(
        lambda a, b: a + b,
        [cast(func.substr(column, i + 1, 1), Integer) * w for i, w in enumerate(ID_WEIGHTS)],
    )
    check = func.substr(literal("10X98765432"), total % 11 + 1, 1)
    return case(
        (~column.regexp_match("^[0-9]{17}[0-9X]$"), 1),
        (func.substr(column, 18, 1) == check, 0),
        else_=1,
    )


def _active(scope: Scope) -> ColumnElement[bool]:
    return and_(
        scope.clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
        Elder.status == "active",
        Elder.merged_into_id.is_(None),
    )


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _register(
    db: Session, scope: Scope, n: int, today: date, verified_since: date
) -> dict[str, dict[str, Any]]:
    """One pass over the region's elders: every count by category, age, sex, living
    arrangement and risk, and the data-quality flags."""
    child = func.substr(Elder.village_code, 1, n).label("child")
    bounds = [_years_ago(today, y) for y in (60, 70, 80, 90)]  # born on or before: at least y
    age_band = {
        "under_60": Elder.birth_date > bounds[0],
        "60_69": and_(Elder.birth_date <= bounds[0], Elder.birth_date > bounds[1]),
        "70_79": and_(Elder.birth_date <= bounds[1], Elder.birth_date > bounds[2]),
        "80_89": and_(Elder.birth_date <= bounds[2], Elder.birth_date > bounds[3]),
        "90_plus": Elder.birth_date <= bounds[3],
    }
    living = {
        v: (Elder.living_arrangement == v) if v != "unknown" else Elder.living_arrangement.is_(None)
        for v in LIVING
    }
    quality = {
        "missing_phone": or_(Elder.phone.is_(None), Elder.phone == ""),
        "id_number_15_digit": func.length(Elder.id_number_original) == 15,
        "no_guardian": ~exists().where(Guardian.elder_id == Elder.id),
        "no_primary_helper": ~exists().where(
            Pairing.elder_id == Elder.id,
            Pairing.is_primary.is_(True),
            Pairing.end_date.is_(None),
        ),
        "never_visited": ~exists().where(Visit.elder_id == Elder.id),
        # not confirmed in person within the county's months (a sweep), or never
        "not_verified": or_(Elder.verified_on.is_(None), Elder.verified_on < verified_since),
    }
    columns: list[tuple[str, str, Any]] = [
        *[
            ("by_category", c, _flag(Elder.category_codes.contains(f",{c},")))
            for c in CATEGORY_CODES
        ],
        *[("by_age_band", k, _flag(v)) for k, v in age_band.items()],
        *[("by_sex", s, _flag(Elder.sex == s)) for s in SEXES],
        *[
            ("by_sex_age_band", f"{s}_{k}", _flag(and_(Elder.sex == s, v)))
            for s in SEXES
            for k, v in age_band.items()
        ],
        *[("by_living_arrangement", k, _flag(v)) for k, v in living.items()],
        *[("by_risk_level", r, _flag(Elder.risk_level == r)) for r in RISK_LEVELS],
        *[("data_quality", k, _flag(v)) for k, v in quality.items()],
        ("data_quality", "invalid_id_number", func.sum(id_number_invalid(Elder.id_number))),
        ("", "left_behind", _flag(Elder.is_left_behind.is_(True))),
        ("care", "no_one_at_home", _flag(Elder.no_one_at_home.is_(True))),
        (
            "care",
            "caretaker_agreement_missing",
            _flag(and_(Elder.is_left_behind.is_(True), ~caretaker_agreement_clause())),
        ),
    ]
    stmt = (
        select(child, func.count(), *[c for _, _, c in columns])
        .where(_active(scope))
        .group_by(child)
    )
    out: dict[str, dict[str, Any]] = {}
    for row in db.execute(stmt):
        b = _empty()
        b["elders"] = row[1]
        for (group, key, _), value in zip(columns, row[2:], strict=True):
            if group:
                b[group][key] = int(value or 0)
            else:
                b[key] = int(value or 0)
        out[row[0]] = b
    return out


def _empty() -> dict[str, Any]:
    return {
        "elders": 0,
        "left_behind": 0,
        "by_category": dict.fromkeys(CATEGORY_CODES, 0),
        "by_age_band": dict.fromkeys(AGE_BANDS, 0),
        "by_sex": dict.fromkeys(SEXES, 0),
        "by_sex_age_band": {f"{s}_{k}": 0 for s in SEXES for k in AGE_BANDS},
        "by_living_arrangement": dict.fromkeys(LIVING, 0),
        "by_risk_level": dict.fromkeys(RISK_LEVELS, 0),
        "visits": {
            "special_difficulty": 0,
            "special_visited_this_month": 0,
            "monthly_visit_rate": None,
            "visited_this_month": 0,
            "visited_last_30_days": 0,
            "last_30_days_rate": None,
            "overdue": 0,
            "within_interval_rate": None,
        },
        "care": {
            "contact_covered": 0,
            "contacted_within_rule": 0,
            "contact_overdue": 0,
            "contact_rate": None,
            "no_one_at_home": 0,
            "caretaker_agreement_missing": 0,
        },
        "data_quality": {
            "missing_phone": 0,
            "invalid_id_number": 0,
            "id_number_15_digit": 0,
            "no_guardian": 0,
            "no_primary_helper": 0,
            "never_visited": 0,
            "not_verified": 0,
        },
    }


def _months(today: date, count: int) -> list[date]:
    """The first days of the last ``count`` calendar months, oldest first (this one last)."""
    firsts = []
    year, month = today.year, today.month
    for _ in range(count):
        firsts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return firsts[::-1]


def _no_reports() -> dict[str, int]:
    return {"reported_last_12_months": 0, "report_time_known": 0, "reported_late": 0}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _add(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict):
            _add(into.setdefault(key, {}), value)
        elif isinstance(value, int) and not isinstance(value, bool):
            into[key] = into.get(key, 0) + value


def _finish_rates(b: dict[str, Any]) -> None:
    v = b["visits"]
    v["special_difficulty"] = b["by_category"]["special_difficulty"]
    v["monthly_visit_rate"] = _ratio(v["special_visited_this_month"], v["special_difficulty"])
    v["last_30_days_rate"] = _ratio(v["visited_last_30_days"], b["elders"])
    v["within_interval_rate"] = _ratio(b["elders"] - v["overdue"], b["elders"])
    c = b["care"]
    c["contact_overdue"] = c["contact_covered"] - c["contacted_within_rule"]
    c["contact_rate"] = _ratio(c["contacted_within_rule"], c["contact_covered"])


def _month_key(first: date) -> str:
    return first.strftime("%Y-%m")


def village_figures(db: Session, county: str) -> dict[str, dict[str, Any]]:
    """Every village of ``county`` with active elders (or visits): its figures, as stored."""
    today, now = clock.today(), clock.now()
    within = county_settings(db, county).verification_months
    villages = _register(db, Scope(county), 12, today, not_verified_since(within, today))
    months = _months(today, SERIES_MONTHS)
    series = rates.visited_by_child(db, county, 12, [rates.month_bounds(m) for m in months])
    recent = rates.visited_by_child(db, county, 12, [(now - timedelta(days=30), now)])
    overdue = rates.overdue_by_child(db, county, 12, today)
    contacted = contacts.counts_by_child(db, county, 12)
    for code in set(series) | set(recent) | set(overdue) | set(contacted):
        villages.setdefault(code, _empty())
    this_month = len(months) - 1
    for code, b in villages.items():
        visited, special_visited = series.get(code, {}).get(this_month, (0, 0))
        b["visits"]["visited_this_month"] = visited
        b["visits"]["special_visited_this_month"] = special_visited
        b["visits"]["visited_last_30_days"] = recent.get(code, {}).get(0, (0, 0))[0]
        b["visits"]["overdue"] = overdue.get(code, 0)
        covered, within = contacted.get(code, (0, 0))
        b["care"]["contact_covered"], b["care"]["contacted_within_rule"] = covered, within
        b["series"] = {
            _month_key(m): list(series.get(code, {}).get(i, (0, 0))) for i, m in enumerate(months)
        }
    return villages


def refresh_county(db: Session, county: str, max_age: int | None = None) -> bool:
    """Recompute a county's roll-ups, unless (with ``max_age``) they are recent enough.

    Refreshes of one county are serialised by a lock on its region row (PostgreSQL); the
    second waits, then finds the figures fresh. Returns whether it recomputed."""
    db.execute(select(Region.code).where(Region.code == county).with_for_update())
    now = clock.now()
    marker = db.get(StatsRefresh, county, populate_existing=True)
    if (
        max_age is not None
        and marker is not None
        and marker.computed_at >= now - timedelta(seconds=max_age)
    ):
        return False
    started = time.perf_counter()
    if db.get_bind().dialect.name == "postgresql":
        # The grouped queries are cheap to run (~0.3 s for 30,000 elders) but their estimated
        # cost makes PostgreSQL JIT-compile them, which alone took 2.5 s: off, for this
        # transaction only.
        db.execute(text("SET LOCAL jit = off"))
    villages = village_figures(db, county)
    db.execute(delete(StatsRollup).where(StatsRollup.county_code == county))
    db.add_all(
        StatsRollup(village_code=code, county_code=county, figures=figures)
        for code, figures in villages.items()
    )
    if marker is None:
        marker = StatsRefresh(county_code=county)
        db.add(marker)
    marker.computed_at = now
    marker.elders = sum(v["elders"] for v in villages.values())
    marker.compute_ms = round((time.perf_counter() - started) * 1000, 1)
    db.flush()
    return True


def bring_up_to_date(db: Session, county: str, max_age: int) -> bool:
    """Before a read request sums a county: recompute its roll-ups if they are older than
    ``max_age`` seconds, in a write transaction of its own committed before they are read
    (on SQLite a read transaction turned writer could fail under concurrent writes).

    The request's own transaction ends first (``db.commit()``: it recorded nothing but
    what it may keep), so that what it reads next is a snapshot taken after the refresh.
    """
    marker = db.get(StatsRefresh, county, populate_existing=True)
    if marker is not None and marker.computed_at >= clock.now() - timedelta(seconds=max_age):
        return False
    db.commit()
    return write_apart(lambda writer: refresh_county(writer, county, max_age))


def refresh_all(db: Session, counties: list[str] | None = None) -> int:
    """Recompute every county's roll-ups and its month to date (``eldercare stats
    refresh``); returns how many."""
    if counties is None:
        counties = list(db.scalars(select(Region.code).where(Region.level == "county")))
    for county in counties:
        refresh_county(db, county)
        months.compute(db, county, months.this_month())  # the month to date, too
    return len(counties)


def summary(db: Session, region: Region) -> dict[str, Any]:
    """The summary of ``region`` and of each child region (none for a village)."""
    started = time.perf_counter()
    prefix = prefix_of(region)
    scope = Scope(prefix)
    n = CHILD_LENGTH[len(prefix)]
    if len(prefix) >= 6:
        bring_up_to_date(db, prefix[:6], get_settings().stats_max_age_seconds)
        counties = [prefix[:6]]
    else:
        counties = list(
            db.scalars(
                select(Region.code).where(Region.level == "county", scope.clause(Region.code))
            )
        )
    found_markers = db.execute(
        select(StatsRefresh.county_code, StatsRefresh.computed_at).where(
            StatsRefresh.county_code.in_(counties)
        )
    )
    markers = {county: at for county, at in found_markers}
    today, now = clock.today(), clock.now()
    month_keys = [_month_key(m) for m in _months(today, SERIES_MONTHS)]

    children: dict[str, dict[str, Any]] = {}
    series: dict[str, list[int]] = {k: [0, 0] for k in month_keys}
    rows = db.execute(
        select(StatsRollup.village_code, StatsRollup.figures).where(
            scope.clause(StatsRollup.village_code)
        )
    )
    for village, figures in rows:
        _add(children.setdefault(village[:n], _empty()), figures)
        for key, (visited, special_visited) in figures.get("series", {}).items():
            if key in series:
                series[key][0] += visited
                series[key][1] += special_visited
    open_incidents = incidents.open_and_overdue_by_child(db, prefix, n)
    reports = incidents.reports_by_child(db, prefix, n)
    follow_ups = followups.counts_by_child(db, prefix, n)
    month_start = datetime.combine(today.replace(day=1), dtime.min, get_settings().tz)
    plan = services.counts_by_child(db, prefix, n, today, month_start)
    for code in [*open_incidents, *reports, *(c for c in follow_ups if c), *(c for c in plan if c)]:
        children.setdefault(code, _empty())
    for code, b in children.items():
        b.pop("series", None)
        b["incidents"] = {
            **open_incidents.get(code, {"open": 0, "overdue": 0, "by_status": {}}),
            **reports.get(code, _no_reports()),
        }
        b["follow_ups"] = follow_ups.get(code, followups.empty_counts())
        b["services"] = plan.get(code, services.empty_counts())

    totals = _empty()
    for b in children.values():
        _add(
            totals,
            {k: v for k, v in b.items() if k not in ("incidents", "follow_ups", "services")},
        )
    totals["incidents"] = {"open": 0, "overdue": 0, "by_status": {}, **_no_reports()}
    for b in children.values():
        _add(totals["incidents"], b["incidents"])
    totals["follow_ups"] = follow_ups.get("", followups.empty_counts())
    totals["services"] = plan.get("", services.empty_counts())
    for b in [totals, *children.values()]:
        _finish_rates(b)
        i = b["incidents"]
        known = i["report_time_known"]
        i["timely_report_rate"] = _ratio(known - i["reported_late"], known)

    # from the month snapshots: each month as the register stood then, this one to date
    visit_series = months.series(db, region, _months(today, SERIES_MONTHS))

    child_rows: list[dict[str, Any]] = []
    if len(prefix) < 12:
        codes = {region_code_of(c) for c in children}
        found = db.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
        names = {code: name for code, name in found}
        child_rows = [
            {"code": region_code_of(c), "name": names.get(region_code_of(c), c), **b}
            for c, b in sorted(children.items())
        ]
    oldest = min(markers.values()) if markers else None
    return {
        "region": region.code,
        "region_name": region.name,
        "level": region.level,
        "computed_at": oldest or now,
        "stale_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "counties_without_figures": len(set(counties) - set(markers)),
        "compute_ms": round((time.perf_counter() - started) * 1000, 1),
        "totals": {"code": region.code, "name": region.name, **totals},
        "children": child_rows,
        "visit_rate_series": visit_series,
    }
