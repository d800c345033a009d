from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse

from eldercare import clock, labels, phones
from eldercare.audit import service as audit
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.concurrency import IfMatch, expected_version, set_etag
from eldercare.db import DbSession
from eldercare.elders import service as elders
from eldercare.errors import Forbidden
from eldercare.pagination import PageOut, Paging
from eldercare.routing import Router
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES
from eldercare.volunteers import export, service
from eldercare.volunteers.schemas import (
    PairingIn,
    PairingOut,
    PairingPatch,
    Team,
    VolunteerIn,
    VolunteerOut,
    VolunteerPatch,
)

router = Router(tags=["volunteers"], dependencies=[Depends(auth_ctx)])

RegionQ = Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")]
ExportFormat = Annotated[Literal["csv", "xlsx"], Query(description="CSV (UTF-8 with BOM) or XLSX")]


def _file(columns: tuple[str, ...], rows: object, stem: str, fmt: str) -> StreamingResponse:
    writer = {"csv": sheets.as_csv, "xlsx": sheets.as_xlsx}[fmt]
    name = f"{stem}-{clock.today().isoformat()}.{fmt}"
    return StreamingResponse(
        writer(columns, rows, None),  # type: ignore[arg-type]
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _out(
    db: DbSession, v: object, counts: dict[str, int] | None = None, *, reveal: bool = False
) -> VolunteerOut:
    """A volunteer as read: the phone masked (like elders' and guardians'), unless revealed."""
    out = VolunteerOut.model_validate(v)
    if not reveal:
        out.phone = phones.mask(out.phone) or ""
    out.active_pairings = (
        (counts or {}).get(out.id, 0) if counts is not None else service.open_pairings(db, out.id)
    )
    return out


@router.get(
    "/volunteers", response_model=PageOut[VolunteerOut], summary="Volunteers and paired helpers"
)
def list_volunteers(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    region: RegionQ = None,
    kind: str | None = None,
    team: Team | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=50)] = None,
) -> PageOut[VolunteerOut]:
    page = service.list_volunteers(
        db,
        ctx,
        region=region,
        kind=kind,
        team=team,
        active=active,
        q=q,
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    counts = service.counts_for(db, [v.id for v in page.items])
    return PageOut(
        items=[_out(db, v, counts) for v in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get(
    "/volunteers/export",
    summary="The volunteer list as a file: in words, places named, phones masked",
    description="The filters of `GET /volunteers`; each volunteer with the elders of their "
    "open pairings by name. Headers and words in the request's language (Chinese or "
    "English). A region outside the caller's scope is 404.",
    response_class=StreamingResponse,
)
def export_volunteers(
    ctx: AuthCtx,
    region: RegionQ = None,
    kind: str | None = None,
    team: Team | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=50)] = None,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    if region:  # checked before the file starts
        ctx.actor.scope.require(region)
    filters = {"region": region, "kind": kind, "team": team, "active": active, "q": q}
    rows = export.volunteer_rows(ctx, elders.elder_scope(ctx), filters)
    head = labels.headings(export.VOLUNTEER_COLUMNS, ctx.lang)
    return _file(head, rows, "volunteers", format)


@router.post("/volunteers", response_model=VolunteerOut, status_code=201, summary="Add a volunteer")
def create_volunteer(
    db: DbSession, ctx: AuthCtx, body: VolunteerIn, response: Response
) -> VolunteerOut:
    v = service.create_volunteer(db, ctx, body)
    set_etag(response, v.version)
    return _out(db, v)


@router.get(
    "/volunteers/{volunteer_id}",
    response_model=VolunteerOut,
    summary="One volunteer (phone masked unless revealed)",
)
def get_volunteer(
    db: DbSession,
    ctx: AuthCtx,
    volunteer_id: str,
    response: Response,
    reveal: Annotated[
        str | None, Query(pattern=r"^phone$", description="phone: the full number; audited")
    ] = None,
) -> VolunteerOut:
    v = service.get_volunteer(db, ctx, volunteer_id)
    if reveal:
        if ctx.actor.role not in elders.REVEAL_ROLES:
            raise Forbidden("reveal.not_allowed")
        audit.record(
            db,
            ctx,
            "reveal",
            resource="volunteer",
            resource_id=v.id,
            region_code=v.region_code,
            fields=["phone"],
        )
    set_etag(response, v.version)
    return _out(db, v, reveal=bool(reveal))


@router.patch(
    "/volunteers/{volunteer_id}",
    response_model=VolunteerOut,
    summary="Change or deactivate a volunteer",
)
def update_volunteer(
    db: DbSession,
    ctx: AuthCtx,
    volunteer_id: str,
    body: VolunteerPatch,
    response: Response,
    if_match: IfMatch = None,
) -> VolunteerOut:
    v = service.update_volunteer(
        db, ctx, volunteer_id, body, expected_version(if_match, body.version)
    )
    set_etag(response, v.version)
    return _out(db, v)


@router.get(
    "/pairings", response_model=PageOut[PairingOut], summary="Pairings of elders and helpers"
)
def list_pairings(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    elder_id: str | None = None,
    volunteer_id: str | None = None,
    state: Literal["open", "all"] = "open",
) -> PageOut[PairingOut]:
    page = service.list_pairings(
        db,
        ctx,
        elders.elder_scope(ctx),
        elder_id=elder_id,
        volunteer_id=volunteer_id,
        open_only=state == "open",
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return PageOut(
        items=[PairingOut.model_validate(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/pairings",
    response_model=PairingOut,
    status_code=201,
    summary="Pair a helper with an elder (one primary per elder; capacity respected)",
)
def create_pairing(db: DbSession, ctx: AuthCtx, body: PairingIn, response: Response) -> PairingOut:
    elder = elders.get_elder(db, ctx, body.elder_id, lock=True)
    pairing = service.create_pairing(db, ctx, body, elder.village_code)
    set_etag(response, pairing.version)
    return PairingOut.model_validate(pairing)


@router.get(
    "/pairings/export",
    summary="Pairings as a file: the elder's township and village, the helper, in words",
    description="`state=open` (default) or `all`; `region`: the elders' region (outside the "
    "caller's scope: 404); `volunteer_id`: one helper's (out of scope: 404). Headers and "
    "words in the request's language (Chinese or English).",
    response_class=StreamingResponse,
)
def export_pairings(
    db: DbSession,
    ctx: AuthCtx,
    region: RegionQ = None,
    volunteer_id: str | None = None,
    state: Literal["open", "all"] = "open",
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    if region:
        ctx.actor.scope.require(region)
    if volunteer_id:
        service.get_volunteer(db, ctx, volunteer_id)
    db.commit()
    rows = export.pairing_rows(
        ctx,
        elders.elder_scope(ctx),
        region=region,
        volunteer_id=volunteer_id,
        open_only=state == "open",
    )
    head = labels.headings(export.PAIRING_COLUMNS, ctx.lang)
    return _file(head, rows, "pairings", format)


@router.get("/pairings/{pairing_id}", response_model=PairingOut, summary="One pairing")
def get_pairing(db: DbSession, ctx: AuthCtx, pairing_id: str, response: Response) -> PairingOut:
    pairing, _ = service.get_pairing(db, ctx, pairing_id, elders.elder_scope(ctx))
    set_etag(response, pairing.version)
    return PairingOut.model_validate(pairing)


@router.patch(
    "/pairings/{pairing_id}",
    response_model=PairingOut,
    summary="Change services or primary, or end a pairing (kept in history)",
)
def update_pairing(
    db: DbSession,
    ctx: AuthCtx,
    pairing_id: str,
    body: PairingPatch,
    response: Response,
    if_match: IfMatch = None,
) -> PairingOut:
    pairing, village = service.get_pairing(db, ctx, pairing_id, elders.elder_scope(ctx))
    pairing = service.update_pairing(
        db, ctx, pairing, village, body, expected_version(if_match, body.version)
    )
    set_etag(response, pairing.version)
    return PairingOut.model_validate(pairing)
