from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.db import DbSession
from eldercare.regions import service as regions
from eldercare.stats import service
from eldercare.stats.schemas import ReliefCoverage, StatsSummary

router = APIRouter(tags=["statistics"], dependencies=[Depends(auth_ctx)])


@router.get(
    "/stats/summary",
    response_model=StatsSummary,
    summary="Counts, visit rates, emergencies and data quality of a region, per child region",
)
def stats_summary(
    db: DbSession,
    ctx: AuthCtx,
    region: Annotated[
        str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$", description="Default: your region")
    ] = None,
) -> StatsSummary:
    region_row = regions.get_in_scope(db, ctx.actor.scope, region or ctx.actor.region_code)
    data = service.summary(db, region_row)
    return StatsSummary(**data, relief=ReliefCoverage(status="pending", programs=[]))
