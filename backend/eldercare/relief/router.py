from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
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
from eldercare.pagination import Page, PageOut, Paging
from eldercare.regions import service as regions
from eldercare.relief import exports, labels, rules, service
from eldercare.relief.models import Benefit, ReliefFacts
from eldercare.relief.schemas import (
    BenefitEnd,
    BenefitIn,
    BenefitOut,
    BenefitPatch,
    CoverageOut,
    CoverageRow,
    CriterionOut,
    EligibilityOut,
    HouseholdMember,
    ListProgram,
    MilestoneItem,
    ProgramOut,
    ReliefFactsIn,
    ReliefFactsOut,
    ReliefPolicyIn,
    ReliefPolicyOut,
    ReliefPolicyVersionOut,
    ReliefPolicyVersionsOut,
    ScreeningItem,
    SupporterOut,
)
from eldercare.routing import Router
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES

CENT = Decimal("0.01")
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


def _policy_out(county: str, p: service.PolicyInForce) -> ReliefPolicyOut:
    return ReliefPolicyOut(
        **p.policy.model_dump(),
        county_code=county,
        effective_date=p.effective_date,
        version_id=p.version_id,
        next_effective_date=p.next_date,
    )


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
    versions = service.policy_versions(db, county)
    set_etag(response, max((v.id for v in versions), default=0))
    return _policy_out(county, service.policy_for(db, county, on))


@router.get(
    "/policies/relief/versions",
    response_model=ReliefPolicyVersionsOut,
    summary="Every version of the county's relief parameters, newest effective date first",
)
def policy_versions(db: DbSession, ctx: AuthCtx, response: Response) -> ReliefPolicyVersionsOut:
    county = ctx.actor.region_code[:6]
    versions = service.policy_versions(db, county)
    latest = max((v.id for v in versions), default=None)
    set_etag(response, latest or 0)
    return ReliefPolicyVersionsOut(
        county_code=county,
        latest_version_id=latest,
        items=[
            ReliefPolicyVersionOut(
                version_id=v.id,
                county_code=v.county_code,
                effective_date=v.effective_date,
                note=v.note,
                created_at=v.created_at,
                created_by=v.created_by,
                settings=rules.ReliefPolicy.model_validate(v.settings),
            )
            for v in versions
        ],
    )


@router.put(
    "/policies/relief",
    response_model=ReliefPolicyOut,
    summary="A new version of the relief parameters from a date (county officers); "
    "earlier versions are kept",
)
def put_policy(
    db: DbSession, ctx: AuthCtx, body: ReliefPolicyIn, response: Response, if_match: IfMatch = None
) -> ReliefPolicyOut:
    policy = rules.ReliefPolicy.model_validate(
        body.model_dump(exclude={"effective_date", "note", "version"}, exclude_unset=True)
    )
    effective = body.effective_date or today()
    row = service.put_policy(
        db, ctx, policy, effective, expected_version(if_match, body.version), body.note
    )
    set_etag(response, row.id)
    county = row.county_code
    return _policy_out(county, service.policy_for(db, county, effective))


# ----------------------------------------------------------------------------- relief facts


FACT_KEYS = frozenset(ReliefFactsIn.model_fields) - {"effective_date", "source", "version"}


def _supporters(db: Session, elder_id: str) -> list[SupporterOut]:
    return [
        SupporterOut(
            guardian_id=g.id,
            name=g.name,
            relation=g.relation,
            birth_year=g.birth_year,
            situation=g.support_situation,
            annual_income=g.annual_income,
            assets_within_limit=g.assets_within_limit,
            guardian_version=g.version,
        )
        for g in service.supporters_of(db, elder_id)
    ]


def _household(db: Session, elder: Any) -> list[HouseholdMember]:
    return [
        HouseholdMember(elder_id=e.id, name=e.name) for e in service.household_members(db, elder)
    ]


def _facts_out(
    elder_id: str,
    row: ReliefFacts | None,
    supporters: list[SupporterOut] | None = None,
    household: list[HouseholdMember] | None = None,
) -> ReliefFactsOut:
    if row is None:
        return ReliefFactsOut(
            elder_id=elder_id,
            revision=0,
            created_at=None,
            created_by=None,
            supporters=supporters or [],
            household_members=household or [],
        )
    # earlier versions may hold keys no longer taken (the supporters typed in before they
    # came from the guardians): kept as history, not shown
    data = {k: v for k, v in row.data.items() if k in FACT_KEYS}
    return ReliefFactsOut(
        **data,
        supporters=supporters or [],
        household_members=household or [],
        elder_id=elder_id,
        effective_date=row.effective_date,
        source=row.source,
        revision=row.revision,
        version=row.revision,
        created_at=row.created_at,
        created_by=row.created_by,
    )


