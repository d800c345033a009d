"""The visit schedule: when each elder's next visit is due, and why.

Pure functions of the county's visit policy, the elder's risk tier and categories, their
last qualifying visit and pending events. Defaults follow published provincial rules:
``high`` at least weekly, ``key`` monthly, ``general`` quarterly, every special-difficulty
elder at least once per calendar month (the national 月探访率 target), and an event
(hospitalisation, bereavement, guardian unreachable, an incident) makes a visit due within
24 hours.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

Method = Literal["home_visit", "phone", "video"]
Tier = Literal["high", "key", "general"]
ALL_METHODS: list[Method] = ["home_visit", "phone", "video"]


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


class VisitPolicy(BaseModel):
    tiers: dict[Tier, TierRule] = Field(default_factory=_default_tiers)
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
) -> Due:
    rule = policy.tiers[risk_level]  # type: ignore[index]
    if last_visit is None:
        due, reason = registered, {"code": "due.never_visited", "params": {"tier": risk_level}}
    else:
        due = last_visit + timedelta(days=rule.interval_days)
        reason = {"code": "due.tier", "params": {"tier": risk_level, "days": rule.interval_days}}
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
    return Due(due, rule.interval_days, reason)
