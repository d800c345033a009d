from __future__ import annotations

import functools
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse

from eldercare import labels
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.clock import today
from eldercare.concurrency import IfMatch, expected_version, set_etag
from eldercare.db import DbSession, async_reads, get_engine, read_apart
from eldercare.elders import present, service
from eldercare.elders.filters import ElderFilters, elder_filters
from eldercare.elders.rules import RegisterSettings
from eldercare.elders.schemas import (
    ChangeInWords,
    ChangeOut,
    DuplicatePair,
    ElderCreate,
    ElderListItem,
    ElderOut,
    ElderPatch,
    GuardianIn,
    GuardianOut,
    GuardianPatch,
    MergeIn,
    MergeListItem,
    MergeOut,
    MoveIn,
    RevealedIdNumber,
    RiskOverrideIn,
    StatusChange,
)
from eldercare.errors import Gone, NotFound
from eldercare.pagination import Page, PageOut, Paging, count_sql, page_of_tuples
from eldercare.regions.service import place_names
from eldercare.routing import FastJSONResponse, Router, in_thread
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES

router = Router(tags=["elders"], dependencies=[Depends(auth_ctx)])


def _detail(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    response: Response,
    revealed: set[str] | None = None,
    warnings: list[dict[str, str]] | None = None,
) -> ElderOut:
    elder = service.get_elder(db, ctx, elder_id)
    set_etag(response, elder.version)
    return present.detail(db, elder, ctx.lang, revealed or set(), warnings)


@router.get(
    "/elders", response_model=PageOut[ElderListItem], summary="The register, filtered and sorted"
)
async def list_elders(
    ctx: AuthCtx,
    paging: Paging,
    filters: Annotated[ElderFilters, Depends(elder_filters)],
    sort: Literal["name", "-name", "age", "-age", "risk"] = "name",
) -> FastJSONResponse:
    # A region's plain list (what a worker opens all day) is awaited on the event loop where
    # the server allows it; everything else is read in a worker thread. Either way the page
    # and its total come from one snapshot.
    reads = async_reads()
    plan = None
    if reads is not None and reads.available():
        dialect = get_engine().dialect
        plan = service.shared_page_sql(
            ctx, filters, sort=sort, limit=paging.limit, cursor=paging.cursor, dialect=dialect
        )
    if plan is not None and reads is not None:
        sql, params, positions = plan
        count, count_params = None, None
        if paging.count:
            count, count_params = count_sql(service.list_statement(ctx, filters)[0], dialect)
        rows, total = await reads.fetch_with_count(sql, params, count, count_params)
        page = page_of_tuples(rows, paging.limit, positions, total)
    else:
        work = functools.partial(
            service.list_elders,
            ctx=ctx,
            filters=filters,
            sort=sort,
            limit=paging.limit,
            cursor=paging.cursor,
            count=paging.count,
        )
        page = await in_thread(read_apart, work)
    return list_response(page, today())


def list_response(page: Page[Any], on: date) -> FastJSONResponse:
    """The hottest read: rows go straight to JSON (the route's schema documents them)."""
    return FastJSONResponse(
        {
            "items": [present.list_row(e, on) for e in page.items],
            "next_cursor": page.next_cursor,
            "total": page.total,
        }
    )


@router.post("/elders", response_model=ElderOut, status_code=201, summary="Register an elder")
def create_elder(db: DbSession, ctx: AuthCtx, body: ElderCreate, response: Response) -> ElderOut:
    elder, warnings = service.create_elder(db, ctx, body)
    response.headers["Location"] = f"/api/v1/elders/{elder.id}"
    return _detail(db, ctx, elder.id, response, warnings=warnings)


@router.get(
    "/elders/duplicates",
    response_model=list[DuplicatePair],
    summary="Possible duplicate records (same birth date and township, similar names)",
)
def duplicates(
    db: DbSession,
    ctx: AuthCtx,
    region: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DuplicatePair]:
    return [
        DuplicatePair(a=present.list_item(a), b=present.list_item(b), reasons=reasons, score=score)
        for a, b, reasons, score in service.possible_duplicates(db, ctx, region, limit)
    ]


# Each record's columns (a field's words, then which record), then the pair's.
DUPLICATE_RECORD_COLUMNS = ("name", "township", "village", "id_number", "address")
DUPLICATE_PAIR_COLUMNS = ("duplicate_reasons", "similarity")


