from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.clock import today
from eldercare.concurrency import IfMatch, expected_version, set_etag
from eldercare.context import RequestCtx
from eldercare.db import DbSession
from eldercare.elders import service as elders
from eldercare.labels import headings
from eldercare.pagination import PageOut, Paging
from eldercare.regions import service as regions
from eldercare.relief import (
    benefits,
    exports,
    facts,
    inputs,
    lists,
    policy,
    present,
    rules,
    screening,
)
from eldercare.relief.schemas import (
    BenefitEnd,
    BenefitIn,
    BenefitOut,
    BenefitPatch,
    CoverageOut,
    EligibilityOut,
    MilestoneItem,
    ReliefFactsIn,
    ReliefFactsOut,
    ReliefPolicyIn,
    ReliefPolicyOut,
    ReliefPolicyVersionsOut,
    ScreeningItem,
)
from eldercare.routing import Router
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES

router = Router(tags=["relief"], dependencies=[Depends(auth_ctx)])

Region = Annotated[
    str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$", description="Default: your region")
]
ProgramFilter = Annotated[rules.Program | None, Query(description="One program only")]
AsOf = Annotated[
    date | None, Query(description="Evaluate with the policy and facts of this day (default today)")
]


def _region(db: Session, ctx: RequestCtx, region: str | None) -> str:
    code = region or ctx.actor.region_code
    return regions.get_in_scope(db, ctx.actor.scope, code).code


# ----------------------------------------------------------------------------- policy


@router.get(
    "/policies/relief",
    response_model=ReliefPolicyOut,
    summary="The county's relief parameters in force (ETag: the latest version id)",
)
def get_policy(
    db: DbSession,
    ctx: AuthCtx,
    response: Response,
    on: Annotated[date | None, Query(description="The version in force on this day")] = None,
) -> ReliefPolicyOut:
    county = ctx.actor.region_code[:6]
    versions = policy.policy_versions(db, county)
    set_etag(response, max((v.id for v in versions), default=0))
    return present.policy_out(county, inputs.policy_for(db, county, on))


@router.get(
    "/policies/relief/versions",
    response_model=ReliefPolicyVersionsOut,
    summary="Every version of the county's relief parameters, newest effective date first",
)
def policy_versions(db: DbSession, ctx: AuthCtx, response: Response) -> ReliefPolicyVersionsOut:
    county = ctx.actor.region_code[:6]
    versions = policy.policy_versions(db, county)
    latest = max((v.id for v in versions), default=None)
    set_etag(response, latest or 0)
    return present.policy_versions_out(county, latest, versions)


@router.put(
    "/policies/relief",
    response_model=ReliefPolicyOut,
    summary="A new version of the relief parameters from a date (county officers); "
    "earlier versions are kept",
)
def put_policy(
    db: DbSession, ctx: AuthCtx, body: ReliefPolicyIn, response: Response, if_match: IfMatch = None
) -> ReliefPolicyOut:
    parameters = rules.ReliefPolicy.model_validate(
        body.model_dump(exclude={"effective_date", "note", "version"}, exclude_unset=True)
    )
    effective = body.effective_date or today()
    row = policy.put_policy(
        db, ctx, parameters, effective, expected_version(if_match, body.version), body.note
    )
    set_etag(response, row.id)
    county = row.county_code
    return present.policy_out(county, inputs.policy_for(db, county, effective))


# ----------------------------------------------------------------------------- relief facts


@router.get(
    "/elders/{elder_id}/relief-facts",
    response_model=ReliefFactsOut,
    summary="The relief inputs in force (income, assets, ability, housing, supporters...)",
)
def get_facts(
    db: DbSession, ctx: AuthCtx, elder_id: str, response: Response, as_of: AsOf = None
) -> ReliefFactsOut:
    elder = elders.get_elder(db, ctx, elder_id)
    set_etag(response, facts.latest_revision(db, elder.id))
    row = inputs.facts_row(db, elder.id, as_of or today())
    return present.facts_out(
        elder.id, row, present.supporters_out(db, elder.id), present.household_out(db, elder)
    )


@router.get(
    "/elders/{elder_id}/relief-facts/versions",
    response_model=list[ReliefFactsOut],
    summary="Every recorded version of the relief inputs, newest effective date first",
)
def facts_versions(db: DbSession, ctx: AuthCtx, elder_id: str) -> list[ReliefFactsOut]:
    elder = elders.get_elder(db, ctx, elder_id)
    return [present.facts_out(elder.id, r) for r in facts.facts_versions(db, elder.id)]


