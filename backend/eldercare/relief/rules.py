"""Relief pre-screening (预筛查): every program as a rule set that explains itself.

National criteria (the 特困 three conditions, the 单人保 groups, the medical-assistance
classes, the housing target groups and C/D grades, the subsidy target groups) live here in
code; local parameters (standards, asset limits, amounts, age tiers, the start rule, the
children's support formula, exclusions) come from the county's :class:`ReliefPolicy`.

A result is advisory, never a decision. Each criterion is tri-state: ``True``, ``False`` or
``None`` (an input or a policy parameter is missing). The status of a program follows one
rule (:func:`decide`): any ``False`` makes it ``not_eligible``; a missing *core* input makes
it ``unknown``; a missing *supporting* input (assets, the disability certificate) makes it
``likely_eligible``; all ``True`` is ``eligible``. So a missing input can never make anyone
``not_eligible``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from eldercare.elders.schemas import SupportSituation
from eldercare.identity import age_on

Status = Literal["eligible", "likely_eligible", "not_eligible", "unknown"]
Tri = bool | None

PROGRAMS: tuple[str, ...] = (
    "minimum_living_allowance",  # 最低生活保障 (低保)
    "extreme_poverty_support",  # 特困人员供养
    "old_age_allowance",  # 高龄津贴
    "disability_living_subsidy",  # 困难残疾人生活补贴
    "disability_care_subsidy",  # 重度残疾人护理补贴
    "medical_assistance",  # 医疗救助
    "temporary_assistance",  # 临时救助
    "housing_renovation",  # 农村危房改造
    "elderly_care_subsidy",  # 经济困难的高龄、失能老年人补贴
)
Program = Literal[
    "minimum_living_allowance",
    "extreme_poverty_support",
    "old_age_allowance",
    "disability_living_subsidy",
    "disability_care_subsidy",
    "medical_assistance",
    "temporary_assistance",
    "housing_renovation",
    "elderly_care_subsidy",
]
BIT: dict[str, int] = {p: 1 << i for i, p in enumerate(PROGRAMS)}

# 不重复享受 (no double benefits). domain.md §5.4 marks the rule between the two disability
# subsidies and the subsidy for struggling elders over 80 or disabled (§5.8) as uncertain,
# and does not say which of the two disability subsidies it covers. Conservative reading:
# either disability subsidy and the elder subsidy may exclude each other. Because the rule
# itself is uncertain it never rules anyone out: the criterion stays open (``None``,
# "verify"), an elder who receives one of a pair is not a gap for the other, and an elder
# who receives both is a payment to check.
EXCLUSIVE: dict[str, frozenset[str]] = {
    "disability_living_subsidy": frozenset({"elderly_care_subsidy"}),
    "disability_care_subsidy": frozenset({"elderly_care_subsidy"}),
    "elderly_care_subsidy": frozenset({"disability_living_subsidy", "disability_care_subsidy"}),
}

IncomeItem = Literal[
    "wages",  # 工资性收入
    "business",  # 经营净收入
    "property",  # 财产净收入
    "transfers",  # 转移净收入 (other than the items below)
    "basic_pension",  # 城乡居民基础养老金
    "social_insurance",  # other social-insurance benefits
    "special_care",  # 优待抚恤金
    "family_planning_reward",  # 计生奖励扶助金
    "reward",  # 奖励性补助
    "social_assistance",  # 社会救助金
    "old_age_allowance",  # 高龄津贴
]
INCOME_ITEMS: tuple[str, ...] = IncomeItem.__args__  # type: ignore[attr-defined]
# Never income for 特困 (《特困人员认定办法》 art. 7), whatever the county excludes for 低保.
EXTREME_POVERTY_EXCLUDED = frozenset(
    {"basic_pension", "social_insurance", "special_care", "old_age_allowance"}
)
AbilityLevel = Literal["intact", "mild", "moderate", "severe", "lost"]  # GB/T 42195-2022
IMPAIRED = frozenset({"mild", "moderate", "severe", "lost"})
HousingGrade = Literal["A", "B", "C", "D", "none"]  # "none": no house of their own
PovertyMonitoring = Literal["none", "relapsed", "monitored"]  # 返贫致贫 / 纳入监测
Hardship = Literal["none", "accident", "disaster", "illness", "spending_surge"]
# A supporter's situation is a fact of the register's guardian (one list of values).
SupporterSituation = SupportSituation
StartRule = Literal["birthday", "birthday_month", "next_month"]

NOTICE = (
    "预筛查结果仅供参考，不是审批决定；是否给予救助由民政部门依申请审核确认。",
    "Pre-screening only, not a decision: the civil-affairs office decides on application.",
)


# ----------------------------------------------------------------------------- the policy


def _money(value: float | int | str) -> Decimal:
    return Decimal(str(value))


class AgeTier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_age: int = Field(ge=60, le=120)
    monthly_amount: Decimal = Field(ge=0, le=100_000)


class SupportFormula(BaseModel):
    """How children's support (赡养费) counts as the elder's income."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["declared", "per_able_supporter", "share_of_supporter_income"] = "declared"
    monthly_per_supporter: Decimal = Field(default=Decimal(0), ge=0, le=100_000)
    share: Decimal = Field(default=Decimal(0), ge=0, le=1)


