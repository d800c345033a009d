from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.clock import today
from eldercare.config import get_settings
from eldercare.db import DbSession
from eldercare.errors import FieldError, ValidationFailed
from eldercare.regions import service as regions
from eldercare.regions.models import Region
from eldercare.relief import labels as relief_labels
from eldercare.relief import service as relief
from eldercare.routing import Router
from eldercare.stats import months, notifications, report, service
from eldercare.stats.models import MonthSnapshot
from eldercare.stats.schemas import (
    MonthChild,
    MonthlyReport,
    MonthRevision,
    MonthStats,
    NotificationsOut,
    NotificationsSeenOut,
    RecomputeIn,
    RecomputeOut,
    ReliefCoverage,
    ReliefProgramCoverage,
    StatsSummary,
)

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


# ----------------------------------------------------------------------------- months

Month = Annotated[str, Path(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
RegionQuery = Annotated[
    str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$", description="Default: your region")
]


def _month(value: str) -> date:
    first = months.parse_month(value)
    if months.is_future(first):
        raise ValidationFailed(errors=[FieldError(["path", "month"], "month.future")])
    return first


def _names(db: Session, data: dict[str, Any]) -> dict[str, str]:
    codes = [c["code"] for c in data["children"]]
    found = db.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in found}


def _month_stats(db: Session, data: dict[str, Any]) -> MonthStats:
    names = _names(db, data)
    children = [
        MonthChild(code=c["code"], name=names.get(c["code"], c["code"]), figures=c["figures"])
        for c in data["children"]
    ]
    return MonthStats(**{**data, "children": children})


@router.get(
    "/stats/months/{month}",
    response_model=MonthStats,
    summary="A region's figures for a month, against the register as it stood then "
    "(frozen months from their snapshot; the current month to date)",
)
def month_stats(
    db: DbSession, ctx: AuthCtx, month: Month, region: RegionQuery = None
) -> MonthStats:
    region_row = regions.get_in_scope(db, ctx.actor.scope, region or ctx.actor.region_code)
    return _month_stats(db, months.month_of(db, region_row, _month(month)))


@router.post(
    "/stats/months/{month}/recompute",
    response_model=RecomputeOut,
    summary="Recompute a county's month (a frozen one keeps its previous values; audited)",
)
def recompute_month(
    db: DbSession, ctx: AuthCtx, month: Month, body: RecomputeIn, region: RegionQuery = None
) -> RecomputeOut:
    code = region or ctx.actor.region_code
    region_row = regions.get_in_scope(db, ctx.actor.scope, code)
    if region_row.level != "county":
        raise ValidationFailed(errors=[FieldError(["query", "region"], "month.county_only")])
    first = _month(month)
    key = months.month_key(first)
    before = db.get(MonthSnapshot, (region_row.code, key))
    was = (before.version, before.frozen) if before is not None else (0, False)
    months.compute(db, region_row.code, first, ctx=ctx, reason=body.reason.strip())
    audit.record(
        db,
        ctx,
        "recompute",
        resource="month_snapshot",
        resource_id=f"{region_row.code}:{key}",
        region_code=region_row.code,
        detail={
            "month": key,
            "reason": body.reason.strip(),
            "previous_version": was[0],
            "was_frozen": was[1],
        },
    )
    db.flush()
    previous = None
    if was[1]:
        found = months.revisions(db, region_row.code, key)
        if found:
            r = found[0]
            previous = MonthRevision(
                version=r.version,
                as_of=r.as_of,
                figures=r.figures,
                computed_at=r.computed_at,
                computed_by_name=r.computed_by_name,
                replaced_at=r.replaced_at,
                replaced_by_name=r.replaced_by_name,
                reason=r.reason,
            )
    data = months.month_of(db, region_row, first)
    return RecomputeOut(month=_month_stats(db, data), previous=previous)


def _report(db: Session, ctx: AuthCtx, region: str | None, month: str) -> dict[str, Any]:
    region_row = regions.get_in_scope(db, ctx.actor.scope, region or ctx.actor.region_code)
    if region_row.level not in ("county", "township"):
        raise ValidationFailed(errors=[FieldError(["query", "region"], "month.report_level")])
    data = months.month_of(db, region_row, _month(month))
    return report.build(data, _names(db, data), ctx.lang)


MonthQuery = Annotated[str, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


@router.get(
    "/stats/monthly-report",
    response_model=MonthlyReport,
    summary="The monthly report (月报表) of a township or county: one table per heading",
)
def monthly_report(
    db: DbSession, ctx: AuthCtx, month: MonthQuery, region: RegionQuery = None
) -> MonthlyReport:
    return MonthlyReport(**_report(db, ctx, region, month))


@router.get(
    "/stats/monthly-report.xlsx",
    summary="The monthly report as XLSX (a sheet per table, headers in Chinese by default)",
    response_class=StreamingResponse,
)
def monthly_report_xlsx(
    db: DbSession, ctx: AuthCtx, month: MonthQuery, region: RegionQuery = None
) -> StreamingResponse:
    data = _report(db, ctx, region, month)
    name = f"monthly-report-{data['region']}-{data['month']}.xlsx"
    return StreamingResponse(
        report.xlsx(data, ctx.lang, get_settings().tz),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/notifications",
    response_model=NotificationsOut,
    tags=["notifications"],
    summary="What needs the caller now: counts for the bell and the menu badges",
)
def get_notifications(db: DbSession, ctx: AuthCtx) -> NotificationsOut:
    c = notifications.counts(db, ctx)
    return NotificationsOut(
        incidents_escalated=c.incidents_escalated,
        incidents_overdue=c.incidents_overdue,
        follow_ups_overdue=c.follow_ups_overdue,
        needs_helper=c.needs_helper,
        imports_finished=c.imports_finished,
        total=c.total,
        seen_at=c.seen_at,
    )


@router.post(
    "/notifications/seen",
    response_model=NotificationsSeenOut,
    tags=["notifications"],
    summary="The caller opened the bell: imports finished until now are no longer new",
)
def notifications_seen(db: DbSession, ctx: AuthCtx) -> NotificationsSeenOut:
    return NotificationsSeenOut(seen_at=notifications.mark_seen(db, ctx))
