"""The batch path (a whole region at once, outcomes of elders without relief facts shared)
stores exactly what the one-elder path stores, and the statuses match the per-elder
evaluation behind ``GET /elders/{id}/eligibility``."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from eldercare.clock import today as local_today
from eldercare.elders.models import Guardian
from eldercare.relief import rules, screening
from eldercare.relief.models import Benefit, ReliefFacts, ReliefPolicyVersion, ReliefScreening
from sqlalchemy import select

from tests.factories import COUNTY, OTHER_TOWNSHIP_VILLAGE, OTHER_VILLAGE, VILLAGE, make_elder

TODAY = local_today()
POLICY = {
    "minimum_living_standard": "560",
    "deposit_limit_per_capita": "30000",
    "single_person_share": "0.6",
    "extreme_poverty_basic": "730",
    "disposable_income_prev_year": "18000",
    "old_age_tiers": [
        {"min_age": 80, "monthly_amount": "60"},
        {"min_age": 90, "monthly_amount": "120"},
        {"min_age": 100, "monthly_amount": "500"},
    ],
    "old_age_start": "birthday_month",
    "disability_living_amount": "90",
    "disability_care_amounts": {"1": "100", "2": "80"},
    "elderly_care_age_amount": "50",
    "elderly_care_amounts": {"severe": "200"},
}
PROGRAMS = list(rules.PROGRAMS)
RICH_FACTS = {
    "household_size": 1,
    "income": {"wages": "9000"},
    "support_declared": "0",
    "deposits_per_capita": "90000",
    "owns_vehicle": True,
    "houses": 2,
}


def _birth(rng: random.Random) -> str:
    if rng.random() < 0.15:  # birthdays around today: tiers starting this month or next
        years = rng.choice([79, 80, 89, 90, 99, 100])
        day = TODAY - timedelta(days=rng.randint(-40, 40))
        try:
            return str(day.replace(year=day.year - years))
        except ValueError:
            return str(date(day.year - years, 2, 28))
    if rng.random() < 0.03:
        return "1944-02-29"
    return str(date(rng.randint(1920, 1966), rng.randint(1, 12), rng.randint(1, 28)))


def _facts(rng: random.Random) -> dict:
    def maybe(value):
        return None if rng.random() < 0.2 else value

    size = rng.choice([1, 1, 2, 3])
    return {
        "household_size": maybe(size),
        "income": maybe({"wages": str(rng.choice([200, 500, 559, 560, 800, 2000]) * size)}),
        "support_declared": maybe(str(rng.choice([0, 100, 300]))),
        "deposits_per_capita": maybe(str(rng.choice([0, 30000, 40000]))),
        "owns_vehicle": maybe(rng.random() < 0.1),
        "houses": maybe(1),
        "ability_level": maybe(rng.choice(["intact", "mild", "severe", "lost"])),
        "housing_grade": maybe(rng.choice(["A", "B", "C", "D", "none"])),
        "major_illness": maybe(rng.random() < 0.2),
        "medical_costs_12m": maybe(str(rng.choice([0, 5000, 20000]))),
        "disability_certificate": maybe(rng.random() < 0.5),
        "poverty_monitoring": maybe(rng.choice(["none", "relapsed", "monitored"])),
        "hardship": maybe(rng.choice(["none", "accident", "spending_surge"])),
        "hardship_date": str(TODAY - timedelta(days=rng.randint(0, 300))),
        "supporters_complete": maybe(rng.random() < 0.8),
    }  # fmt: skip


def _guardians(rng: random.Random, elder_id: str) -> list[Guardian]:
    """Supporters are the register's guardians (some without their support facts, one
    born in a year that leaves the age open, a neighbour who is no supporter)."""
    return [
        Guardian(elder_id=elder_id, name="子女", relation=rng.choice(["son", "daughter"]),
                 birth_year=rng.choice([None, 1980, 1954, TODAY.year - 70]),
                 support_situation=rng.choice([None, "able", "minimum_living", "missing"]),
                 annual_income=rng.choice([None, Decimal(9000), Decimal(30000)]),
                 assets_within_limit=rng.choice([None, True, False]))
        for _ in range(rng.choice([0, 0, 1, 2]))
    ] + ([Guardian(elder_id=elder_id, name="邻居", relation="neighbour")]
         if rng.random() < 0.1 else [])  # fmt: skip


def _fixture(db) -> list[str]:
    """~120 elders over three villages with every kind of input missing or present,
    deceased and moved-out elders, benefits (some ended, some in the future, some pairs
    that may not be combined), and relief facts that change later."""
    rng = random.Random(7)
    db.add(ReliefPolicyVersion(county_code=COUNTY, effective_date=date(2020, 1, 1),
                               settings=POLICY, note=""))  # fmt: skip
    ids = []
    last: dict[str, Any] = {}
    for i in range(120):
        village = [VILLAGE, OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE][i % 3]
        grade = rng.choice([None, None, 1, 2, 3, 4])
        e = make_elder(
            db,
            village,
            birth=_birth(rng),
            male=rng.random() < 0.5,
            status=rng.choice(["active"] * 8 + ["deceased", "moved_out"]),
            disability_grade=grade,
            disability_type=None if grade is None else rng.choice(["physical", "mental"]),
            manual_categories=rng.choice(
                [[], [], [{"code": "low_income"}], [{"code": "extreme_poverty"}]]
            ),
        )
        ids.append(e.id)
        couple = village in last and rng.random() < 0.25  # one household, its facts shared
        if couple:
            e.household_id = last[village][0].household_id
        db.add_all(_guardians(rng, e.id))
        data = last[village][1] if couple and last[village][1] else _facts(rng)
        last[village] = (e, data)
        if couple or rng.random() < 0.6:
            db.add(ReliefFacts(elder_id=e.id, effective_date=date(2024, 1, 1), revision=1,
                               data=data))  # fmt: skip
            if rng.random() < 0.1:
                db.add(ReliefFacts(elder_id=e.id, effective_date=TODAY + timedelta(days=20),
                                   revision=2, data=_facts(rng)))  # fmt: skip
        for program in rng.sample(PROGRAMS, rng.choice([0, 0, 1, 2, 3])):
            start = TODAY - timedelta(days=rng.randint(-30, 900))
            end = rng.choice([None, None, start + timedelta(days=rng.randint(10, 400))])
            db.add(Benefit(elder_id=e.id, program=program, start_date=start, end_date=end,
                           monthly_amount=Decimal(100), source="manual"))  # fmt: skip
        if rng.random() < 0.1:  # a pair that may not be combined
            for program in ("disability_care_subsidy", "elderly_care_subsidy"):
                if not db.scalar(select(Benefit.id).where(
                    Benefit.elder_id == e.id, Benefit.program == program
                )):  # fmt: skip
                    db.add(Benefit(elder_id=e.id, program=program, start_date=date(2024, 1, 1),
                                   source="manual"))  # fmt: skip
    db.flush()
    return ids


def _stored(db) -> dict[str, tuple]:
    s = ReliefScreening
    cols = [getattr(s, c) for c in screening.SCREENING_COLUMNS]
    return {r[0]: tuple(r) for r in db.execute(select(*cols)).all()}


def test_batch_equals_one_by_one_and_the_per_elder_evaluation(db):
    ids = _fixture(db)
    n = screening.refresh_region(db, COUNTY)
    assert n == len(ids)
    batch = _stored(db)
    for elder_id in ids:
        screening.refresh_elders(db, [elder_id])
    single = _stored(db)
    assert batch == single
    # the shared outcomes were used, and they cover varied inputs
    masks = {(r[5], r[6], r[7], r[8], r[9], r[10]) for r in batch.values()}
    assert len(masks) > 30
    assert any(r[10] for r in batch.values())  # some payments to check
    assert any(r[9] for r in batch.values())  # some gaps
    assert any(r[11].get("household") for r in batch.values())  # a couple listed once
    # and the statuses are those of the per-elder evaluation (the eligibility route)
    from eldercare.elders.models import Elder

    for elder_id in ids:
        elder = db.get(Elder, elder_id)
        ev = screening.evaluate_elder(db, None, elder, TODAY)  # the context is not read
        row = batch[elder_id]
        for r in ev.results:
            bit = rules.BIT[r.program]
            expected = {"eligible": 5, "likely_eligible": 6, "unknown": 7}.get(r.status)
            for col in (5, 6, 7):
                assert bool(row[col] & bit) == (col == expected), (elder_id, r.program)
            assert bool(row[8] & bit) == (r.program in ev.receiving)


def test_a_second_run_rewrites_only_the_rows_that_changed(db):
    ids = _fixture(db)
    screening.refresh_region(db, COUNTY)
    first = _stored(db)
    yesterday = TODAY - timedelta(days=1)
    db.execute(ReliefScreening.__table__.update().values(computed_on=yesterday))
    # one elder's survey changes (written behind the service's back), one elder moves away
    moved = ids[1]
    dibao = rules.BIT["minimum_living_allowance"]
    changed = next(k for k, r in first.items() if (r[5] | r[6]) & dibao and k != moved)
    db.add(ReliefFacts(elder_id=changed, effective_date=TODAY, revision=9, data=RICH_FACTS))
    from eldercare.elders.models import Elder

    db.get(Elder, moved).village_code = "621027101200"
    db.flush()
    assert screening.refresh_region(db, COUNTY) == len(ids) - 1
    second = _stored(db)
    assert moved not in second
    rewritten = {k for k, r in second.items() if r[12] == TODAY}
    assert rewritten == {changed}
    assert not (second[changed][5] | second[changed][6]) & dibao  # no longer screened in
    assert {k: r[:12] + r[13:] for k, r in second.items() if k != changed} == {
        k: r[:12] + r[13:] for k, r in first.items() if k not in (changed, moved)
    }
