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


class FollowUpFigures(BaseModel):
    """Follow-ups (跟进事项), always current."""

    open: int = Field(description="Items not yet closed")
    overdue: int = Field(description="Open items past their due date (escalated to the township)")
    open_hazards: int = Field(description="Open items that are safety hazards")
    resolved_this_month: int = Field(description="Resolved since the first of this month")
    median_days_to_resolve: float | None = Field(
        description="Of those resolved this month: the median days from finding to resolution"
    )
    by_kind: dict[str, int] = Field(description="Open items by kind")


class ServiceCount(BaseModel):
    due: int = Field(description="Plan services (one per elder and service)")
    done_this_month: int = Field(description="Of those, done since the first of this month")
    overdue: int = Field(description="Of those, past their next due date")


class ServiceFigures(ServiceCount):
    """Service plans (服务计划), from the service schedules: always current."""

    by_service: dict[str, ServiceCount] = Field(description="The same per service")


class CareFigures(BaseModel):
    contact_covered: int = Field(
        description="Elders the county's rule for contact with the children covers "
        "(default: left-behind; `/policies/contacts`)"
    )
    contacted_within_rule: int = Field(description="Of those, children contacted within it")
    contact_overdue: int = Field(description="Of those, not (`/care/contacts-overdue`)")
    contact_rate: float | None = Field(description="contacted_within_rule / contact_covered")
    no_one_at_home: int = Field(
        description="Seriously ill or unable to look after themselves, every child away, no "
        "entrusted caretaker (plans 八/九 (二))"
    )
    caretaker_agreement_missing: int = Field(
        description="Left-behind elders without an entrusted caretaker agreement (委托照料协议)"
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
    follow_ups: FollowUpFigures = Field(
        default_factory=lambda: FollowUpFigures(
            open=0,
            overdue=0,
            open_hazards=0,
            resolved_this_month=0,
            median_days_to_resolve=None,
            by_kind={},
        )
    )
    services: ServiceFigures = Field(
        default_factory=lambda: ServiceFigures(due=0, done_this_month=0, overdue=0, by_service={})
    )
    care: CareFigures
    data_quality: DataQuality


class MonthRate(BaseModel):
    month: str = Field(description="YYYY-MM")
    partial: bool = Field(description="The current month, to date (本月截至今日)")
    as_of: date = Field(description="The day whose register the month counts")
    frozen: bool = Field(description="Read from the month's frozen snapshot")
    elders_visited: int
    special_visited: int
    special_difficulty: int = Field(
        description="Special-difficulty elders active at the end of the month (to date)"
    )
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


class MonthVisits(BaseModel):
    special_difficulty: int = Field(description="Special-difficulty elders of the month")
    special_visited: int = Field(description="Of those, visited in the month by the policy's rule")
    monthly_visit_rate: float | None = Field(description="月探访率")
    elders_visited: int = Field(description="Elders visited in the month by the policy's rule")
    coverage_rate: float | None = Field(description="Elders visited over elders")
    visits: int = Field(description="Qualifying visits in the month")
    home_visits: int


class MonthIncidents(BaseModel):
    reported: int = Field(description="Incidents reported in the month")
    acknowledged_on_time: int
    resolved: int
    resolved_on_time: int
    on_time_rate: float | None = Field(description="Resolved on time over reported")
    report_time_known: int
    reported_late: int


class MonthRelief(BaseModel):
    eligible: int
    likely_eligible: int
    receiving: int
    gaps: int
    to_check: int
    coverage_rate: float | None = Field(description="Of the eligible and likely, receiving")


class MonthService(BaseModel):
    planned: int = Field(description="Elders the service plan gives the service at month end")
    due: int = Field(
        description="Of them, due it in the month (never done, or its interval "
        "since the last time before the month ends within the month)"
    )
    served: int = Field(description="Of those due, served in the month (a visit recording it)")
    rate: float | None = Field(description="Served over due")


class MonthServices(BaseModel):
    due: int = Field(description="Elder-services due in the month, all services")
    served: int
    rate: float | None = Field(description="Served over due, all services")
    by_service: dict[str, MonthService] = Field(
        description="Per service of the plan in force at month end"
    )


class MonthContacts(BaseModel):
    covered: int = Field(description="Elders the contact rule covered at month end (联系子女)")
    contacted: int = Field(
        description="Of them, a child the rule counts contacted within its interval by month end"
    )
    contact_rate: float | None = Field(description="Contacted over covered")


class MonthFollowUpKind(BaseModel):
    opened: int = Field(description="Found in the month")
    resolved: int = Field(description="Resolved in the month")
    open_at_end: int = Field(description="Open at month end, by the items' history")
    overdue_at_end: int = Field(description="Open at month end and past their due date")


class MonthFollowUpCounts(MonthFollowUpKind):
    resolve_days: dict[str, int] = Field(
        description="Items resolved in the month by days from finding to resolution (one "
        "decimal): how many took so long"
    )
    median_days_to_resolve: float | None = Field(description="Of the items resolved in the month")


class MonthFollowUps(MonthFollowUpCounts):
    by_category: dict[str, MonthFollowUpCounts] = Field(description="hazard, need, general")
    by_kind: dict[str, MonthFollowUpKind]


class MonthFigures(BaseModel):
    """A region's figures for a month; later kinds of figures are further keys."""

    model_config = {"extra": "allow"}

    elders: int = Field(description="Elders active at the end of the month (to date)")
    left_behind: int
    by_category: dict[str, int]
    by_risk_level: dict[str, int]
    visits: MonthVisits
    incidents: MonthIncidents
    relief: dict[str, MonthRelief] = Field(
        description="Per program, from the pre-screening as stored when the month was computed"
    )
    services: MonthServices | None = Field(
        default=None, description="Due services (none: computed before services were counted)"
    )
    contacts: MonthContacts | None = Field(
        default=None, description="Contact with the children (none: computed before)"
    )
    follow_ups: MonthFollowUps | None = Field(
        default=None, description="Follow-ups (none: computed before)"
    )


class MonthChild(BaseModel):
    code: str
    name: str
    figures: MonthFigures


class MonthStats(BaseModel):
    region: str
    region_name: str
    level: str
    month: str = Field(description="YYYY-MM")
    partial: bool = Field(description="The current month, to date (本月截至今日)")
    as_of: date = Field(description="The day whose register the month counts")
    frozen: bool
    computed_at: datetime
    computed_by_name: str = Field(description="Who computed it (empty: the system)")
    version: int = Field(description="1 when first computed; each recompute adds one")
    figures: MonthFigures
    children: list[MonthChild] = Field(
        description="Townships of a county, villages of a township; counties of larger regions"
    )


class RecomputeIn(BaseModel):
    reason: str = Field(min_length=2, max_length=300, description="Why the frozen month changes")


class MonthRevision(BaseModel):
    version: int
    as_of: date
    figures: MonthFigures
    computed_at: datetime
    computed_by_name: str
    replaced_at: datetime
    replaced_by_name: str
    reason: str


class RecomputeOut(BaseModel):
    month: MonthStats
    previous: MonthRevision | None = Field(description="The values replaced (none: not frozen)")


class ReportColumn(BaseModel):
    key: str
    title: str


class ReportRow(BaseModel):
    code: str
    name: str = Field(description="The region's name; the last row is the total")
    cells: list[int | float | None] = Field(description="One per column; rates are shares")


class ReportSection(BaseModel):
    key: str = Field(
        description="by_category, visits, incidents, relief, services, contacts, follow_ups, "
        "follow_up_hazards, and later ones"
    )
    title: str
    columns: list[ReportColumn]
    rows: list[ReportRow]


class MonthlyReport(BaseModel):
    region: str
    region_name: str
    level: str
    month: str
    partial: bool = Field(description="The current month, to date (本月截至今日)")
    as_of: date
    frozen: bool
    version: int
    computed_at: datetime = Field(description="When the figures were produced")
    computed_by_name: str = Field(description="Who produced them (the system, when frozen)")
    sections: list[ReportSection]


class NotificationsOut(BaseModel):
    """What needs the caller now, counted in the caller's scope."""

    incidents_escalated: int = Field(description="Escalated incidents (to the county)")
    incidents_overdue: int = Field(description="Open incidents past their deadline")
    follow_ups_overdue: int = Field(description="Open follow-ups past their due date")
    needs_helper: int = Field(
        description="Elders who need a helper after a move (the worklist's needs_helper)"
    )
    imports_finished: int = Field(
        description="The caller's imports finished since the bell was last opened"
    )
    total: int
    seen_at: datetime | None = Field(description="When the caller last opened the bell")


class NotificationsSeenOut(BaseModel):
    seen_at: datetime
