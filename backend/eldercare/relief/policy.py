"""The county's relief policy: its versions, and adding one (never overwriting one), which
rescreens the county at once when it is already in force. The version in force on a day is
read by :func:`eldercare.relief.inputs.policy_for`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.clock import today as local_today
from eldercare.concurrency import check_version
from eldercare.context import RequestCtx
from eldercare.relief import rules
from eldercare.relief.models import ReliefPolicyVersion
from eldercare.relief.screening import refresh_region


def policy_versions(db: Session, county: str) -> list[ReliefPolicyVersion]:
    return list(
        db.scalars(
            select(ReliefPolicyVersion)
            .where(ReliefPolicyVersion.county_code == county)
            .order_by(ReliefPolicyVersion.effective_date.desc(), ReliefPolicyVersion.id.desc())
        )
    )


def put_policy(
    db: Session,
    ctx: RequestCtx,
    policy: rules.ReliefPolicy,
    effective: date,
    expected: int,
    note: str = "",
) -> ReliefPolicyVersion:
    """Add a version (never overwrite one); ``expected`` is the id of the latest version the
    caller saw (0 when there was none), so two officers cannot silently overwrite each other."""
    county = ctx.actor.region_code[:6]
    latest = db.scalar(
        select(func.max(ReliefPolicyVersion.id)).where(ReliefPolicyVersion.county_code == county)
    )
    check_version(latest or 0, expected)
    row = ReliefPolicyVersion(
        county_code=county,
        effective_date=effective,
        settings=policy.model_dump(mode="json"),
        note=note,
        created_by=ctx.actor.id,
    )
    db.add(row)
    db.flush()
    n = refresh_region(db, county) if effective <= local_today() else 0
    audit.record(
        db,
        ctx,
        "update",
        resource="relief_policy",
        resource_id=f"{county}@{effective}#{row.id}",
        region_code=county,
        fields=sorted(policy.model_fields_set),
        detail={"effective_date": effective.isoformat(), "elders_rescreened": n},
    )
    return row