@router.get(
    "/elders/{elder_id}/relief-facts",
    response_model=ReliefFactsOut,
    summary="The relief inputs in force (income, assets, ability, housing, supporters...)",
)
def get_facts(
    db: DbSession, ctx: AuthCtx, elder_id: str, response: Response, as_of: AsOf = None
) -> ReliefFactsOut:
    elder = elders.get_elder(db, ctx, elder_id)
    set_etag(response, service.latest_revision(db, elder.id))
    row = service.facts_row(db, elder.id, as_of or today())
    return _facts_out(elder.id, row, _supporters(db, elder.id), _household(db, elder))


@router.get(
    "/elders/{elder_id}/relief-facts/versions",
    response_model=list[ReliefFactsOut],
    summary="Every recorded version of the relief inputs, newest effective date first",
)
def facts_versions(db: DbSession, ctx: AuthCtx, elder_id: str) -> list[ReliefFactsOut]:
    elder = elders.get_elder(db, ctx, elder_id)
    return [_facts_out(elder.id, r) for r in service.facts_versions(db, elder.id)]


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
    row = service.put_facts(
        db,
        ctx,
        elder,
        body.data(),
        body.effective_date or today(),
        body.source,
        expected_version(if_match, body.version),
    )
    set_etag(response, row.revision)
    return _facts_out(elder.id, row, _supporters(db, elder.id), _household(db, elder))


# ----------------------------------------------------------------------------- eligibility


@router.get(
    "/elders/{elder_id}/eligibility",
    response_model=EligibilityOut,
    summary="Pre-screening (预筛查) for every program, criterion by criterion; never a decision",
)
def eligibility(db: DbSession, ctx: AuthCtx, elder_id: str, as_of: AsOf = None) -> EligibilityOut:
    elder = elders.get_elder(db, ctx, elder_id)
    ev = service.evaluate_elder(db, ctx, elder, as_of or today())
    lang = ctx.lang
    programs = [
        ProgramOut(
            program=r.program,
            label=labels.program_label(r.program, lang),
            status=r.status,
            status_label=labels.status_label(r.status, lang),
            criteria=[
                CriterionOut(
                    code=c.code,
                    label=labels.criterion_label(c.code, lang),
                    passed=c.passed,
                    detail=labels.detail(c.code, c.passed, c.value, c.params, lang),
                    value=_plain({**c.params, "value": c.value} if c.params else c.value),
                    source=c.source,
                    as_of=c.as_of,
                )
                for c in r.criteria
            ],
            receiving=r.program in ev.receiving,
            amount=r.amount,
            amount_period=r.amount_period if r.amount is not None else None,
            extra=_plain(r.extra),
        )
        for r in ev.results
    ]
    return EligibilityOut(
        elder_id=elder.id,
        as_of=ev.on,
        notice=labels.notice(lang),
        policy_effective_date=ev.policy.effective_date,
        policy_version_id=ev.policy.version_id,
        facts_effective_date=ev.facts.effective_date if ev.facts else None,
        programs=programs,
    )


