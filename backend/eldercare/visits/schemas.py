from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eldercare.elders.schemas import ContactMethod
from eldercare.visits.rules import Category, CategoryRule, ServiceRule, TierRule, VisitPolicy
from eldercare.volunteers.schemas import Service

Method = Literal["home_visit", "phone", "video"]
SafetyRisk = Literal[
    "fall_risk",
    "fire_gas",
    "electrical",
    "housing",
    "water",
    "heating",
    "wandering",
    "neglect",
    "abuse",
    "other",
]
Need = Literal[
    "daily_care",
    "rehabilitation",
    "emotional_support",
    "home_modification",
    "medical",
    "financial",
    "legal",
    "relief",
    "assistive_device",
    "other",
]
Danger = Literal["none", "concern", "severe"]


class Findings(BaseModel):
    """What the visitor found (the national checklist: health, money, family, safety, needs)."""

    model_config = ConfigDict(extra="forbid")

    health: str = Field(default="", max_length=1000)
    mental_state: str = Field(default="", max_length=1000)
    living_conditions: str = Field(default="", max_length=1000)
    family_support: str = Field(default="", max_length=1000)
    danger: Danger = "none"


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    elder_id: str
    volunteer_id: str | None = Field(
        default=None, description="The helper who visited (volunteers: themselves)"
    )
    visited_at: datetime | None = Field(default=None, description="Default: now")
    method: Method
    findings: Findings = Field(default_factory=Findings)
    safety_risks: list[SafetyRisk] = Field(default_factory=list, max_length=10)
    needs: list[Need] = Field(default_factory=list, max_length=10)
    services: list[Service] = Field(default_factory=list, max_length=14)
    guardian_contacted: bool = False
    guardian_id: str | None = Field(
        default=None,
        max_length=32,
        description="With `guardian_contacted`: which of the elder's guardians was reached "
        "(default: the first living son or daughter with a phone, else the first living "
        "guardian; none: no entry); the visit writes an entry in their contact log",
    )
    guardian_contact_method: ContactMethod = Field(
        default="phone", description="With `guardian_contacted`: how they were reached"
    )
    follow_up: str = Field(
        default="", max_length=2000, description="Needs follow-up: opens a `general` follow-up"
    )
    notes: str = Field(default="", max_length=2000)
    resolved_follow_ups: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Ids of the elder's follow-ups found solved on this visit: resolved, "
        "with the visit as evidence",
    )


class VisitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visited_at: datetime | None = None
    method: Method | None = None
    findings: Findings | None = None
    safety_risks: list[SafetyRisk] | None = Field(default=None, max_length=10)
    needs: list[Need] | None = Field(default=None, max_length=10)
    services: list[Service] | None = Field(default=None, max_length=14)
    guardian_contacted: bool | None = None
    follow_up: str | None = Field(default=None, max_length=2000)
    notes: str | None = Field(default=None, max_length=2000)
    reason: str = Field(default="", max_length=500, description="Why: kept in the history")
    version: int | None = None


class VisitFollowUp(BaseModel):
    """A follow-up item a visit opened (filled by the domain that keeps follow-up items)."""

    id: str
    kind: str
    kind_label: str = ""
    status: str
    status_label: str = ""
    due_date: date | None = None


class VisitChangeOut(BaseModel):
    """One correction of a visit."""

    id: str
    changed_at: datetime
    actor_id: str
    actor_name: str | None
    reason: str
    version: int = Field(description="The visit's version after the correction")
    changes: dict[str, dict[str, Any]] = Field(
        description="Each changed field: {before, after} (JSON values)"
    )


class Prompt(BaseModel):
    code: str
    message: str
    incident_type: str


class VisitOut(BaseModel):
    id: str
    elder_id: str
    village_code: str
    volunteer_id: str | None
    user_id: str | None
    author_id: str
    visited_at: datetime
    method: Method
    findings: Findings
    safety_risks: list[str]
    needs: list[str]
    services: list[str]
    guardian_contacted: bool
    follow_up: str
    notes: str
    created_at: datetime
    version: int
    prompt: Prompt | None = Field(
        default=None, description="Set when a finding calls for reporting an emergency"
    )
    correctable_until: datetime | None = Field(
        default=None, description="Until when the visit may be corrected (the county's window)"
    )
    can_correct: bool = Field(default=False, description="Whether you may correct it now")
    follow_ups: list[VisitFollowUp] = Field(
        default_factory=list, description="The follow-up items this visit opened"
    )


