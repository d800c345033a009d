from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from eldercare import clock, phones
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.clock import aware, today
from eldercare.concurrency import IfMatch, expected_version, set_etag
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import DbSession, session_factory, utcnow
from eldercare.elders import service as elders
from eldercare.elders.labels import label, render
from eldercare.errors import Conflict
from eldercare.i18n import translate
from eldercare.labels import headings, value_words
from eldercare.labels import label as words
from eldercare.pagination import PageOut, Paging, keyset
from eldercare.regions import service as regions
from eldercare.regions.models import Region
from eldercare.routing import Router
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES
from eldercare.visits import hooks, rates, schedule, service, services
from eldercare.visits.models import Visit
from eldercare.visits.rules import VisitPolicy
from eldercare.visits.schemas import (
    EventIn,
    Findings,
    HelperActivity,
    Method,
    Prompt,
    RateRow,
    ServiceDue,
    ServiceRate,
    ServiceRateRow,
    ServiceRatesOut,
    ServiceWorklistItem,
    VisitChangeOut,
    VisitFollowUp,
    VisitIn,
    VisitOut,
    VisitPatch,
    VisitPolicyIn,
    VisitPolicyOut,
    VisitRatesOut,
    WorklistFollowUp,
    WorklistItem,
    WorklistOut,
)

router = Router(tags=["visits"], dependencies=[Depends(auth_ctx)])


class _Windows:
    """Each county's correction window, read once per request."""

    def __init__(
        self, db: DbSession, ctx: AuthCtx, found: dict[str, timedelta] | None = None
    ) -> None:
        self.db, self.ctx = db, ctx
        self.found: dict[str, timedelta] = found if found is not None else {}

    def __call__(self, v: Visit) -> tuple[datetime, bool]:
        county = v.village_code[:6]
        window = self.found.get(county)
        if window is None:
            window = self.found[county] = service.correction_window(self.db, v)
        until = v.created_at + window
        return until, clock.now() <= until and service.may_correct_role(self.ctx, v)


def _out(v: Visit, lang: str, windows: _Windows | None = None) -> VisitOut:
    findings = Findings.model_validate(v.findings or {})
    prompt = None
    if findings.danger == "severe" or {"abuse", "wandering"} & set(v.safety_risks or []):
        prompt = Prompt(
            code="visit.report_emergency",
            message=translate("visit.report_emergency", lang),
            incident_type="abuse" if "abuse" in (v.safety_risks or []) else "other",
        )
    return VisitOut(
        id=v.id,
        elder_id=v.elder_id,
        village_code=v.village_code,
        volunteer_id=v.volunteer_id,
        user_id=v.user_id,
        author_id=v.author_id,
        visited_at=v.visited_at,
        method=v.method,
        findings=findings,
        safety_risks=list(v.safety_risks or []),
        needs=list(v.needs or []),
        services=list(v.services or []),
        guardian_contacted=v.guardian_contacted,
        follow_up=v.follow_up,
        notes=v.notes,
        created_at=v.created_at,
        version=v.version,
        prompt=prompt,
        correctable_until=windows(v)[0] if windows else None,
        can_correct=windows(v)[1] if windows else False,
    )


