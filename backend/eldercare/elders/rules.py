"""Derived facts of the register: left-behind status, categories and the risk tier.

Pure functions of an elder's fields, their guardians, the county's settings and a date.
Every result carries its reasons as codes with parameters, rendered in the reader's
language (see ``REASONS``), so the register can always say *why*.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from eldercare.identity import age_on

CHILD_RELATIONS = frozenset({"son", "daughter"})
# 民法典 Art. 1074: 有负担能力的孙子女、外孙子女，对于子女已经死亡或者子女无力赡养的祖父母、
# 外祖父母，有赡养的义务. The plans' "子女或其他赡养义务人" are the children, and the grandchildren
# when no child is alive and able. (Spouses and siblings owe 扶养, in-laws no legal duty.)
GRANDCHILD_RELATIONS = frozenset({"grandchild"})
# The programs whose current benefit is a category of the register (the benefit is the reason).
BENEFIT_CATEGORIES = {
    "extreme_poverty_support": "extreme_poverty",  # 特困人员供养
    "minimum_living_allowance": "low_income",  # 最低生活保障 (低保)
}
SUPPORTER_RELATIONS = frozenset(
    {"son", "daughter", "son_in_law", "daughter_in_law", "spouse", "grandchild", "sibling"}
)
LIFE_THREATENING_DEFAULT = [
    "dementia",
    "severe_hypertension",
    "heart_disease",
    "stroke",
    "cancer",
    "severe_mental_illness",
]
MANUAL_ONLY = frozenset(
    {"extreme_poverty", "low_income", "registered_poor", "family_planning_special"}
)
CATEGORY_CODES = (
    "left_behind",
    "empty_nest",
    "living_alone",
    "advanced_age",
    "disabled",
    "severe_disability",
    "extreme_poverty",
    "low_income",
    "registered_poor",
    "family_planning_special",
    "special_difficulty",
)
RISK_RANK = {"high": 0, "key": 1, "general": 2}


NeedsCare = Literal["partly_dependent", "dependent"]


def _dependent_only() -> list[NeedsCare]:
    return ["dependent"]


class RegisterSettings(BaseModel):
    """A county's settings; the defaults follow the 2017 opinion and published provincial rules."""

    min_register_age: int = Field(default=60, ge=0, le=120)
    left_behind_min_age: int = Field(default=60, ge=0, le=120)
    min_away_months: int = Field(default=6, ge=0, le=120)
    away_scope: Literal["outside_county", "outside_township"] = "outside_county"
    # 2017 opinion, plans 八/九: "身边没有赡养人或者是赡养人没有赡养能力".
    treat_incapable_local_supporter_as_absent: bool = True
    exclude_extreme_poverty: bool = True
    advanced_age: int = Field(default=80, ge=60, le=120)
    life_threatening_conditions: list[str] = Field(
        default_factory=lambda: list(LIFE_THREATENING_DEFAULT)
    )
    # Plans 八/九 (二): "对患有严重疾病、已经丧失自理能力的老年人，家庭内部应协商至少留下1名子女在家
    # 照料". An elder with one of the life-threatening conditions above, or whose self-care is
    # one of these, with every supporter away and no entrusted caretaker, has no one at home.
    no_one_at_home_self_care: list[NeedsCare] = Field(default_factory=_dependent_only)
    # Statistics: a month's figures are frozen on this day of the next month (月报 closes).
    month_freeze_day: int = Field(default=5, ge=1, le=28)
    # A record not confirmed in person (a sweep, 摸底排查) for this many months is a
    # data-quality figure of the statistics.
    verification_months: int = Field(default=12, ge=1, le=120)


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


@dataclass
class GuardianFacts:
    relation: str
    alive: bool
    away_since: date | None
    away_scope: str | None  # local, in_township, in_county, outside_county, outside_province
    work_region_code: str | None
    can_support: bool | None
    is_entrusted_caretaker: bool = False