@router.put(
    "/elders/{elder_id}/relief-facts",
    response_model=ReliefFactsOut,
    summary="Record the relief inputs from a date (a new version; earlier ones are kept)",
)
def put_facts(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    body: ReliefFactsIn,
    response: Response,
    if_match: IfMatch = None,
) -> ReliefFactsOut:
    elder = elders.get_elder(db, ctx, elder_id, lock=True)
    row = facts.put_facts(
        db,
        ctx,
        elder,
        body.data(),
        body.effective_date or today(),
        body.source,
        expected_version(if_match, body.version),
    )
    set_etag(response, row.revision)
    return present.facts_out(
        elder.id, row, present.supporters_out(db, elder.id), present.household_out(db, elder)
    )


# ----------------------------------------------------------------------------- eligibility


@router.get(
    "/elders/{elder_id}/eligibility",
    response_model=EligibilityOut,
    summary="Pre-screening (预筛查) for every program, criterion by criterion; never a decision",
)
def eligibility(db: DbSession, ctx: AuthCtx, elder_id: str, as_of: AsOf = None) -> EligibilityOut:
    elder = elders.get_elder(db, ctx, elder_id)
    ev = screening.evaluate_elder(db, ctx, elder, as_of or today())
    return present.eligibility_out(elder.id, ev, ctx.lang)


# ----------------------------------------------------------------------------- benefits


@router.get(
    "/elders/{elder_id}/benefits",
    response_model=list[BenefitOut],
    summary="Programs the elder receives or received, latest start first",
)
def list_benefits(db: DbSession, ctx: AuthCtx, elder_id: str) -> list[BenefitOut]:
    elder = elders.get_elder(db, ctx, elder_id)
    return [present.benefit_out(b, ctx.lang) for b in benefits.list_benefits(db, elder.id)]


@router.post(
    "/elders/{elder_id}/benefits",
    response_model=BenefitOut,
    status_code=201,
    summary="Record a benefit received (one period per program at a time)",
)
def add_benefit(
    db: DbSession, ctx: AuthCtx, elder_id: str, body: BenefitIn, response: Response
) -> BenefitOut:
    elder = elders.get_elder(db, ctx, elder_id, lock=True)
    b = benefits.add_benefit(db, ctx, elder, body.model_dump())
    set_etag(response, b.version)
    response.headers["Location"] = f"/api/v1/benefits/{b.id}"
    return present.benefit_out(b, ctx.lang)


@router.get("/benefits/{benefit_id}", response_model=BenefitOut, summary="One benefit")
def get_benefit(db: DbSession, ctx: AuthCtx, benefit_id: str, response: Response) -> BenefitOut:
    b, _ = benefits.get_benefit(db, ctx, benefit_id)
    set_etag(response, b.version)
    return present.benefit_out(b, ctx.lang)


@router.patch("/benefits/{benefit_id}", response_model=BenefitOut, summary="Correct a benefit")
def update_benefit(
    db: DbSession,
    ctx: AuthCtx,
    benefit_id: str,
    body: BenefitPatch,
    response: Response,
    if_match: IfMatch = None,
) -> BenefitOut:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    b = benefits.update_benefit(
        db, ctx, benefit_id, changes, expected_version(if_match, body.version)
    )
    set_etag(response, b.version)
    return present.benefit_out(b, ctx.lang)


@router.post(
    "/benefits/{benefit_id}/end",
    response_model=BenefitOut,
    summary="End a benefit on a date, with the reason (deceased, moved out...)",
)
def end_benefit(
    db: DbSession,
    ctx: AuthCtx,
    benefit_id: str,
    body: BenefitEnd,
    response: Response,
    if_match: IfMatch = None,
) -> BenefitOut:
    b = benefits.end_benefit(
        db,
        ctx,
        benefit_id,
        body.end_date,
        body.reason,
        body.notes,
        expected_version(if_match, body.version),
    )
    set_etag(response, b.version)
    return present.benefit_out(b, ctx.lang)


# ----------------------------------------------------------------------------- lists


