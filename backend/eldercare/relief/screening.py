"""Pre-screening: one elder evaluated as of any day, and the stored screening the lists read.

The gap list (应保尽保), the payments to check and coverage counts read the stored
per-elder screening (``relief_screenings``): one row per elder with one bit per program for
eligible, likely eligible, unknown, receiving, gap and check. Writes that change an input
(relief facts, benefits, the policy) recompute the elders concerned at once; register
changes bump the elder's or household's version, and age-based results carry the day they
can next change (``valid_until``). Before a list is read, the rows of the caller's region
that are missing or stale are recomputed (usually none or a handful), so the list itself is
an indexed range scan whatever the size of the county.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, text
from sqlalchemy.orm import Session

from eldercare.bulkload import bulk_write
from eldercare.clock import today as local_today
from eldercare.context import RequestCtx
from eldercare.db import write_apart
from eldercare.elders import service as elders
from eldercare.elders.models import Elder, Guardian, Household
from eldercare.relief import rules
from eldercare.relief.inputs import (
    GUARDIAN_INPUTS,
    PolicyInForce,
    build_facts,
    facts_row,
    guardian_inputs,
    policy_for,
    receiving_on,
)
from eldercare.relief.models import Benefit, ReliefFacts, ReliefScreening
from eldercare.scope import Scope

CHUNK = 2000
SHORT = {"eligible": "E", "likely_eligible": "L", "unknown": "U", "not_eligible": "N"}
LONG = {v: k for k, v in SHORT.items()}

# ----------------------------------------------------------------------------- one elder


@dataclass(slots=True)
class Evaluation:
    on: date
    policy: PolicyInForce
    facts: ReliefFacts | None
    results: list[rules.Result]
    receiving: set[str]


def evaluate_elder(db: Session, ctx: RequestCtx, elder: Elder, on: date) -> Evaluation:
    """Every program for one elder with the policy, relief facts, register and benefits of
    ``on`` (the register's past state comes from its field history)."""
    today = local_today()
    if on < today:
        past, guardians = elders.transient_as_of(db, elder, on)
        household: dict[str, Any] = past.info_household  # type: ignore[attr-defined]
        income, reg = household.get("annual_income_per_capita"), past
    else:
        hh = db.get(Household, elder.household_id) if elder.household_id else None
        income, reg = (hh.annual_income_per_capita if hh else None), elder
        guardians = elders.guardians_of(db, elder.id)
    policy = policy_for(db, elder.village_code[:6], on)
    row = facts_row(db, elder.id, on)
    receiving = receiving_on(db, elder.id, on)
    status = reg.status
    if reg.status_date is not None and reg.status_date > on:
        status = "active"
    facts = build_facts(
        birth_date=reg.birth_date,
        status=status,
        disability_grade=reg.disability_grade,
        disability_type=reg.disability_type,
        manual_categories=reg.manual_categories,
        register_income=income,
        self_care=reg.self_care,
        health_conditions=reg.health_conditions,
        living_arrangement=reg.living_arrangement,
        data=row.data if row else None,
        facts_date=row.effective_date if row else None,
        receiving=receiving,
        register_date=min(on, today),
        guardians=[guardian_inputs(g) for g in guardians],
        on=on,
    )
    results = rules.evaluate(facts, policy.policy, on, policy.effective_date)
    return Evaluation(on, policy, row, results, receiving)


# ----------------------------------------------------------------------------- the stored screening


SCREENING_COLUMNS = (
    "elder_id",
    "village_code",
    "active",
    "elder_version",
    "household_version",
    "eligible_mask",
    "likely_mask",
    "unknown_mask",
    "receiving_mask",
    "gap_mask",
    "check_mask",
    "detail",
    "computed_on",
    "valid_until",
)


Outcome = tuple[int, int, int, int, int, int, int, dict[str, Any]]


def outcome(facts: rules.Facts, pol: PolicyInForce, on: date) -> Outcome:
    """(active, eligible, likely, unknown, receiving, gap and check masks, detail) from the
    rules' results: what a screening row stores besides the keys and dates."""
    results = rules.evaluate(facts, pol.policy, on, pol.effective_date)
    masks = {"E": 0, "L": 0, "U": 0}
    receiving = gap = check = 0
    detail: dict[str, Any] = {}
    status = facts.status
    active = status not in ("deceased", "moved_out")
    for r in results:
        bit = rules.BIT[r.program]
        short = SHORT[r.status]
        if short in masks:
            masks[short] |= bit
        recv = r.program in facts.receiving
        instead = r.extra.get("received_instead")
        reasons: list[str] = []
        if recv:
            receiving |= bit
            if not active:
                reasons.append(status)
            elif r.status == "not_eligible":
                reasons.append("not_eligible")
            if instead or r.extra.get("superseded_by") in facts.receiving:
                reasons.append("double_benefit")
            if reasons:
                check |= bit
        elif active and short in ("E", "L") and rules.not_a_gap(r, facts) is None:
            gap |= bit
        if short != "N" or recv:
            detail[r.program] = [short, None if r.amount is None else str(r.amount), reasons]
    return (int(active), masks["E"], masks["L"], masks["U"], receiving, gap, check, detail)


def screen_row(
    elder_id: str,
    village_code: str,
    elder_version: int,
    household_version: int,
    facts: rules.Facts,
    pol: PolicyInForce,
    on: date,
    later: list[date],
    memo: dict[tuple[Any, ...], Outcome] | None = None,
) -> tuple[Any, ...]:
    """One screening row (``SCREENING_COLUMNS`` order). ``memo``: outcomes of elders without
    relief facts by :func:`rules.outcome_key` (one policy per memo)."""
    key = rules.outcome_key(facts, pol.policy, on) if memo is not None else None
    if memo is None or key is None:
        out = outcome(facts, pol, on)
    else:
        cached = memo.get(key)
        out = cached if cached is not None else memo.setdefault(key, outcome(facts, pol, on))
    active, eligible, likely, unknown, receiving, gap, check, detail = out
    until = rules.next_change(facts, pol.policy, on)
    for d in later:
        if d > on:
            until = min(until, d)
    if pol.next_date is not None:
        until = min(until, pol.next_date)
    return (
        elder_id,
        village_code,
        active,
        elder_version,
        household_version,
        eligible,
        likely,
        unknown,
        receiving,
        gap,
        check,
        detail,
        on,
        until,
    )


HOUSEHOLD_PROGRAMS = ("minimum_living_allowance", "housing_renovation")
"""Programs granted to the household (低保户, the household's house): a household with
several elders is one gap, listed on one of them with the others' names."""


def one_per_household(
    rows: list[tuple[Any, ...]], household_of: dict[str, str | None]
) -> list[tuple[Any, ...]]:
    """Keep a household program's gap bit on one elder of the household (the first by id
    among those with the gap) and name the others in its ``detail["household"]``."""
    gap_i, detail_i = SCREENING_COLUMNS.index("gap_mask"), SCREENING_COLUMNS.index("detail")
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        household = household_of.get(r[0])
        if household is not None:
            groups.setdefault(household, []).append(i)
    out = list(rows)
    for idxs in groups.values():
        if len(idxs) < 2:
            continue
        for program in HOUSEHOLD_PROGRAMS:
            bit = rules.BIT[program]
            having = sorted((out[i][0], i) for i in idxs if out[i][gap_i] & bit)
            if len(having) < 2:
                continue
            for _, i in having[1:]:
                row = list(out[i])
                row[gap_i] &= ~bit
                out[i] = tuple(row)
            lead = list(out[having[0][1]])
            detail = dict(lead[detail_i])  # outcomes may be shared: copy
            others = set(detail.get("household", [])) | {e for e, _ in having[1:]}
            detail["household"] = sorted(others)
            lead[detail_i] = detail
            out[having[0][1]] = tuple(lead)
    return out


def _with_household(db: Session, elder_ids: Sequence[str]) -> list[tuple[str, str | None]]:
    """These elders and the other elders of their households (screened together), as
    (elder id, household id), the elders of one household next to each other."""
    found: dict[str, str | None] = {}
    ids = list(dict.fromkeys(elder_ids))
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        households = select(Elder.household_id).where(
            Elder.id.in_(part), Elder.household_id.is_not(None)
        )
        for elder_id, household in db.execute(
            select(Elder.id, Elder.household_id).where(
                or_(
                    Elder.id.in_(part),
                    and_(Elder.household_id.in_(households), Elder.merged_into_id.is_(None)),
                )
            )
        ):
            found[elder_id] = household
    for elder_id in ids:  # unknown ids (merged away...) still get their rows removed
        found.setdefault(elder_id, None)
    return sorted(found.items(), key=lambda e: (e[1] or e[0], e[0]))


ELDER_INPUTS = (
    Elder.id,
    Elder.village_code,
    Elder.birth_date,
    Elder.status,
    Elder.disability_grade,
    Elder.disability_type,
    Elder.manual_categories,
    Elder.self_care,
    Elder.health_conditions,
    Elder.living_arrangement,
    Elder.version,
    Household.version,
    Household.annual_income_per_capita,
    Elder.household_id,
)


def _policies(
    db: Session,
    elder_rows: Sequence[Sequence[Any]],
    on: date,
    known: dict[str, PolicyInForce] | None = None,
) -> dict[str, PolicyInForce]:
    """The policy in force for every county of these rows (added to ``known``), read before
    any row is written: a COPY in progress holds the connection."""
    out = known if known is not None else {}
    for county in {r[1][:6] for r in elder_rows} - out.keys():
        out[county] = policy_for(db, county, on)
    return out


def _screen_rows(
    elders_rows: Iterable[Sequence[Any]],
    facts_rows: Iterable[Sequence[Any]],
    benefit_rows: Iterable[Sequence[Any]],
    on: date,
    policies: dict[str, PolicyInForce],
    guardian_rows: Iterable[Sequence[Any]] = (),
) -> Iterator[tuple[Any, ...]]:
    """Screening rows from plain input tuples (``ELDER_INPUTS``; facts: elder id, effective
    date, data, ordered by effective date and revision; benefits: elder id, program, start,
    end) and the policy of each county. The one place where stored rows are made, for one
    elder or a million; it reads nothing from the database."""
    facts_by: dict[str, tuple[date, dict[str, Any]]] = {}
    later: dict[str, list[date]] = {}
    memos: dict[str, dict[tuple[Any, ...], Outcome]] = {c: {} for c in policies}
    for elder_id, eff, data in facts_rows:
        if eff <= on:
            facts_by[elder_id] = (eff, data)
        else:
            later.setdefault(elder_id, []).append(eff)
    guardians: dict[str, list[Sequence[Any]]] = {}
    for elder_id, *g in guardian_rows:
        guardians.setdefault(elder_id, []).append(g)
    receiving: dict[str, set[str]] = {}
    for elder_id, program, b_start, b_end in benefit_rows:
        if b_start <= on and (b_end is None or b_end >= on):
            receiving.setdefault(elder_id, set()).add(program)
        for d in (b_start, b_end + timedelta(days=1) if b_end else None):
            if d is not None and d > on:
                later.setdefault(elder_id, []).append(d)
    for (
        elder_id,
        village,
        birth,
        status,
        grade,
        kind,
        manual,
        self_care,
        health,
        arrangement,
        version,
        hh_version,
        income,
        _household,
    ) in elders_rows:
        county = village[:6]
        pol = policies[county]
        eff_data = facts_by.get(elder_id)
        facts = build_facts(
            birth_date=birth,
            status=status,
            disability_grade=grade,
            disability_type=kind,
            manual_categories=manual,
            register_income=income,
            self_care=self_care,
            health_conditions=health,
            living_arrangement=arrangement,
            data=eff_data[1] if eff_data else None,
            facts_date=eff_data[0] if eff_data else None,
            receiving=receiving.get(elder_id, ()),
            register_date=on,
            guardians=guardians.get(elder_id, ()),
            on=on,
        )
        yield screen_row(
            elder_id,
            village,
            version,
            hh_version or 0,
            facts,
            pol,
            on,
            later.get(elder_id, []),
            memos[county],
        )


def refresh_elders(db: Session, elder_ids: Sequence[str], on: date | None = None) -> int:
    """Recompute the stored screening of these elders (after a write; in chunks)."""
    on = on or local_today()
    policies: dict[str, PolicyInForce] = {}
    n = 0
    members = _with_household(db, elder_ids)
    conn = db.connection()
    start = 0
    while start < len(members):
        end = start + CHUNK
        while end < len(members) and members[end][1] and members[end][1] == members[end - 1][1]:
            end += 1  # a household stays in one chunk
        ids = [m[0] for m in members[start:end]]
        start = end
        # the elders' row locks (shared, in id order; no-op on SQLite): a concurrent move
        # either commits first (its village is read here) or waits and re-keys these rows
        rows = conn.execute(
            select(*ELDER_INPUTS)
            .outerjoin(Household, Household.id == Elder.household_id)
            .where(Elder.id.in_(ids), Elder.merged_into_id.is_(None))
            .order_by(Elder.id)
            .with_for_update(read=True, of=Elder)
        ).all()
        facts = conn.execute(
            select(ReliefFacts.elder_id, ReliefFacts.effective_date, ReliefFacts.data)
            .where(ReliefFacts.elder_id.in_(ids))
            .order_by(ReliefFacts.elder_id, ReliefFacts.effective_date, ReliefFacts.revision)
        ).all()
        benefits = conn.execute(
            select(Benefit.elder_id, Benefit.program, Benefit.start_date, Benefit.end_date).where(
                Benefit.elder_id.in_(ids)
            )
        ).all()
        guardians = conn.execute(
            select(*GUARDIAN_INPUTS).where(
                Guardian.elder_id.in_(ids), Guardian.relation.in_(sorted(rules.SUPPORTER_RELATIONS))
            )
        ).all()
        pols = _policies(db, rows, on, policies)
        out = list(_screen_rows(rows, facts, benefits, on, pols, guardians))
        out = one_per_household(out, {r[0]: r[-1] for r in rows})
        conn.execute(delete(ReliefScreening).where(ReliefScreening.elder_id.in_(ids)))
        n += bulk_write(conn, ReliefScreening.__table__, SCREENING_COLUMNS, out)  # type: ignore[arg-type]
    return n


def elders_in(region: str) -> ColumnElement[bool]:
    return and_(
        Scope(region).clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
        Elder.merged_into_id.is_(None),
    )


def refresh_region(db: Session, region: str, on: date | None = None) -> int:
    """Recompute every elder of a region (after a policy change, the demo seed, the nightly
    batch): three lean range queries for the whole region (no id lists), the rules, then
    only the rows whose result changed are replaced (one COPY on PostgreSQL, executemany on
    SQLite). An unchanged row keeps the day it was first computed. Returns how many elders
    were screened."""
    on = on or local_today()
    conn = db.connection()
    where = elders_in(region)
    s = ReliefScreening
    in_region = Scope(region).clause_levels(s.village_code, s.township_code, s.county_code)
    elder_rows = conn.execute(
        select(*ELDER_INPUTS)
        .outerjoin(Household, Household.id == Elder.household_id)
        .where(where)
        .order_by(Elder.id)
    ).all()
    facts = conn.execute(
        select(ReliefFacts.elder_id, ReliefFacts.effective_date, ReliefFacts.data)
        .join(Elder, Elder.id == ReliefFacts.elder_id)
        .where(where)
        .order_by(ReliefFacts.elder_id, ReliefFacts.effective_date, ReliefFacts.revision)
    ).all()
    benefits = conn.execute(
        select(Benefit.elder_id, Benefit.program, Benefit.start_date, Benefit.end_date)
        .join(Elder, Elder.id == Benefit.elder_id)
        .where(where)
    ).all()
    guardians = conn.execute(
        select(*GUARDIAN_INPUTS)
        .join(Elder, Elder.id == Guardian.elder_id)
        .where(where, Guardian.relation.in_(sorted(rules.SUPPORTER_RELATIONS)))
    ).all()
    compared = [c for c in SCREENING_COLUMNS if c != "computed_on"]
    stored = {
        r[0]: tuple(r[1:])
        for r in conn.execute(select(*[s.__table__.c[c] for c in compared]).where(in_region))
    }
    skip = SCREENING_COLUMNS.index("computed_on")
    pols = _policies(db, elder_rows, on)
    out = list(_screen_rows(elder_rows, facts, benefits, on, pols, guardians))
    out = one_per_household(out, {r[0]: r[-1] for r in elder_rows})
    changed = [r for r in out if stored.get(r[0]) != r[1:skip] + r[skip + 1 :]]
    current = {r[0] for r in out}
    gone = [elder_id for elder_id in stored if elder_id not in current]  # moved or merged
    if len(changed) + len(gone) > len(out) // 4:  # most rows: one range delete
        conn.execute(delete(s).where(or_(in_region, s.elder_id.in_(select(Elder.id).where(where)))))
        changed = out
    else:
        ids = [r[0] for r in changed] + gone
        for start in range(0, len(ids), CHUNK):
            conn.execute(delete(s).where(s.elder_id.in_(ids[start : start + CHUNK])))
    bulk_write(conn, s.__table__, SCREENING_COLUMNS, changed)  # type: ignore[arg-type]
    return len(out)


_WORKER_ENGINES: dict[str, Any] = {}


def _refresh_county_apart(url: str, county: str, on: date) -> int:
    """One county in a transaction of its own (in a worker process: one engine each)."""
    from eldercare.db import make_engine

    engine = _WORKER_ENGINES.get(url)
    if engine is None:
        engine = _WORKER_ENGINES[url] = make_engine(url, pool_size=1, max_overflow=0)
    with Session(engine) as db, db.begin():
        if engine.dialect.name == "postgresql":
            # the screenings can always be recomputed: do not wait for the WAL flush
            db.execute(text("SET LOCAL synchronous_commit = off"))
        return refresh_region(db, county, on)


def refresh_counties(
    url: str, counties: Sequence[str], jobs: int = 2, on: date | None = None
) -> int:
    """:func:`refresh_region` for many counties, each in a transaction of its own, ``jobs``
    counties at a time in processes of their own on PostgreSQL (the rules are Python, so
    threads would share one core). Pass the largest counties first so the processes finish
    together. Returns how many elders were screened."""
    on = on or local_today()
    if jobs <= 1 or len(counties) <= 1 or not url.startswith("postgresql"):
        total = sum(_refresh_county_apart(url, c, on) for c in counties)
        engine = _WORKER_ENGINES.pop(url, None)
        if engine is not None:
            engine.dispose()
        return total
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: the workers start at once and import nothing again; each opens its own engine
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        n = len(counties)
        return sum(pool.map(_refresh_county_apart, [url] * n, counties, [on] * n))


def stale_ids(db: Session, region: str, on: date) -> list[str]:
    """Elders of a region whose stored screening is missing or stale."""
    s = ReliefScreening
    stale = db.connection().execute(
        select(Elder.id)
        .outerjoin(Household, Household.id == Elder.household_id)
        .outerjoin(s, s.elder_id == Elder.id)
        .where(
            elders_in(region),
            or_(
                s.elder_id.is_(None),
                s.elder_version != Elder.version,
                s.household_version != func.coalesce(Household.version, 0),
                s.valid_until <= on,
                s.computed_on > on,
            ),
        )
    )
    return list(stale.scalars())


def refresh_stale(db: Session, region: str, on: date | None = None) -> int:
    """Recompute the rows of a region that are missing or stale; returns how many."""
    on = on or local_today()
    ids = stale_ids(db, region, on)
    return refresh_elders(db, ids, on) if ids else 0


def bring_up_to_date(db: Session, region: str, on: date | None = None) -> int:
    """Before a read request lists a region: recompute what is stale in a short write
    transaction of its own, committed before the list is read.

    The read request's own session only looks; on SQLite a read transaction that turned
    into a writer could fail when another request writes at the same moment.
    """
    on = on or local_today()
    ids = stale_ids(db, region, on)
    if not ids:
        return 0
    db.commit()  # a new snapshot for what the request reads next: one taken after the refresh
    return write_apart(lambda writer: refresh_elders(writer, ids, on))
