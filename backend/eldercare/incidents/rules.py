"""The incident state machine and its deadlines: pure functions, no database.

``reported`` → ``acknowledged`` → ``in_progress`` → ``resolved``, or ``escalated`` to the
county from any open township step; the county then takes it ``in_progress`` and resolves
it. Whoever holds the incident (the township, or the county once escalated) moves it on;
a village reports and updates (a volunteer reports for a paired elder). Deadlines are set
per severity by the county's incident policy: acknowledge within N hours of the report,
resolve within M hours of the report. Escalation does not reset that clock: the deadlines
from the report stay, and escalation adds the county's own (take it in hand within N hours
of the escalation). An incident is overdue once the earliest deadline it has not yet met
has passed.

Severity follows the type: the emergencies plan 八 names (遭受非法侵害, 外出流浪乞讨,
发生危重病情) are at least ``high`` whatever the reporter chose; a reporter may raise it.
A report made more than the county's limit (default 24 hours) after the event is late.
"""

from __future__ import annotations

from dataclasses import dataclass
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
# most severe first
SEVERITY_ORDER: tuple[str, ...] = ("critical", "high", "medium", "low")
# 篇八: "发现留守老年人外出流浪乞讨、遭受非法侵害、发生危重病情……等情况时，要及时……报告"
SEVERITY_FLOOR: dict[str, str] = {
    "abuse": "high",
    "wandering_begging": "high",
    "critical_illness": "high",
}
DEFAULT_REPORT_LIMIT_HOURS = 24
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


def effective_severity(incident_type: str, asked: str) -> str:
    """The more severe of what the reporter chose and the type's floor."""
    floor = SEVERITY_FLOOR.get(incident_type)
    if floor is None:
        return asked
    return min(asked, floor, key=SEVERITY_ORDER.index)


def report_delay(occurred_at: datetime | None, reported_at: datetime) -> timedelta | None:
    if occurred_at is None:
        return None
    return max(reported_at - occurred_at, timedelta(0))


def reported_late(
    occurred_at: datetime | None, reported_at: datetime, limit_hours: int
) -> bool | None:
    """More than the limit after the event (exactly the limit is in time); None if unknown."""
    delay = report_delay(occurred_at, reported_at)
    if delay is None:
        return None
    return delay > timedelta(hours=limit_hours)


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
    report_limit_hours: int = Field(
        default=DEFAULT_REPORT_LIMIT_HOURS,
        ge=1,
        le=720,
        description="A report made more than this many hours after the event is late "
        "(及时报告); exactly this many is in time",
    )

    @model_validator(mode="after")
    def _every_severity(self) -> IncidentPolicy:
        missing = set(_default_deadlines()) - set(self.deadlines)
        if missing:
            raise ValueError(f"deadlines missing for {sorted(missing)}")
        return self


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The deadlines of an incident: from the report, and the county's from the escalation."""

    acknowledge: datetime
    resolve: datetime
    county: datetime | None = None  # the county takes it in hand (escalated -> in_progress)


def deadlines(
    policy: IncidentPolicy, severity: str, reported_at: datetime, escalated_at: datetime | None
) -> Deadlines:
    rule = policy.deadlines[severity]  # type: ignore[index]
    return Deadlines(
        acknowledge=reported_at + timedelta(hours=rule.acknowledge_hours),
        resolve=reported_at + timedelta(hours=rule.resolve_hours),
        county=(
            escalated_at + timedelta(hours=rule.acknowledge_hours)
            if escalated_at is not None
            else None
        ),
    )


def due(d: Deadlines, status: str, acknowledged: bool) -> tuple[str | None, datetime | None]:
    """The earliest deadline not yet met: (``acknowledge`` | ``resolve`` | None, when).

    ``acknowledged``: the township acknowledged it before escalating (taking an escalated
    incident in hand acknowledges it too).
    """
    if status == "resolved":
        return None, None
    if status == "reported":
        return "acknowledge", d.acknowledge
    if status in ("acknowledged", "in_progress"):
        return "resolve", d.resolve
    # escalated: waiting for the county; the report's deadlines still run
    pending: list[tuple[str, datetime]] = []
    if not acknowledged:
        pending.append(("acknowledge", d.acknowledge))
    if d.county is not None:
        pending.append(("acknowledge", d.county))
    pending.append(("resolve", d.resolve))
    step, at = min(pending, key=lambda p: p[1])
    return step, at
