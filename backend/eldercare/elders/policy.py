"""A county's register policy (the settings rules derive with) and recomputing a county."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.concurrency import check_version
from eldercare.context import RequestCtx
from eldercare.elders import rules
from eldercare.elders.facts import recompute
from eldercare.elders.models import (
    Elder,
    RegisterPolicy,
)
from eldercare.scope import Scope


def get_policy(db: Session, ctx: RequestCtx) -> tuple[rules.RegisterSettings, int]:
    county = ctx.actor.region_code[:6]
    row = db.get(RegisterPolicy, county)
    return (
        (rules.RegisterSettings.model_validate(row.settings), row.version)
        if row
        else (rules.RegisterSettings(), 0)
    )


def put_policy(
    db: Session, ctx: RequestCtx, settings: rules.RegisterSettings, expected: int
) -> tuple[rules.RegisterSettings, int]:
    county = ctx.actor.region_code[:6]
    row = db.get(RegisterPolicy, county)
    check_version(row.version if row else 0, expected)
    if row is None:
        row = RegisterPolicy(county_code=county, settings=settings.model_dump())
        db.add(row)
    else:
        row.settings = settings.model_dump()
    db.flush()
    count = recompute_county(db, county)
    audit.record(
        db,
        ctx,
        "update",
        resource="register_policy",
        resource_id=county,
        region_code=county,
        fields=sorted(settings.model_fields_set),
        detail={"elders_recomputed": count},
    )
    return settings, row.version


def recompute_county(db: Session, county: str, today: date | None = None) -> int:
    """Recompute every active elder of a county (after a policy change, and daily)."""

    n = 0
    for elder in db.scalars(
        select(Elder).where(
            Scope(county).clause(Elder.village_code), Elder.merged_into_id.is_(None)
        )
    ):
        recompute(db, elder, today)
        n += 1
    db.flush()
    return n