def duplicate_headings(lang: str) -> tuple[str, ...]:
    """The header row of the duplicates file: 姓名（甲） … 姓名（乙） …, or Name (A) …."""
    sides = [labels.heading(s, lang) for s in ("record_a", "record_b")]
    form = "{} ({})" if lang == "en" else "{}（{}）"
    each = [
        form.format(labels.heading(k, lang), s) for s in sides for k in DUPLICATE_RECORD_COLUMNS
    ]
    return (*each, *labels.headings(DUPLICATE_PAIR_COLUMNS, lang))


@router.get(
    "/elders/duplicates/export",
    summary="Possible duplicates as a file: both records named and placed, reasons in words",
    description="The pairs of `GET /elders/duplicates` (same `region` and `limit`), the "
    "likeliest first; ID numbers masked. Headers and words in the request's language "
    "(Chinese or English). A region outside the caller's scope is 404.",
    response_class=StreamingResponse,
)
def export_duplicates(
    db: DbSession,
    ctx: AuthCtx,
    region: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    format: Annotated[
        Literal["csv", "xlsx"], Query(description="CSV (UTF-8 with BOM) or XLSX")
    ] = "xlsx",
) -> StreamingResponse:
    if region:
        ctx.actor.scope.require(region)
    pairs = service.possible_duplicates(db, ctx, region, limit)
    places = place_names(db, {e.village_code for a, b, _, _ in pairs for e in (a, b)})
    sep = ", " if ctx.lang == "en" else "、"
    rows: list[list[Any]] = []
    for a, b, reasons, score in pairs:
        row: list[Any] = []
        for e in (a, b):
            item = present.list_item(e)
            township, village = places.get(e.village_code, ("", ""))
            row += [item.name, township, village, item.id_number, item.address]
        words = sep.join(labels.label("duplicateReason", r, ctx.lang) for r in reasons)
        rows.append([*row, words, round(score, 2)])
    db.commit()
    writer = {"csv": sheets.as_csv, "xlsx": sheets.as_xlsx}[format]
    name = f"duplicates-{today().isoformat()}.{format}"
    return StreamingResponse(
        writer(duplicate_headings(ctx.lang), iter(rows), None),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/elders/duplicates/id-numbers",
    response_model=list[RevealedIdNumber],
    summary="Two records' full ID numbers side by side, to see which has the typo (audited)",
)
def reveal_pair(
    db: DbSession,
    ctx: AuthCtx,
    a: Annotated[str, Query(max_length=32, description="One record's id")],
    b: Annotated[str, Query(max_length=32, description="The other record's id")],
) -> list[RevealedIdNumber]:
    return [
        RevealedIdNumber(id=e.id, name=e.name, id_number=e.id_number)
        for e in service.reveal_pair(db, ctx, a, b)
    ]


