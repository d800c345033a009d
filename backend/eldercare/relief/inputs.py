"""What the relief rules read about an elder on a day, as stored: the county's policy in
force, the relief facts in force, the benefits received and the guardians who are
supporters, and :class:`rules.Facts` built from them (for one elder or a whole county).

Reads only: the writes that change these inputs (:mod:`policy`, :mod:`facts`,
:mod:`benefits`) rescreen the elders concerned through :mod:`screening`, which reads here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from eldercare.clock import today as local_today
from eldercare.elders import service as elders
from eldercare.elders.models import Guardian
from eldercare.relief import rules
from eldercare.relief.models import Benefit, ReliefFacts, ReliefPolicyVersion

# ----------------------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class PolicyInForce:
    policy: rules.ReliefPolicy
    effective_date: date | None  # None: nothing set yet (local parameters unknown)
    version_id: int | None
    next_date: date | None  # the next version's effective date, if one is scheduled


def policy_for(db: Session, county: str, on: date | None = None) -> PolicyInForce:
    """The version in force on ``on`` (default today); the latest row wins for a date."""
    on = on or local_today()
    row = db.scalar(
        select(ReliefPolicyVersion)
        .where(ReliefPolicyVersion.county_code == county, ReliefPolicyVersion.effective_date <= on)
        .order_by(ReliefPolicyVersion.effective_date.desc(), ReliefPolicyVersion.id.desc())
        .limit(1)
    )
    following = db.scalar(
        select(func.min(ReliefPolicyVersion.effective_date)).where(
            ReliefPolicyVersion.county_code == county, ReliefPolicyVersion.effective_date > on
        )
    )
    if row is None:
        return PolicyInForce(rules.ReliefPolicy(), None, None, following)
    return PolicyInForce(
        rules.ReliefPolicy.model_validate(row.settings), row.effective_date, row.id, following
    )


# ----------------------------------------------------------------------------- relief facts


def facts_row(db: Session, elder_id: str, on: date) -> ReliefFacts | None:
    return db.scalar(
        select(ReliefFacts)
        .where(ReliefFacts.elder_id == elder_id, ReliefFacts.effective_date <= on)
        .order_by(ReliefFacts.effective_date.desc(), ReliefFacts.revision.desc())
        .limit(1)
    )


# ----------------------------------------------------------------------------- benefits


def active_on(on: date) -> ColumnElement[bool]:
    return and_(Benefit.start_date <= on, or_(Benefit.end_date.is_(None), Benefit.end_date >= on))


def receiving_on(db: Session, elder_id: str, on: date) -> set[str]:
    return set(
        db.scalars(select(Benefit.program).where(Benefit.elder_id == elder_id, active_on(on)))
    )


# ----------------------------------------------------------------------------- supporters


GUARDIAN_INPUTS = (
    Guardian.elder_id,
    Guardian.relation,
    Guardian.alive,
    Guardian.birth_year,
    Guardian.support_situation,
    Guardian.annual_income,
    Guardian.assets_within_limit,
)


def guardian_inputs(g: Guardian) -> tuple[Any, ...]:
    return (
        g.relation,
        g.alive,
        g.birth_year,
        g.support_situation,
        g.annual_income,
        g.assets_within_limit,
    )


def supporters_of(db: Session, elder_id: str) -> list[Guardian]:
    """The elder's guardians who are supporters for relief (alive, with a duty of support)."""
    return [
        g
        for g in elders.guardians_of(db, elder_id)
        if g.alive and g.relation in rules.SUPPORTER_RELATIONS
    ]


# ----------------------------------------------------------------------------- the rules' facts


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def build_facts(
    *,
    birth_date: date,
    status: str,
    disability_grade: int | None,
    disability_type: str | None,
    manual_categories: list[dict[str, Any]] | None,
    register_income: Any,
    self_care: str | None = None,
    health_conditions: list[str] | None = None,
    living_arrangement: str | None = None,
    data: dict[str, Any] | None,
    facts_date: date | None,
    receiving: Iterable[str],
    register_date: date | None,
    guardians: Iterable[Sequence[Any]] = (),
    on: date | None = None,
) -> rules.Facts:
    """``guardians``: (relation, alive, birth year, support situation, annual income, assets
    within the limit) of the elder's guardians; those alive with a duty of support are the
    supporters the 特困 rule reads (the relief facts only say whether they are all)."""
    d = data or {}
    income = d.get("income")
    hardship_date = d.get("hardship_date")
    day = on or register_date or local_today()
    supporters = [
        rules.supporter_from_birth_year(relation, year, situation, _dec(amount), assets, day)
        for relation, alive, year, situation, amount, assets in guardians
        if alive and relation in rules.SUPPORTER_RELATIONS
    ]
    return rules.Facts(
        birth_date=birth_date,
        status=status,
        disability_grade=disability_grade,
        disability_type=disability_type,
        categories=frozenset(c.get("code", "") for c in manual_categories or []),
        self_care=self_care,
        dementia=None if health_conditions is None else "dementia" in health_conditions,
        living_arrangement=living_arrangement,
        household_size=d.get("household_size"),
        income=None if income is None else {k: Decimal(str(v)) for k, v in income.items()},
        support_declared=_dec(d.get("support_declared")),
        register_income_annual_pc=_dec(register_income),
        deposits_per_capita=_dec(d.get("deposits_per_capita")),
        owns_vehicle=d.get("owns_vehicle"),
        houses=d.get("houses"),
        ability_level=d.get("ability_level"),
        housing_grade=d.get("housing_grade"),
        major_illness=d.get("major_illness"),
        medical_costs_12m=_dec(d.get("medical_costs_12m")),
        disability_certificate=d.get("disability_certificate"),
        poverty_monitoring=d.get("poverty_monitoring"),
        hardship=d.get("hardship"),
        hardship_date=date.fromisoformat(hardship_date) if hardship_date else None,
        clergy_apart=d.get("clergy_apart"),
        medical_enrolled=d.get("medical_assistance_enrolled"),
        supporters=supporters,
        supporters_complete=d.get("supporters_complete"),
        receiving=frozenset(receiving),
        facts_date=facts_date,
        register_date=register_date,
    )
