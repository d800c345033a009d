from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from eldercare.elders.schemas import ContactMethod, ContactOut
from eldercare.followups.rules import ReliefProgram
from eldercare.followups.schemas import NewFollowUp
from eldercare.incidents.rules import IncidentPolicy, IncidentType, Severity, Status

SEVERITY_RULE = (
    "abuse (遭受非法侵害), wandering_begging (外出流浪乞讨) and critical_illness (发生危重病情) "
    "are at least `high` whatever is asked: a reporter may raise the severity, not lower it"
)


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    elder_id: str
    type: IncidentType
    severity: Severity = Field(description=f"As the reporter sees it; {SEVERITY_RULE}")
    description: str = Field(min_length=1, max_length=4000)
    occurred_at: datetime | None = Field(
        default=None,
        description="When it happened, if known; a report more than the county's limit "
        "(default 24 hours) after it is flagged `reported_late`",
    )


class IncidentPatch(BaseModel):
    """Corrections while the incident is open (the deadline follows a new severity)."""

    model_config = ConfigDict(extra="forbid")

    type: IncidentType | None = None
    severity: Severity | None = Field(default=None, description=SEVERITY_RULE)
    description: str | None = Field(default=None, min_length=1, max_length=4000)
    occurred_at: datetime | None = None
    version: int | None = None


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Status
    note: str = Field(default="", max_length=2000)
    version: int | None = Field(default=None, description="Optional: refuse if it changed since")
    # what follow-up the resolution arranged: exactly one of these three when resolving
    follow_up: NewFollowUp | None = Field(
        default=None, description="Resolving: opens a follow-up item linked to the incident"
    )
    relief_referral: ReliefProgram | None = Field(
        default=None,
        description="Resolving: refers the elder to a relief program (e.g. temporary_assistance "
        "临时救助), opening a `relief` follow-up resolved when a benefit of it is recorded",
    )
    no_follow_up: bool = Field(
        default=False, description="Resolving: no follow-up is needed; `note` says why"
    )


class NotificationIn(BaseModel):
    """The elder's children (a guardian) were told (plan 八 (三): "及时通知并督促其子女")."""

    model_config = ConfigDict(extra="forbid")

    guardian_id: str = Field(max_length=32, description="One of the elder's guardians")
    notified_at: datetime | None = Field(
        default=None, description="When (default now; without an offset: local time)"
    )
    method: ContactMethod
    note: str = Field(default="", max_length=2000, description="What they were asked to do")


class TimelineEntry(BaseModel):
    from_status: Status | None = Field(description="null for the report itself")
    to_status: Status
    note: str
    actor_id: str
    actor_name: str
    actor_role: str | None
    at: datetime
    deadline_at: datetime | None = Field(
        description="The deadline in force when this step was taken (the earliest not yet met)"
    )
    late: bool | None = Field(description="Whether that deadline had passed")


class IncidentOut(BaseModel):
    id: str
    elder_id: str
    elder_name: str
    village_code: str
    type: IncidentType
    severity: Severity = Field(description=f"The effective severity: {SEVERITY_RULE}")
    description: str
    status: Status
    level: str = Field(description="Who holds it: township, or county once escalated")
    reporter_id: str
    reporter_name: str
    occurred_at: datetime | None = Field(description="When it happened, if known")
    reported_at: datetime
    reported_late: bool | None = Field(
        description="Reported more than the county's limit (`report_limit_hours`, default 24) "
        "after it occurred; null when that time is unknown"
    )
    report_delay_minutes: int | None = Field(
        description="From occurrence to report; null when the occurrence time is unknown"
    )
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    acknowledge_due_at: datetime | None = Field(
        description="Acknowledge by: from the report; escalation does not move it"
    )
    resolve_due_at: datetime | None = Field(
        description="Resolve by: from the report; escalation does not move it"
    )
    county_due_at: datetime | None = Field(
        description="Added by an escalation: the county takes it in hand by then"
    )
    due_step: str | None = Field(
        description="The step of the earliest deadline not yet met (acknowledge or resolve); "
        "null once resolved"
    )
    due_at: datetime | None = Field(description="The earliest deadline not yet met")
    overdue: bool = Field(description="`due_at` has passed")
    children_notified: bool = Field(
        description="A child (guardian) of the elder was notified (plan 八 (三)); false: nobody yet"
    )
    children_notified_at: datetime | None = Field(description="The first notification")
    allowed_transitions: list[Status] = Field(description="What the caller may move it to now")
    version: int


class IncidentDetail(IncidentOut):
    timeline: list[TimelineEntry]
    follow_up_ids: list[str] = Field(
        default_factory=list, description="The follow-ups its resolution opened"
    )
    notifications: list[ContactOut] = Field(
        description="The children notified: who, when, how (each is an entry of the "
        "guardian's contact log with source `incident`)"
    )


class IncidentPolicyIn(IncidentPolicy):
    """Deadlines for every severity; ``effective_date`` defaults to today."""

    model_config = ConfigDict(extra="forbid")

    effective_date: date | None = None


class IncidentPolicyOut(IncidentPolicy):
    effective_date: date | None = Field(description="null: the defaults, never changed")
