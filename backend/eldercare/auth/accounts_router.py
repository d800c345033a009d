from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

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
from eldercare.db import DbSession
from eldercare.pagination import PageOut, Paging
from eldercare.roles import Role
from eldercare.routing import Router

users = Router(prefix="/users", tags=["users"], dependencies=[Depends(auth_ctx)])
clients = Router(prefix="/clients", tags=["clients"], dependencies=[Depends(auth_ctx)])


@users.get("", response_model=PageOut[UserOut], summary="Users of the admin's county")
def list_users(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    region: Annotated[
        str | None, Query(pattern=r"^\d{6,12}$", description="Region code prefix")
    ] = None,
    role: Role | None = None,
    active: bool | None = None,
    q: Annotated[
        str | None,
        Query(max_length=64, description="Username or display name contains, or the user id"),
    ] = None,
) -> PageOut[UserOut]:
    page = accounts.list_users(
        db,
        ctx,
        region=region,
        role=role,
        active=active,
        q=q,
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    return PageOut(
        items=[UserOut.model_validate(u) for u in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
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
