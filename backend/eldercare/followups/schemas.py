from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from eldercare.followups.rules import (
    Category,
    FollowUpPolicy,
    Kind,
    Level,
    OwnerType,
    ReliefProgram,
    Severity,
    Status,
)

OWNER_RULE = (
    "`village_worker`: a village worker's user id, or null for the elder's village's "
    "workers; `volunteer`: a volunteer's id; `township`: null (the elder's township); "
    "`department`: a department's code (housing 住建, health 卫健, civil_affairs 民政, ...). "
    "Only township and county officers hand an item to a department"
)


class FollowUpOwner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_type: OwnerType = Field(description=OWNER_RULE)
    owner_id: str | None = Field(default=None, max_length=32)


class FollowUpPatch(BaseModel):
    """Assign (owner) or correct an open item; the due date follows a new severity."""

    model_config = ConfigDict(extra="forbid")

    owner_type: OwnerType | None = Field(default=None, description=OWNER_RULE)
    owner_id: str | None = Field(default=None, max_length=32)
    severity: Severity | None = None
    description: str | None = Field(default=None, min_length=1, max_length=2000)
    due_date: date | None = Field(
        default=None, description="Set by hand (township and county officers only)"
    )
    note: str = Field(default="", max_length=2000)
    version: int | None = None


class FollowUpTransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Status
    note: str = Field(
        default="",
        max_length=2000,
        description="Required (the reason) for `referred` and `cannot_resolve`",
    )
    visit_id: str | None = Field(
        default=None, description="Closure evidence: the visit that found it solved"
    )
    version: int | None = Field(default=None, description="Optional: refuse if it changed since")


class FollowUpAssignIn(FollowUpOwner):
    """Hand several items to one owner at once (all or none: an id out of scope is 404)."""

    ids: list[str] = Field(min_length=1, max_length=500)
    note: str = Field(default="", max_length=2000)


class FollowUpAssignOut(BaseModel):
    assigned: int


class OwnerCandidate(BaseModel):
    id: str
    name: str
    region_code: str


class OwnerCandidates(BaseModel):
    """Whom an item of the village may be handed to by name (the other owners need none)."""

    village: str
    village_workers: list[OwnerCandidate] = Field(description="The village's active workers")
    volunteers: list[OwnerCandidate] = Field(
        description="Active volunteers registered in the village or a region above it"
    )


class NewFollowUp(BaseModel):
    """A follow-up arranged by hand (e.g. when an incident is resolved)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    description: str = Field(min_length=1, max_length=2000)
    severity: Severity | None = Field(default=None, description="Default: the county's per kind")
    program: ReliefProgram | None = Field(
        default=None, description="For kind `relief`: the program the elder is referred to"
    )


class FollowUpHistoryEntry(BaseModel):
    action: str = Field(
        description="opened, seen_again, reopened, assigned, moved (a status change), updated"
    )
    from_status: Status | None
    to_status: Status
    note: str
    owner_type: OwnerType | None
    owner_id: str | None
    visit_id: str | None
    actor_id: str
    actor_name: str
    actor_role: str | None
    at: datetime
    due_date: date | None
    late: bool | None = Field(description="Whether the due date had passed at this step")


class FollowUpOut(BaseModel):
    id: str
    elder_id: str
    elder_name: str
    village_code: str
    category: Category
    kind: Kind
    program: ReliefProgram | None
    description: str
    severity: Severity
    found_by_type: str = Field(description="user or volunteer")
    found_by_id: str
    found_by_name: str
    found_at: datetime
    visit_id: str | None = Field(description="The visit that found it")
    incident_id: str | None = Field(description="The incident whose resolution opened it")
    last_seen_at: datetime
    times_seen: int = Field(description="Visits that found it (a hazard found again counts)")
    owner_type: OwnerType
    owner_id: str | None
    owner_name: str
    due_date: date
    status: Status
    overdue: bool = Field(description="Open and past its due date")
    level: Level = Field(description="`township` once overdue: escalated to the township")
    closed_at: datetime | None
    closure_note: str
    closed_visit_id: str | None
    benefit_id: str | None = Field(description="The benefit record that resolved a relief need")
    allowed_transitions: list[Status] = Field(description="What the caller may move it to now")
    version: int


class FollowUpDetail(FollowUpOut):
    history: list[FollowUpHistoryEntry]


class FollowUpPolicyIn(FollowUpPolicy):
    model_config = ConfigDict(extra="forbid")

    effective_date: date | None = None


class FollowUpPolicyOut(FollowUpPolicy):
    effective_date: date | None = Field(description="null: the defaults, never changed")