@router.get("/visits", response_model=PageOut[VisitOut], summary="Visits, newest first")
def list_visits(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    elder_id: str | None = None,
    volunteer_id: str | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
    method: Method | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> PageOut[VisitOut]:
    page = service.list_visits(
        db,
        ctx,
        elder_id=elder_id,
        volunteer_id=volunteer_id,
        region=region,
        method=method,
        since=aware(since),
        until=aware(until),
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    windows = _Windows(db, ctx)
    return PageOut(
        items=[_out(v, ctx.lang, windows) for v in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.post("/visits", response_model=VisitOut, status_code=201, summary="Log a visit or a call")
def log_visit(db: DbSession, ctx: AuthCtx, body: VisitIn, response: Response) -> VisitOut:
    windows: dict[str, timedelta] = {}
    visit = service.log_visit(db, ctx, body, windows)
    set_etag(response, visit.version)
    response.headers["Location"] = f"/api/v1/visits/{visit.id}"
    return _out(visit, ctx.lang, _Windows(db, ctx, windows))


@router.get(
    "/visits/{visit_id}",
    response_model=VisitOut,
    summary="One visit, with everything recorded and the follow-ups it opened",
)
def get_visit(db: DbSession, ctx: AuthCtx, visit_id: str, response: Response) -> VisitOut:
    visit = service.get_visit(db, ctx, visit_id)
    set_etag(response, visit.version)
    out = _out(visit, ctx.lang, _Windows(db, ctx))
    out.follow_ups = [VisitFollowUp.model_validate(f) for f in hooks.opened_by_visit(db, visit.id)]
    return out


@router.get(
    "/visits/{visit_id}/history",
    response_model=list[VisitChangeOut],
    summary="A visit's corrections, newest first",
)
def visit_history(db: DbSession, ctx: AuthCtx, visit_id: str) -> list[VisitChangeOut]:
    return [
        VisitChangeOut(
            id=c.id,
            changed_at=c.changed_at,
            actor_id=c.actor_id,
            actor_name=c.actor_name,
            reason=c.reason,
            version=c.version,
            changes=c.changes,
        )
        for c in service.history(db, ctx, visit_id)
    ]


@router.patch(
    "/visits/{visit_id}",
    response_model=VisitOut,
    summary="Correct a visit (its author or a township or county officer, within the "
    "county's correction window; kept in its history)",
)
def update_visit(
    db: DbSession,
    ctx: AuthCtx,
    visit_id: str,
    body: VisitPatch,
    response: Response,
    if_match: IfMatch = None,
) -> VisitOut:
    visit = service.update_visit(db, ctx, visit_id, body, expected_version(if_match, body.version))
    set_etag(response, visit.version)
    return _out(visit, ctx.lang, _Windows(db, ctx))


@router.get(
    "/elders/{elder_id}/visits", response_model=PageOut[VisitOut], summary="An elder's visits"
)
def elder_visits(db: DbSession, ctx: AuthCtx, elder_id: str, paging: Paging) -> PageOut[VisitOut]:
    elder = elders.get_elder(db, ctx, elder_id)
    page = service.list_visits(
        db,
        ctx,
        elder_id=elder.id,
        volunteer_id=None,
        region=None,
        method=None,
        since=None,
        until=None,
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    windows = _Windows(db, ctx)
    return PageOut(
        items=[_out(v, ctx.lang, windows) for v in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get(
    "/elders/{elder_id}/services",
    response_model=list[ServiceDue],
    summary="The services an elder is due by the county's service plan, soonest first",
)
def elder_services(db: DbSession, ctx: AuthCtx, elder_id: str) -> list[ServiceDue]:
    elder = elders.get_elder(db, ctx, elder_id)
    on = today()
    return [_service_due(r, on, ctx.lang) for r in services.elder_services(db, elder.id)]


@router.get(
    "/policies/visits", response_model=VisitPolicyOut, summary="The county's visit policy in force"
)
def get_policy(
    db: DbSession,
    ctx: AuthCtx,
    on: Annotated[date | None, Query(description="The version in force on this day")] = None,
) -> VisitPolicyOut:
    policy, effective = schedule.policy_for(db, ctx.actor.region_code[:6], on)
    return VisitPolicyOut(**policy.model_dump(), effective_date=effective)


@router.put(
    "/policies/visits",
    response_model=VisitPolicyOut,
    summary="A new version of the visit policy and service plan from a date; visit and "
    "service schedules are recomputed",
)
def put_policy(db: DbSession, ctx: AuthCtx, body: VisitPolicyIn) -> VisitPolicyOut:
    defaults = VisitPolicy()
    policy = VisitPolicy(
        tiers={**defaults.tiers, **(body.tiers or {})},
        categories=body.categories or {},
        services=body.services if body.services is not None else defaults.services,
        correction_window_days=body.correction_window_days,
        special_difficulty_monthly=body.special_difficulty_monthly,
        event_due_hours=body.event_due_hours,
        events=body.events if body.events is not None else defaults.events,
    )
    effective = body.effective_date or today()
    schedule.put_policy(db, ctx, policy, effective)
    return VisitPolicyOut(**policy.model_dump(), effective_date=effective)


class WorklistFilters:
    """The worklist's filters, shared by the list and its export."""

    def __init__(
        self,
        region: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
        volunteer_id: str | None = None,
        due_within_days: Annotated[int, Query(ge=0, le=366)] = 7,
        overdue: Annotated[
            bool,
            Query(
                description="Only elders whose visit was due before today (到期未探访): the "
                "count `GET /visit-rates` calls `overdue`; `due_within_days` is then ignored"
            ),
        ] = False,
    ) -> None:
        self.region = region
        self.volunteer_id = volunteer_id
        self.due_within_days = due_within_days
        self.overdue = overdue

    def until(self, on: date) -> date:
        return on - timedelta(days=1) if self.overdue else on + timedelta(days=self.due_within_days)


WorklistQ = Annotated[WorklistFilters, Depends()]


@router.get(
    "/worklist",
    response_model=WorklistOut,
    summary="Elders whose next visit is due or overdue, most overdue first; with the open "
    "follow-ups the reader holds",
)
def worklist(db: DbSession, ctx: AuthCtx, paging: Paging, filters: WorklistQ) -> WorklistOut:
    on = today()
    until = filters.until(on)
    region = filters.region
    page = service.worklist(
        db,
        ctx,
        region=region,
        volunteer_id=filters.volunteer_id,
        until=until,
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
        overdue_on=on if filters.overdue else None,
    )
    open_items = hooks.open_follow_ups(db, [r.elder_id for r in page.items])
    items = [
        WorklistItem(
            elder_id=r.elder_id,
            name=r.name,
            village_code=r.village_code,
            address=r.address,
            phone=phones.mask(r.phone),
            risk_level=r.risk_level,
            categories=[c for c in (r.category_codes or "").split(",") if c],
            last_visit_at=r.last_visit_at,
            next_due_date=r.next_due_date,
            due_in_days=schedule.due_in_days(r.next_due_date, on),
            days_overdue=schedule.overdue_days(r.next_due_date, on),
            reason=render(r.reason, ctx.lang),
            event_type=r.event_type,
            open_follow_ups=open_items.get(r.elder_id, 0),
        )
        for r in page.items
    ]
    due = services.due_for(db, [i.elder_id for i in items], until)
    for item in items:
        item.services_due = [_service_due(row, on, ctx.lang) for row in due.get(item.elder_id, [])]
    follow_ups = (
        [WorklistFollowUp(**f) for f in hooks.worklist_follow_ups(db, ctx, region, 50)]
        if paging.cursor is None
        else []
    )
    return WorklistOut(
        items=items, next_cursor=page.next_cursor, total=page.total, follow_ups=follow_ups
    )


# The columns (keys of the one dictionary's headings, eldercare.labels.heading).
WORKLIST_COLUMNS = (
    "township",
    "village",
    "village_code",
    "elder_name",
    "address",
    "phone",
    "risk_level",
    "category_codes",
    "last_visit",
    "next_due_date",
    "due_in",
    "due_reason",
    "pending_event",
    "open_follow_ups",
    "services_due",
)
EXPORT_PAGE = 500
# The worklist's words that are not codes (the app's are in its messages: worklist.*).
NEEDS_HELPER = ("需安排帮扶人", "Needs a helper")  # the flag for event_type needs_helper
NEVER_VISITED = ("未探访", "Never visited")


def _due_words(due_in: int, lang: str) -> str:
    if lang == "en":
        if due_in < 0:
            return f"{-due_in} day overdue" if due_in == -1 else f"{-due_in} days overdue"
        if due_in == 0:
            return "Due today"
        return "Due in 1 day" if due_in == 1 else f"Due in {due_in} days"
    if due_in < 0:
        return f"逾期 {-due_in} 天"
    return "今天到期" if due_in == 0 else f"{due_in} 天后到期"


def _worklist_rows(ctx: RequestCtx, filters: WorklistFilters) -> Iterator[list[Any]]:
    """Every elder of the worklist, a page at a time in short sessions of their own."""
    tz = get_settings().tz
    lang = ctx.lang
    en = 1 if lang == "en" else 0
    sep, open_, close = (", ", " (", ")") if en else ("、", "（", "）")
    on = today()
    until = filters.until(on)
    cursor: str | None = None
    while True:
        with session_factory()() as db:
            page = service.worklist(
                db,
                ctx,
                region=filters.region,
                volunteer_id=filters.volunteer_id,
                until=until,
                limit=EXPORT_PAGE,
                cursor=cursor,
                count=False,
                overdue_on=on if filters.overdue else None,
            )
            ids = [r.elder_id for r in page.items]
            open_items = hooks.open_follow_ups(db, ids)
            due = services.due_for(db, ids, until)
            codes = {r.village_code for r in page.items}
            places = elders.village_names(db, codes | {c[:9] for c in codes})
            db.commit()
        for r in page.items:
            event = r.event_type
            yield [
                places.get(r.village_code[:9], ""),
                places.get(r.village_code, ""),
                r.village_code,
                r.name,
                r.address,
                phones.mask(r.phone) or "",
                words("risk", r.risk_level, lang),
                value_words(
                    "categories", [c for c in (r.category_codes or "").split(",") if c], lang
                ),
                r.last_visit_at.astimezone(tz).strftime("%Y-%m-%d")
                if r.last_visit_at
                else NEVER_VISITED[en],
                r.next_due_date.isoformat(),
                _due_words(schedule.due_in_days(r.next_due_date, on), lang),
                sheets.capital(render(r.reason, lang), lang),
                NEEDS_HELPER[en] if event == "needs_helper" else words("eventType", event, lang),
                open_items.get(r.elder_id, 0),
                sep.join(
                    f"{label(row.service, lang)}{open_}"
                    f"{_due_words(schedule.due_in_days(row.next_due_date, on), lang)}{close}"
                    for row in due.get(r.elder_id, [])
                ),
            ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


@router.get(
    "/worklist/export",
    summary="The worklist as a file (the list's filters), in words in the caller's language",
    description="Phones masked as on the list. A region outside the caller's answers 404 "
    "before the file starts.",
    response_class=StreamingResponse,
)
def export_worklist(
    ctx: AuthCtx,
    filters: WorklistQ,
    format: Annotated[
        Literal["csv", "xlsx"], Query(description="CSV (UTF-8 with BOM) or XLSX")
    ] = "xlsx",
) -> StreamingResponse:
    if filters.region:  # checked before the file starts
        ctx.actor.scope.require(filters.region)
    writer = {"csv": sheets.as_csv, "xlsx": sheets.as_xlsx}[format]
    name = f"worklist-{today().isoformat()}.{format}"
    return StreamingResponse(
        writer(headings(WORKLIST_COLUMNS, ctx.lang), _worklist_rows(ctx, filters), None),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _service_due(row: Any, on: date, lang: str) -> ServiceDue:
    return ServiceDue(
        service=row.service,
        label=label(row.service, lang),
        interval_days=row.interval_days,
        last_done_at=row.last_done_at,
        next_due_date=row.next_due_date,
        due_in_days=schedule.due_in_days(row.next_due_date, on),
        days_overdue=schedule.overdue_days(row.next_due_date, on),
        reason=render(services.due_reason(row.service, row.interval_days, row.last_done_at), lang),
    )


@router.get(
    "/worklist/services",
    response_model=PageOut[ServiceWorklistItem],
    summary="Services due or overdue by the county's service plan, most overdue first",
)
def service_worklist(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    region: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
    due_within_days: Annotated[int, Query(ge=0, le=366)] = 7,
) -> PageOut[ServiceWorklistItem]:
    on = today()
    stmt = services.service_worklist_stmt(
        ctx.actor.scope, region, on + timedelta(days=due_within_days)
    )
    from eldercare.visits.models import ElderServiceSchedule as s

    page = keyset(
        db,
        stmt,
        [(s.next_due_date, "asc"), (s.elder_id, "asc"), (s.service, "asc")],
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
        scalars=False,
    )
    return PageOut(
        items=[
            ServiceWorklistItem(
                elder_id=r.elder_id,
                name=r.name,
                village_code=r.village_code,
                address=r.address,
                **_service_due(r, on, ctx.lang).model_dump(),
            )
            for r in page.items
        ],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.post(
    "/elders/{elder_id}/events",
    response_model=WorklistItem,
    status_code=201,
    summary="Record an event (hospitalisation, bereavement...): a visit falls due within 24 hours",
)
def record_event(db: DbSession, ctx: AuthCtx, elder_id: str, body: EventIn) -> WorklistItem:
    elder = elders.get_elder(db, ctx, elder_id, lock=True)
    s = schedule.record_event(db, ctx, elder, body.type, aware(body.occurred_at) or utcnow())
    if s is None:
        raise Conflict("visit.elder_inactive")
    on = today()
    return WorklistItem(
        elder_id=elder.id,
        name=elder.name,
        village_code=elder.village_code,
        address=elder.address,
        phone=phones.mask(elder.phone),
        risk_level=elder.risk_level,
        categories=[c for c in (elder.category_codes or "").split(",") if c],
        last_visit_at=s.last_visit_at,
        next_due_date=s.next_due_date,
        due_in_days=schedule.due_in_days(s.next_due_date, on),
        days_overdue=schedule.overdue_days(s.next_due_date, on),
        reason=render(s.reason, ctx.lang),
        event_type=s.event_type,
    )


@router.get(
    "/visit-rates",
    response_model=VisitRatesOut,
    summary="Monthly visit rate (月探访率), elders within interval, overdue, per child region",
)
def visit_rates(
    db: DbSession,
    ctx: AuthCtx,
    region: Annotated[
        str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$", description="Default: your region")
    ] = None,
    month: Annotated[
        str | None,
        Query(
            pattern=r"^(19|20)\d\d-(0[1-9]|1[0-2])$",
            description="YYYY-MM (1900-01 to 2099-12); default this month",
        ),
    ] = None,
    contact_days: Annotated[
        int | None,
        Query(
            ge=1,
            le=365,
            description="Guardians silent longer than this; default the county's rule for "
            "contact with the children (`/policies/contacts`, 30 days unless changed)",
        ),
    ] = None,
) -> VisitRatesOut:
    code = region or ctx.actor.region_code
    region_row = regions.get_in_scope(db, ctx.actor.scope, code)
    first = date.fromisoformat(f"{month}-01") if month else today().replace(day=1)
    data = rates.rates(db, region_row.code, first, contact_days)
    names = dict(
        db.execute(
            select(Region.code, Region.name).where(Region.code.in_(list(data["children"])))
        ).all()
    )
    return VisitRatesOut(
        region=region_row.code,
        region_name=region_row.name,
        month=first.strftime("%Y-%m"),
        totals=RateRow(code=region_row.code, name=region_row.name, **data["totals"]),
        children=[RateRow(code=c, name=names.get(c, c), **v) for c, v in data["children"].items()],
        helpers=[HelperActivity(**h) for h in data["helpers"]],
    )


@router.get(
    "/service-rates",
    response_model=ServiceRatesOut,
    summary="Per service of the plan: elders due it, served in the month and overdue, per "
    "child region",
)
def service_rates(
    db: DbSession,
    ctx: AuthCtx,
    region: Annotated[
        str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$", description="Default: your region")
    ] = None,
    month: Annotated[
        str | None,
        Query(
            pattern=r"^(19|20)\d\d-(0[1-9]|1[0-2])$",
            description="YYYY-MM (1900-01 to 2099-12); default this month",
        ),
    ] = None,
) -> ServiceRatesOut:
    code = region or ctx.actor.region_code
    region_row = regions.get_in_scope(db, ctx.actor.scope, code)
    first = date.fromisoformat(f"{month}-01") if month else today().replace(day=1)
    start, end = rates.month_bounds(first)
    data = services.rates(db, region_row.code, start, end, today())
    names = dict(
        db.execute(select(Region.code, Region.name).where(Region.code.in_(list(data)))).all()
    )

    def row(code: str, name: str, counts: dict[str, dict[str, int]]) -> ServiceRateRow:
        return ServiceRateRow(
            code=code,
            name=name,
            services=[
                ServiceRate(
                    service=svc,
                    label=label(svc, ctx.lang),
                    **c,
                    rate=round(c["done_in_month"] / c["due"], 4) if c["due"] else None,
                )
                for svc, c in sorted(counts.items())
            ],
        )

    totals: dict[str, dict[str, int]] = {}
    for counts in data.values():
        for svc, c in counts.items():
            t = totals.setdefault(svc, {"due": 0, "done_in_month": 0, "overdue": 0})
            for k, n in c.items():
                t[k] += n
    return ServiceRatesOut(
        region=region_row.code,
        region_name=region_row.name,
        month=first.strftime("%Y-%m"),
        totals=row(region_row.code, region_row.name, totals),
        children=[row(c, names.get(c, c), v) for c, v in sorted(data.items())],
    )
