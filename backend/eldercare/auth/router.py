from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from fastapi import Depends, Form, Request, Response

from eldercare.auth import service
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.auth.schemas import LogoutIn, MeOut, PasswordChangeIn, RegionBrief, TokenOut
from eldercare.auth.security import InvalidToken, decode_access_token
from eldercare.config import get_settings
from eldercare.context import Ctx
from eldercare.db import DbSession
from eldercare.errors import BadRequest, Unauthorized
from eldercare.routing import Router

public = Router(prefix="/auth", tags=["auth"])
router = Router(prefix="/auth", tags=["auth"], dependencies=[Depends(auth_ctx)])

GrantType = Literal["password", "client_credentials", "refresh_token"]


def _basic_client(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = raw.partition(":")
    return (client_id, secret) if sep else None


@public.post(
    "/token",
    response_model=TokenOut,
    summary="Log in (password, client_credentials or refresh_token grant)",
    responses={401: {"description": "Wrong credentials"}, 429: {"description": "Throttled"}},
)
def token(
    request: Request,
    response: Response,
    db: DbSession,
    ctx: Ctx,
    grant_type: Annotated[GrantType, Form()] = "password",
    username: Annotated[str | None, Form(max_length=150)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=500)] = None,
) -> TokenOut:
    settings = get_settings()
    response.headers["Cache-Control"] = "no-store"
    if grant_type == "password":
        if not username or password is None:
            raise Unauthorized("auth.invalid_credentials", extra={"error": "invalid_request"})
        tokens = service.login_password(db, ctx, settings, username, password)
    elif grant_type == "client_credentials":
        basic = _basic_client(request)
        if basic:
            client_id, client_secret = basic
        if not client_id or client_secret is None:
            raise Unauthorized("auth.invalid_client", extra={"error": "invalid_client"})
        tokens = service.login_client(db, ctx, settings, client_id, client_secret)
    else:
        if not refresh_token:
            raise BadRequest("auth.invalid_refresh_token", extra={"error": "invalid_request"})
        tokens = service.refresh(db, ctx, settings, refresh_token)
    return TokenOut(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token,
    )


@router.post(
    "/logout",
    status_code=204,
    summary="Revoke this access token and every refresh token of its login session",
)
def logout(request: Request, db: DbSession, ctx: AuthCtx, body: LogoutIn | None = None) -> Response:
    service.logout(db, ctx, body.refresh_token if body else None, _session_of(request))
    return Response(status_code=204)


def _session_of(request: Request) -> str | None:
    """The login session (refresh-token family) the request's access token was issued in."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        return decode_access_token(get_settings(), token.strip()).sid
    except InvalidToken:
        return None


@router.get("/me", response_model=MeOut, summary="Who am I, where, and what may I do")
async def me(ctx: AuthCtx) -> MeOut:
    p = ctx.actor
    return MeOut(
        kind=p.kind,
        id=p.id,
        username=p.name,
        display_name=p.display_name,
        role=p.role,
        region=RegionBrief(code=p.region_code, name=p.region_name, level=p.region_level),
        scopes=sorted(p.scopes),
        permissions=service.permissions_of(p),
        must_change_password=p.must_change_password,
    )


@router.post("/password", status_code=204, summary="Change one's own password")
def change_password(db: DbSession, ctx: AuthCtx, body: PasswordChangeIn) -> Response:
    service.change_own_password(db, ctx, get_settings(), body.current_password, body.new_password)
    return Response(status_code=204)
