from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Day = date  # a field below is named `date`

Period = Literal["spring", "autumn", "special"]
SweepStatus = Literal["open", "closed"]


class SweepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["2027年春季摸底排查"])
    region_code: str | None = Field(
        default=None,
        pattern=r"^\d{6}(\d{3}){0,2}$",
        description="The region swept (default: your own)",
    )
    period: Period = Field(description="spring (March), autumn (September), or special")
    starts_on: date
    ends_on: date | None = None


class ProgressRow(BaseModel):
    code: str
    name: str
    confirmed: int = Field(description="Active elders confirmed, every answer right")
    with_issues: int = Field(description="Checked, something not right (recorded)")
    total: int = Field(description="Active elders of the region now")
    rate: float | None = Field(description="confirmed / total")


class SweepOut(BaseModel):
    id: str
    name: str
    region_code: str
    region_name: str
    period: Period
    period_label: str
    starts_on: date
    ends_on: date | None
    status: SweepStatus
    status_label: str
    created_by_name: str
    created_at: datetime
    closed_at: datetime | None
    closed_by_name: str | None
    progress: ProgressRow | None = Field(
        default=None, description="Of the part of the region you see (get: always)"
    )
    children: list[ProgressRow] = Field(
        default_factory=list, description="By child region of the part you see (get only)"
    )
    version: int


class Checklist(BaseModel):
    model_config = ConfigDict(extra="forbid")

    living_here: bool = Field(description="Still living here (在村居住)")
    contacts_right: bool = Field(description="Phone numbers and contacts right")
    children_right: bool = Field(description="Children's whereabouts right (子女外出情况)")
    categories_right: bool = Field(description="Categories right (特困、低保、残疾…)")


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checklist: Checklist
    note: str = Field(
        default="", max_length=1000, description="Required when something is not right"
    )
    date: Day | None = Field(default=None, description="The day of the visit (default today)")


class ConfirmationOut(BaseModel):
    sweep_id: str
    elder_id: str
    village_code: str
    confirmed_on: date
    all_right: bool
    checklist: Checklist
    note: str
    confirmed_by_name: str
    confirmed_at: datetime
    verified_on: date | None = Field(description="The elder's, after this confirmation")


class PendingElder(BaseModel):
    id: str
    name: str
    id_number: str = Field(description="Masked")
    village_code: str
    village_name: str
    address: str
    verified_on: date | None
    checked_with_issues: bool = Field(description="Checked in this sweep, something not right")
    version: int
