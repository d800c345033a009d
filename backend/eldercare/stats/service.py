"""Supervision statistics (督导): size, make-up, visits, emergencies and data quality of a
region's elders, for the region and each child region, computed set-based in a few queries.

Every figure counts active elders of the register (not moved out, deceased or merged).
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from functools import reduce
from typing import Any, get_args

from sqlalchemy import ColumnElement, Integer, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from eldercare import clock
from eldercare.elders.models import Elder, Guardian
from eldercare.elders.rules import CATEGORY_CODES
from eldercare.elders.schemas import LivingArrangement
from eldercare.incidents import service as incidents
from eldercare.regions.models import Region
from eldercare.scope import Scope
from eldercare.visits import rates
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


def _register(db: Session, scope: Scope, n: int, today: date) -> dict[str, dict[str, Any]]:
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
    }
    columns: list[tuple[str, str, Any]] = [
        *[
            ("by_category", c, _flag(Elder.category_codes.contains(f",{c},")))
            for c in CATEGORY_CODES
        ],
        *[("by_age_band", k, _flag(v)) for k, v in age_band.items()],
        *[("by_sex", s, _flag(Elder.sex == s)) for s in SEXES],
        *[("by_living_arrangement", k, _flag(v)) for k, v in living.items()],
        *[("by_risk_level", r, _flag(Elder.risk_level == r)) for r in RISK_LEVELS],
        *[("data_quality", k, _flag(v)) for k, v in quality.items()],
        ("data_quality", "invalid_id_number", func.sum(id_number_invalid(Elder.id_number))),
        ("", "left_behind", _flag(Elder.is_left_behind.is_(True))),
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
        "incidents": {"open": 0, "overdue": 0, "by_status": {}},
        "data_quality": {
            "missing_phone": 0,
            "invalid_id_number": 0,
            "id_number_15_digit": 0,
            "no_guardian": 0,
            "no_primary_helper": 0,
            "never_visited": 0,
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


def summary(db: Session, region: Region) -> dict[str, Any]:
    """The summary of ``region`` and of each child region (none for a village)."""
    started = time.perf_counter()
    prefix = prefix_of(region)
    scope = Scope(prefix)
    n = CHILD_LENGTH[len(prefix)]
    today = clock.today()
    now = clock.now()
    children = _register(db, scope, n, today)

    months = _months(today, SERIES_MONTHS)
    windows = [rates.month_bounds(m) for m in months]
    series_rows = rates.visited_by_child(db, prefix, n, windows)
    recent = rates.visited_by_child(db, prefix, n, [(now - timedelta(days=30), now)])
    overdue = rates.overdue_by_child(db, prefix, n, today)
    open_incidents = incidents.open_and_overdue_by_child(db, prefix, n)

    for code in set(series_rows) | set(recent) | set(overdue) | set(open_incidents):
        children.setdefault(code, _empty())
    this_month = len(months) - 1
    for code, b in children.items():
        visited, special_visited = series_rows.get(code, {}).get(this_month, (0, 0))
        b["visits"]["visited_this_month"] = visited
        b["visits"]["special_visited_this_month"] = special_visited
        b["visits"]["visited_last_30_days"] = recent.get(code, {}).get(0, (0, 0))[0]
        b["visits"]["overdue"] = overdue.get(code, 0)
        b["incidents"] = open_incidents.get(code, {"open": 0, "overdue": 0, "by_status": {}})

    totals = _empty()
    for b in children.values():
        _add(totals, b)
    for b in [totals, *children.values()]:
        _finish_rates(b)

    series = []
    special_total = totals["visits"]["special_difficulty"]
    for i, first in enumerate(months):
        visited = sum(rows.get(i, (0, 0))[0] for rows in series_rows.values())
        special_visited = sum(rows.get(i, (0, 0))[1] for rows in series_rows.values())
        series.append(
            {
                "month": first.strftime("%Y-%m"),
                "elders_visited": visited,
                "special_visited": special_visited,
                "special_difficulty": special_total,
                "monthly_visit_rate": _ratio(special_visited, special_total),
            }
        )

    names: dict[str, str] = {}
    if len(prefix) < 12:
        codes = {region_code_of(c) for c in children}
        found = db.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
        names = {code: name for code, name in found}
    child_rows = (
        []
        if len(prefix) == 12
        else [
            {"code": region_code_of(c), "name": names.get(region_code_of(c), c), **b}
            for c, b in sorted(children.items())
        ]
    )
    return {
        "region": region.code,
        "region_name": region.name,
        "level": region.level,
        "computed_at": now,
        "compute_ms": round((time.perf_counter() - started) * 1000, 1),
        "totals": {"code": region.code, "name": region.name, **totals},
        "children": child_rows,
        "visit_rate_series": series,
    }
