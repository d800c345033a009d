"""Authentication (bearer JWT checked against the database) and authorization (the matrix)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import JSON, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from eldercare.auth.security import AccessClaims, InvalidToken, decode_access_token
from eldercare.authz import rule_for
from eldercare.config import get_settings
from eldercare.context import Principal, RequestCtx, build_ctx
from eldercare.db import DbSession, UTCDateTime
from eldercare.errors import Forbidden, Unauthorized
from eldercare.roles import Role

bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="Access token from POST /api/v1/auth/token",
)


async def auth_ctx(
    request: Request,
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> RequestCtx:
    """Authenticate, then authorize against the matrix; the request's context with its actor.

    Every protected router declares this dependency, so no route can skip it.
    """
    principal = await authenticate(db, credentials)
    authorize(request, principal)
    request.state.principal = principal
    return build_ctx(request).with_principal(principal)


async def authenticate(db: Session, credentials: HTTPAuthorizationCredentials | None) -> Principal:
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
    return await run_in_threadpool(load_principal, db, claims)


# The hottest query of the API (every authenticated request): plain SQL, one round trip.
_USER_SQL = text(
    "SELECT u.id, u.username AS name, u.display_name, u.role, u.region_code, u.active, "
    "NULL AS scopes, r.name AS region_name, r.level AS region_level, u.tokens_valid_after, "
    "EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.jti = :jti) AS revoked "
    "FROM users u JOIN regions r ON r.code = u.region_code WHERE u.id = :sub"
).columns(scopes=JSON, tokens_valid_after=UTCDateTime())
_CLIENT_SQL = text(
    "SELECT c.id, c.client_id AS name, c.name AS display_name, NULL AS role, c.region_code, "
    "c.active, c.scopes, r.name AS region_name, r.level AS region_level, "
    "c.tokens_valid_after, "
    "EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.jti = :jti) AS revoked "
    "FROM integration_clients c JOIN regions r ON r.code = c.region_code WHERE c.id = :sub"
).columns(scopes=JSON, tokens_valid_after=UTCDateTime())


def load_principal(db: Session, claims: AccessClaims) -> Principal:
    """The account as it is now, its region, and whether this token was revoked.

    The lookup ends its own read transaction, so a request that needs nothing more from the
    database costs exactly one worker-thread hop.
    """
    sql = _USER_SQL if claims.kind == "user" else _CLIENT_SQL
    try:
        row = db.connection().execute(sql, {"jti": claims.jti, "sub": claims.sub}).one_or_none()
    finally:
        db.commit()
    if row is None or row.revoked:
        raise Unauthorized("auth.invalid_token")
    if row.tokens_valid_after is not None and claims.iat < row.tokens_valid_after:
        raise Unauthorized("auth.invalid_token")
    if not row.active:
        raise Unauthorized("auth.inactive")
    return Principal(
        kind=claims.kind,  # type: ignore[arg-type]
        id=row.id,
        name=row.name,
        role=Role(row.role) if row.role else None,
        region_code=row.region_code,
        scopes=frozenset(row.scopes or ()),
        jti=claims.jti,
        token_expires_at=claims.exp,
        display_name=row.display_name or row.name,
        region_name=row.region_name,
        region_level=row.region_level,
    )


def authorize(request: Request, principal: Principal) -> None:
    """Refuse unless the matrix lets this principal call this route (deny by default)."""
    found = rule_for(request.method, request.url.path)
    if found is None:
        raise Forbidden()
    _, rule = found
    if not rule.allows(principal):
        if principal.kind == "user":
            raise Forbidden("auth.role_required")
        raise Forbidden("auth.scope_required", scope=" | ".join(sorted(rule.client_scopes)) or "-")


AuthCtx = Annotated[RequestCtx, Depends(auth_ctx)]
