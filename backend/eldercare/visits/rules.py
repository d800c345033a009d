"""The visit schedule: when each elder's next visit is due, and why.

Pure functions of the county's visit policy, the elder's risk tier and categories, their
last qualifying visit and pending events. Defaults follow published provincial rules:
``high`` at least weekly, ``key`` monthly, ``general`` quarterly, every special-difficulty
elder at least once per calendar month (the national 月探访率 target), and an event
(hospitalisation, bereavement, guardian unreachable, an incident) makes a visit due within
24 hours. A county may give categories intervals of their own (plan 十一: empty-nest elders
weekly): the shortest interval that applies to an elder wins.

The same policy holds the county's service plan (服务计划): which services each elder is
due, by category, and how often (see :mod:`eldercare.visits.services`), and how long after
logging a visit may still be corrected.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from eldercare.elders.rules import CATEGORY_CODES
from eldercare.volunteers.schemas import Service

Method = Literal["home_visit", "phone", "video"]
Tier = Literal["high", "key", "general"]
# The register's categories (``elders.rules.CATEGORY_CODES``), for the policy's rules.
Category = Literal[
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
]
ALL_METHODS: list[Method] = ["home_visit", "phone", "video"]


assert set(get_args(Category)) == set(CATEGORY_CODES), "Category must list the register's"


def _all_methods() -> list[Method]:
    return list(ALL_METHODS)


class TierRule(BaseModel):
    interval_days: int = Field(ge=1, le=366)
    methods: list[Method] = Field(default_factory=lambda: list(ALL_METHODS), min_length=1)


def _default_tiers() -> dict[Tier, TierRule]:
    return {
        "high": TierRule(interval_days=7),
        "key": TierRule(interval_days=30),
        "general": TierRule(interval_days=90),
    }


class CategoryRule(BaseModel):
    """A visit at least every ``interval_days`` for every elder of a category."""

    interval_days: int = Field(ge=1, le=366)


class ServiceRule(BaseModel):
    """A service due every ``interval_days``, for the elders of any of ``categories`` (none:
    every elder), only those who signed with a family doctor if ``family_doctor_signed``."""

    service: Service
    interval_days: int = Field(ge=1, le=366)
    categories: list[Category] = Field(default_factory=list, max_length=len(CATEGORY_CODES))
    family_doctor_signed: bool = False


def default_services() -> list[ServiceRule]:
    """The plans' defaults: the "四个一" of 分散特困 elders (every elder on the register
    with the 特困 category lives at home: 分散供养) - cleaning weekly, laundry every half
    month, a haircut monthly, necessities every half year; a health check-up every half
    year for every elder; a family-doctor follow-up every quarter for those who signed."""
    poor: list[Category] = ["extreme_poverty"]
    return [
        ServiceRule(service="cleaning", interval_days=7, categories=poor),
        ServiceRule(service="laundry", interval_days=15, categories=poor),
        ServiceRule(service="haircut", interval_days=30, categories=poor),
        ServiceRule(service="necessities", interval_days=182, categories=poor),
        ServiceRule(service="health_checkup", interval_days=182),
        ServiceRule(service="family_doctor", interval_days=90, family_doctor_signed=True),
    ]


class VisitPolicy(BaseModel):
    tiers: dict[Tier, TierRule] = Field(default_factory=_default_tiers)
    categories: dict[Category, CategoryRule] = Field(
        default_factory=dict,
        description="Visit intervals by category (e.g. empty_nest: 7); the shortest wins",
    )
    services: list[ServiceRule] = Field(default_factory=default_services, max_length=60)
    correction_window_days: int = Field(
        default=7, ge=0, le=366, description="How long after logging a visit may be corrected"
    )
    special_difficulty_monthly: bool = True
    event_due_hours: int = Field(default=24, ge=1, le=168)
    events: list[str] = Field(
        default_factory=lambda: [
            "hospitalisation",
            "bereavement",
            "guardian_unreachable",
            "incident",
        ]
    )

    def category_interval(self, categories: Any) -> tuple[str, int] | None:
        """The shortest category interval among ``categories`` (codes), with its category."""
        found = [(r.interval_days, c) for c, r in self.categories.items() if c in categories]
        if not found:
            return None
        days, code = min(found)
        return code, days


@dataclass(frozen=True)
class Due:
    next_due_date: date
    interval_days: int
    reason: dict[str, Any]  # {"code", "params"}


def end_of_next_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, calendar.monthrange(year, month)[1])


def next_due(
    policy: VisitPolicy,
    risk_level: str,
    special_difficulty: bool,
    last_visit: date | None,
    registered: date,
    event_due: datetime | None,
    tz: Any,
    categories: Any = (),
) -> Due:
    rule = policy.tiers[risk_level]  # type: ignore[index]
    interval = rule.interval_days
    reason = {"code": "due.tier", "params": {"tier": risk_level, "days": interval}}
    by_category = policy.category_interval(categories)
    if by_category is not None and by_category[1] < interval:
        interval = by_category[1]
        reason = {"code": "due.category", "params": {"category": by_category[0], "days": interval}}
    if last_visit is None:
        due, reason = registered, {"code": "due.never_visited", "params": {"tier": risk_level}}
    else:
        due = last_visit + timedelta(days=interval)
        if special_difficulty and policy.special_difficulty_monthly:
            monthly = end_of_next_month(last_visit)
            if monthly < due:
                due, reason = monthly, {"code": "due.monthly", "params": {}}
    if event_due is not None:
        event_day = event_due.astimezone(tz).date()
        if event_day < due:
            due, reason = (
                event_day,
                {"code": "due.event", "params": {"hours": policy.event_due_hours}},
            )
    return Due(due, interval, reason)
