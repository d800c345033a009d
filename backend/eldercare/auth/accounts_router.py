from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from eldercare import clock, labels
from eldercare.auth import accounts
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.auth.schemas import (
    ClientCreate,
    ClientCreated,
    ClientOut,
    ClientPatch,
    UserCreate,
    UserOut,
    UserPatch,
)
from eldercare.concurrency import IfMatch, expected_version, set_etag
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import DbSession, session_factory
from eldercare.pagination import PageOut, Paging
from eldercare.regions.models import Region
from eldercare.roles import Role
from eldercare.routing import Router
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES

users = Router(prefix="/users", tags=["users"], dependencies=[Depends(auth_ctx)])
clients = Router(prefix="/clients", tags=["clients"], dependencies=[Depends(auth_ctx)])


class UserFilters:
    def __init__(
        self,
        region: Annotated[
            str | None, Query(pattern=r"^\d{6,12}$", description="Region code prefix")
        ] = None,
        role: Role | None = None,
        active: bool | None = None,
        q: Annotated[
            str | None,
            Query(max_length=64, description="Username or display name contains, or the user id"),
        ] = None,
    ) -> None:
        self.values: dict[str, Any] = {"region": region, "role": role, "active": active, "q": q}


UserFiltersQ = Annotated[UserFilters, Depends()]


@users.get("", response_model=PageOut[UserOut], summary="Users of the admin's county")
def list_users(
    db: DbSession, ctx: AuthCtx, paging: Paging, filters: UserFiltersQ
) -> PageOut[UserOut]:
    page = accounts.list_users(
        db,
        ctx,
        **filters.values,
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    return PageOut(
        items=[UserOut.model_validate(u) for u in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


# The columns (keys of the one dictionary's headings, eldercare.labels.heading).
EXPORT_COLUMNS = (
    "display_name",
    "username",
    "role",
    "county",
    "township",
    "village",
    "status",
    "last_login_at",
)
ACTIVE = (("停用", "Deactivated"), ("启用", "Active"))  # by the account's `active`
EXPORT_PAGE = 500


def _region_names(db: DbSession, codes: set[str]) -> dict[str, str]:
    """The names of the regions and of their county and township."""
    wanted = {c[:n] for c in codes for n in (6, 9, 12) if len(c) >= n}
    if not wanted:
        return {}
    return dict(db.execute(select(Region.code, Region.name).where(Region.code.in_(wanted))).all())


def _export_rows(ctx: RequestCtx, values: dict[str, Any]) -> Iterator[list[Any]]:
    """Every user of the list, a page at a time in short sessions of their own."""
    tz = get_settings().tz
    en = 1 if ctx.lang == "en" else 0
    cursor: str | None = None
    while True:
        with session_factory()() as db:
            page = accounts.list_users(
                db, ctx, **values, limit=EXPORT_PAGE, cursor=cursor, count=False
            )
            names = _region_names(db, {u.region_code for u in page.items})
            db.commit()
        for u in page.items:
            code = u.region_code
            yield [
                u.display_name or u.username,
                u.username,
                labels.label("role", u.role, ctx.lang),
                names.get(code[:6], ""),
                names.get(code[:9], "") if len(code) >= 9 else "",
                names.get(code, "") if len(code) == 12 else "",
                ACTIVE[bool(u.active)][en],
                u.last_login_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                if u.last_login_at
                else "",
            ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


@users.get(
    "/export",
    summary="The user list as a file (as filtered), in words in the caller's language",
    response_class=StreamingResponse,
)
def export_users(
    ctx: AuthCtx,
    filters: UserFiltersQ,
    format: Annotated[
        Literal["csv", "xlsx"], Query(description="CSV (UTF-8 with BOM) or XLSX")
    ] = "xlsx",
) -> StreamingResponse:
    if filters.values["region"]:  # checked before the file starts
        ctx.actor.scope.require(filters.values["region"])
    writer = {"csv": sheets.as_csv, "xlsx": sheets.as_xlsx}[format]
    name = f"users-{clock.today().isoformat()}.{format}"
    return StreamingResponse(
        writer(labels.headings(EXPORT_COLUMNS, ctx.lang), _export_rows(ctx, filters.values), None),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@users.post("", response_model=UserOut, status_code=201, summary="Create a user")
def create_user(db: DbSession, ctx: AuthCtx, body: UserCreate, response: Response) -> UserOut:
    user = accounts.create_user(db, ctx, body)
    set_etag(response, user.version)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return UserOut.model_validate(user)


@users.get("/{user_id}", response_model=UserOut, summary="One user")
def get_user(db: DbSession, ctx: AuthCtx, user_id: str, response: Response) -> UserOut:
    user = accounts.get_user(db, ctx, user_id)
    set_etag(response, user.version)
    return UserOut.model_validate(user)


@users.patch("/{user_id}", response_model=UserOut, summary="Change a user (If-Match required)")
def update_user(
    db: DbSession,
    ctx: AuthCtx,
    user_id: str,
    body: UserPatch,
    response: Response,
    if_match: IfMatch = None,
) -> UserOut:
    user = accounts.update_user(db, ctx, user_id, body, expected_version(if_match, body.version))
    set_etag(response, user.version)
    return UserOut.model_validate(user)


@clients.get("", response_model=PageOut[ClientOut], summary="Integration clients of the county")
def list_clients(db: DbSession, ctx: AuthCtx, paging: Paging) -> PageOut[ClientOut]:
    page = accounts.list_clients(
        db, ctx, limit=paging.limit, cursor=paging.cursor, count=paging.count
    )
    return PageOut(
        items=[ClientOut.model_validate(c) for c in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@clients.post(
    "",
    response_model=ClientCreated,
    status_code=201,
    summary="Create an integration client; the secret is shown once",
)
def create_client(
    db: DbSession, ctx: AuthCtx, body: ClientCreate, response: Response
) -> ClientCreated:
    client, secret = accounts.create_client(db, ctx, body)
    set_etag(response, client.version)
    response.headers["Cache-Control"] = "no-store"
    return ClientCreated(**ClientOut.model_validate(client).model_dump(), client_secret=secret)


@clients.get("/{client_pk}", response_model=ClientOut, summary="One integration client")
def get_client(db: DbSession, ctx: AuthCtx, client_pk: str, response: Response) -> ClientOut:
    client = accounts.get_client(db, ctx, client_pk)
    set_etag(response, client.version)
    return ClientOut.model_validate(client)


@clients.patch(
    "/{client_pk}", response_model=ClientOut, summary="Change a client (If-Match required)"
)
def update_client(
    db: DbSession,
    ctx: AuthCtx,
    client_pk: str,
    body: ClientPatch,
    response: Response,
    if_match: IfMatch = None,
) -> ClientOut:
    client = accounts.update_client(
        db, ctx, client_pk, body, expected_version(if_match, body.version)
    )
    set_etag(response, client.version)
    return ClientOut.model_validate(client)


@clients.post(
    "/{client_pk}/secret",
    response_model=ClientCreated,
    summary="Issue a new secret (the old one stops working); shown once",
)
def rotate_secret(db: DbSession, ctx: AuthCtx, client_pk: str, response: Response) -> ClientCreated:
    client, secret = accounts.rotate_client_secret(db, ctx, client_pk)
    set_etag(response, client.version)
    response.headers["Cache-Control"] = "no-store"
    return ClientCreated(**ClientOut.model_validate(client).model_dump(), client_secret=secret)
