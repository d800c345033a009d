"""The lists read from the stored screening (the gaps, the payments to check, keyset pages
brought up to date first), the age milestones, and the coverage counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from eldercare.clock import today as local_today
from eldercare.elders.models import Elder
from eldercare.identity import age_on
from eldercare.pagination import Kind, Page, decode_cursor, encode_cursor, keyset
from eldercare.relief import hooks, rules
from eldercare.relief.inputs import active_on, policy_for
from eldercare.relief.models import Benefit, ReliefScreening
from eldercare.relief.screening import CHUNK, bring_up_to_date, elders_in
from eldercare.scope import Scope


def _bit_set(column: Any, bit: int) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = column.op("&")(bit) != 0
    return clause


def _screening_list(
    db: Session,
    region: str,
    mask: Any,
    program: str | None,
    *,
    limit: int,
    cursor: str | None,
    count: bool,
    refresh: bool | None = None,
    flagged: Any = None,
) -> Page[Any]:
    # later pages continue the list the first page brought up to date
    if refresh if refresh is not None else cursor is None:
        bring_up_to_date(db, region)
    s = ReliefScreening
    cond = _bit_set(mask, rules.BIT[program]) if program else mask != 0
    if flagged is not None:  # receiving, and reported deceased by another office's roster
        paid = _bit_set(s.receiving_mask, rules.BIT[program]) if program else s.receiving_mask != 0
        cond = or_(cond, and_(paid, s.elder_id.in_(flagged)))
    stmt = (
        select(
            s.elder_id,
            s.village_code,
            mask.label("mask"),
            s.receiving_mask,
            s.detail,
            Elder.name,
            Elder.id_number,
            Elder.sex,
            Elder.birth_date,
            Elder.status,
            Elder.status_date,
            Elder.address,
        )
        .join(Elder, Elder.id == s.elder_id)
        .where(Scope(region).clause_levels(s.village_code, s.township_code, s.county_code), cond)
    )
    return keyset(
        db,
        stmt,
        [(s.village_code, "asc"), (s.elder_id, "asc")],
        limit=limit,
        cursor=cursor,
        count=count,
        scalars=False,
    )


def gaps(db: Session, region: str, program: str | None, **page: Any) -> Page[Any]:
    """应保尽保: eligible or likely eligible, not receiving (deceased and moved out excluded)."""
    return _screening_list(db, region, ReliefScreening.gap_mask, program, **page)


def payments_to_check(db: Session, region: str, program: str | None, **page: Any) -> Page[Any]:
    """Receiving, but deceased, moved out or apparently no longer eligible, or reported
    deceased by a roster of another office (an open discrepancy of the reconciliation)."""
    flagged = hooks.roster_flagged()
    return _screening_list(db, region, ReliefScreening.check_mask, program, flagged=flagged, **page)


@dataclass(slots=True)
class Milestone:
    elder_id: str
    name: str
    id_number: str
    village_code: str
    birth_date: date
    age: int
    birthday: date
    start_date: date
    monthly_amount: Decimal | None
    receiving: bool


def milestones(
    db: Session, region: str, within_days: int, on: date | None = None
) -> list[Milestone]:
    """Active elders turning one of the allowance ages (80, 90, 100 or the county's tiers)
    within ``within_days``, soonest first: the allowance starts or steps up then."""
    on = on or local_today()
    county = region[:6]
    pol = policy_for(db, county, on).policy
    tiers = {t.min_age: t.monthly_amount for t in pol.old_age_tiers}
    ages = sorted(tiers) or [80, 90, 100]
    end = on + timedelta(days=within_days)
    windows = []
    for a in ages:
        # born between (on - a years - a day) and (end - a years): a coarse range, refined below
        low = date(on.year - a, 1, 1) if on.month == 1 else date(on.year - a, on.month - 1, 1)
        high = (
            date(end.year - a, 12, 31) if end.month == 12 else date(end.year - a, end.month + 1, 1)
        )
        windows.append(and_(Elder.birth_date >= low, Elder.birth_date <= high))
    rows = db.execute(
        select(Elder.id, Elder.name, Elder.id_number, Elder.village_code, Elder.birth_date).where(
            elders_in(region), Elder.status.in_(("active", "not_left_behind")), or_(*windows)
        )
    ).all()
    out: list[Milestone] = []
    ids = [r.id for r in rows]
    getting = set()
    for start in range(0, len(ids), CHUNK):
        getting |= set(
            db.scalars(
                select(Benefit.elder_id).where(
                    Benefit.elder_id.in_(ids[start : start + CHUNK]),
                    Benefit.program == "old_age_allowance",
                    active_on(on),
                )
            )
        )
    for r in rows:
        for a in ages:
            birthday = rules.anniversary(r.birth_date, a)
            if on < birthday <= end:
                out.append(
                    Milestone(
                        r.id,
                        r.name,
                        r.id_number,
                        r.village_code,
                        r.birth_date,
                        a,
                        birthday,
                        rules.tier_start(r.birth_date, a, pol.old_age_start),
                        tiers.get(a),
                        r.id in getting,
                    )
                )
    out.sort(key=_milestone_key)
    return out


def _milestone_key(m: Milestone) -> tuple[date, str, str]:
    return (m.birthday, m.village_code, m.elder_id)


def milestones_page(
    db: Session,
    region: str,
    within_days: int,
    on: date | None = None,
    *,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[Milestone]:
    """:func:`milestones` a page at a time, in the same order (birthday, village, elder),
    with the same opaque cursors as the other lists. The window is at most 90 days, so the
    whole list is small enough to make and cut."""
    rows = milestones(db, region, within_days, on)
    if cursor is not None:
        day, village, elder_id = decode_cursor(cursor, [Kind(date), Kind(str), Kind(str)])
        rows_after = [m for m in rows if _milestone_key(m) > (day, village, elder_id)]
    else:
        rows_after = rows
    page = rows_after[:limit]
    more = len(rows_after) > limit
    nxt = encode_cursor(list(_milestone_key(page[-1]))) if more and page else None
    return Page(page, nxt, len(rows) if count else None)


# ----------------------------------------------------------------------------- coverage


@dataclass(slots=True)
class Coverage:
    eligible: int
    likely_eligible: int
    unknown: int
    receiving: int
    gaps: int
    to_check: int


def coverage(
    db: Session, region: str, on: date | None = None, *, refresh: bool = True
) -> dict[str, Coverage]:
    """Per program, how many elders of ``region`` (already checked against the caller's
    scope) are eligible, likely eligible, unknown, receiving, in the gap list and to check.

    For other domains (statistics): one indexed aggregate over the stored screening, first
    brought up to date unless ``refresh`` is false (regions above a county read what is
    stored, as their other figures do).
    """
    if refresh:
        bring_up_to_date(db, region, on)
    s = ReliefScreening
    masks = [
        ("eligible", s.eligible_mask),
        ("likely_eligible", s.likely_mask),
        ("unknown", s.unknown_mask),
        ("receiving", s.receiving_mask),
        ("gaps", s.gap_mask),
        ("to_check", s.check_mask),
    ]
    cols = [
        func.coalesce(func.sum(case((_bit_set(col, rules.BIT[p]), 1), else_=0)), 0)
        for p in rules.PROGRAMS
        for _, col in masks
    ]
    row = db.execute(
        select(*cols).where(
            Scope(region).clause_levels(s.village_code, s.township_code, s.county_code)
        )
    ).one()
    out: dict[str, Coverage] = {}
    for i, p in enumerate(rules.PROGRAMS):
        values = [int(v) for v in row[i * len(masks) : (i + 1) * len(masks)]]
        out[p] = Coverage(*values)
    return out


def coverage_by_village(db: Session, county: str) -> dict[str, dict[str, dict[str, int]]]:
    """For statistics' month snapshots: per village of ``county``, per program, the counts
    of ``coverage`` from the screening as stored (one grouped query)."""
    s = ReliefScreening
    masks = [
        ("eligible", s.eligible_mask),
        ("likely_eligible", s.likely_mask),
        ("receiving", s.receiving_mask),
        ("gaps", s.gap_mask),
        ("to_check", s.check_mask),
    ]
    cols = [
        func.sum(case((_bit_set(col, rules.BIT[p]), 1), else_=0))
        for p in rules.PROGRAMS
        for _, col in masks
    ]
    out: dict[str, dict[str, dict[str, int]]] = {}
    stmt = select(s.village_code, *cols).where(s.county_code == county).group_by(s.village_code)
    for row in db.execute(stmt):
        values = [int(v or 0) for v in row[1:]]
        out[row[0]] = {
            p: {k: values[i * len(masks) + j] for j, (k, _) in enumerate(masks)}
            for i, p in enumerate(rules.PROGRAMS)
        }
    return out


def age_of(birth: date, on: date | None = None) -> int:
    return age_on(birth, on or local_today())
