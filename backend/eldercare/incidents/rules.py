"""The incident state machine and its deadlines: pure functions, no database.

``reported`` → ``acknowledged`` → ``in_progress`` → ``resolved``, or ``escalated`` to the
county from any open township step; the county then takes it ``in_progress`` and resolves
it. Whoever holds the incident (the township, or the county once escalated) moves it on;
a village reports and updates. Each open step has a deadline set per severity by the
county's incident policy: acknowledge within N hours of the report (of the escalation, for
the county), resolve within M hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from eldercare.roles import Role

Status = Literal["reported", "acknowledged", "in_progress", "escalated", "resolved"]
Severity = Literal["critical", "high", "medium", "low"]
IncidentType = Literal[
    "wandering_begging",
    "abuse",
    "critical_illness",
    "severe_mental_illness",
    "major_hardship",
    "accident",
    "other",
]
Level = Literal["township", "county"]
OPEN: tuple[str, ...] = ("reported", "acknowledged", "in_progress", "escalated")

# From each status, where it may go (for the holder of the incident).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "reported": ("acknowledged", "escalated"),
    "acknowledged": ("in_progress", "escalated"),
    "in_progress": ("resolved", "escalated"),
    "escalated": ("in_progress",),
    "resolved": (),
}

# Who holds an incident at each level, and so may move it on.
HOLDERS: dict[str, frozenset[Role]] = {
    "township": frozenset({Role.township_officer}),
    "county": frozenset({Role.county_officer, Role.county_admin}),
}


def allowed(status: str, level: str) -> list[str]:
    """The statuses an incident may move to now (the county cannot escalate further)."""
    targets = TRANSITIONS.get(status, ())
    return [t for t in targets if not (t == "escalated" and level == "county")]


def may_move(role: Role | None, level: str) -> bool:
    return role is not None and role in HOLDERS[level]


class Deadline(BaseModel):
    acknowledge_hours: int = Field(ge=1, le=720, description="From the report (or escalation)")
    resolve_hours: int = Field(ge=1, le=2160, description="From the report (or escalation)")

    @model_validator(mode="after")
    def _resolve_after_acknowledge(self) -> Deadline:
        if self.resolve_hours < self.acknowledge_hours:
            raise ValueError("resolve_hours must not be shorter than acknowledge_hours")
        return self


def _default_deadlines() -> dict[Severity, Deadline]:
    return {
        "critical": Deadline(acknowledge_hours=2, resolve_hours=24),
        "high": Deadline(acknowledge_hours=6, resolve_hours=72),
        "medium": Deadline(acknowledge_hours=24, resolve_hours=168),
        "low": Deadline(acknowledge_hours=72, resolve_hours=336),
    }


class IncidentPolicy(BaseModel):
    deadlines: dict[Severity, Deadline] = Field(default_factory=_default_deadlines)

    @model_validator(mode="after")
    def _every_severity(self) -> IncidentPolicy:
        missing = set(_default_deadlines()) - set(self.deadlines)
        if missing:
            raise ValueError(f"deadlines missing for {sorted(missing)}")
        return self


def deadline(
    policy: IncidentPolicy,
    severity: str,
    status: str,
    reported_at: datetime,
    escalated_at: datetime | None,
) -> tuple[str | None, datetime | None]:
    """The step now expected and its deadline: (``acknowledge`` | ``resolve`` | None, when)."""
    rule = policy.deadlines[severity]  # type: ignore[index]
    start = escalated_at if escalated_at is not None else reported_at
    if status in ("reported", "escalated"):
        return "acknowledge", start + timedelta(hours=rule.acknowledge_hours)
    if status in ("acknowledged", "in_progress"):
        return "resolve", start + timedelta(hours=rule.resolve_hours)
    return None, None
