from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eldercare.bulk.schemas import RowErrorOut

Day = date  # a field below is named `date`

RosterKind = Literal["deaths", "hukou_out", "dibao", "tekun", "disability"]
DiscrepancyKind = Literal[
    "deceased_but_active",
    "paid_but_deceased",
    "moved_but_active",
    "paid_not_on_roster",
    "on_roster_no_benefit",
    "grade_differs",
]
DiscrepancyStatus = Literal["open", "applied", "dismissed"]


class KindCount(BaseModel):
    kind: DiscrepancyKind
    label: str
    count: int


class RosterOut(BaseModel):
    id: str
    kind: RosterKind
    kind_label: str
    dry_run: bool = Field(description="Discrepancies listed for a look only: none can be resolved")
    file_name: str
    status: Literal["queued", "running", "succeeded", "failed", "interrupted"]
    format: str
    encoding: str | None
    rows: int = Field(description="Rows read so far")
    failed: int = Field(description="Rows that could not be read (see error_file)")
    matched: int = Field(description="Rows matched to an elder of the county's register")
    near_misses: int = Field(description="Of those, matched with a wrong check digit corrected")
    not_found: int = Field(description="Rows with an ID number not on the county's register")
    discrepancies: int
    by_kind: list[KindCount] = Field(description="Discrepancies found, by kind")
    errors: list[RowErrorOut] = Field(description="The first rows that could not be read")
    error_file: str | None
    error: dict[str, Any] | None = Field(description="Why the whole file failed, if it did")
    created_by_name: str
    created_at: datetime
    finished_at: datetime | None


class DiscrepancyOut(BaseModel):
    id: str
    roster_id: str
    kind: DiscrepancyKind
    kind_label: str
    elder_id: str
    elder_name: str
    elder_id_number: str = Field(description="Masked")
    elder_status: str
    village_code: str
    row: int | None = Field(description="The roster's row (null: not on the roster at all)")
    data: dict[str, Any] = Field(description="The roster row's values")
    near_miss: bool = Field(description="Matched with the check digit corrected: check the number")
    event_date: date | None
    status: DiscrepancyStatus
    status_label: str
    reason: str
    resolved_by_name: str | None
    resolved_at: datetime | None
    version: int


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["apply", "dismiss"]
    reason: str = Field(default="", max_length=300, description="Required to dismiss")
    date: Day | None = Field(
        default=None,
        description="The day of the change when applied (default: the roster's, else today)",
    )
    version: int | None = None
