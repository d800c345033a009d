"""Elders as the API shows them: masked unless revealed, reasons in the reader's language."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare import identity, phones
from eldercare.clock import today
from eldercare.elders.labels import label, render
from eldercare.elders.models import Elder, Guardian, Household
from eldercare.elders.queries import LIST_COLUMNS
from eldercare.elders.schemas import (
    CategoryOut,
    ElderListItem,
    ElderOut,
    GuardianOut,
    HouseholdOut,
    Warning,
)


def list_row(e: Any, on: date) -> dict[str, Any]:
    """A list row (a row of ``queries.LIST_COLUMNS``, or an Elder), masked, ready for JSON.

    Rows are unpacked by position: attribute access on result rows costs more than the
    rest of building the row.
    """
    if isinstance(e, Elder):
        e = tuple(getattr(e, c.key) for c in LIST_COLUMNS)
    (
        id_,
        name,
        _pinyin,
        sex,
        birth,
        number,
        phone,
        village,
        address,
        living,
        self_care,
        codes,
        left_behind,
        risk,
        _rank,
        status,
        version,
        no_one_at_home,
    ) = e
    return {
        "id": id_,
        "name": name,
        "sex": sex,
        "birth_year": birth.year,
        "age": identity.age_on(birth, on),
        "id_number": identity.mask(number) or "",
        "phone": phones.mask(phone),
        "village_code": village,
        "address": address,
        "living_arrangement": living,
        "self_care": self_care,
        "categories": [c for c in (codes or "").split(",") if c],
        "is_left_behind": bool(left_behind),
        "risk_level": risk,
        "status": status,
        "version": version,
        "no_one_at_home": bool(no_one_at_home),
    }


def list_item(e: Any) -> ElderListItem:
    return ElderListItem.model_validate(list_row(e, today()))


def guardian_out(g: Guardian, revealed: set[str]) -> GuardianOut:
    out = GuardianOut.model_validate(g)
    if "phone" not in revealed:
        out.phone = phones.mask(g.phone)
    return out


def detail(
    db: Session,
    e: Elder,
    lang: str,
    revealed: set[str],
    warnings: list[dict[str, str]] | None = None,
    guardians: list[Guardian] | None = None,
    village_name: str | None = None,
) -> ElderOut:
    household = db.get(Household, e.household_id) if e.household_id else None
    past = getattr(e, "info_household", None)  # an elder as of a past date: its household then
    members: list[dict[str, str]] = []
    if household:
        members = [
            {"id": i, "name": n}
            for i, n in db.execute(
                select(Elder.id, Elder.name).where(
                    Elder.household_id == household.id, Elder.merged_into_id.is_(None)
                )
            )
        ]
    if guardians is None:
        guardians = list(
            db.scalars(
                select(Guardian).where(Guardian.elder_id == e.id).order_by(Guardian.created_at)
            )
        )
    if village_name is None:
        from eldercare.regions.models import Region

        region = db.get(Region, e.village_code)
        village_name = region.name if region else ""
    return ElderOut(
        id=e.id,
        id_number=e.id_number if "id_number" in revealed else identity.mask(e.id_number) or "",
        id_number_original=(
            e.id_number_original if "id_number" in revealed else identity.mask(e.id_number_original)
        ),
        name=e.name,
        name_pinyin=e.name_pinyin,
        sex=e.sex,
        birth_date=e.birth_date if "id_number" in revealed else None,
        birth_year=e.birth_date.year,
        age=identity.age_on(e.birth_date, today()),
        phone=e.phone if "phone" in revealed else phones.mask(e.phone),
        village_code=e.village_code,
        village_name=village_name,
        address=e.address,
        hukou_address=e.hukou_address,
        ethnicity=e.ethnicity,
        marital_status=e.marital_status,
        living_arrangement=e.living_arrangement,
        self_care=e.self_care,
        health_conditions=list(e.health_conditions or []),
        disability_grade=e.disability_grade,
        disability_type=e.disability_type,
        income_sources=list(e.income_sources or []),
        annual_income_per_capita=(
            past["annual_income_per_capita"]
            if past is not None
            else household.annual_income_per_capita
            if household
            else None
        ),
        household=HouseholdOut(
            id=household.id,
            size=household.size,
            annual_income_per_capita=household.annual_income_per_capita,
            address=household.address,
            members=members,
            version=household.version,
        )
        if household
        else None,
        family_doctor_signed=e.family_doctor_signed,
        care_situation=e.care_situation,
        notes=e.notes,
        manual_categories=list(e.manual_categories or []),
        categories=[categories_out(c, lang) for c in e.categories or []],
        is_left_behind=e.is_left_behind,
        left_behind_reason=render(e.left_behind_reason or {}, lang),
        risk_level=e.risk_level,
        risk_reasons=[render(r, lang) for r in e.risk_reasons or []],
        risk_override=e.risk_override,
        no_one_at_home=bool(e.no_one_at_home),
        no_one_at_home_reason=(
            render(e.no_one_at_home_reason, lang) if e.no_one_at_home_reason else None
        ),
        status=e.status,
        status_date=e.status_date,
        status_reason=e.status_reason,
        verified_on=e.verified_on,
        guardians=[guardian_out(g, revealed) for g in guardians],
        revealed=sorted(revealed),
        warnings=[Warning(**w) for w in warnings or []],
        created_at=e.created_at,
        updated_at=e.updated_at,
        version=e.version,
    )


def categories_out(c: dict[str, Any], lang: str) -> CategoryOut:
    return CategoryOut(
        code=c["code"],
        label=label(c["code"], lang),
        reason=render(c["reason"], lang),
        source=c["source"],
    )
