from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from eldercare.incidents.rules import IncidentPolicy, IncidentType, Severity, Status


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    elder_id: str
    type: IncidentType
    severity: Severity
    description: str = Field(min_length=1, max_length=4000)
    occurred_at: datetime | None = Field(default=None, description="When it happened, if known")


class IncidentPatch(BaseModel):
    """Corrections while the incident is open (the deadline follows a new severity)."""

    model_config = ConfigDict(extra="forbid")

    type: IncidentType | None = None
    severity: Severity | None = None
    description: str | None = Field(default=None, min_length=1, max_length=4000)
    occurred_at: datetime | None = None
    version: int | None = None


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Status
    note: str = Field(default="", max_length=2000)
    version: int | None = Field(default=None, description="Optional: refuse if it changed since")


class TimelineEntry(BaseModel):
    from_status: Status | None = Field(description="null for the report itself")
    to_status: Status
    note: str
    actor_id: str
    actor_name: str
    actor_role: str | None
    at: datetime
    deadline_at: datetime | None = Field(description="The deadline of the step this completed")
    late: bool | None = Field(description="Whether that deadline had passed")


class IncidentOut(BaseModel):
    id: str
    elder_id: str
    elder_name: str
    village_code: str
    type: IncidentType
    severity: Severity
    description: str
    status: Status
    level: str = Field(description="Who holds it: township, or county once escalated")
    reporter_id: str
    reporter_name: str
    occurred_at: datetime | None
    reported_at: datetime
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    due_step: str | None = Field(description="acknowledge or resolve; null once resolved")
    due_at: datetime | None
    overdue: bool
    allowed_transitions: list[Status] = Field(description="What the caller may move it to now")
    version: int


class IncidentDetail(IncidentOut):
    timeline: list[TimelineEntry]


class IncidentPolicyIn(IncidentPolicy):
    """Deadlines for every severity; ``effective_date`` defaults to today."""

    model_config = ConfigDict(extra="forbid")

    effective_date: date | None = None


class IncidentPolicyOut(IncidentPolicy):
    effective_date: date | None = Field(description="null: the defaults, never changed")
