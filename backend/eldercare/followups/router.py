from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse

from eldercare import clock
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.concurrency import IfMatch, expected_version, optional_version, set_etag
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import DbSession, session_factory
from eldercare.elders import service as elders
from eldercare.followups import labels, rules, service
from eldercare.followups.models import FollowUp
from eldercare.followups.rules import Category, FollowUpPolicy, Kind, OwnerType, Status
from eldercare.followups.schemas import (
    FollowUpAssignIn,
    FollowUpAssignOut,
    FollowUpDetail,
    FollowUpHistoryEntry,
    FollowUpOut,
    FollowUpPatch,
    FollowUpPolicyIn,
    FollowUpPolicyOut,
    FollowUpTransitionIn,
    OwnerCandidates,
)
from eldercare.labels import headings, value_words
from eldercare.pagination import PageOut, Paging
from eldercare.routing import Router
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES

router = Router(tags=["follow-ups"], dependencies=[Depends(auth_ctx)])

RegionQ = Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")]
ExportFormat = Annotated[Literal["csv", "xlsx"], Query(description="CSV (UTF-8 with BOM) or XLSX")]


def _out(db: DbSession, ctx: RequestCtx, i: FollowUp, elder_name: str) -> FollowUpOut:
    today = clock.today()
    return FollowUpOut(
        id=i.id,
        elder_id=i.elder_id,
        elder_name=elder_name,
        village_code=i.village_code,
        category=i.category,
        kind=i.kind,
        program=i.program,
        description=i.description,
        severity=i.severity,
        found_by_type=i.found_by_type,
        found_by_id=i.found_by_id,
        found_by_name=i.found_by_name,
        found_at=i.found_at,
        visit_id=i.visit_id,
        incident_id=i.incident_id,
        last_seen_at=i.last_seen_at,
        times_seen=i.times_seen,
        owner_type=i.owner_type,
        owner_id=i.owner_id,
        owner_name=i.owner_name,
        due_date=i.due_date,
        status=i.status,
        overdue=rules.overdue(i.status, i.due_date, today),
        level=rules.level(i.status, i.due_date, today),
        closed_at=i.closed_at,
        closure_note=i.closure_note,
        closed_visit_id=i.closed_visit_id,
        benefit_id=i.benefit_id,
        allowed_transitions=service.allowed_for(ctx, db, i),
        version=i.version,
    )


def _detail(db: DbSession, ctx: AuthCtx, i: FollowUp) -> FollowUpDetail:
    base = _out(db, ctx, i, service.elder_names(db, [i]).get(i.elder_id, ""))
    return FollowUpDetail(
        **base.model_dump(),
        history=[
            FollowUpHistoryEntry(
                action=t.action,
                from_status=t.from_status,
                to_status=t.to_status,
                note=t.note,
                owner_type=t.owner_type,
                owner_id=t.owner_id,
                visit_id=t.visit_id,
                actor_id=t.actor_id,
                actor_name=t.actor_name,
                actor_role=t.actor_role,
                at=t.at,
                due_date=t.due_date,
                late=t.late,
            )
            for t in service.history(db, i.id)
        ],
    )