def _default_excluded() -> list[IncomeItem]:
    return [
        "special_care",
        "family_planning_reward",
        "reward",
        "social_assistance",
        "basic_pension",
    ]


class ReliefPolicy(BaseModel):
    """A county's local parameters. ``None`` means "not set": criteria needing it are unknown."""

    model_config = ConfigDict(extra="forbid")

    minimum_living_standard: Decimal | None = Field(
        default=None, ge=0, le=100_000, description="低保标准 (rural, yuan per person per month)"
    )
    near_poverty_factor: Decimal = Field(
        default=_money("1.5"), ge=1, le=5, description="低保边缘: income below this × standard"
    )
    deposit_limit_per_capita: Decimal | None = Field(
        default=None, ge=0, le=10_000_000, description="Deposits and securities per person"
    )
    vehicle_allowed: bool = Field(default=False, description="A non-essential vehicle is allowed")
    max_houses: int | None = Field(default=1, ge=0, le=10)
    income_excluded: list[IncomeItem] = Field(default_factory=_default_excluded)
    support_formula: SupportFormula = Field(default_factory=SupportFormula)
    single_person_share: Decimal | None = Field(
        default=None, ge=0, le=1, description="单人保 allowance as a share of the standard"
    )
    extreme_poverty_basic: Decimal | None = Field(
        default=None, ge=0, le=100_000, description="特困 basic living standard (≥ 1.3 × 低保)"
    )
    extreme_poverty_care: dict[AbilityLevel, Decimal] = Field(
        default_factory=dict, description="特困 care standard by ability level"
    )
    disposable_income_prev_year: Decimal | None = Field(
        default=None, ge=0, le=10_000_000, description="Previous-year per-capita disposable income"
    )
    old_age_tiers: list[AgeTier] = Field(default_factory=list, max_length=10)
    old_age_start: StartRule = "birthday_month"
    old_age_means_tested: bool = False
    disability_living_amount: Decimal | None = Field(default=None, ge=0, le=100_000)
    disability_living_near_poverty: bool = Field(
        default=False, description="Living subsidy extended to 低保边缘 households"
    )
    disability_care_amounts: dict[Literal["1", "2", "3", "4"], Decimal] = Field(
        default_factory=dict, description="Care subsidy by grade"
    )
    disability_care_intellectual_mental: bool = Field(
        default=False, description="Care subsidy extended to grade 3-4 intellectual/mental"
    )
    medical_illness_share: Decimal = Field(
        default=Decimal(1), ge=0, le=10, description="因病致贫: costs above this × income"
    )
    temporary_multiple: Decimal | None = Field(
        default=None, ge=0, le=100, description="临时救助 ceiling as a multiple of the standard"
    )
    temporary_window_days: int = Field(default=180, ge=1, le=730)
    housing_amounts: dict[Literal["C", "D", "none"], Decimal] = Field(default_factory=dict)
    elderly_care_min_age: int = Field(
        default=80, ge=60, le=120, description="Age route; starts under old_age_start"
    )
    elderly_care_age_means_tested: bool = Field(
        default=False,
        description="The age route also needs 经济困难 (plan 十三 names 80+ elders on their own)",
    )
    elderly_care_age_amount: Decimal | None = Field(default=None, ge=0, le=100_000)
    elderly_care_amounts: dict[AbilityLevel, Decimal] = Field(
        default_factory=dict, description="By ability level (失能)"
    )

    @model_validator(mode="after")
    def _check(self) -> ReliefPolicy:
        ages = [t.min_age for t in self.old_age_tiers]
        if len(set(ages)) != len(ages):
            raise PydanticCustomError("relief_policy.tier_ages", "old_age_tiers: one tier per age")
        self.old_age_tiers.sort(key=lambda t: t.min_age)
        if (
            self.extreme_poverty_basic is not None
            and self.minimum_living_standard is not None
            and self.extreme_poverty_basic < self.minimum_living_standard * _money("1.3")
        ):
            raise PydanticCustomError(
                "relief_policy.extreme_poverty_basic_low",
                "extreme_poverty_basic must be at least 1.3 × minimum_living_standard",
            )
        return self


# ----------------------------------------------------------------------------- the facts


SUPPORTER_RELATIONS = frozenset({"son", "daughter", "grandchild", "spouse"})
"""Guardians with a legal duty of support (赡养、扶养义务人: 民法典 arts. 1059, 1067, 1074)."""


@dataclass(frozen=True, slots=True)
class Supporter:
    relation: str
    age: int | None  # exact age, when known
    situation: str | None
    annual_income: Decimal | None
    assets_within_limit: bool | None
    age_span: tuple[int, int] | None = None  # from a birth year only: (lowest, highest)

    def at_least(self, years: int) -> Tri:
        if self.age is not None:
            return self.age >= years
        if self.age_span is None:
            return None
        low, high = self.age_span
        return True if low >= years else False if high < years else None