@dataclass
class ElderFacts:
    birth_date: date
    village_code: str
    living_arrangement: str | None
    self_care: str | None
    disability_grade: int | None
    health_conditions: list[str]
    manual_categories: list[dict[str, Any]]
    guardians: list[GuardianFacts]
    # (program, start, end or None) of the elder's benefit records, current or not
    benefits: list[tuple[str, date, date | None]] = field(default_factory=list)

    def benefit_categories(self, today: date) -> dict[str, tuple[str, date]]:
        """Category -> (program, start) of the benefits received on ``today``."""
        out: dict[str, tuple[str, date]] = {}
        for program, start, end in sorted(self.benefits, key=lambda b: b[1]):
            code = BENEFIT_CATEGORIES.get(program)
            if code and start <= today and (end is None or end >= today):
                out.setdefault(code, (program, start))
        return out

    def is_extreme_poverty(self, today: date) -> bool:
        return "extreme_poverty" in self.benefit_categories(today) or any(
            c.get("code") == "extreme_poverty" for c in self.manual_categories
        )


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def months_after(start: date, months: int) -> date:
    """The first day ``d`` with ``months_between(start, d) >= months``."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    month += 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year + (month == 12), month % 12 + 1, 1)


def next_birthday(birth: date, today: date) -> date:
    """The first day after ``today`` on which the age (周岁) may change (a 29 February birth:
    28 February of a common year, a day early, which only costs one more recompute)."""
    for year in (today.year, today.year + 1):
        day = date(year, birth.month, min(birth.day, calendar.monthrange(year, birth.month)[1]))
        if day > today:
            return day
    raise AssertionError("unreachable")  # pragma: no cover


def supporters(facts: ElderFacts) -> list[GuardianFacts]:
    """The elder's 赡养义务人 (supporters owing support): the living children; when none of
    them is alive and able (``can_support`` not false), also the grandchildren who are able
    (民法典 Art. 1074)."""
    children = [g for g in facts.guardians if g.relation in CHILD_RELATIONS and g.alive]
    if any(c.can_support is not False for c in children):
        return children
    grandchildren = [
        g
        for g in facts.guardians
        if g.relation in GRANDCHILD_RELATIONS and g.alive and g.can_support is not False
    ]
    return children + grandchildren


def region_scope(work_region_code: str | None, village_code: str) -> str | None:
    """How far a place of work (a region code prefix: 2-digit province, 4-digit prefecture,
    6-digit county, 9-digit township or 12-digit village) is from an elder's village, or
    None when the code does not decide it (no code, or the elder's own prefecture or
    province without the county)."""
    code = work_region_code
    if not code:
        return None
    if code[:2] != village_code[:2]:
        return "outside_province"
    if len(code) < 6:
        if village_code.startswith(code):
            return None  # somewhere in the elder's own prefecture or province
        return "outside_county"
    if code[:6] != village_code[:6]:
        return "outside_county"
    if len(code) < 9:
        return "in_county"
    if code[:9] != village_code[:9]:
        return "in_county"
    return "local" if code == village_code else "in_township"


def _scope_of(g: GuardianFacts, village_code: str) -> str | None:
    return region_scope(g.work_region_code, village_code) or g.away_scope


def _is_far(g: GuardianFacts, facts: ElderFacts, s: RegisterSettings) -> bool:
    """Works beyond the county's left-behind distance (since whenever)."""
    return _scope_of(g, facts.village_code) in _FAR[s.away_scope]


_FAR = {
    "outside_county": ("outside_county", "outside_province"),
    "outside_township": ("in_county", "outside_county", "outside_province"),
}


def _away(g: GuardianFacts, facts: ElderFacts, s: RegisterSettings, today: date) -> str:
    """``away``, ``near`` (within the area), ``recent`` (not away long enough) or ``unknown``."""
    scope = _scope_of(g, facts.village_code)
    if scope is None:
        return "unknown"
    if scope not in _FAR[s.away_scope]:
        return "near"
    if g.away_since is None:
        return "unknown"
    return "away" if months_between(g.away_since, today) >= s.min_away_months else "recent"


