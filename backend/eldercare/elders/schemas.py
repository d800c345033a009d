from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from eldercare import phones

LivingArrangement = Literal[
    "alone", "with_spouse", "with_children", "with_grandchildren", "with_others", "in_institution"
]
SelfCare = Literal["independent", "partly_dependent", "dependent"]
HealthCondition = Literal[
    "hypertension",
    "severe_hypertension",
    "heart_disease",
    "diabetes",
    "stroke",
    "dementia",
    "cancer",
    "copd",
    "severe_mental_illness",
    "arthritis",
    "vision_hearing_loss",
    "other",
]
DisabilityType = Literal[
    "vision", "hearing", "speech", "physical", "intellectual", "mental", "multiple"
]
IncomeSource = Literal[
    "pension",
    "children_support",
    "farming",
    "wages",
    "business",
    "rent",
    "low_income_allowance",
    "extreme_poverty_support",
    "subsidies",
    "other",
]
MaritalStatus = Literal["unmarried", "married", "widowed", "divorced"]
ManualCategory = Literal[
    "extreme_poverty",
    "low_income",
    "registered_poor",
    "family_planning_special",
    "left_behind",
    "empty_nest",
    "living_alone",
    "disabled",
    "severe_disability",
]
Status = Literal["active", "moved_out", "deceased", "not_left_behind"]
RiskLevel = Literal["high", "key", "general"]
Relation = Literal[
    "son",
    "daughter",
    "son_in_law",
    "daughter_in_law",
    "spouse",
    "grandchild",
    "sibling",
    "relative",
    "neighbour",
    "other",
]
AwayScope = Literal["local", "in_township", "in_county", "outside_county", "outside_province"]
RegionCode = Annotated[str, Field(pattern=r"^\d{12}$")]
# The provincial-level divisions of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao).
PROVINCE_CODES = frozenset(
    str(code)
    for code in (
        *(11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46),
        *(50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82),
    )
)
WORK_REGION_PATTERN = r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$"
WORK_REGION_DOC = (
    "Where the child works, as a region code: province (`44`), prefecture (`4403`), county "
    "(`440305`), township or village; zero-padded forms (`440300`, `440000`) are taken and "
    "stored short. It decides `away_scope` against the elder's village whenever it can."
)
AWAY_SCOPE_DOC = (
    "How far away the child lives or works. Derived from `work_region_code` when that "
    "decides it (a value given here is then replaced); otherwise as given (e.g. a child "
    "somewhere in the elder's own prefecture, or with no region recorded)."
)


def _work_region(value: str | None) -> str | None:
    """The canonical prefix of a region code (trailing zero groups dropped), or an error."""
    if value is None:
        return None
    code = value
    while len(code) > 2:
        cut = 3 if len(code) > 6 else 2
        if code[-cut:].strip("0"):
            break
        code = code[:-cut]
    if code[:2] not in PROVINCE_CODES:
        raise PydanticCustomError("region.unknown", "unknown region code")
    return code


# A supporter's situation as the 特困 rule reads it (《特困人员认定办法》; working away still
# counts as able)
SupportSituation = Literal[
    "able",
    "extreme_poverty",
    "minimum_living",
    "severely_disabled",
    "no_civil_capacity",
    "missing",
    "in_prison",
]
BirthYear = Annotated[int, Field(ge=1900, le=2100)]
Income = Annotated[Decimal, Field(ge=0, le=100_000_000)]


def _phone(value: str | None) -> str | None:
    try:
        return phones.canonical(value)
    except phones.PhoneError:
        raise PydanticCustomError("phone.invalid", "not a phone number") from None


class ManualCategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: ManualCategory
    reason: str = Field(min_length=1, max_length=200)


class GuardianFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, max_length=30)
    alive: bool = True
    work_location: str = Field(default="", max_length=200)
    work_region_code: str | None = Field(
        default=None, pattern=WORK_REGION_PATTERN, description=WORK_REGION_DOC
    )
    away_scope: AwayScope | None = Field(default=None, description=AWAY_SCOPE_DOC)
    away_since: date | None = None
    can_support: bool | None = None
    last_contact_date: date | None = None
    is_entrusted_caretaker: bool = False
    agreement_date: date | None = None
    notes: str = Field(default="", max_length=2000)
    birth_year: BirthYear | None = None
    support_situation: SupportSituation | None = Field(
        default=None, description="For relief pre-screening (特困: a supporter able to pay?)"
    )
    annual_income: Income | None = Field(default=None, description="Own income, yuan a year")
    assets_within_limit: bool | None = None

    _canonical_phone = field_validator("phone")(classmethod(lambda cls, v: _phone(v)))
    _canonical_region = field_validator("work_region_code")(
        classmethod(lambda cls, v: _work_region(v))
    )


class GuardianIn(GuardianFields):
    name: str = Field(min_length=1, max_length=50)
    relation: Relation


class GuardianPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=50)
    relation: Relation | None = None
    phone: str | None = Field(default=None, max_length=30)
    alive: bool | None = None
    work_location: str | None = Field(default=None, max_length=200)
    work_region_code: str | None = Field(
        default=None, pattern=WORK_REGION_PATTERN, description=WORK_REGION_DOC
    )
    away_scope: AwayScope | None = Field(default=None, description=AWAY_SCOPE_DOC)
    away_since: date | None = None
    can_support: bool | None = None
    last_contact_date: date | None = None
    is_entrusted_caretaker: bool | None = None
    agreement_date: date | None = None
    notes: str | None = Field(default=None, max_length=2000)
    birth_year: BirthYear | None = None
    support_situation: SupportSituation | None = None
    annual_income: Income | None = None
    assets_within_limit: bool | None = None
    version: int | None = None

    _canonical_phone = field_validator("phone")(classmethod(lambda cls, v: _phone(v)))
    _canonical_region = field_validator("work_region_code")(
        classmethod(lambda cls, v: _work_region(v))
    )


class GuardianOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    elder_id: str
    name: str
    relation: Relation
    phone: str | None
    alive: bool
    work_location: str
    work_region_code: str | None = Field(description=WORK_REGION_DOC)
    away_scope: AwayScope | None = Field(description=AWAY_SCOPE_DOC)
    away_since: date | None
    can_support: bool | None
    last_contact_date: date | None
    is_entrusted_caretaker: bool
    agreement_date: date | None
    notes: str
    birth_year: int | None = None
    support_situation: SupportSituation | None = None
    annual_income: Decimal | None = None
    assets_within_limit: bool | None = None
    version: int