def supporter_from_birth_year(
    relation: str,
    birth_year: int | None,
    situation: str | None,
    annual_income: Decimal | None,
    assets_within_limit: bool | None,
    on: date,
) -> Supporter:
    """A guardian as the 特困 rule sees them: with a birth year only, the age on ``on`` is
    one of two values (before or after the birthday)."""
    span = None if birth_year is None else (on.year - birth_year - 1, on.year - birth_year)
    return Supporter(relation, None, situation, annual_income, assets_within_limit, span)


@dataclass(slots=True)
class Facts:
    """Everything the rules read about one elder on one day, with where each came from."""

    birth_date: date
    status: str = "active"
    disability_grade: int | None = None
    disability_type: str | None = None
    categories: frozenset[str] = frozenset()  # manual register categories
    self_care: str | None = None  # register: independent, partly_dependent, dependent
    dementia: bool | None = None  # register: 失智 among the health conditions
    living_arrangement: str | None = None  # register: in_institution = 集中供养
    household_size: int | None = None
    income: dict[str, Decimal] | None = None  # household, monthly, by item
    support_declared: Decimal | None = None  # 赡养费 received, monthly
    register_income_annual_pc: Decimal | None = None  # the register's lump sum (a hint only)
    deposits_per_capita: Decimal | None = None
    owns_vehicle: bool | None = None
    houses: int | None = None
    ability_level: str | None = None
    housing_grade: str | None = None
    major_illness: bool | None = None
    medical_costs_12m: Decimal | None = None
    disability_certificate: bool | None = None
    poverty_monitoring: str | None = None
    hardship: str | None = None
    hardship_date: date | None = None
    clergy_apart: bool | None = None
    medical_enrolled: bool | None = None  # 已纳入医疗救助 (relief facts)
    supporters: list[Supporter] | None = None
    # the supporters listed are all of them (false/None: there may be others)
    supporters_complete: bool | None = True
    receiving: frozenset[str] = frozenset()
    facts_date: date | None = None  # effective date of the relief facts used
    register_date: date | None = None  # the register's state used


@dataclass(slots=True)
class Criterion:
    code: str
    passed: Tri
    value: Any = None
    source: str = "relief_facts"
    as_of: date | None = None
    params: dict[str, Any] = field(default_factory=dict)
    core: bool = True


@dataclass(slots=True)
class Result:
    program: str
    status: Status
    criteria: list[Criterion]
    amount: Decimal | None = None
    amount_period: Literal["monthly", "one_off"] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def decide(criteria: list[Criterion]) -> Status:
    open_core = open_soft = False
    for c in criteria:
        if c.passed is False:
            return "not_eligible"
        if c.passed is None:
            if c.core:
                open_core = True
            else:
                open_soft = True
    if open_core:
        return "unknown"
    return "likely_eligible" if open_soft else "eligible"


def any3(*values: Tri) -> Tri:
    if any(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


def all3(*values: Tri) -> Tri:
    if any(v is False for v in values):
        return False
    if all(v is True for v in values):
        return True
    return None


CENT = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------- dates and ages


def anniversary(birth: date, years: int) -> date:
    """The day one turns ``years``; 29 February births turn over on 1 March in common years."""
    year = birth.year + years
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, birth.month, birth.day)


def tier_start(birth: date, years: int, rule: str) -> date:
    """When an age-based allowance starts: on the birthday, from the first day of the
    birthday month, or from the first day of the month after it."""
    if rule == "birthday":
        return anniversary(birth, years)
    year = birth.year + years
    if rule == "birthday_month":
        return date(year, birth.month, 1)
    return date(year + 1, 1, 1) if birth.month == 12 else date(year, birth.month + 1, 1)


# ----------------------------------------------------------------------------- income


def support_income(facts: Facts, policy: ReliefPolicy) -> tuple[Decimal | None, str]:
    """Children's support counted as household income per month, and how it was counted."""
    f = policy.support_formula
    complete = facts.supporters is not None and facts.supporters_complete is True
    if f.mode == "declared":
        if facts.support_declared is not None:
            return facts.support_declared, "declared"
        if complete and not facts.supporters:
            return Decimal(0), "no_supporters"
        return None, "declared"
    if facts.supporters is None or not complete:
        return None, f.mode
    able = [s for s in facts.supporters if supporter_unable(s, policy) is False]
    undecided = [s for s in facts.supporters if supporter_unable(s, policy) is None]
    if undecided:
        return None, f.mode
    if f.mode == "per_able_supporter":
        return f.monthly_per_supporter * len(able), f.mode
    incomes = [s.annual_income for s in able]
    if any(i is None for i in incomes):
        return None, f.mode
    return _q(sum((i or Decimal(0) for i in incomes), Decimal(0)) / 12 * f.share), f.mode