def _plain(value: Any) -> Any:
    """JSON-friendly values for the free-form ``value`` and ``extra`` fields."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


# ----------------------------------------------------------------------------- benefits


def _benefit_out(b: Benefit, lang: str) -> BenefitOut:
    on = today()
    return BenefitOut(
        id=b.id,
        elder_id=b.elder_id,
        program=b.program,
        label=labels.program_label(b.program, lang),
        start_date=b.start_date,
        end_date=b.end_date,
        active=b.start_date <= on and (b.end_date is None or b.end_date >= on),
        monthly_amount=None if b.monthly_amount is None else b.monthly_amount.quantize(CENT),
        source=b.source,
        reference=b.reference,
        end_reason=b.end_reason,
        notes=b.notes,
        created_at=b.created_at,
        updated_at=b.updated_at,
        version=b.version,
    )


@router.get(
    "/elders/{elder_id}/benefits",
    response_model=list[BenefitOut],
    summary="Programs the elder receives or received, latest start first",
)
def list_benefits(db: DbSession, ctx: AuthCtx, elder_id: str) -> list[BenefitOut]:
    elder = elders.get_elder(db, ctx, elder_id)
    return [_benefit_out(b, ctx.lang) for b in service.list_benefits(db, elder.id)]


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
    b = service.add_benefit(db, ctx, elder, body.model_dump())
    set_etag(response, b.version)
    response.headers["Location"] = f"/api/v1/benefits/{b.id}"
    return _benefit_out(b, ctx.lang)


@router.get("/benefits/{benefit_id}", response_model=BenefitOut, summary="One benefit")
def get_benefit(db: DbSession, ctx: AuthCtx, benefit_id: str, response: Response) -> BenefitOut:
    b, _ = service.get_benefit(db, ctx, benefit_id)
    set_etag(response, b.version)
    return _benefit_out(b, ctx.lang)


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
    b = service.update_benefit(
        db, ctx, benefit_id, changes, expected_version(if_match, body.version)
    )
    set_etag(response, b.version)
    return _benefit_out(b, ctx.lang)


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
    b = service.end_benefit(
        db,
        ctx,
        benefit_id,
        body.end_date,
        body.reason,
        body.notes,
        expected_version(if_match, body.version),
    )
    set_etag(response, b.version)
    return _benefit_out(b, ctx.lang)


# ----------------------------------------------------------------------------- lists


def _items(db: Session, page: Page[Any], lang: str, check: bool) -> list[ScreeningItem]:
    names = elders.village_names(db, {r.village_code for r in page.items})
    on = today()
    member_names = exports.member_names(db, page.items)
    out = []
    for r in page.items:
        progs = []
        for p in rules.PROGRAMS:
            if not r.mask & rules.BIT[p]:
                continue
            short, amount, reasons = r.detail.get(p, ["N", None, []])
            progs.append(
                ListProgram(
                    program=p,
                    label=labels.program_label(p, lang),
                    status=service.LONG.get(short),
                    amount=amount,
                    receiving=bool(r.receiving_mask & rules.BIT[p]),
                    reasons=reasons if check else [],
                    note=exports.note(r, p, lang),
                )
            )
        out.append(
            ScreeningItem(
                elder_id=r.elder_id,
                name=r.name,
                sex=r.sex,
                age=service.age_of(r.birth_date, on),
                village_code=r.village_code,
                village_name=names.get(r.village_code, r.village_code),
                address=r.address,
                status=r.status,
                status_date=r.status_date,
                programs=progs,
                household_members=exports.household_members(r, member_names),
            )
        )
    return out


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
    page = service.gaps(
        db, code, program, limit=paging.limit, cursor=paging.cursor, count=paging.count
    )
    return PageOut(
        items=_items(db, page, ctx.lang, False), next_cursor=page.next_cursor, total=page.total
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
    page = service.payments_to_check(
        db, code, program, limit=paging.limit, cursor=paging.cursor, count=paging.count
    )
    return PageOut(
        items=_items(db, page, ctx.lang, True), next_cursor=page.next_cursor, total=page.total
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
    page = service.milestones_page(
        db,
        code,
        within_days,
        as_of or today(),
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    names = elders.village_names(db, {m.village_code for m in page.items})
    items = [
        MilestoneItem(
            elder_id=m.elder_id,
            name=m.name,
            village_code=m.village_code,
            village_name=names.get(m.village_code, m.village_code),
            turning=m.age,
            birthday=m.birthday,
            allowance_start_date=m.start_date,
            monthly_amount=m.monthly_amount,
            receiving_old_age_allowance=m.receiving,
        )
        for m in page.items
    ]
    return PageOut(items=items, next_cursor=page.next_cursor, total=page.total)


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
    service.bring_up_to_date(db, code)
    return _file("gaps", format, exports.LIST_COLUMNS, exports.list_rows("gaps", code, program))


@router.get(
    "/eligibility/payments-to-check/export",
    summary="The payments to check as a file (one line per elder and program, with the "
    "reasons; ID numbers masked)",
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
    service.bring_up_to_date(db, code)
    rows = exports.list_rows("payments_to_check", code, program)
    return _file("payments-to-check", format, exports.LIST_COLUMNS, rows)


@router.get(
    "/eligibility/age-milestones/export",
    summary="The age milestones as a file (ID numbers masked)",
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
        exports.milestone_rows(code, within_days, as_of or today())
        if program in (None, "old_age_allowance")
        else iter([])
    )
    return _file("age-milestones", format, exports.MILESTONE_COLUMNS, rows)


@router.get(
    "/eligibility/coverage",
    response_model=CoverageOut,
    summary="Per program: eligible, likely eligible, unknown, receiving, gaps, to check",
)
def coverage(db: DbSession, ctx: AuthCtx, region: Region = None) -> CoverageOut:
    code = _region(db, ctx, region)
    data = service.coverage(db, code)
    return CoverageOut(
        region=code,
        as_of=today(),
        notice=labels.notice(ctx.lang),
        programs=[
            CoverageRow(
                program=p,
                label=labels.program_label(p, ctx.lang),
                **asdict(c),
            )
            for p, c in data.items()
        ],
    )
