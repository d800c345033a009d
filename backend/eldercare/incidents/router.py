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
from eldercare.elders.schemas import ContactOut
from eldercare.incidents import rules, service
from eldercare.incidents.models import Incident
from eldercare.incidents.rules import IncidentPolicy, IncidentType, Severity, Status
from eldercare.incidents.schemas import (
    IncidentDetail,
    IncidentIn,
    IncidentOut,
    IncidentPatch,
    IncidentPolicyIn,
    IncidentPolicyOut,
    NotificationIn,
    TimelineEntry,
    TransitionIn,
)
from eldercare.labels import headings, label, value_words
from eldercare.pagination import PageOut, Paging
from eldercare.roles import Role
from eldercare.routing import Router
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES

router = Router(tags=["incidents"], dependencies=[Depends(auth_ctx)])


def _out(i: Incident, elder_name: str, ctx: AuthCtx) -> IncidentOut:
    mine = rules.may_move(ctx.actor.role, i.level)
    return IncidentOut(
        id=i.id,
        elder_id=i.elder_id,
        elder_name=elder_name,
        village_code=i.village_code,
        type=i.type,
        severity=i.severity,
        description=i.description,
        status=i.status,
        level=i.level,
        reporter_id=i.reporter_id,
        reporter_name=i.reporter_name,
        occurred_at=i.occurred_at,
        reported_at=i.reported_at,
        reported_late=i.reported_late,
        report_delay_minutes=(
            int(delay.total_seconds() // 60)
            if (delay := rules.report_delay(i.occurred_at, i.reported_at)) is not None
            else None
        ),
        acknowledged_at=i.acknowledged_at,
        escalated_at=i.escalated_at,
        resolved_at=i.resolved_at,
        acknowledge_due_at=i.acknowledge_due_at,
        resolve_due_at=i.resolve_due_at,
        county_due_at=i.county_due_at,
        due_step=i.due_step,
        due_at=i.due_at,
        overdue=i.due_at is not None and i.due_at < clock.now(),
        children_notified=i.children_notified_at is not None,
        children_notified_at=i.children_notified_at,
        allowed_transitions=rules.allowed(i.status, i.level) if mine else [],
        version=i.version,
    )


def _detail(db: DbSession, ctx: AuthCtx, i: Incident) -> IncidentDetail:
    base = _out(i, service.elder_names(db, [i]).get(i.elder_id, ""), ctx)
    # a volunteer follows the status of their report; the staff's handling notes stay staff's
    volunteer = ctx.actor.role == Role.volunteer
    return IncidentDetail(
        **base.model_dump(),
        timeline=[
            TimelineEntry(
                from_status=t.from_status,
                to_status=t.to_status,
                note="" if volunteer and t.actor_id != ctx.actor.id else t.note,
                actor_id=t.actor_id,
                actor_name=t.actor_name,
                actor_role=t.actor_role,
                at=t.at,
                deadline_at=t.deadline_at,
                late=t.late,
            )
            for t in service.timeline(db, i.id)
        ],
        follow_up_ids=service.follow_up_ids(db, i.id),
        notifications=[ContactOut.model_validate(c) for c in service.notifications(db, i.id)],
    )


class Filters:
    """The list's filters, shared by the list and its export."""

    def __init__(
        self,
        region: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
        elder_id: str | None = None,
        status: Annotated[list[Status] | None, Query()] = None,
        type: IncidentType | None = None,
        severity: Severity | None = None,
        open: Annotated[bool, Query(description="Only incidents not yet resolved")] = False,
        overdue: Annotated[bool, Query(description="Only those past their deadline")] = False,
        children_notified: Annotated[
            bool | None,
            Query(description="false: only those whose children nobody has notified yet"),
        ] = None,
    ) -> None:
        self.values: dict[str, Any] = {
            "region": region,
            "elder_id": elder_id,
            "status": list(status) if status else None,
            "type": type,
            "severity": severity,
            "open_only": open,
            "overdue": overdue,
            "children_notified": children_notified,
        }


FiltersQ = Annotated[Filters, Depends()]


@router.get(
    "/incidents",
    response_model=PageOut[IncidentOut],
    summary="Incidents, newest first; overdue=true lists those past their deadline",
    description="Staff see their region's incidents; a volunteer sees the incidents they "
    "reported themselves, for elders still paired with them.",
)
def list_incidents(
    db: DbSession, ctx: AuthCtx, paging: Paging, filters: FiltersQ
) -> PageOut[IncidentOut]:
    page = service.list_incidents(
        db, ctx, limit=paging.limit, cursor=paging.cursor, count=paging.count, **filters.values
    )
    names = service.elder_names(db, page.items)
    return PageOut(
        items=[_out(i, names.get(i.elder_id, ""), ctx) for i in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


# The columns (keys of the one dictionary's headings, eldercare.labels.heading).
EXPORT_COLUMNS = (
    "township",
    "village",
    "village_code",
    "elder_name",
    "incident_type",
    "severity",
    "status",
    "handling_level",
    "description",
    "occurred_at",
    "reporter_name",
    "reported_at",
    "reported_late",
    "due_at",
    "overdue",
    "children_notified",
    "resolved_at",
)
EXPORT_PAGE = 500
ExportFormat = Annotated[Literal["csv", "xlsx"], Query(description="CSV (UTF-8 with BOM) or XLSX")]


def _export_rows(ctx: RequestCtx, values: dict[str, Any]) -> Iterator[list[Any]]:
    """Every incident of the list, a page at a time in short sessions of their own."""
    tz = get_settings().tz
    lang = ctx.lang
    now = clock.now()

    def when(moment: Any) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    def yes(flag: bool | None) -> str:
        return value_words("flag", flag, lang)

    cursor: str | None = None
    while True:
        with session_factory()() as db:
            page = service.list_incidents(
                db, ctx, limit=EXPORT_PAGE, cursor=cursor, count=False, **values
            )
            names = service.elder_names(db, page.items)
            codes = {i.village_code for i in page.items}
            places = elders.village_names(db, codes | {c[:9] for c in codes})
            db.commit()
        for i in page.items:
            yield [
                places.get(i.village_code[:9], ""),
                places.get(i.village_code, ""),
                i.village_code,
                names.get(i.elder_id, ""),
                label("incidentType", i.type, lang),
                label("severity", i.severity, lang),
                label("incidentStatus", i.status, lang),
                label("regionLevel", i.level, lang),
                i.description,
                when(i.occurred_at),
                i.reporter_name,
                when(i.reported_at),
                yes(i.reported_late),
                when(i.due_at),
                yes(i.due_at is not None and i.due_at < now),
                yes(i.children_notified_at is not None),
                when(i.resolved_at),
            ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


@router.get(
    "/incidents/export",
    summary="The incident list as a file (the list's filters), in words in the caller's language",
    description="A region outside the caller's answers 404 before the file starts.",
    response_class=StreamingResponse,
)
def export_incidents(
    ctx: AuthCtx, filters: FiltersQ, format: ExportFormat = "xlsx"
) -> StreamingResponse:
    if filters.values["region"]:  # checked before the file starts
        ctx.actor.scope.require(filters.values["region"])
    writer = {"csv": sheets.as_csv, "xlsx": sheets.as_xlsx}[format]
    name = f"incidents-{clock.today().isoformat()}.{format}"
    return StreamingResponse(
        writer(headings(EXPORT_COLUMNS, ctx.lang), _export_rows(ctx, filters.values), None),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/incidents",
    response_model=IncidentDetail,
    status_code=201,
    summary="Report an emergency; a visit to the elder falls due within 24 hours",
    description="Staff report for elders in their region, a volunteer for an elder paired "
    "with them (404 otherwise). The response shows the effective severity (abuse, "
    "wandering_begging and critical_illness are at least `high`) and whether the report "
    "came later than the county's limit after `occurred_at`.",
)
def report_incident(
    db: DbSession, ctx: AuthCtx, body: IncidentIn, response: Response
) -> IncidentDetail:
    incident = service.report(db, ctx, body)
    set_etag(response, incident.version)
    response.headers["Location"] = f"/api/v1/incidents/{incident.id}"
    return _detail(db, ctx, incident)


@router.get(
    "/incidents/{incident_id}",
    response_model=IncidentDetail,
    summary="One incident and its timeline",
)
def get_incident(
    db: DbSession, ctx: AuthCtx, incident_id: str, response: Response
) -> IncidentDetail:
    incident = service.get_incident(db, ctx, incident_id)
    set_etag(response, incident.version)
    return _detail(db, ctx, incident)


@router.patch(
    "/incidents/{incident_id}",
    response_model=IncidentDetail,
    summary="Correct type, severity, description or time while the incident is open",
)
def update_incident(
    db: DbSession,
    ctx: AuthCtx,
    incident_id: str,
    body: IncidentPatch,
    response: Response,
    if_match: IfMatch = None,
) -> IncidentDetail:
    incident = service.update(db, ctx, incident_id, body, expected_version(if_match, body.version))
    set_etag(response, incident.version)
    return _detail(db, ctx, incident)


@router.post(
    "/incidents/{incident_id}/transitions",
    response_model=IncidentDetail,
    summary="Move an incident on (acknowledge, handle, resolve, escalate)",
    responses={409: {"description": "Not a transition from the current status; lists `allowed`"}},
)
def transition_incident(
    db: DbSession,
    ctx: AuthCtx,
    incident_id: str,
    body: TransitionIn,
    response: Response,
    if_match: IfMatch = None,
) -> IncidentDetail:
    expected = optional_version(if_match, body.version)
    incident = service.transition(db, ctx, incident_id, body, expected)
    set_etag(response, incident.version)
    return _detail(db, ctx, incident)


@router.post(
    "/incidents/{incident_id}/notifications",
    response_model=IncidentDetail,
    status_code=201,
    summary="Record that a child (guardian) of the elder was notified: who, when, how",
    description="Written as an entry of the guardian's contact log (source `incident`), which "
    "moves their last contact date on; allowed in any status.",
)
def notify_children(
    db: DbSession, ctx: AuthCtx, incident_id: str, body: NotificationIn, response: Response
) -> IncidentDetail:
    incident = service.notify_children(db, ctx, incident_id, body)
    set_etag(response, incident.version)
    return _detail(db, ctx, incident)


@router.get(
    "/policies/incidents",
    response_model=IncidentPolicyOut,
    summary="The county's incident deadlines in force",
)
def get_policy(
    db: DbSession,
    ctx: AuthCtx,
    on: Annotated[date | None, Query(description="The version in force on this day")] = None,
) -> IncidentPolicyOut:
    policy, effective = service.policy_for(db, ctx.actor.region_code[:6], on)
    return IncidentPolicyOut(**policy.model_dump(), effective_date=effective)


@router.put(
    "/policies/incidents",
    response_model=IncidentPolicyOut,
    summary="A new version of the incident deadlines from a date",
)
def put_policy(db: DbSession, ctx: AuthCtx, body: IncidentPolicyIn) -> IncidentPolicyOut:
    # validated as IncidentPolicyIn
    policy = IncidentPolicy.model_validate(body.model_dump(exclude={"effective_date"}))
    effective = body.effective_date or clock.today()
    service.put_policy(db, ctx, policy, effective)
    return IncidentPolicyOut(**policy.model_dump(), effective_date=effective)