def income_per_capita(
    facts: Facts, policy: ReliefPolicy, excluded: frozenset[str]
) -> tuple[Decimal | None, Decimal | None, str]:
    """(monthly per-capita income, a known lower bound, source). The lower bound is what is
    certain when the support figure is unknown: it can still show income above a threshold.

    Only the relief facts count. The register's household income per person is one
    self-reported lump sum: it may include items the county excludes (the basic pension,
    special-care payments) and leaves out the children's support formula, so it can show
    neither that income is below a standard nor that it is above one. It is shown beside an
    open criterion as a hint (:func:`register_hint`) and decides nothing."""
    if facts.income is not None and facts.household_size:
        own = sum((v for k, v in facts.income.items() if k not in excluded), Decimal(0)) / Decimal(
            facts.household_size
        )
        support, _mode = support_income(facts, policy)
        if support is None:
            return None, _q(own), "relief_facts"
        return _q(own + support / Decimal(facts.household_size)), _q(own), "relief_facts"
    return None, None, "relief_facts"


def register_hint(facts: Facts) -> Decimal | None:
    """The register's household income per person per month, for an open income criterion."""
    if facts.register_income_annual_pc is None:
        return None
    return _q(facts.register_income_annual_pc / 12)


def assets_ok(facts: Facts, policy: ReliefPolicy) -> tuple[Tri, dict[str, Any]]:
    checks: list[Tri] = []
    value: dict[str, Any] = {}
    if policy.deposit_limit_per_capita is None or facts.deposits_per_capita is None:
        checks.append(None)
    else:
        checks.append(facts.deposits_per_capita <= policy.deposit_limit_per_capita)
    value["deposits_per_capita"] = facts.deposits_per_capita
    value["deposit_limit"] = policy.deposit_limit_per_capita
    if not policy.vehicle_allowed:
        checks.append(None if facts.owns_vehicle is None else not facts.owns_vehicle)
        value["owns_vehicle"] = facts.owns_vehicle
    if policy.max_houses is not None:
        checks.append(None if facts.houses is None else facts.houses <= policy.max_houses)
        value["houses"] = facts.houses
    return all3(*checks), value


def supporter_unable(s: Supporter, policy: ReliefPolicy) -> Tri:
    """特困 condition 3: a supporter who cannot pay (children merely working away can)."""
    if s.situation is None:
        return None
    if s.situation == "extreme_poverty":
        return True
    if s.situation == "minimum_living":
        sixty = s.at_least(60)
        if sixty is None:
            return None
        if sixty:
            return True
    low_income: Tri = None
    if policy.disposable_income_prev_year is not None and s.annual_income is not None:
        low_income = s.annual_income < policy.disposable_income_prev_year
    if s.situation == "severely_disabled":
        return all3(low_income, s.assets_within_limit)
    if s.situation in ("no_civil_capacity", "missing", "in_prison"):
        return s.assets_within_limit
    # able (or a 低保 recipient under 60): unable only when 70+ and poor
    seventy = s.at_least(70)
    if seventy is None:
        return None
    if seventy:
        unable = all3(low_income, s.assets_within_limit)
        return None if unable is None else unable
    return False


# ----------------------------------------------------------------------------- programs


@dataclass(slots=True)
class Ctx:
    facts: Facts
    policy: ReliefPolicy
    on: date
    policy_date: date | None
    age: int
    resident: Criterion | None = None  # the same for every program: made once
    assets: tuple[Tri, dict[str, Any]] | None = None  # read by three programs: checked once

    def assets_ok(self) -> tuple[Tri, dict[str, Any]]:
        if self.assets is None:
            self.assets = assets_ok(self.facts, self.policy)
        return self.assets

    def fact(self, code: str, passed: Tri, value: Any = None, **kw: Any) -> Criterion:
        return Criterion(code, passed, value, "relief_facts", self.facts.facts_date, **kw)

    def reg(self, code: str, passed: Tri, value: Any = None, **kw: Any) -> Criterion:
        return Criterion(code, passed, value, "register", self.facts.register_date, **kw)

    def pol(self, code: str, passed: Tri, value: Any = None, **kw: Any) -> Criterion:
        return Criterion(code, passed, value, "policy", self.policy_date, **kw)


def _resident(c: Ctx) -> Criterion:
    if c.resident is None:
        ok = c.facts.status not in ("deceased", "moved_out")
        c.resident = c.reg("resident", ok, c.facts.status)
    return c.resident