class VisitPolicyIn(BaseModel):
    """The county's visit policy; ``effective_date`` defaults to today."""

    model_config = ConfigDict(extra="forbid")

    effective_date: date | None = None
    tiers: dict[Literal["high", "key", "general"], TierRule] | None = Field(
        default=None, description="A tier left out keeps its default interval and methods"
    )
    categories: dict[Category, CategoryRule] | None = Field(
        default=None, description="Visit intervals by category; left out: none"
    )
    services: list[ServiceRule] | None = Field(
        default=None, max_length=60, description="The service plan; left out: the defaults"
    )
    correction_window_days: int = Field(default=7, ge=0, le=366)
    special_difficulty_monthly: bool = True
    event_due_hours: int = Field(default=24, ge=1, le=168)
    events: list[str] | None = None


class VisitPolicyOut(VisitPolicy):
    effective_date: date | None = Field(description="null: the defaults, never changed")


class ServiceDue(BaseModel):
    service: str
    label: str = Field(description="The service in the request's language")
    interval_days: int
    last_done_at: datetime | None
    next_due_date: date
    due_in_days: int
    days_overdue: int = Field(ge=0)
    reason: str


class ServiceWorklistItem(ServiceDue):
    elder_id: str
    name: str
    village_code: str
    address: str


class WorklistItem(BaseModel):
    elder_id: str
    name: str
    village_code: str
    address: str
    phone: str | None
    risk_level: str
    categories: list[str]
    last_visit_at: datetime | None
    next_due_date: date = Field(description="The date the next visit is due (local time)")
    due_in_days: int = Field(
        description="Days from today to `next_due_date`: positive ahead, 0 due today, "
        "negative overdue (-3: three days overdue)"
    )
    days_overdue: int = Field(
        ge=0, description="Days past `next_due_date`; 0 when due today or later"
    )
    reason: str = Field(description="Which rule set the interval, in the request's language")
    event_type: str | None = Field(
        description="The pending event, or `needs_helper` when a move ended the elder's "
        "pairings and no new one has been made"
    )
    open_follow_ups: int = Field(default=0, description="The elder's follow-ups not yet closed")
    services_due: list[ServiceDue] = Field(
        default_factory=list, description="The elder's services due by the same day"
    )


class WorklistFollowUp(BaseModel):
    """An open follow-up the reader holds (see ``GET /follow-ups``)."""

    id: str
    elder_id: str
    elder_name: str
    village_code: str
    category: str
    kind: str
    description: str
    severity: str
    status: str
    owner_type: str
    owner_id: str | None
    due_date: date
    overdue: bool
    version: int


class WorklistOut(BaseModel):
    """The elders due a visit (a page), and on the first page the open follow-ups the
    reader holds (a village worker: their own and their village's unassigned ones)."""

    items: list[WorklistItem]
    next_cursor: str | None = None
    total: int | None = None
    follow_ups: list[WorklistFollowUp] = Field(
        default_factory=list,
        description="On the first page only (no `cursor`): at most 50, the earliest due first",
    )


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["hospitalisation", "bereavement", "guardian_unreachable", "incident", "other"]
    occurred_at: datetime | None = None
    note: str = Field(default="", max_length=500)


class RateRow(BaseModel):
    code: str
    name: str
    elders: int
    special_difficulty: int
    special_visited: int = Field(description="Special-difficulty elders with a visit in the month")
    monthly_visit_rate: float | None = Field(
        description="月探访率: special_visited / special_difficulty"
    )
    visited_in_month: int
    overdue: int
    within_interval_rate: float | None = Field(description="Share of elders not overdue today")
    guardians_out_of_contact: int


class HelperActivity(BaseModel):
    volunteer_id: str
    name: str
    visits: int
    elders_visited: int


class VisitRatesOut(BaseModel):
    region: str
    region_name: str
    month: str
    totals: RateRow
    children: list[RateRow]
    helpers: list[HelperActivity]


class ServiceRate(BaseModel):
    service: str
    label: str
    due: int = Field(description="Elders the plan gives the service")
    done_in_month: int = Field(description="Of them, those with a visit recording it in the month")
    overdue: int = Field(description="Of them, those overdue today")
    rate: float | None = Field(description="done_in_month / due")


class ServiceRateRow(BaseModel):
    code: str
    name: str
    services: list[ServiceRate]


class ServiceRatesOut(BaseModel):
    region: str
    region_name: str
    month: str
    totals: ServiceRateRow
    children: list[ServiceRateRow]
