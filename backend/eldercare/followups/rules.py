"""Follow-ups (跟进事项): their kinds, the state machine and the county's deadlines. Pure
functions, no database.

A visit's hazards (安全隐患), needs (需求) and its free-text "needs follow-up" each open an
item; so does an incident's resolution (what follow-up was arranged) and a relief referral.
``open`` → ``in_progress`` → ``resolved`` | ``referred`` | ``cannot_resolve`` (the last two
with a reason); a closed item may be opened again. The due date follows the county's
policy per kind and severity, from the day it was found. An open item past its due date is
overdue and escalated to the township (``level``: ``township``), which sees it among its
overdue items and may reassign it; nothing else changes when the date passes, so the
escalation needs no job to run.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, Field, model_validator

Category = Literal["hazard", "need", "general"]
# the visit's SafetyRisk values (visits.schemas): a hazard found on a visit keeps its code
HazardKind = Literal[
    "fall_risk",
    "fire_gas",
    "electrical",
    "housing",
    "water",
    "heating",
    "wandering",
    "neglect",
    "abuse",
    "other_hazard",
]
# the visit's Need values, ``relief`` (社会救助) and ``assistive_device`` (辅具) among them
NeedKind = Literal[
    "daily_care",
    "rehabilitation",
    "emotional_support",
    "home_modification",
    "medical",
    "financial",
    "legal",
    "relief",
    "assistive_device",
    "other_need",
]
Kind = Literal[HazardKind, NeedKind, "general"]
Severity = Literal["high", "medium", "low"]
Status = Literal["open", "in_progress", "resolved", "referred", "cannot_resolve"]
OwnerType = Literal["village_worker", "volunteer", "township", "department"]
Department = Literal[
    "housing",  # 住建
    "health",  # 卫健
    "civil_affairs",  # 民政
    "emergency_management",  # 应急管理
    "public_security",  # 公安
    "water_resources",  # 水利
    "power_supply",  # 供电
    "disabled_persons",  # 残联
    "justice",  # 司法
    "human_resources",  # 人社
]
Level = Literal["village", "township"]
FoundByType = Literal["user", "volunteer"]
# relief's programs (relief.rules.Program): a relief referral names one
ReliefProgram = Literal[
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

HAZARD_KINDS: tuple[str, ...] = get_args(HazardKind)
NEED_KINDS: tuple[str, ...] = get_args(NeedKind)
KINDS: tuple[str, ...] = (*HAZARD_KINDS, *NEED_KINDS, "general")
SEVERITIES: tuple[str, ...] = get_args(Severity)
STATUSES: tuple[str, ...] = get_args(Status)
OPEN: tuple[str, ...] = ("open", "in_progress")
CLOSED: tuple[str, ...] = ("resolved", "referred", "cannot_resolve")
NEED_REASON: frozenset[str] = frozenset({"referred", "cannot_resolve"})

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "resolved", "referred", "cannot_resolve"),
    "in_progress": ("resolved", "referred", "cannot_resolve"),
    "resolved": ("open",),
    "referred": ("open",),
    "cannot_resolve": ("open",),
}


def category_of(kind: str) -> str:
    if kind in HAZARD_KINDS:
        return "hazard"
    if kind in NEED_KINDS:
        return "need"
    return "general"


def kind_of_visit_code(category: str, code: str) -> str:
    """A visit's ``other`` hazard or need becomes ``other_hazard`` / ``other_need``."""
    if code == "other":
        return "other_hazard" if category == "hazard" else "other_need"
    return code


def allowed(status: str) -> list[str]:
    return list(TRANSITIONS.get(status, ()))


def overdue(status: str, due: date, today: date) -> bool:
    return status in OPEN and due < today


def level(status: str, due: date, today: date) -> str:
    """An open item past its due date is escalated to the township."""
    return "township" if overdue(status, due, today) else "village"


class DueDays(BaseModel):
    high: int = Field(ge=1, le=365, description="Days from the day it was found")
    medium: int = Field(ge=1, le=365)
    low: int = Field(ge=1, le=365)

    @model_validator(mode="after")
    def _ordered(self) -> DueDays:
        if not self.high <= self.medium <= self.low:
            raise ValueError("high must not be later than medium, nor medium than low")
        return self


URGENT = DueDays(high=1, medium=3, low=7)  # fire, gas, electricity: 立即整改
SOON = DueDays(high=3, medium=14, low=30)
SLOW = DueDays(high=7, medium=30, low=60)  # housing, home modification: works take time


def _default_due() -> dict[str, DueDays]:
    due = dict.fromkeys(KINDS, SOON)
    for kind in ("fire_gas", "electrical", "heating", "abuse", "wandering"):
        due[kind] = URGENT
    for kind in ("housing", "home_modification", "assistive_device", "relief", "water"):
        due[kind] = SLOW
    return due


def _default_severity() -> dict[str, Severity]:
    severity: dict[str, Severity] = dict.fromkeys(KINDS, "medium")
    for kind in ("fire_gas", "electrical", "abuse", "wandering", "neglect"):
        severity[kind] = "high"
    severity["general"] = "low"
    return severity


class FollowUpPolicy(BaseModel):
    """A county's follow-up deadlines: per kind, days to solve by severity."""

    due_days: dict[str, DueDays] = Field(
        default_factory=_default_due,
        description="Per kind: days from the finding to the due date, by severity",
    )
    default_severity: dict[str, Severity] = Field(
        default_factory=_default_severity,
        description="The severity an item found on a visit gets (a visit that found the "
        "elder in severe danger makes it `high`)",
    )
    reopen_days: int = Field(
        default=90,
        ge=0,
        le=730,
        description="A hazard found again within this many days after its item was closed "
        "reopens that item instead of opening a new one",
    )

    @model_validator(mode="after")
    def _every_kind(self) -> FollowUpPolicy:
        unknown = (set(self.due_days) | set(self.default_severity)) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}")
        due, severity = _default_due(), _default_severity()
        for kind in KINDS:  # a kind left out keeps its default
            self.due_days.setdefault(kind, due[kind])
            self.default_severity.setdefault(kind, severity[kind])
        return self


def due_date(policy: FollowUpPolicy, kind: str, severity: str, found_on: date) -> date:
    rule = policy.due_days.get(kind, SOON)
    return found_on + timedelta(days=getattr(rule, severity))


def visit_severity(policy: FollowUpPolicy, kind: str, danger: str) -> str:
    if danger == "severe":
        return "high"
    return policy.default_severity.get(kind, "medium")