def minimum_living(c: Ctx) -> Result:
    p, f = c.policy, c.facts
    crit = [_resident(c)]
    std = p.minimum_living_standard
    pc, lower, src = income_per_capita(f, p, frozenset(p.income_excluded))
    day = f.facts_date
    below: Tri = None
    near: Tri = None
    if std is not None:
        if pc is not None:
            below, near = pc < std, pc < std * p.near_poverty_factor
        elif lower is not None and lower >= std:
            below = False
            near = False if lower >= std * p.near_poverty_factor else None
    value: dict[str, Any] = {"income_per_capita": pc, "standard": std}
    if pc is None and lower is not None:
        value["income_at_least"] = lower
    if pc is None and lower is None and f.register_income_annual_pc is not None:
        value["register_hint"] = register_hint(f)
    assets, asset_value = c.assets_ok()
    assets_crit = c.fact("assets_within_limits", assets, asset_value, core=False)
    band = None if near is None else "below_standard" if below else "near" if near else "above"
    extra: dict[str, Any] = {"band": band, "single_person": False}
    if below is not False:
        crit += [Criterion("income_below_standard", below, value, src, day), assets_crit]
        amount = _q(std - pc) if below and std is not None and pc is not None else None
        return Result("minimum_living_allowance", decide(crit), crit, amount, "monthly", extra)
    # 单人保: above the standard, but a member of a near-低保 household in a national group
    value["factor"] = p.near_poverty_factor
    group, why = single_person_group(f)
    crit += [
        Criterion("near_poverty_band", near, value, src, day),
        c.fact("single_person_group", group, why),
        assets_crit,
    ]
    amount = None
    if near and group:
        extra["single_person"] = True
        if std is not None and p.single_person_share is not None:
            amount = _q(std * p.single_person_share)
    return Result("minimum_living_allowance", decide(crit), crit, amount, "monthly", extra)


def single_person_group(f: Facts) -> tuple[Tri, dict[str, Any]]:
    """单人保 groups: 一/二级 disabled, 三级 intellectual or mental, a major illness, clergy."""
    severe: Tri = None
    if f.disability_grade is not None:
        severe = f.disability_grade <= 2 or (
            f.disability_grade == 3 and f.disability_type in ("intellectual", "mental")
        )
    elif f.disability_certificate is False:
        severe = False
    value = {
        "disability_grade": f.disability_grade,
        "disability_type": f.disability_type,
        "major_illness": f.major_illness,
        "clergy_apart": f.clergy_apart,
    }
    return any3(severe, f.major_illness, f.clergy_apart), value


def no_work_capacity(c: Ctx) -> tuple[Tri, dict[str, Any]]:
    f = c.facts
    by_age = c.age >= 60 or c.age < 16
    grade, kind = f.disability_grade, f.disability_type
    by_disability: Tri = None
    if grade is not None:
        by_disability = (
            (kind in ("intellectual", "mental") and grade <= 3)
            or (kind == "physical" and grade <= 2)
            or (kind == "vision" and grade == 1)
        )
    return any3(by_age, by_disability), {"age": c.age, "disability_grade": grade, "type": kind}


def extreme_poverty(c: Ctx) -> Result:
    p, f = c.policy, c.facts
    crit = [_resident(c)]
    capacity, why = no_work_capacity(c)
    crit.append(Criterion("no_work_capacity", capacity, why, "register", f.register_date))
    excluded = frozenset(p.income_excluded) | EXTREME_POVERTY_EXCLUDED
    pc, lower, src = income_per_capita(f, p, excluded)
    std = p.minimum_living_standard
    means: Tri = None
    if std is not None:
        if pc is not None:
            means = pc < std
        elif lower is not None and lower >= std:
            means = False
    value: dict[str, Any] = {"income_per_capita": pc, "standard": std}
    if pc is None and lower is None and f.register_income_annual_pc is not None:
        value["register_hint"] = register_hint(f)
    crit.append(Criterion("no_means_of_living", means, value, src, f.facts_date))
    assets, asset_value = c.assets_ok()
    crit.append(c.fact("assets_within_limits", assets, asset_value, core=False))
    if f.supporters is None:
        supporters: Tri = None
        sv: Any = None
    else:
        verdicts = [supporter_unable(s, p) for s in f.supporters]
        supporters = all3(*verdicts) if verdicts else True
        if supporters is True and f.supporters_complete is not True:
            supporters = None  # one able supporter not listed would be enough
        sv = [
            {"relation": s.relation, "situation": s.situation, "unable": v}
            for s, v in zip(f.supporters, verdicts, strict=True)
        ]
    crit.append(c.fact("no_able_supporter", supporters, sv))
    amount = None
    if p.extreme_poverty_basic is not None:
        amount = p.extreme_poverty_basic
        if f.ability_level is not None and f.ability_level in p.extreme_poverty_care:
            amount += p.extreme_poverty_care[f.ability_level]
    return Result("extreme_poverty_support", decide(crit), crit, amount, "monthly")


def age_tier(c: Ctx) -> tuple[AgeTier | None, date | None]:
    """The highest tier already started on ``c.on`` under the start rule, and its start."""
    best: tuple[AgeTier | None, date | None] = (None, None)
    for tier in c.policy.old_age_tiers:
        start = tier_start(c.facts.birth_date, tier.min_age, c.policy.old_age_start)
        if start <= c.on:
            best = (tier, start)
    return best


