"""Authentication (bearer JWT checked against the database) and authorization (the matrix)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import JSON, text
from sqlalchemy.orm import Session

from eldercare.auth import cache as principal_cache
from eldercare.auth.security import (
    AccessClaims,
    InvalidToken,
    decode_access_token,
    session_revocation,
)
from eldercare.authz import rule_for
from eldercare.config import get_settings
from eldercare.context import Principal, RequestCtx, build_ctx
from eldercare.db import UTCDateTime, session_factory
from eldercare.errors import Forbidden, Unauthorized
from eldercare.roles import Role
from eldercare.routing import in_thread


class BearerAuth(HTTPBearer):
    """Authenticate, then authorize against the matrix; the request's context with its actor.

    Every protected router declares this dependency, so no route can skip it. It is the
    bearer security scheme itself, so the OpenAPI document declares it on every route that
    depends on it, at the cost of one dependency per request.
    """

    async def __call__(self, request: Request) -> RequestCtx:  # type: ignore[override]
        header = request.headers.get("authorization")
        scheme, _, token = (header or "").partition(" ")
        credentials = (
            HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
            if header and token.strip()
            else None
        )
        principal = await authenticate(credentials)
        authorize(request, principal)
        request.state.principal = principal
        return build_ctx(request).with_principal(principal)


auth_ctx = BearerAuth(
    auto_error=False,
    bearerFormat="JWT",
    description="Access token from POST /api/v1/auth/token",
    scheme_name="HTTPBearer",
)


async def authenticate(credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """A valid, unrevoked token of an active user or client, as the database says now.

    The token's role and region are informational: both are read again from the database,
    so a deactivated account or a changed role takes effect at once. The answer is kept in
    this worker's principal cache until the database says something it depends on changed.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    try:
        claims = decode_access_token(get_settings(), credentials.credentials)
    except InvalidToken:
        raise Unauthorized("auth.invalid_token") from None
    cache = principal_cache.current()
    epoch = cache.epoch() if cache is not None else None
    outcome = cache.get(claims.jti, epoch) if cache is not None and epoch is not None else None
    if outcome is None:
        outcome = await in_thread(_lookup_in_own_session, claims)
        if cache is not None and epoch is not None:
            cache.put(claims.jti, epoch, outcome)
    if isinstance(outcome, str):
        raise Unauthorized(outcome)
    return outcome


# The hottest query of the API (every authenticated request): plain SQL, one round trip.
_USER_SQL = text(
    "SELECT u.id, u.username AS name, u.display_name, u.role, u.region_code, u.active, "
    "NULL AS scopes, r.name AS region_name, r.level AS region_level, u.tokens_valid_after, "
    "u.must_change_password, "
    "EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.jti IN (:jti, :sid)) AS revoked "
    "FROM users u JOIN regions r ON r.code = u.region_code WHERE u.id = :sub"
).columns(scopes=JSON, tokens_valid_after=UTCDateTime())
_CLIENT_SQL = text(
    "SELECT c.id, c.client_id AS name, c.name AS display_name, NULL AS role, c.region_code, "
    "c.active, c.scopes, r.name AS region_name, r.level AS region_level, "
    "c.tokens_valid_after, FALSE AS must_change_password, "
    "EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.jti IN (:jti, :sid)) AS revoked "
    "FROM integration_clients c JOIN regions r ON r.code = c.region_code WHERE c.id = :sub"
).columns(scopes=JSON, tokens_valid_after=UTCDateTime())


def _lookup_in_own_session(claims: AccessClaims) -> principal_cache.Outcome:
    with session_factory()() as db:
        return lookup(db, claims)


def lookup(db: Session, claims: AccessClaims) -> principal_cache.Outcome:
    """The account as it is now, its region, and whether this token was revoked (by its own
    id, or with every access token of its login session: see ``session_revocation``).

    Answers the principal, or the error code of the refusal. The lookup ends its own read
    transaction, so a request that needs nothing more from the database costs exactly one
    worker-thread hop.
    """
    sql = _USER_SQL if claims.kind == "user" else _CLIENT_SQL
    try:
        sid = session_revocation(claims.sid) if claims.sid else claims.jti
        params = {"jti": claims.jti, "sid": sid, "sub": claims.sub}
        row = db.connection().execute(sql, params).one_or_none()
    finally:
        db.commit()
    if row is None or row.revoked:
        return "auth.invalid_token"
    if row.tokens_valid_after is not None and claims.iat < row.tokens_valid_after:
        return "auth.invalid_token"
    if not row.active:
        return "auth.inactive"
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
        must_change_password=bool(row.must_change_password),
    )


# What a token opens while its user must change a reset password.
PASSWORD_CHANGE_ROUTES = frozenset(
    {
        ("GET", "/api/v1/auth/me"),
        ("POST", "/api/v1/auth/password"),
        ("POST", "/api/v1/auth/logout"),
    }
)


def authorize(request: Request, principal: Principal) -> None:
    """Refuse unless the matrix lets this principal call this route (deny by default)."""
    if principal.must_change_password and (request.method, request.scope["path"]) not in (
        PASSWORD_CHANGE_ROUTES
    ):
        raise Forbidden("auth.password_change_required")
    found = rule_for(request.method, request.scope["path"])
    if found is None:
        raise Forbidden()
    _, rule = found
    if not rule.allows(principal):
        if principal.kind == "user":
            raise Forbidden("auth.role_required")
        if not rule.client_scopes:  # staff only: no scope would do
            raise Forbidden("auth.client_not_allowed")
        raise Forbidden("auth.scope_required", scope=" | ".join(sorted(rule.client_scopes)))


AuthCtx = Annotated[RequestCtx, Depends(auth_ctx)]
