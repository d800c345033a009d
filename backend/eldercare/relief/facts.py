"""Relief facts: the versions of an elder's relief inputs and recording a new one. The
household's facts are one record for the register's household, written for its other
elders too; every elder concerned is rescreened at once. The version in force on a day is
read by :func:`eldercare.relief.inputs.facts_row`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.clock import today as local_today
from eldercare.concurrency import check_version
from eldercare.context import RequestCtx
from eldercare.elders.models import Elder
from eldercare.errors import FieldError, ValidationFailed
from eldercare.relief.inputs import facts_row
from eldercare.relief.models import ReliefFacts
from eldercare.relief.screening import refresh_elders


def latest_revision(db: Session, elder_id: str) -> int:
    return (
        db.scalar(select(func.max(ReliefFacts.revision)).where(ReliefFacts.elder_id == elder_id))
        or 0
    )


def facts_versions(db: Session, elder_id: str) -> list[ReliefFacts]:
    return list(
        db.scalars(
            select(ReliefFacts)
            .where(ReliefFacts.elder_id == elder_id)
            .order_by(ReliefFacts.effective_date.desc(), ReliefFacts.revision.desc())
        )
    )


def put_facts(
    db: Session,
    ctx: RequestCtx,
    elder: Elder,
    data: dict[str, Any],
    effective: date,
    source: str,
    expected: int,
) -> ReliefFacts:
    if effective > local_today() + timedelta(days=366):
        raise ValidationFailed(errors=[FieldError(["body", "effective_date"], "relief.too_far")])
    hardship = data.get("hardship_date")
    if hardship is not None and date.fromisoformat(hardship) > local_today():
        raise ValidationFailed(errors=[FieldError(["body", "hardship_date"], "relief.future")])
    current = latest_revision(db, elder.id)
    check_version(current, expected)
    row = ReliefFacts(
        elder_id=elder.id,
        effective_date=effective,
        revision=current + 1,
        data=data,
        source=source,
        created_by=ctx.actor.id,
    )
    db.add(row)
    db.flush()
    shared = _share_household_facts(db, ctx, elder, data, effective, source)
    refresh_elders(db, [elder.id, *shared])
    audit.record(
        db,
        ctx,
        "update",
        resource="relief_facts",
        resource_id=elder.id,
        region_code=elder.village_code,
        fields=sorted(k for k, v in data.items() if v is not None),
        detail={
            "effective_date": effective.isoformat(),
            "revision": row.revision,
            "household_elders": shared,
        },
    )
    return row


HOUSEHOLD_FACTS = (
    "household_size",
    "income",
    "support_declared",
    "deposits_per_capita",
    "owns_vehicle",
    "houses",
    "housing_grade",
    "poverty_monitoring",
)
"""Facts of the 共同生活家庭, not of one person: entered once, kept the same for every
elder of the register's household."""


def household_members(db: Session, elder: Elder) -> list[Elder]:
    """The other elders of the elder's household (not merged, not deceased or moved out)."""
    if elder.household_id is None:
        return []
    return list(
        db.scalars(
            select(Elder)
            .where(
                Elder.household_id == elder.household_id,
                Elder.id != elder.id,
                Elder.merged_into_id.is_(None),
                Elder.status.not_in(("deceased", "moved_out")),
            )
            .order_by(Elder.id)
        )
    )


def _share_household_facts(
    db: Session, ctx: RequestCtx, elder: Elder, data: dict[str, Any], effective: date, source: str
) -> list[str]:
    """A new version for each other elder of the household whose household facts differ:
    their own facts kept, the household's taken from ``data``. Returns their ids."""
    shared = []
    household = {k: data.get(k) for k in HOUSEHOLD_FACTS}
    for other in household_members(db, elder):
        current = facts_row(db, other.id, effective)
        mine = dict(current.data) if current else {}
        if current is not None and all(mine.get(k) == v for k, v in household.items()):
            continue
        row = ReliefFacts(
            elder_id=other.id,
            effective_date=effective,
            revision=latest_revision(db, other.id) + 1,
            data={**mine, **household},
            source=source,
            created_by=ctx.actor.id,
        )
        db.add(row)
        db.flush()
        shared.append(other.id)
        audit.record(
            db,
            ctx,
            "update",
            resource="relief_facts",
            resource_id=other.id,
            region_code=other.village_code,
            fields=sorted(k for k, v in household.items() if v is not None),
            detail={
                "effective_date": effective.isoformat(),
                "revision": row.revision,
                "household_of": elder.id,
            },
        )
    return shared