def _page(db: DbSession, ctx: AuthCtx, page: Any) -> PageOut[FollowUpOut]:
    names = service.elder_names(db, page.items)
    return PageOut(
        items=[_out(db, ctx, i, names.get(i.elder_id, "")) for i in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


class Filters:
    def __init__(
        self,
        region: RegionQ = None,
        elder_id: str | None = None,
        category: Category | None = None,
        kind: Annotated[list[Kind] | None, Query()] = None,
        status: Annotated[list[Status] | None, Query()] = None,
        open: Annotated[bool, Query(description="Only items not yet closed")] = False,
        owner_type: OwnerType | None = None,
        owner_id: str | None = None,
        mine: Annotated[
            bool,
            Query(
                description="Only what the caller holds: a village worker's own and their "
                "village's unassigned items, a township's, a volunteer's"
            ),
        ] = False,
        overdue: Annotated[
            bool, Query(description="Only open items past their due date (escalated)")
        ] = False,
    ) -> None:
        self.values: dict[str, Any] = {
            "region": region,
            "elder_id": elder_id,
            "category": category,
            "kind": list(kind) if kind else None,
            "status": list(status) if status else None,
            "open_only": open,
            "owner_type": owner_type,
            "owner_id": owner_id,
            "mine": mine,
            "overdue": overdue,
        }


FiltersQ = Annotated[Filters, Depends()]


@router.get(
    "/follow-ups",
    response_model=PageOut[FollowUpOut],
    summary="Follow-ups (跟进事项), newest first; overdue=true: the most overdue first",
    description="Staff see their region's items, a volunteer those of the elders paired with them.",
)
def list_follow_ups(
    db: DbSession, ctx: AuthCtx, paging: Paging, filters: FiltersQ
) -> PageOut[FollowUpOut]:
    page = service.list_follow_ups(
        db, ctx, limit=paging.limit, cursor=paging.cursor, count=paging.count, **filters.values
    )
    return _page(db, ctx, page)


# The columns (keys of the one dictionary's headings, eldercare.labels.heading).
EXPORT_COLUMNS = (
    "village",
    "village_code",
    "elder_name",
    "category",
    "follow_up_kind",
    "program",
    "description",
    "severity",
    "found_by",
    "found_at",
    "times_seen",
    "owner_type",
    "owner_or_department",
    "due_date",
    "status",
    "overdue",
    "handling_level",
    "closed_at",
    "closure_note",
)
EXPORT_PAGE = 500


def _export_rows(ctx: RequestCtx, values: dict[str, Any]) -> Iterator[list[Any]]:
    """Every item of the list, a page at a time in short sessions of their own."""
    tz = get_settings().tz
    lang = ctx.lang
    cursor: str | None = None
    today = clock.today()
    while True:
        with session_factory()() as db:
            page = service.list_follow_ups(
                db, ctx, limit=EXPORT_PAGE, cursor=cursor, count=False, **values
            )
            names = service.elder_names(db, page.items)
            villages = elders.village_names(db, {i.village_code for i in page.items})
            db.commit()
        for i in page.items:
            owner = (
                labels.label("department", i.owner_id, lang)
                if i.owner_type == "department"
                else i.owner_name
            )
            found_by = labels.label("found_by_type", i.found_by_type, lang)
            yield [
                villages.get(i.village_code, i.village_code),
                i.village_code,
                names.get(i.elder_id, ""),
                labels.label("category", i.category, lang),
                labels.label("kind", i.kind, lang),
                labels.label("program", i.program, lang),
                i.description,
                labels.label("severity", i.severity, lang),
                f"{sheets.capital(found_by, lang)} {i.found_by_name}".strip(),
                i.found_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                i.times_seen,
                labels.label("owner_type", i.owner_type, lang),
                owner,
                i.due_date.isoformat(),
                labels.label("status", i.status, lang),
                value_words("overdue", rules.overdue(i.status, i.due_date, today), lang),
                sheets.capital(
                    labels.label("level", rules.level(i.status, i.due_date, today), lang), lang
                ),
                i.closed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if i.closed_at else "",
                i.closure_note,
            ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


@router.get(
    "/follow-ups/export",
    summary="The follow-up list as a file, headers and values in words in the caller's language",
    response_class=StreamingResponse,
)
def export_follow_ups(
    ctx: AuthCtx,
    filters: FiltersQ,
    format: ExportFormat = "xlsx",
    ids: Annotated[
        list[str] | None,
        Query(
            max_length=200,
            description="Only these items (the ones chosen in the list), with the filters",
        ),
    ] = None,
) -> StreamingResponse:
    if filters.values["region"]:  # checked before the file starts
        ctx.actor.scope.require(filters.values["region"])
    writer = {"csv": sheets.as_csv, "xlsx": sheets.as_xlsx}[format]
    name = f"follow-ups-{clock.today().isoformat()}.{format}"
    values = {**filters.values, "ids": list(ids) if ids else None}
    return StreamingResponse(
        writer(headings(EXPORT_COLUMNS, ctx.lang), _export_rows(ctx, values), None),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/follow-ups/assign",
    response_model=FollowUpAssignOut,
    summary="Hand several open items to one owner (all or none)",
)
def assign_follow_ups(db: DbSession, ctx: AuthCtx, body: FollowUpAssignIn) -> FollowUpAssignOut:
    return FollowUpAssignOut(assigned=service.assign_many(db, ctx, body))


@router.get(
    "/follow-ups/owners",
    response_model=OwnerCandidates,
    summary="Whom the village's items may be handed to by name: its workers, volunteers",
)
def owner_candidates(
    db: DbSession,
    ctx: AuthCtx,
    village: Annotated[str, Query(pattern=r"^\d{12}$")],
) -> OwnerCandidates:
    return OwnerCandidates.model_validate(service.owner_candidates(db, ctx, village))


@router.get(
    "/follow-ups/{follow_up_id}",
    response_model=FollowUpDetail,
    summary="One follow-up and its history",
)
def get_follow_up(
    db: DbSession, ctx: AuthCtx, follow_up_id: str, response: Response
) -> FollowUpDetail:
    item = service.get_follow_up(db, ctx, follow_up_id)
    set_etag(response, item.version)
    return _detail(db, ctx, item)


@router.patch(
    "/follow-ups/{follow_up_id}",
    response_model=FollowUpDetail,
    summary="Assign an open item, correct its severity or description, set its due date",
)
def update_follow_up(
    db: DbSession,
    ctx: AuthCtx,
    follow_up_id: str,
    body: FollowUpPatch,
    response: Response,
    if_match: IfMatch = None,
) -> FollowUpDetail:
    item = service.update(db, ctx, follow_up_id, body, expected_version(if_match, body.version))
    set_etag(response, item.version)
    return _detail(db, ctx, item)


@router.post(
    "/follow-ups/{follow_up_id}/transitions",
    response_model=FollowUpDetail,
    summary="Move a follow-up on (in progress, resolved, referred, cannot be resolved, reopen)",
    responses={409: {"description": "Not a transition from the current status; lists `allowed`"}},
)
def transition_follow_up(
    db: DbSession,
    ctx: AuthCtx,
    follow_up_id: str,
    body: FollowUpTransitionIn,
    response: Response,
    if_match: IfMatch = None,
) -> FollowUpDetail:
    expected = optional_version(if_match, body.version)
    item = service.transition(db, ctx, follow_up_id, body, expected)
    set_etag(response, item.version)
    return _detail(db, ctx, item)


@router.get(
    "/elders/{elder_id}/follow-ups",
    response_model=PageOut[FollowUpOut],
    summary="An elder's follow-ups, newest first",
)
def elder_follow_ups(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    paging: Paging,
    open: Annotated[bool, Query(description="Only items not yet closed")] = False,
) -> PageOut[FollowUpOut]:
    elder = elders.get_elder(db, ctx, elder_id)
    page = service.list_follow_ups(
        db,
        ctx,
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
        elder_id=elder.id,
        open_only=open,
    )
    return _page(db, ctx, page)


@router.get(
    "/policies/follow-ups",
    response_model=FollowUpPolicyOut,
    summary="The county's follow-up deadlines in force",
)
def get_policy(
    db: DbSession,
    ctx: AuthCtx,
    on: Annotated[date | None, Query(description="The version in force on this day")] = None,
) -> FollowUpPolicyOut:
    policy, effective = service.policy_for(db, ctx.actor.region_code[:6], on)
    return FollowUpPolicyOut(**policy.model_dump(), effective_date=effective)


@router.put(
    "/policies/follow-ups",
    response_model=FollowUpPolicyOut,
    summary="A new version of the follow-up deadlines from a date; open items found since "
    "get new due dates",
)
def put_policy(db: DbSession, ctx: AuthCtx, body: FollowUpPolicyIn) -> FollowUpPolicyOut:
    policy = FollowUpPolicy.model_validate(body.model_dump(exclude={"effective_date"}))
    effective = body.effective_date or clock.today()
    service.put_policy(db, ctx, policy, effective)
    return FollowUpPolicyOut(**policy.model_dump(), effective_date=effective)