def old_age(c: Ctx, struggling: Criterion) -> Result:
    p = c.policy
    crit = [_resident(c)]
    if not p.old_age_tiers:
        crit.append(c.pol("age_tier", None, {"age": c.age}))
        return Result("old_age_allowance", decide(crit), crit)
    tier, start = age_tier(c)
    crit.append(
        Criterion(
            "age_tier",
            tier is not None,
            {"age": c.age, "tier": tier.min_age if tier else p.old_age_tiers[0].min_age},
            "id_number",
            c.facts.birth_date,
            {"start_rule": p.old_age_start, "start_date": start},
        )
    )
    if p.old_age_means_tested:
        crit.append(struggling)
    amount = tier.monthly_amount if tier else None
    extra = {"tier": tier.min_age if tier else None, "start_date": start}
    return Result("old_age_allowance", decide(crit), crit, amount, "monthly", extra)


Tri4 = bool | None | Literal["likely"]


def any4(*values: Tri4) -> Tri4:
    """Any of: ``"likely"`` stands for "true if the supporting inputs check out"."""
    if any(v is True for v in values):
        return True
    if any(v == "likely" for v in values):
        return "likely"
    if all(v is False for v in values):
        return False
    return None


def all4(*values: Tri4) -> Tri4:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    if any(v == "likely" for v in values):
        return "likely"
    return True


def crit4(code: str, v: Tri4, value: Any, source: str, on: date | None) -> Criterion:
    if v == "likely":
        return Criterion(code, None, value, source, on, core=False)
    return Criterion(code, v, value, source, on)


def membership(result: Result, receiving: bool) -> Tri4:
    """Membership of a program as a criterion of another: receiving it, or pre-screened in."""
    if receiving:
        return True
    if result.status == "eligible":
        return True
    if result.status == "likely_eligible":
        return "likely"
    return False if result.status == "not_eligible" else None


def financially_struggling(c: Ctx, dibao: Tri4, tekun: Tri4, near: Tri) -> Criterion:
    """经济困难: 低保, 特困 or 低保边缘 (received, on the register, or pre-screened)."""
    v = any4(dibao, tekun, near)
    return crit4(
        "financially_struggling",
        v,
        {"minimum_living": dibao, "extreme_poverty": tekun, "near_poverty": near},
        "pre_screening",
        c.on,
    )


def disability_living(c: Ctx, dibao: Tri4, near: Tri) -> Result:
    p, f = c.policy, c.facts
    crit = [_resident(c)]
    disabled: Tri = None if f.disability_grade is None else True
    if f.disability_certificate is False:
        disabled = False
    crit.append(c.reg("disabled", disabled, f.disability_grade))
    crit.append(c.fact("disability_certificate", f.disability_certificate, core=False))
    member = any4(dibao, near) if p.disability_living_near_poverty else dibao
    crit.append(
        crit4(
            "low_income_household",
            member,
            {"minimum_living": dibao, "near_poverty": near},
            "pre_screening",
            c.on,
        )
    )
    return Result(
        "disability_living_subsidy", decide(crit), crit, p.disability_living_amount, "monthly"
    )


def disability_care(c: Ctx) -> Result:
    p, f = c.policy, c.facts
    crit = [_resident(c)]
    g, kind = f.disability_grade, f.disability_type
    severe: Tri = None
    if g is not None:
        severe = g <= 2 or (
            p.disability_care_intellectual_mental and kind in ("intellectual", "mental")
        )
    elif f.disability_certificate is False:
        severe = False
    crit.append(c.reg("severe_disability", severe, {"grade": g, "type": kind}))
    crit.append(c.fact("disability_certificate", f.disability_certificate, core=False))
    amount = p.disability_care_amounts.get(str(g)) if g is not None else None  # type: ignore[call-overload]
    return Result("disability_care_subsidy", decide(crit), crit, amount, "monthly", {"grade": g})


def medical(c: Ctx, tekun: Tri4, dibao: Tri4, near: Tri) -> Result:
    p, f = c.policy, c.facts
    crit = [_resident(c)]
    mon = f.poverty_monitoring
    class2 = any4(dibao, None if mon is None else mon == "relapsed")
    class3 = any4(near, None if mon is None else mon == "monitored")
    class4: Tri4 = None
    threshold = None
    if p.disposable_income_prev_year is not None:
        threshold = _q(p.disposable_income_prev_year * p.medical_illness_share)
        if f.medical_costs_12m is not None:
            assets, _ = c.assets_ok()
            over = f.medical_costs_12m > threshold
            class4 = (
                False if not over else True if assets else "likely" if assets is None else False
            )
    classes = [tekun, class2, class3, class4]
    cls = next((i + 1 for i, v in enumerate(classes) if v is True), None)
    value = {
        "class": cls,
        "extreme_poverty": tekun,
        "minimum_living": dibao,
        "poverty_monitoring": mon,
        "near_poverty": near,
        "costs_12m": f.medical_costs_12m,
        "threshold": threshold,
    }
    value["enrolled"] = f.medical_enrolled
    crit.append(crit4("medical_assistance_class", any4(*classes), value, "pre_screening", c.on))
    # Classes 1-3 are covered with the identity (特困, 低保, 边缘/监测): whether the elder is
    # already enrolled is a fact of its own, and only "not enrolled" makes a gap (see
    # :func:`not_a_gap`). Class 4 (因病致贫) is by application.
    by_identity = any4(*classes[:3]) in (True, "likely")
    extra = {"class": cls, "enrolled": f.medical_enrolled, "by_identity": by_identity}
    return Result("medical_assistance", decide(crit), crit, None, None, extra)


