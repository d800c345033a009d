"""The checks of an elder's ID number and village: parsing, minimum age, duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare import identity
from eldercare.audit import service as audit
from eldercare.context import RequestCtx
from eldercare.elders import rules
from eldercare.elders.models import (
    Elder,
)
from eldercare.errors import Conflict, FieldError, ValidationFailed
from eldercare.i18n import translate
from eldercare.regions.models import Region
from eldercare.roles import Role

PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
        "98",
    }
)


@dataclass
class Checked:
    number: identity.IdNumber
    warnings: list[dict[str, str]]


def check_identity(raw: str, settings: rules.RegisterSettings, lang: str, today: date) -> Checked:
    try:
        number = identity.parse(raw, today)
    except identity.IdNumberError as exc:
        raise ValidationFailed(errors=[FieldError(["body", "id_number"], exc.code)]) from None
    age = identity.age_on(number.birth_date, today)
    if age < settings.min_register_age:
        raise ValidationFailed(
            errors=[
                FieldError(
                    ["body", "id_number"],
                    "id_number.too_young",
                    age=age,
                    min_age=settings.min_register_age,
                )
            ]
        )
    warnings = []
    if number.value[:2] not in PROVINCES:
        code = "id_number.unknown_address_code"
        warnings.append({"code": code, "message": translate(code, lang, address=number.value[:6])})
    return Checked(number, warnings)


def check_duplicate(
    db: Session, ctx: RequestCtx, id_number: str, exclude: str | None = None
) -> None:
    stmt = select(Elder).where(
        Elder.id_number == id_number, Elder.status == "active", Elder.merged_into_id.is_(None)
    )
    if exclude:
        stmt = stmt.where(Elder.id != exclude)
    existing = db.scalar(stmt)
    if existing is None:
        return
    if ctx.actor.role != Role.volunteer and ctx.actor.scope.covers(existing.village_code):
        village = db.get(Region, existing.village_code)
        raise Conflict(
            "elder.duplicate",
            name=existing.name,
            village=village.name if village else "",
            extra={"existing_id": existing.id},
        )
    # Answered without details; the probe itself is audited (and kept though the request fails).
    audit.record(
        db,
        ctx,
        "duplicate_probe",
        resource="elder",
        outcome="failure",
        detail={"id_number": identity.mask(id_number)},
    )
    raise Conflict("elder.duplicate_elsewhere", commit=True)


def check_village(db: Session, ctx: RequestCtx, code: str, loc: str = "village_code") -> Region:
    region = db.get(Region, code) if ctx.actor.scope.covers(code) else None
    if region is None:
        raise ValidationFailed(errors=[FieldError(["body", loc], "region.unknown")])
    if region.level != "village":
        raise ValidationFailed(errors=[FieldError(["body", loc], "elder.not_a_village")])
    return region