def left_behind(facts: ElderFacts, s: RegisterSettings, today: date) -> tuple[bool, Reason]:
    age = age_on(facts.birth_date, today)
    if age < s.left_behind_min_age:
        return False, Reason("lb.too_young", {"age": age, "min_age": s.left_behind_min_age})
    if s.exclude_extreme_poverty and facts.is_extreme_poverty(today):
        return False, Reason("lb.extreme_poverty")
    children = supporters(facts)
    if not children:
        return False, Reason("lb.no_children")
    unknown = 0
    for child in children:
        state = _away(child, facts, s, today)
        if (
            state == "near"
            and s.treat_incapable_local_supporter_as_absent
            and child.can_support is False
        ):
            continue
        if state == "near":
            return False, Reason("lb.child_nearby", {"relation": child.relation})
        if state == "recent":
            return False, Reason(
                "lb.child_away_recently", {"relation": child.relation, "months": s.min_away_months}
            )
        if state == "unknown":
            unknown += 1
    if unknown:
        return False, Reason("lb.unknown", {"count": unknown})
    scope = "county" if s.away_scope == "outside_county" else "township"
    return True, Reason(
        "lb.all_away", {"count": len(children), "months": s.min_away_months, "scope": scope}
    )


def no_one_at_home(facts: ElderFacts, s: RegisterSettings, today: date) -> Reason | None:
    """Plans 八/九 (二): an elder with a serious (life-threatening) illness or who cannot look
    after themselves, whose supporters are all away (outside the county or township as the
    county counts it, however long; one nearby and unable to support counts as away when the
    county says so) and who has no living entrusted caretaker (委托照料人). None otherwise, and
    when where a supporter works is unknown (nothing to claim)."""
    if any(g.is_entrusted_caretaker and g.alive for g in facts.guardians):
        return None
    conditions = [c for c in facts.health_conditions if c in s.life_threatening_conditions]
    cannot = facts.self_care if facts.self_care in s.no_one_at_home_self_care else None
    if not conditions and cannot is None:
        return None
    children = supporters(facts)
    if not children:
        return None
    for child in children:
        state = _away(child, facts, s, today)
        if state in ("away", "recent") or (state == "unknown" and _is_far(child, facts, s)):
            continue
        if (
            state == "near"
            and s.treat_incapable_local_supporter_as_absent
            and child.can_support is False
        ):
            continue
        return None
    params: dict[str, Any] = {"count": len(children)}
    if conditions:
        return Reason("home.ill_children_away", {**params, "condition": conditions[0]})
    return Reason("home.dependent_children_away", {**params, "level": cannot})


@dataclass
class Derived:
    is_left_behind: bool
    left_behind_reason: Reason
    categories: list[dict[str, Any]]  # {"code", "source", "reason": {"code", "params"}}
    risk_level: str
    risk_reasons: list[Reason]
    # No one at home (plans 八/九 (二)): the reason when so, else None.
    no_one_at_home: Reason | None
    # The first day on which these facts may differ with nothing else changed (a birthday,
    # a supporter's months away reaching the minimum, a benefit starting or ending).
    valid_until: date


def valid_until(facts: ElderFacts, s: RegisterSettings, today: date) -> date:
    days = [next_birthday(facts.birth_date, today)]
    for g in facts.guardians:
        if g.away_since is not None:
            days.append(months_after(g.away_since, s.min_away_months))
    for _program, start, end in facts.benefits:
        days.append(start)
        if end is not None:
            days.append(end + timedelta(days=1))
    return min(d for d in days if d > today)


