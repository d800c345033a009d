from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, Query

from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.clock import today
from eldercare.db import DbSession
from eldercare.regions import service as regions
from eldercare.relief import labels as relief_labels
from eldercare.relief import service as relief
from eldercare.routing import Router
from eldercare.stats import service
from eldercare.stats.schemas import ReliefCoverage, ReliefProgramCoverage, StatsSummary

router = Router(tags=["statistics"], dependencies=[Depends(auth_ctx)])


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
    county_or_below = region_row.level in ("county", "township", "village")
    found = relief.coverage(db, region_row.code, refresh=county_or_below)
    programs = []
    for program, c in found.items():
        entitled = c.eligible + c.likely_eligible
        programs.append(
            ReliefProgramCoverage(
                program=program,
                label=relief_labels.program_label(program, ctx.lang),
                **asdict(c),
                coverage_rate=round((entitled - c.gaps) / entitled, 4) if entitled else None,
            )
        )
    coverage = ReliefCoverage(
        as_of=today(), notice=relief_labels.notice(ctx.lang), programs=programs
    )
    return StatsSummary(**data, relief=coverage)