def temporary(c: Ctx, dibao: Tri4) -> Result:
    p, f = c.policy, c.facts
    crit = [_resident(c)]
    h = f.hardship
    passed: Tri4
    if h is None:
        passed = None
    elif h == "none":
        passed = False
    else:
        recent: Tri = None
        if f.hardship_date is not None:
            recent = 0 <= (c.on - f.hardship_date).days <= p.temporary_window_days
        passed = all4(recent, True if h != "spending_surge" else dibao)
    crit.append(crit4("sudden_hardship", passed, {"type": h, "date": f.hardship_date},
                      "relief_facts", f.facts_date))  # fmt: skip
    amount = None
    if p.temporary_multiple is not None and p.minimum_living_standard is not None:
        amount = _q(p.temporary_multiple * p.minimum_living_standard)
    return Result("temporary_assistance", decide(crit), crit, amount, "one_off")


def housing(c: Ctx, dibao: Tri4, tekun: Tri4, near: Tri) -> Result:
    p, f = c.policy, c.facts
    crit = [_resident(c)]
    mon, hard = f.poverty_monitoring, f.hardship
    # 分散供养特困 only: a 特困 person cared for in an institution (集中供养) has no house of
    # their own to renovate under this program (domain.md §5.7).
    arr = f.living_arrangement
    dispersed: Tri = None if arr is None else arr != "in_institution"
    group = any4(
        dibao,
        all4(tekun, dispersed),
        None if mon is None else mon in ("relapsed", "monitored"),
        None if hard is None else hard in ("accident", "disaster", "illness"),
        near,
    )
    value = {
        "minimum_living": dibao,
        "extreme_poverty": tekun,
        "dispersed": dispersed,
        "monitoring": mon,
        "near": near,
    }
    crit.append(crit4("housing_target_group", group, value, "pre_screening", c.on))
    g = f.housing_grade
    crit.append(c.fact("dangerous_house", None if g is None else g in ("C", "D", "none"), g))
    amount = p.housing_amounts.get(g) if g in ("C", "D", "none") else None  # type: ignore[call-overload]
    return Result("housing_renovation", decide(crit), crit, amount, "one_off")


def impaired(f: Facts) -> Tri:
    """失能、半失能 or 失智: the ability assessment (any impairment), else the register's
    self-care (partly dependent: 半失能; dependent: 失能); dementia on the register is 失智."""
    if f.ability_level is not None:  # GB/T 42195 assesses cognition too
        return f.ability_level in IMPAIRED or f.dementia is True
    disabled: Tri = None if f.self_care is None else f.self_care != "independent"
    return any3(disabled, f.dementia)


def elderly_care(c: Ctx, dibao: Tri4, tekun: Tri4, near: Tri) -> Result:
    """Plan 十三 (三是落实老年人社会救助): "针对特困、低保、低收入、计划生育特殊困难家庭中的
    失能半失能、失智老年人及80周岁以上高龄老年人的服务补贴制度". Two routes: an elder of
    one of the four household groups who is 失能, 半失能 or 失智; or an elder of 80+ (from the
    start of the allowance under the old-age start rule; the county may also require one of
    the four groups: ``elderly_care_age_means_tested``)."""
    p, f = c.policy, c.facts
    crit = [_resident(c)]
    start = tier_start(f.birth_date, p.elderly_care_min_age, p.old_age_start)
    old = start <= c.on
    imp = impaired(f)
    fp = "family_planning_special" in f.categories
    group = any4(dibao, tekun, near, fp)
    value = {
        "age": c.age,
        "min_age": p.elderly_care_min_age,
        "ability_level": f.ability_level,
        "self_care": f.self_care,
        "dementia": f.dementia,
    }
    params = {"start_rule": p.old_age_start, "start_date": start}
    if old:
        crit.append(
            Criterion("advanced_age_or_disabled", True, value, "id_number", f.birth_date, params)
        )
    else:
        crit.append(Criterion("advanced_age_or_disabled", imp, value, "register", c.on, params))
    if not old or p.elderly_care_age_means_tested:
        gv = {"minimum_living": dibao, "extreme_poverty": tekun, "near_poverty": near}
        gv["family_planning_special"] = fp
        crit.append(crit4("elderly_care_group", group, gv, "pre_screening", c.on))
    options = []
    if old and p.elderly_care_age_amount is not None:
        options.append(p.elderly_care_age_amount)
    if imp and f.ability_level in p.elderly_care_amounts:
        options.append(p.elderly_care_amounts[f.ability_level])
    amount = max(options) if options else None
    extra = {"start_date": start, "route": "age" if old else "impaired"}
    return Result("elderly_care_subsidy", decide(crit), crit, amount, "monthly", extra)