def derive(
    facts: ElderFacts, s: RegisterSettings, today: date, override: dict[str, Any] | None = None
) -> Derived:
    age = age_on(facts.birth_date, today)
    lb, lb_reason = left_behind(facts, s, today)
    found: dict[str, dict[str, Any]] = {}

    def add(code: str, reason: Reason, source: str = "derived") -> None:
        found.setdefault(code, {"code": code, "source": source, "reason": reason.as_dict()})

    if lb:
        add("left_behind", lb_reason)
    if facts.living_arrangement == "alone":
        add("living_alone", Reason("cat.lives_alone"))
        add("empty_nest", Reason("cat.lives_alone"))
    elif facts.living_arrangement == "with_spouse":
        add("empty_nest", Reason("cat.lives_with_spouse_only"))
    if age >= s.advanced_age:
        add("advanced_age", Reason("cat.age", {"age": age, "threshold": s.advanced_age}))
    # 失能/半失能 come from self-care; a disability certificate of any grade is recorded as
    # ``disabled`` too, but only grades 1-2 are 重度残疾 (a 3-4 grade alone is neither).
    incapacitated = facts.self_care in ("partly_dependent", "dependent")
    if incapacitated:
        add("disabled", Reason("cat.self_care", {"level": facts.self_care}))
    if facts.disability_grade is not None:
        add("disabled", Reason("cat.disability_grade", {"grade": facts.disability_grade}))
    if facts.disability_grade in (1, 2):
        add("severe_disability", Reason("cat.disability_grade", {"grade": facts.disability_grade}))
    for code, (program, start) in facts.benefit_categories(today).items():
        add(code, Reason("cat.benefit", {"program": program, "since": start.isoformat()}))
    for manual in facts.manual_categories:
        code = manual.get("code", "")
        if code in CATEGORY_CODES and code != "special_difficulty":
            add(code, Reason("cat.manual", {"note": manual.get("reason", "")}), source="manual")
    # Special-difficulty elders (2022 opinion: 独居、空巢、留守、失能、重残、计划生育特殊家庭;
    # plans 八/九: "独居、失能、贫困、高龄等特殊困难留守老年人").
    groups: list[str] = [c for c in ("living_alone", "empty_nest", "left_behind") if c in found]
    if incapacitated and facts.self_care:
        groups.append(facts.self_care)  # 失能 / 半失能
    groups += [
        c
        for c in (
            "severe_disability",
            "extreme_poverty",
            "low_income",
            "registered_poor",
            "advanced_age",
            "family_planning_special",
        )
        if c in found
    ]
    if groups:
        add("special_difficulty", Reason("cat.special_difficulty", {"groups": groups}))
    categories = [found[c] for c in CATEGORY_CODES if c in found]

    alone_at_home = no_one_at_home(facts, s, today)
    level, reasons = risk(facts, found, age, s, alone_at_home)
    if override:
        level = override["level"]
        reasons = [Reason("risk.override", {"note": override.get("reason", "")})]
    return Derived(
        lb, lb_reason, categories, level, reasons, alone_at_home, valid_until(facts, s, today)
    )


def risk(
    facts: ElderFacts,
    found: dict[str, Any],
    age: int,
    s: RegisterSettings,
    alone_at_home: Reason | None = None,
) -> tuple[str, list[Reason]]:
    """High (80+ alone, empty-nest or left-behind, a life-threatening illness, or no one at
    home for an elder who needs someone: see ``no_one_at_home``); key
    (失能/半失能 or 重残, demented, 特困, family-planning special family); else general.
    A disability grade 3-4 with independent self-care raises nothing."""
    high: list[Reason] = []
    if age >= s.advanced_age:
        alone = [c for c in ("living_alone", "empty_nest", "left_behind") if c in found]
        if alone:
            high.append(Reason("risk.old_and_alone", {"age": age, "categories": alone}))
    for condition in facts.health_conditions:
        if condition in s.life_threatening_conditions:
            high.append(Reason("risk.condition", {"condition": condition}))
    if alone_at_home is not None:
        high.append(Reason("risk.no_one_at_home"))
    if high:
        return "high", high
    key: list[Reason] = []
    if facts.self_care in ("partly_dependent", "dependent"):
        key.append(Reason("risk.category", {"category": facts.self_care}))
    if "severe_disability" in found:
        key.append(Reason("risk.category", {"category": "severe_disability"}))
    if "dementia" in facts.health_conditions:
        key.append(Reason("risk.condition", {"condition": "dementia"}))
    for code in ("extreme_poverty", "family_planning_special"):
        if code in found:
            key.append(Reason("risk.category", {"category": code}))
    if key:
        return "key", key
    return "general", [Reason("risk.general")]