@router.get(
    "/elders/merges",
    response_model=PageOut[MergeListItem],
    summary="Past merges in scope, newest first (find one to undo it later)",
)
def list_merges(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    undone: Annotated[
        bool | None, Query(description="true: only undone merges; false: only standing ones")
    ] = None,
) -> PageOut[MergeListItem]:
    page = service.list_merges(db, ctx, undone=undone, limit=paging.limit, cursor=paging.cursor)
    return PageOut[MergeListItem](
        items=[MergeListItem.model_validate(dict(r._mapping)) for r in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/elders/merges",
    response_model=MergeOut,
    status_code=201,
    summary="Merge a duplicate into another record, choosing fields; can be undone",
)
def merge(db: DbSession, ctx: AuthCtx, body: MergeIn) -> MergeOut:
    record = service.merge(
        db,
        ctx,
        body.survivor_id,
        body.merged_id,
        body.take_from_merged,
        body.reason,
        body.clear_fields,
    )
    return MergeOut.model_validate(record, from_attributes=True)


@router.post("/elders/merges/{merge_id}/undo", response_model=MergeOut, summary="Undo a merge")
def undo_merge(db: DbSession, ctx: AuthCtx, merge_id: str) -> MergeOut:
    return MergeOut.model_validate(service.undo_merge(db, ctx, merge_id), from_attributes=True)


@router.get(
    "/elders/{elder_id}",
    response_model=ElderOut,
    summary="One elder (masked unless revealed)",
    responses={
        410: {
            "description": "Merged into another record (elder.merged): `merged_into` is its id "
            "(only when the caller may see that record; otherwise 404)"
        }
    },
)
def get_elder(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    response: Response,
    reveal: Annotated[
        str | None,
        Query(
            pattern=r"^(id_number|phone)(,(id_number|phone))?$",
            description="id_number,phone: full values; audited",
        ),
    ] = None,
    as_of: Annotated[
        date | None, Query(description="The record as it was at the end of this day")
    ] = None,
) -> ElderOut:
    try:
        elder = service.get_elder(db, ctx, elder_id)
    except NotFound:
        survivor = service.merged_into(db, ctx, elder_id)
        if survivor is None:
            raise
        raise Gone(
            "elder.merged",
            extra={"merged_into": survivor},
            headers={"Location": f"/api/v1/elders/{survivor}"},
        ) from None
    revealed = service.reveal(db, ctx, elder, set(reveal.split(",")) if reveal else set())
    set_etag(response, elder.version)
    if as_of is not None:
        past, guardians = service.transient_as_of(db, elder, as_of)
        return present.detail(db, past, ctx.lang, revealed, guardians=guardians)
    return present.detail(db, elder, ctx.lang, revealed)


@router.patch(
    "/elders/{elder_id}",
    response_model=ElderOut,
    summary="Change an elder (JSON merge patch, If-Match)",
)
def update_elder(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    body: ElderPatch,
    response: Response,
    if_match: IfMatch = None,
) -> ElderOut:
    elder, warnings = service.update_elder(
        db, ctx, elder_id, body, expected_version(if_match, body.version)
    )
    return _detail(db, ctx, elder.id, response, warnings=warnings)


@router.post(
    "/elders/{elder_id}/status",
    response_model=ElderOut,
    summary="Moved out, deceased, no longer left-behind, or active again",
)
def change_status(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    body: StatusChange,
    response: Response,
    if_match: IfMatch = None,
) -> ElderOut:
    service.change_status(
        db,
        ctx,
        elder_id,
        body.status,
        body.date,
        body.reason,
        expected_version(if_match, body.version),
    )
    return _detail(db, ctx, elder_id, response)


@router.post(
    "/elders/{elder_id}/move", response_model=ElderOut, summary="Move to another village in scope"
)
def move(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    body: MoveIn,
    response: Response,
    if_match: IfMatch = None,
) -> ElderOut:
    service.move(
        db,
        ctx,
        elder_id,
        body.village_code,
        body.reason,
        body.address,
        expected_version(if_match, body.version),
    )
    return _detail(db, ctx, elder_id, response)


@router.put(
    "/elders/{elder_id}/risk-override",
    response_model=ElderOut,
    summary="Set (or with level null, remove) a manual risk tier, with a reason",
)
def risk_override(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    body: RiskOverrideIn,
    response: Response,
    if_match: IfMatch = None,
) -> ElderOut:
    service.set_risk_override(
        db, ctx, elder_id, body.level, body.reason, expected_version(if_match, body.version)
    )
    return _detail(db, ctx, elder_id, response)


@router.get(
    "/elders/{elder_id}/history",
    response_model=PageOut[ChangeOut],
    summary="Every change to the elder and their guardians, newest first",
)
def history(db: DbSession, ctx: AuthCtx, elder_id: str, paging: Paging) -> PageOut[ChangeOut]:
    page = service.history(db, ctx, elder_id, limit=paging.limit, cursor=paging.cursor)
    places = _place_names(db, [c.changes for c in page.items])
    return PageOut(
        items=[
            ChangeOut(
                id=str(c.id),
                entity=c.entity,
                entity_id=c.entity_id,
                action=c.action,
                changes=_masked_changes(c.changes),
                entity_label=labels.label("changeEntity", c.entity, ctx.lang),
                changes_in_words=_in_words(_masked_changes(c.changes), ctx.lang, places),
                changed_at=c.changed_at,
                actor_id=c.actor_id,
                actor_name=c.actor_name,
                reason=c.reason,
            )
            for c in page.items
        ],
        next_cursor=page.next_cursor,
    )


# Fields of the register's own regions (a village moved to), shown by the region's name.
_PLACE_FIELDS = frozenset({"village_code", "region_code"})
# Internal references with no words of their own (a household is a record, not a value to
# read): left out of the history in words, kept in `changes`.
_REFERENCE_FIELDS = frozenset({"household_id"})


def _place_names(db: DbSession, entries: list[dict[str, list[object]]]) -> dict[str, str]:
    """The names of the regions the history's place fields name, by code (one query)."""
    from sqlalchemy import select

    from eldercare.regions.models import Region

    codes = {
        v
        for changes in entries
        for key, pair in changes.items()
        if key in _PLACE_FIELDS
        for v in pair
        if isinstance(v, str) and v
    }
    if not codes:
        return {}
    rows = db.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all()
    return {code: name for code, name in rows}


def _in_words(
    changes: dict[str, list[object]], lang: str, places: dict[str, str] | None = None
) -> list[ChangeInWords]:
    places = places or {}

    def words(key: str, value: object) -> str:
        if key in _PLACE_FIELDS and isinstance(value, str) and value in places:
            return places[value]
        return labels.value_words(key, value, lang)

    return [
        ChangeInWords(
            field=key,
            field_label=labels.label("field", key, lang),
            old=words(key, old),
            new=words(key, new),
        )
        for key, (old, new) in changes.items()
        if key not in _REFERENCE_FIELDS
    ]


def _masked_changes(changes: dict[str, list[object]]) -> dict[str, list[object]]:
    from eldercare import identity, phones

    out = {}
    for key, (old, new) in changes.items():
        if key in ("id_number", "id_number_original"):
            old, new = (
                identity.mask(old) if isinstance(old, str) else old,
                identity.mask(new) if isinstance(new, str) else new,
            )
        elif key == "phone":
            old, new = (
                phones.mask(old) if isinstance(old, str) else old,
                phones.mask(new) if isinstance(new, str) else new,
            )
        out[key] = [old, new]
    return out


@router.get(
    "/elders/{elder_id}/guardians",
    response_model=list[GuardianOut],
    summary="Children, supporters, caretaker",
)
def list_guardians(db: DbSession, ctx: AuthCtx, elder_id: str) -> list[GuardianOut]:
    elder = service.get_elder(db, ctx, elder_id)
    return [present.guardian_out(g, set()) for g in service.guardians_of(db, elder.id)]


@router.post(
    "/elders/{elder_id}/guardians",
    response_model=GuardianOut,
    status_code=201,
    summary="Add a guardian",
)
def add_guardian(
    db: DbSession, ctx: AuthCtx, elder_id: str, body: GuardianIn, response: Response
) -> GuardianOut:
    guardian = service.add_guardian(db, ctx, elder_id, body)
    set_etag(response, guardian.version)
    return present.guardian_out(guardian, set())


@router.get("/guardians/{guardian_id}", response_model=GuardianOut, summary="One guardian")
def get_guardian(db: DbSession, ctx: AuthCtx, guardian_id: str, response: Response) -> GuardianOut:
    guardian, _ = service.get_guardian(db, ctx, guardian_id)
    set_etag(response, guardian.version)
    return present.guardian_out(guardian, set())


@router.patch(
    "/guardians/{guardian_id}", response_model=GuardianOut, summary="Change a guardian (If-Match)"
)
def update_guardian(
    db: DbSession,
    ctx: AuthCtx,
    guardian_id: str,
    body: GuardianPatch,
    response: Response,
    if_match: IfMatch = None,
) -> GuardianOut:
    guardian = service.update_guardian(
        db, ctx, guardian_id, body, expected_version(if_match, body.version)
    )
    set_etag(response, guardian.version)
    return present.guardian_out(guardian, set())


@router.delete(
    "/guardians/{guardian_id}",
    status_code=204,
    summary="Remove a guardian (kept in history; If-Match)",
    description="`If-Match` is required: 428 without it, 412 when the guardian has changed.",
)
def delete_guardian(
    db: DbSession, ctx: AuthCtx, guardian_id: str, if_match: IfMatch = None
) -> Response:
    service.delete_guardian(db, ctx, guardian_id, if_match)
    return Response(status_code=204)


@router.get(
    "/policies/register", response_model=RegisterSettings, summary="The county's register settings"
)
def get_policy(db: DbSession, ctx: AuthCtx, response: Response) -> RegisterSettings:
    settings, version = service.get_policy(db, ctx)
    set_etag(response, version)
    return settings


@router.put(
    "/policies/register",
    response_model=RegisterSettings,
    summary="Change the county's register settings; every elder is recomputed",
)
def put_policy(
    db: DbSession,
    ctx: AuthCtx,
    body: RegisterSettings,
    response: Response,
    if_match: IfMatch = None,
) -> RegisterSettings:
    settings, version = service.put_policy(db, ctx, body, expected_version(if_match, None))
    set_etag(response, version)
    return settings