class ElderFields(BaseModel):
    """Fields an elder is created or changed with (birth date and sex come from the ID number)."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, max_length=30)
    household_id: str | None = None
    household_size: int | None = Field(default=None, ge=1, le=30)
    annual_income_per_capita: Decimal | None = Field(default=None, ge=0, le=10_000_000)
    address: str = Field(default="", max_length=200)
    hukou_address: str = Field(default="", max_length=200)
    ethnicity: str | None = Field(default=None, max_length=20)
    marital_status: MaritalStatus | None = None
    living_arrangement: LivingArrangement | None = None
    self_care: SelfCare | None = None
    health_conditions: list[HealthCondition] = Field(default_factory=list, max_length=20)
    disability_grade: int | None = Field(default=None, ge=1, le=4)
    disability_type: DisabilityType | None = None
    income_sources: list[IncomeSource] = Field(default_factory=list, max_length=20)
    family_doctor_signed: bool | None = None
    care_situation: str = Field(default="", max_length=2000)
    notes: str = Field(default="", max_length=2000)
    manual_categories: list[ManualCategoryIn] = Field(default_factory=list, max_length=11)

    _canonical_phone = field_validator("phone")(classmethod(lambda cls, v: _phone(v)))


class ElderCreate(ElderFields):
    id_number: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=50)
    village_code: RegionCode
    guardians: list[GuardianIn] = Field(default_factory=list, max_length=20)


class ElderPatch(BaseModel):
    """JSON merge patch: absent fields stay, ``null`` clears what may be empty."""

    model_config = ConfigDict(extra="forbid")

    id_number: str | None = Field(default=None, min_length=1, max_length=30)
    name: str | None = Field(default=None, min_length=1, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    household_id: str | None = None
    household_size: int | None = Field(default=None, ge=1, le=30)
    annual_income_per_capita: Decimal | None = Field(default=None, ge=0, le=10_000_000)
    address: str | None = Field(default=None, max_length=200)
    hukou_address: str | None = Field(default=None, max_length=200)
    ethnicity: str | None = Field(default=None, max_length=20)
    marital_status: MaritalStatus | None = None
    living_arrangement: LivingArrangement | None = None
    self_care: SelfCare | None = None
    health_conditions: list[HealthCondition] | None = Field(default=None, max_length=20)
    disability_grade: int | None = Field(default=None, ge=1, le=4)
    disability_type: DisabilityType | None = None
    income_sources: list[IncomeSource] | None = Field(default=None, max_length=20)
    family_doctor_signed: bool | None = None
    care_situation: str | None = Field(default=None, max_length=2000)
    notes: str | None = Field(default=None, max_length=2000)
    manual_categories: list[ManualCategoryIn] | None = Field(default=None, max_length=11)
    version: int | None = Field(default=None, description="Instead of If-Match")

    _canonical_phone = field_validator("phone")(classmethod(lambda cls, v: _phone(v)))


class CategoryOut(BaseModel):
    code: str
    label: str
    reason: str
    source: Literal["derived", "manual"]


class HouseholdOut(BaseModel):
    id: str
    size: int | None
    annual_income_per_capita: Decimal | None
    address: str
    members: list[dict[str, str]]
    version: int


class Warning(BaseModel):
    code: str
    message: str


class ElderOut(BaseModel):
    id: str
    id_number: str
    id_number_original: str | None
    name: str
    name_pinyin: str
    sex: Literal["male", "female"]
    birth_date: date | None = Field(
        description="Only with the ID number revealed (with the county it rebuilds a masked number)"
    )
    birth_year: int
    age: int
    phone: str | None
    village_code: str
    village_name: str
    address: str
    hukou_address: str
    ethnicity: str | None
    marital_status: str | None
    living_arrangement: str | None
    self_care: str | None
    health_conditions: list[str]
    disability_grade: int | None
    disability_type: str | None
    income_sources: list[str]
    annual_income_per_capita: Decimal | None
    household: HouseholdOut | None
    family_doctor_signed: bool | None
    care_situation: str
    notes: str
    manual_categories: list[dict[str, Any]]
    categories: list[CategoryOut]
    is_left_behind: bool
    left_behind_reason: str
    risk_level: RiskLevel
    risk_reasons: list[str]
    risk_override: dict[str, Any] | None
    no_one_at_home: bool = Field(
        description="Seriously ill or unable to look after themselves, every child (supporter) "
        "away and no entrusted caretaker (plans 八/九 (二)); raises the risk tier to high"
    )
    no_one_at_home_reason: str | None = Field(description="Why, in the reader's language")
    status: Status
    status_date: date | None
    status_reason: str
    verified_on: date | None = Field(
        default=None, description="The day a worker last confirmed the record (a sweep)"
    )
    guardians: list[GuardianOut]
    revealed: list[str] = Field(description="Fields shown in full (the reveal was audited)")
    warnings: list[Warning] = []
    created_at: datetime
    updated_at: datetime
    version: int


class ElderListItem(BaseModel):
    id: str
    name: str
    sex: str
    birth_year: int
    age: int
    id_number: str
    phone: str | None
    village_code: str
    address: str
    living_arrangement: str | None
    self_care: str | None
    categories: list[str]
    is_left_behind: bool
    risk_level: RiskLevel
    status: Status
    version: int
    no_one_at_home: bool


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    date: date
    reason: str = Field(min_length=1, max_length=300)
    version: int | None = None


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    village_code: RegionCode
    reason: str = Field(min_length=1, max_length=300)
    address: str | None = Field(default=None, max_length=200)
    version: int | None = None


class RiskOverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: RiskLevel | None = Field(description="null removes the override")
    reason: str = Field(min_length=2, max_length=300)
    version: int | None = None


class ChangeInWords(BaseModel):
    field: str
    field_label: str
    old: str
    new: str


class ChangeOut(BaseModel):
    id: str
    entity: str
    entity_id: str
    action: str
    changes: dict[str, list[Any]]
    entity_label: str = ""
    changes_in_words: list[ChangeInWords] = Field(
        default_factory=list,
        description="The changes with field names and values in words (the caller's language)",
    )
    changed_at: datetime
    actor_id: str | None
    actor_name: str | None
    reason: str


class DuplicatePair(BaseModel):
    a: ElderListItem
    b: ElderListItem
    reasons: list[str]
    score: float


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    survivor_id: str
    merged_id: str
    take_from_merged: list[str] = Field(
        default_factory=list,
        description=(
            "Fields whose value comes from the merged record. An empty value never replaces "
            "a filled one (422 elder.merge_would_erase): list such a field in clear_fields instead"
        ),
    )
    clear_fields: list[str] = Field(
        default_factory=list,
        description="Fields emptied on the record kept: an explicit choice, undone with the merge",
    )
    reason: str = Field(min_length=2, max_length=300)


class RevealedIdNumber(BaseModel):
    id: str
    name: str
    id_number: str


class MergeOut(BaseModel):
    id: str
    survivor_id: str
    merged_id: str
    merged_at: datetime
    undone_at: datetime | None


class MergeListItem(MergeOut):
    """A past merge, with both records' names and villages (two records of one name are
    told apart by their villages)."""

    survivor_name: str
    merged_name: str
    village_code: str = Field(description="The survivor's village")
    merged_village_code: str = Field(description="The merged record's village")


# ----------------------------------------------------------------------- contacts (联系子女)

ContactMethod = Literal["phone", "video", "sms", "wechat", "visit_in_person", "other"]
ContactSource = Literal["manual", "visit", "incident"]


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guardian_id: str = Field(max_length=32, description="One of the elder's guardians")
    contacted_at: datetime | None = Field(
        default=None, description="When (default now; without an offset: local time)"
    )
    method: ContactMethod
    note: str = Field(default="", max_length=2000)


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    elder_id: str
    guardian_id: str
    guardian_name: str = Field(description="As when contacted (kept if the guardian is removed)")
    guardian_relation: Relation
    contacted_at: datetime
    method: ContactMethod
    contacted_by: str = Field(description="Who made the contact: the account's or helper's name")
    user_id: str | None = Field(description="The account that made the contact")
    volunteer_id: str | None = Field(description="The helper that made it (on a visit)")
    note: str
    source: ContactSource = Field(
        description="manual: typed in; visit: a visit that reached the guardian; incident: an "
        "emergency's notification of the children"
    )
    source_id: str | None = Field(description="The visit or incident")
    created_at: datetime


class ContactOverdueItem(BaseModel):
    elder_id: str
    name: str
    village_code: str
    village_name: str
    address: str
    phone: str | None = Field(description="Masked")
    risk_level: RiskLevel
    categories: list[str]
    no_one_at_home: bool
    last_contact_date: date | None = Field(
        description="The latest contact with a child the rule counts; null: never"
    )
    days_since_contact: int | None = Field(description="null: never contacted")
