"""Authentication (bearer JWT checked against the database) and authorization (the matrix)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import exists, select

from eldercare.auth.models import IntegrationClient, RevokedToken, User
from eldercare.auth.security import InvalidToken, decode_access_token
from eldercare.authz import rule_for
from eldercare.config import get_settings
from eldercare.context import Principal, RequestCtx, request_ctx
from eldercare.db import DbSession
from eldercare.errors import Forbidden, Unauthorized
from eldercare.roles import Role

bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="Access token from POST /api/v1/auth/token",
)


def authenticate(
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """A valid, unrevoked token of an active user or client, as the database says now.

    The token's role and region are informational: both are read again from the database,
    so a deactivated account or a changed role takes effect at once.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    try:
        claims = decode_access_token(get_settings(), credentials.credentials)
    except InvalidToken:
        raise Unauthorized("auth.invalid_token") from None
    revoked = exists().where(RevokedToken.jti == claims.jti).label("revoked")
    if claims.kind == "user":
        row = db.execute(
            select(User.id, User.username, User.role, User.region_code, User.active, revoked).where(
                User.id == claims.sub
            )
        ).one_or_none()
        if row is None or row.revoked:
            raise Unauthorized("auth.invalid_token")
        if not row.active:
            raise Unauthorized("auth.inactive")
        return Principal(
            kind="user",
            id=row.id,
            name=row.username,
            role=Role(row.role),
            region_code=row.region_code,
            scopes=frozenset(),
            jti=claims.jti,
            token_expires_at=claims.exp,
        )
    crow = db.execute(
        select(
            IntegrationClient.id,
            IntegrationClient.client_id,
            IntegrationClient.region_code,
            IntegrationClient.scopes,
            IntegrationClient.active,
            revoked,
        ).where(IntegrationClient.id == claims.sub)
    ).one_or_none()
    if crow is None or crow.revoked:
        raise Unauthorized("auth.invalid_token")
    if not crow.active:
        raise Unauthorized("auth.inactive")
    return Principal(
        kind="client",
        id=crow.id,
        name=crow.client_id,
        role=None,
        region_code=crow.region_code,
        scopes=frozenset(crow.scopes or ()),
        jti=claims.jti,
        token_expires_at=claims.exp,
    )


def authorize(
    request: Request, principal: Annotated[Principal, Depends(authenticate)]
) -> Principal:
    """Refuse unless the matrix lets this principal call this route (deny by default)."""
    found = rule_for(request.method, request.url.path)
    if found is None:
        raise Forbidden()
    _, rule = found
    if not rule.allows(principal):
        if principal.kind == "user":
            raise Forbidden("auth.role_required")
        raise Forbidden("auth.scope_required", scope=" | ".join(sorted(rule.client_scopes)) or "-")
    request.state.principal = principal
    return principal


def auth_ctx(request: Request, principal: Annotated[Principal, Depends(authorize)]) -> RequestCtx:
    return request_ctx(request).with_principal(principal)


CurrentPrincipal = Annotated[Principal, Depends(authorize)]
AuthCtx = Annotated[RequestCtx, Depends(auth_ctx)]
