from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eldercare.relief.rules import (
    AbilityLevel,
    Hardship,
    HousingGrade,
    IncomeItem,
    PovertyMonitoring,
    Program,
    ReliefPolicy,
    Status,
    SupporterSituation,
)

Money = Decimal
BenefitSource = Literal["civil_affairs_roster", "county_system", "household_survey", "manual"]
CheckReason = Literal["deceased", "moved_out", "not_eligible", "double_benefit"]
EndReason = Literal["deceased", "moved_out", "no_longer_eligible", "declined", "other"]


class ReliefPolicyIn(ReliefPolicy):
    """A new version of the county's relief parameters from ``effective_date`` (default today).

    Send the ETag of ``GET /policies/relief/versions`` (the latest version id, ``"0"`` when
    none) as If-Match, or ``version`` in the body."""

    effective_date: date | None = None
    note: str = Field(default="", max_length=300)
    version: int | None = None


class ReliefPolicyOut(ReliefPolicy):
    county_code: str
    effective_date: date | None = Field(description="null: nothing set yet for this county")
    version_id: int | None
    next_effective_date: date | None = Field(description="A later version already scheduled")


class ReliefPolicyVersionOut(BaseModel):
    version_id: int
    county_code: str
    effective_date: date
    note: str
    created_at: datetime
    created_by: str | None
    settings: ReliefPolicy


class ReliefPolicyVersionsOut(BaseModel):
    county_code: str
    latest_version_id: int | None
    items: list[ReliefPolicyVersionOut]


class SupporterOut(BaseModel):
    """A supporter (赡养人/扶养人) as the 特困 rule reads them: one of the elder's guardians
    (alive; son, daughter, grandchild or spouse). Edit them on the guardian."""

    guardian_id: str
    name: str
    relation: str
    birth_year: int | None
    situation: SupporterSituation | None = Field(description="Working away still counts as able")
    annual_income: Money | None
    assets_within_limit: bool | None
    guardian_version: int


class ReliefFactsIn(BaseModel):
    """The relief inputs as known from ``effective_date`` (default today); the whole record.
    ``null`` means unknown: a criterion needing it stays open, never failed."""

    model_config = ConfigDict(extra="forbid")

    effective_date: date | None = None
    source: str = Field(default="", max_length=200, description="e.g. 2026年入户核查")
    version: int | None = None
    household_size: int | None = Field(
        default=None, ge=1, le=30, description="Members of the 共同生活家庭"
    )
    income: dict[IncomeItem, Money] | None = Field(
        default=None, description="Household income per month by item (yuan)"
    )
    support_declared: Money | None = Field(
        default=None, ge=0, le=1_000_000, description="赡养费 received per month (yuan)"
    )
    deposits_per_capita: Money | None = Field(default=None, ge=0, le=100_000_000)
    owns_vehicle: bool | None = None
    houses: int | None = Field(default=None, ge=0, le=20)
    ability_level: AbilityLevel | None = Field(
        default=None, description="GB/T 42195-2022 老年人能力评估"
    )
    housing_grade: HousingGrade | None = Field(
        default=None, description="House safety appraisal (none: no house)"
    )
    major_illness: bool | None = Field(default=None, description="Locally recognised 重特大疾病")
    medical_costs_12m: Money | None = Field(
        default=None, ge=0, le=100_000_000, description="Out-of-pocket medical costs, 12 months"
    )
    disability_certificate: bool | None = Field(
        default=None, description="Holds a second-generation 残疾人证"
    )
    poverty_monitoring: PovertyMonitoring | None = None
    medical_assistance_enrolled: bool | None = Field(
        default=None,
        description="Already enrolled in medical assistance (已纳入医疗救助); only false makes "
        "a 特困/低保/边缘 elder a medical-assistance gap",
    )
    hardship: Hardship | None = Field(default=None, description="Sudden hardship (临时救助)")
    hardship_date: date | None = None
    clergy_apart: bool | None = Field(
        default=None, description="Clergy living apart in a religious site for 3+ years"
    )
    supporters_complete: bool | None = Field(
        default=None,
        description="The register's guardians with a duty of support (son, daughter, "
        "grandchild, spouse) are all of the elder's supporters; true with none: no supporter",
    )

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"effective_date", "source", "version"})


