"""Derived facts of the register: left-behind status, categories and the risk tier.

Pure functions of an elder's fields, their guardians, the county's settings and a date.
Every result carries its reasons as codes with parameters, rendered in the reader's
language (see ``REASONS``), so the register can always say *why*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from eldercare.identity import age_on

CHILD_RELATIONS = frozenset({"son", "daughter"})
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


class RegisterSettings(BaseModel):
    """A county's settings; the defaults follow the 2017 opinion and published provincial rules."""

    min_register_age: int = Field(default=60, ge=0, le=120)
    left_behind_min_age: int = Field(default=60, ge=0, le=120)
    min_away_months: int = Field(default=6, ge=0, le=120)
    away_scope: Literal["outside_county", "outside_township"] = "outside_county"
    treat_incapable_local_supporter_as_absent: bool = False
    exclude_extreme_poverty: bool = True
    advanced_age: int = Field(default=80, ge=60, le=120)
    life_threatening_conditions: list[str] = Field(
        default_factory=lambda: list(LIFE_THREATENING_DEFAULT)
    )


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


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


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


def _away(g: GuardianFacts, facts: ElderFacts, s: RegisterSettings, today: date) -> str:
    """``away``, ``near`` (within the area), ``recent`` (not away long enough) or ``unknown``."""
    scope = _scope_of(g, facts.village_code)
    if scope is None:
        return "unknown"
    far = {
        "outside_county": ("outside_county", "outside_province"),
        "outside_township": ("in_county", "outside_county", "outside_province"),
    }[s.away_scope]
    if scope not in far:
        return "near"
    if g.away_since is None:
        return "unknown"
    return "away" if months_between(g.away_since, today) >= s.min_away_months else "recent"


def left_behind(facts: ElderFacts, s: RegisterSettings, today: date) -> tuple[bool, Reason]:
    age = age_on(facts.birth_date, today)
    if age < s.left_behind_min_age:
        return False, Reason("lb.too_young", {"age": age, "min_age": s.left_behind_min_age})
    if s.exclude_extreme_poverty and any(
        c.get("code") == "extreme_poverty" for c in facts.manual_categories
    ):
        return False, Reason("lb.extreme_poverty")
    children = [g for g in facts.guardians if g.relation in CHILD_RELATIONS and g.alive]
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


@dataclass
class Derived:
    is_left_behind: bool
    left_behind_reason: Reason
    categories: list[dict[str, Any]]  # {"code", "source", "reason": {"code", "params"}}
    risk_level: str
    risk_reasons: list[Reason]


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
    if facts.self_care in ("partly_dependent", "dependent"):
        add("disabled", Reason("cat.self_care", {"level": facts.self_care}))
    if facts.disability_grade is not None:
        add("disabled", Reason("cat.disability_grade", {"grade": facts.disability_grade}))
    if facts.disability_grade in (1, 2):
        add("severe_disability", Reason("cat.disability_grade", {"grade": facts.disability_grade}))
    elif facts.self_care == "dependent":
        add("severe_disability", Reason("cat.self_care", {"level": "dependent"}))
    for manual in facts.manual_categories:
        code = manual.get("code", "")
        if code in CATEGORY_CODES and code != "special_difficulty":
            add(code, Reason("cat.manual", {"note": manual.get("reason", "")}), source="manual")
    groups = [
        c
        for c in (
            "living_alone",
            "empty_nest",
            "left_behind",
            "disabled",
            "severe_disability",
            "family_planning_special",
        )
        if c in found
    ]
    if groups:
        add("special_difficulty", Reason("cat.special_difficulty", {"groups": groups}))
    categories = [found[c] for c in CATEGORY_CODES if c in found]

    level, reasons = risk(facts, found, age, s)
    if override:
        level = override["level"]
        reasons = [Reason("risk.override", {"note": override.get("reason", "")})]
    return Derived(lb, lb_reason, categories, level, reasons)


def risk(
    facts: ElderFacts, found: dict[str, Any], age: int, s: RegisterSettings
) -> tuple[str, list[Reason]]:
    """High (80+ alone, empty-nest or left-behind, or a life-threatening illness); key
    (disabled or demented, extreme poverty, family-planning special family); else general."""
    high: list[Reason] = []
    if age >= s.advanced_age:
        alone = [c for c in ("living_alone", "empty_nest", "left_behind") if c in found]
        if alone:
            high.append(Reason("risk.old_and_alone", {"age": age, "categories": alone}))
    for condition in facts.health_conditions:
        if condition in s.life_threatening_conditions:
            high.append(Reason("risk.condition", {"condition": condition}))
    if high:
        return "high", high
    key: list[Reason] = []
    if "disabled" in found:
        key.append(Reason("risk.category", {"category": "disabled"}))
    if "dementia" in facts.health_conditions:
        key.append(Reason("risk.condition", {"condition": "dementia"}))
    for code in ("extreme_poverty", "family_planning_special"):
        if code in found:
            key.append(Reason("risk.category", {"category": code}))
    if key:
        return "key", key
    return "general", [Reason("risk.general")]
