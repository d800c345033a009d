from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from eldercare import phones

Kind = Literal[
    "village_cadre",
    "party_member",
    "womens_federation",
    "volunteer",
    "social_worker",
    "village_doctor",
    "elders_association",
    "neighbour",
]
Team = Literal[
    "technology", "home_cleaning", "medical_care", "psychological_comfort", "culture_recreation"
]
Service = Literal[
    "cleaning",
    "laundry",
    "cooking_meals",
    "medicine_delivery",
    "haircut",
    "blood_pressure_glucose",
    "shopping",
    "companionship",
    "legal_aid",
    "repairs",
    "necessities",
    "health_checkup",
    "family_doctor",
    "other",
]
RegionCode = str


def _required_phone(value: str) -> str:
    try:
        canonical = phones.canonical(value)
    except phones.PhoneError:
        canonical = None
    if not canonical:
        raise PydanticCustomError("phone.invalid", "not a phone number")
    return canonical


class VolunteerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(max_length=30)
    kind: Kind
    team: Team | None = None
    region_code: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$")
    max_pairings: int = Field(default=5, ge=1, le=50)
    active: bool = True
    user_id: str | None = Field(default=None, description="A login with the volunteer role")
    notes: str = Field(default="", max_length=2000)

    _phone = field_validator("phone")(classmethod(lambda cls, v: _required_phone(v)))


class VolunteerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    kind: Kind | None = None
    team: Team | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{6}(\d{3}){0,2}$")
    max_pairings: int | None = Field(default=None, ge=1, le=50)
    active: bool | None = None
    user_id: str | None = None
    notes: str | None = Field(default=None, max_length=2000)
    version: int | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return None if v is None else _required_phone(v)


class VolunteerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    phone: str
    kind: Kind
    team: Team | None
    region_code: str
    max_pairings: int
    active: bool
    user_id: str | None
    notes: str
    active_pairings: int = 0
    version: int


class PairingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    elder_id: str
    volunteer_id: str
    is_primary: bool = False
    services: list[Service] = Field(default_factory=list, max_length=14)
    start_date: date | None = None


class PairingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_primary: bool | None = None
    services: list[Service] | None = Field(default=None, max_length=14)
    end_date: date | None = None
    end_reason: str | None = Field(default=None, max_length=300)
    version: int | None = None


class PairingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    elder_id: str
    volunteer_id: str
    is_primary: bool
    services: list[str]
    start_date: date
    end_date: date | None
    end_reason: str = Field(
        description="As written when it was ended; `moved` when the elder moved to a village "
        "the helper does not serve"
    )
    version: int