class HouseholdMember(BaseModel):
    elder_id: str
    name: str


class ReliefFactsOut(ReliefFactsIn):
    supporters: list[SupporterOut] = Field(
        default_factory=list, description="Read from the register's guardians (today)"
    )
    household_members: list[HouseholdMember] = Field(
        default_factory=list,
        description="Other elders of the household: a PUT records the household's facts "
        "(size, income, support, assets, vehicle, houses, housing grade, monitoring) for "
        "them too",
    )
    elder_id: str
    effective_date: date | None = None
    revision: int = Field(description="0: nothing recorded yet")
    created_at: datetime | None
    created_by: str | None


class CriterionOut(BaseModel):
    code: str
    label: str
    passed: bool | None
    detail: str
    value: Any
    source: Literal["relief_facts", "register", "id_number", "benefits", "pre_screening", "policy"]
    as_of: date | None = Field(description="Date of the fact used (or of the evaluation)")


class ProgramOut(BaseModel):
    program: Program
    label: str
    status: Status
    status_label: str
    criteria: list[CriterionOut]
    receiving: bool
    amount: Decimal | None = Field(description="Where the policy sets one (yuan)")
    amount_period: Literal["monthly", "one_off"] | None
    extra: dict[str, Any]


class EligibilityOut(BaseModel):
    elder_id: str
    as_of: date
    notice: str = Field(description="预筛查: advisory, never a decision")
    policy_effective_date: date | None
    policy_version_id: int | None
    facts_effective_date: date | None
    programs: list[ProgramOut]


class BenefitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    program: Program
    start_date: date
    end_date: date | None = None
    monthly_amount: Decimal | None = Field(default=None, ge=0, le=1_000_000)
    source: BenefitSource
    reference: str = Field(default="", max_length=100, description="Roster or certificate no.")
    notes: str = Field(default="", max_length=2000)


class BenefitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    program: Program | None = None
    start_date: date | None = None
    end_date: date | None = None
    monthly_amount: Decimal | None = Field(default=None, ge=0, le=1_000_000)
    source: BenefitSource | None = None
    reference: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class BenefitEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_date: date
    reason: EndReason
    notes: str = Field(default="", max_length=2000)
    version: int | None = None


class BenefitOut(BaseModel):
    id: str
    elder_id: str
    program: Program
    label: str
    start_date: date
    end_date: date | None
    active: bool = Field(description="Paid today")
    monthly_amount: Decimal | None
    source: str
    reference: str
    end_reason: str | None
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int


class ListProgram(BaseModel):
    program: Program
    label: str
    status: Status | None
    amount: Decimal | None
    receiving: bool
    reasons: list[CheckReason] = Field(
        description="Payments to check: deceased, moved out, apparently no longer eligible, "
        "possibly a double benefit"
    )
    note: str = Field(
        default="",
        description="低保 and 特困 (one basic-living program per person): the other one's status",
    )


class ScreeningItem(BaseModel):
    elder_id: str
    name: str
    sex: str
    age: int
    village_code: str
    village_name: str
    address: str
    status: str
    status_date: date | None
    programs: list[ListProgram]
    household_members: list[str] = Field(
        default=[],
        description="Other elders of the household in the same household-program gap (低保, "
        "危房改造): the household is listed once, on one of them",
    )


class MilestoneItem(BaseModel):
    elder_id: str
    name: str
    village_code: str
    village_name: str
    turning: int
    birthday: date
    allowance_start_date: date = Field(description="Under the county's start rule")
    monthly_amount: Decimal | None
    receiving_old_age_allowance: bool


class CoverageRow(BaseModel):
    program: Program
    label: str
    eligible: int
    likely_eligible: int
    unknown: int
    receiving: int
    gaps: int
    to_check: int


class CoverageOut(BaseModel):
    region: str
    as_of: date
    notice: str
    programs: list[CoverageRow]