@router.get(
    "/eligibility/gaps",
    response_model=PageOut[ScreeningItem],
    summary="应保尽保: elders eligible or likely eligible for a program they do not receive",
)
def gaps(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    region: Region = None,
    program: ProgramFilter = None,
) -> PageOut[ScreeningItem]:
    code = _region(db, ctx, region)
    page = lists.gaps(
        db, code, program, limit=paging.limit, cursor=paging.cursor, count=paging.count
    )
    return PageOut(
        items=present.screening_items(db, page, ctx.lang, False),
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get(
    "/eligibility/payments-to-check",
    response_model=PageOut[ScreeningItem],
    summary="Receiving, but deceased, moved out or apparently no longer eligible",
)
def payments_to_check(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    region: Region = None,
    program: ProgramFilter = None,
) -> PageOut[ScreeningItem]:
    code = _region(db, ctx, region)
    page = lists.payments_to_check(
        db, code, program, limit=paging.limit, cursor=paging.cursor, count=paging.count
    )
    return PageOut(
        items=present.screening_items(db, page, ctx.lang, True),
        next_cursor=page.next_cursor,
        total=page.total,
    )


MilestoneProgram = Annotated[
    rules.Program | None,
    Query(description="Only old_age_allowance has age milestones; others give none"),
]
WithinDays = Annotated[int, Query(ge=1, le=90)]
ExportFormat = Annotated[Literal["csv", "xlsx"], Query(description="CSV (UTF-8 with BOM) or XLSX")]


@router.get(
    "/eligibility/age-milestones",
    response_model=PageOut[MilestoneItem],
    summary="Elders turning 80, 90 or 100 (the county's allowance ages) soon, soonest first",
)
def age_milestones(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    region: Region = None,
    within_days: WithinDays = 60,
    program: MilestoneProgram = None,
    as_of: AsOf = None,
) -> PageOut[MilestoneItem]:
    code = _region(db, ctx, region)
    if program not in (None, "old_age_allowance"):
        return PageOut(items=[], next_cursor=None, total=0 if paging.count else None)
    page = lists.milestones_page(
        db,
        code,
        within_days,
        as_of or today(),
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    items = present.milestone_items(db, page.items)
    return PageOut(items=items, next_cursor=page.next_cursor, total=page.total)


LANG_NOTE = "Headers and words in the request's language (Chinese or English)."


def _file(kind: str, fmt: str, columns: tuple[str, ...], rows: Any) -> StreamingResponse:
    writer = {"csv": sheets.as_csv, "xlsx": sheets.as_xlsx}[fmt]
    name = f"{kind}-{today().isoformat()}.{fmt}"
    return StreamingResponse(
        writer(columns, rows, None),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/eligibility/gaps/export",
    summary="The gap list as a file (one line per elder and program; ID numbers masked)",
    description=LANG_NOTE,
    response_class=StreamingResponse,
)
def export_gaps(
    db: DbSession,
    ctx: AuthCtx,
    format: ExportFormat = "csv",
    region: Region = None,
    program: ProgramFilter = None,
) -> StreamingResponse:
    code = _region(db, ctx, region)
    screening.bring_up_to_date(db, code)
    rows = exports.list_rows("gaps", code, program, ctx.lang)
    return _file("gaps", format, headings(exports.LIST_COLUMNS, ctx.lang), rows)


@router.get(
    "/eligibility/payments-to-check/export",
    summary="The payments to check as a file (one line per elder and program, with the "
    "reasons; ID numbers masked)",
    description=LANG_NOTE,
    response_class=StreamingResponse,
)
def export_payments_to_check(
    db: DbSession,
    ctx: AuthCtx,
    format: ExportFormat = "csv",
    region: Region = None,
    program: ProgramFilter = None,
) -> StreamingResponse:
    code = _region(db, ctx, region)
    screening.bring_up_to_date(db, code)
    rows = exports.list_rows("payments_to_check", code, program, ctx.lang)
    return _file("payments-to-check", format, headings(exports.LIST_COLUMNS, ctx.lang), rows)


@router.get(
    "/eligibility/age-milestones/export",
    summary="The age milestones as a file (ID numbers masked)",
    description=LANG_NOTE,
    response_class=StreamingResponse,
)
def export_age_milestones(
    db: DbSession,
    ctx: AuthCtx,
    format: ExportFormat = "csv",
    region: Region = None,
    within_days: WithinDays = 60,
    program: MilestoneProgram = None,
    as_of: AsOf = None,
) -> StreamingResponse:
    code = _region(db, ctx, region)
    rows = (
        exports.milestone_rows(code, within_days, as_of or today(), ctx.lang)
        if program in (None, "old_age_allowance")
        else iter([])
    )
    head = headings(exports.MILESTONE_COLUMNS, ctx.lang)
    return _file("age-milestones", format, head, rows)


@router.get(
    "/eligibility/coverage",
    response_model=CoverageOut,
    summary="Per program: eligible, likely eligible, unknown, receiving, gaps, to check",
)
def coverage(db: DbSession, ctx: AuthCtx, region: Region = None) -> CoverageOut:
    code = _region(db, ctx, region)
    return present.coverage_out(code, lists.coverage(db, code), ctx.lang)
