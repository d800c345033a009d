from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from eldercare.relief.schemas import CoverageRow


class VisitFigures(BaseModel):
    special_difficulty: int = Field(description="Special-difficulty elders (the 月探访率 group)")
    special_visited_this_month: int
    monthly_visit_rate: float | None = Field(
        description="月探访率: special-difficulty elders visited this calendar month"
    )
    visited_this_month: int
    visited_last_30_days: int
    last_30_days_rate: float | None = Field(description="Share of elders visited in 30 days")
    overdue: int = Field(description="Elders whose next visit was due before today")
    within_interval_rate: float | None = Field(
        description="Share of elders visited within their interval (not overdue)"
    )


class IncidentFigures(BaseModel):
    open: int
    overdue: int = Field(description="Open incidents past the earliest deadline not yet met")
    by_status: dict[str, int]
    reported_last_12_months: int = Field(description="Incidents reported in the last 365 days")
    report_time_known: int = Field(description="Of those, how many say when it happened")
    reported_late: int = Field(
        description="Of those, reported more than the county's limit (default 24 h) after it"
    )
    timely_report_rate: float | None = Field(
        description="及时报告率: reported in time, of those whose occurrence time is known"
    )


class DataQuality(BaseModel):
    missing_phone: int
    invalid_id_number: int = Field(description="Not 18 characters with a valid check digit")
    id_number_15_digit: int = Field(description="Registered from an old 15-digit number")
    no_guardian: int
    no_primary_helper: int = Field(description="No open pairing with a primary helper")
    never_visited: int
    not_verified: int = Field(
        default=0,
        description="Not confirmed in person (a sweep) within the county's "
        "`verification_months` (register policy, default 12), or never",
    )


class SummaryRow(BaseModel):
    code: str
    name: str
    elders: int = Field(description="Active elders on the register")
    left_behind: int
    by_category: dict[str, int]
    by_age_band: dict[str, int] = Field(description="under_60, 60_69, 70_79, 80_89, 90_plus")
    by_sex: dict[str, int]
    by_sex_age_band: dict[str, int] = Field(
        default_factory=dict,
        description="`<sex>_<age band>` (e.g. `female_80_89`): the age pyramid",
    )
    by_living_arrangement: dict[str, int] = Field(description="`unknown` when not recorded")
    by_risk_level: dict[str, int]
    visits: VisitFigures
    incidents: IncidentFigures
    data_quality: DataQuality


class MonthRate(BaseModel):
    month: str = Field(description="YYYY-MM")
    elders_visited: int
    special_visited: int
    special_difficulty: int = Field(description="Today's special-difficulty elders")
    monthly_visit_rate: float | None


class ReliefProgramCoverage(CoverageRow):
    coverage_rate: float | None = Field(
        description="Of the eligible and likely eligible, the share receiving (应保尽保)"
    )


class ReliefCoverage(BaseModel):
    """Relief coverage per program from the stored pre-screening (预筛查, never a decision)."""

    as_of: date
    notice: str
    programs: list[ReliefProgramCoverage]


class StatsSummary(BaseModel):
    region: str
    region_name: str
    level: str
    computed_at: datetime = Field(
        description="When the figures were computed (the oldest county's, for larger regions)"
    )
    stale_seconds: int = Field(
        description="How old the figures are; at most the configured maximum (default 300) "
        "for a county or below; incidents are always current"
    )
    counties_without_figures: int = Field(
        description="Counties of a prefecture or province not yet rolled up (see `eldercare "
        "stats refresh`)"
    )
    compute_ms: float
    totals: SummaryRow
    children: list[SummaryRow] = Field(description="Townships of a county, villages of a township")
    visit_rate_series: list[MonthRate] = Field(description="The last 12 months, oldest first")
    relief: ReliefCoverage = Field(
        description="Relief coverage per program: eligible, receiving, gaps, payments to check"
    )