def not_a_gap(r: Result, facts: Facts) -> str | None:
    """Why a program the elder is pre-screened for and does not receive is still no gap:
    another program of a pair received instead, 特困 taking precedence over 低保 (one
    basic-living program per person), or medical assistance without a "not enrolled" fact."""
    if r.extra.get("received_instead"):
        return "received_instead"
    if r.extra.get("superseded_by"):
        return "superseded"
    if r.program == "medical_assistance":
        enrolled = facts.medical_enrolled
        if enrolled is True:
            return "enrolled"
        if enrolled is None and r.extra.get("by_identity"):
            return "enrolment_unknown"
    return None


def evaluate(
    facts: Facts, policy: ReliefPolicy, on: date, policy_date: date | None = None
) -> list[Result]:
    """Every program for one elder on one day, in :data:`PROGRAMS` order."""
    c = Ctx(facts, policy, on, policy_date, age_on(facts.birth_date, on))
    r, cats = facts.receiving, facts.categories
    dibao = minimum_living(c)
    tekun = extreme_poverty(c)
    m_dibao = membership(dibao, "minimum_living_allowance" in r or "low_income" in cats)
    m_tekun = membership(tekun, "extreme_poverty_support" in r or "extreme_poverty" in cats)
    band = dibao.extra.get("band")
    near: Tri = None if band is None else band == "near"
    struggling = financially_struggling(c, m_dibao, m_tekun, near)
    if m_tekun in (True, "likely"):
        # One basic-living program per person: 特困 takes precedence over 低保 (社会救助暂行
        # 办法: 特困 persons are supported as such, not through 低保).
        dibao.extra["superseded_by"] = "extreme_poverty_support"
    results = [
        dibao,
        tekun,
        old_age(c, struggling),
        disability_living(c, m_dibao, near),
        disability_care(c),
        medical(c, m_tekun, m_dibao, near),
        temporary(c, m_dibao),
        housing(c, m_dibao, m_tekun, near),
        elderly_care(c, m_dibao, m_tekun, near),
    ]
    for result in results:
        others = r & EXCLUSIVE[result.program] if r and result.program in EXCLUSIVE else None
        if others:
            result.extra["received_instead"] = sorted(others)
            result.criteria.append(
                Criterion(
                    "no_double_benefit",
                    None,
                    {"receiving": sorted(others), "rule_certain": False},
                    "benefits",
                    on,
                    core=False,
                )
            )
            result.status = decide(result.criteria)
        if result.status == "not_eligible":
            result.amount = None
    return results


def started_tier(birth: date, policy: ReliefPolicy, on: date) -> int | None:
    """The age of the highest old-age tier started on ``on`` (see :func:`age_tier`)."""
    best = None
    for tier in policy.old_age_tiers:
        if tier_start(birth, tier.min_age, policy.old_age_start) <= on:
            best = tier.min_age
    return best


def outcome_key(facts: Facts, policy: ReliefPolicy, on: date) -> tuple[Any, ...] | None:
    """For an elder without relief facts: every input the statuses, amounts and conflicts
    depend on, so that a batch evaluates each distinct combination once. ``None`` when the
    elder has relief facts (those are evaluated one by one).

    Without relief facts the rules read the birth date only through the age and the old-age
    tier already started, and nothing of the register's household income that changes a
    status; a rule that reads more must add it here (the batch test compares the two).
    """
    if facts.facts_date is not None:
        return None
    return (
        age_on(facts.birth_date, on),
        started_tier(facts.birth_date, policy, on),
        tier_start(facts.birth_date, policy.elderly_care_min_age, policy.old_age_start) <= on,
        facts.status,
        facts.self_care,
        facts.dementia,
        facts.living_arrangement,
        facts.disability_grade,
        facts.disability_type,
        facts.categories,
        facts.receiving,
        None if facts.supporters is None else tuple(facts.supporters),
        facts.supporters_complete,
    )


def next_change(facts: Facts, policy: ReliefPolicy, on: date) -> date:
    """The first day after ``on`` on which an age-based result can change by itself."""
    ages = [t.min_age for t in policy.old_age_tiers] + [policy.elderly_care_min_age, 60]
    starts = [tier_start(facts.birth_date, a, policy.old_age_start) for a in ages]
    starts += [anniversary(facts.birth_date, a) for a in ages]
    later = [d for d in starts if d > on]
    if facts.hardship_date is not None:
        later.append(facts.hardship_date + timedelta(days=policy.temporary_window_days + 1))
    later = [d for d in later if d > on]
    return min(later) if later else on + timedelta(days=366)
