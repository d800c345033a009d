"""Logins, token rotation and revocation, and the caller's own account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eldercare import clock
from eldercare.audit import service as audit
from eldercare.auth import throttle
from eldercare.auth.models import IntegrationClient, RefreshToken, RevokedToken, User
from eldercare.auth.security import (
    burn_password_check,
    digest,
    hash_password,
    issue_access_token,
    new_secret,
    session_revocation,
    successor_secret,
    verify_password,
)
from eldercare.authz import MATRIX
from eldercare.config import Settings, get_settings
from eldercare.context import Principal, RequestCtx
from eldercare.db import new_id
from eldercare.errors import FieldError, Forbidden, TooManyRequests, Unauthorized, ValidationFailed
from eldercare.roles import Role

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "1234567890a",
        "qwertyuiop",
        "password12",
        "password123",
        "a123456789",
        "1qaz2wsx3edc",
        "abcdefghij",
        "woaini1314",
        "iloveyou12",
        "aaaaaaaaaa",
        "1111111111",
        "0000000000",
        "8888888888",
        "abc1234567",
    }
)


def password_problems(password: str, username: str, loc: str = "password") -> list[FieldError]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [FieldError(["body", loc], "password.too_short", min_length=MIN_PASSWORD_LENGTH)]
    if password.strip().lower() == username.strip().lower():
        return [FieldError(["body", loc], "password.equals_username")]
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 3:
        return [FieldError(["body", loc], "password.too_common")]
    return []


def check_password(password: str, username: str, loc: str = "password") -> None:
    problems = password_problems(password, username, loc)
    if problems:
        raise ValidationFailed(errors=problems)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str | None


def _user_tokens(
    db: Session, settings: Settings, user: User, family_id: str, raw: str | None = None
) -> Tokens:
    """A new pair: ``raw`` is the refresh token it replaces (None at login)."""
    refresh = successor_secret(settings, raw) if raw is not None else new_secret(32)
    now = clock.now()
    db.add(
        RefreshToken(
            token_hash=digest(refresh),
            family_id=family_id,
            user_id=user.id,
            issued_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    return _pair(settings, user, family_id, refresh, now)


def _pair(settings: Settings, user: User, family_id: str, refresh: str, issued: datetime) -> Tokens:
    """The access token that goes with ``refresh``: the same one every time (its id comes
    from the refresh token, its times from the refresh token's issue)."""
    access, expires_in, _ = issue_access_token(
        settings,
        sub=user.id,
        kind="user",
        role=user.role,
        region=user.region_code,
        scopes=[],
        now=issued,
        jti=digest("access:" + refresh)[:32],
        session=family_id,
    )
    return Tokens(access, expires_in, refresh)


def login_password(
    db: Session, ctx: RequestCtx, settings: Settings, username: str, password: str
) -> Tokens:
    now = clock.now()
    checks = throttle.limits(settings, username, ctx.ip)
    wait = throttle.wait_seconds(db, checks, now)
    if wait:
        audit.record(
            db,
            ctx,
            "login_throttled",
            resource="user",
            actor_name=username[:150],
            outcome="failure",
        )
        raise TooManyRequests(
            headers={"Retry-After": str(wait)},
            retry_after=wait,
            commit=True,
            extra={"retry_after": wait},
        )
    user = db.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        burn_password_check(password)
        ok = False
    else:
        ok = verify_password(password, user.password_hash)
    if not ok or user is None or not user.active:
        throttle.record_failure(db, checks, now)
        audit.record(
            db,
            ctx,
            "login_failed",
            resource="user",
            resource_id=user.id if user else None,
            region_code=user.region_code if user else None,
            actor_name=username[:150],
            outcome="failure",
            detail={"reason": "inactive" if ok and user and not user.active else "bad_credentials"},
        )
        raise Unauthorized(
            "auth.invalid_credentials", commit=True, extra={"error": "invalid_grant"}
        )
    throttle.clear_account(db, checks, now)
    # A Core update: a login must not bump the user's version (admins' ETags stay valid).
    db.execute(
        update(User).where(User.id == user.id).values(last_login_at=now, updated_at=User.updated_at)
    )
    tokens = _user_tokens(db, settings, user, new_id())
    as_user = Principal(
        "user", user.id, user.username, Role(user.role), user.region_code, frozenset(), "", now
    )
    audit.record(db, ctx.with_principal(as_user), "login", resource="user", resource_id=user.id)
    return tokens


def login_client(
    db: Session, ctx: RequestCtx, settings: Settings, client_id: str, secret: str
) -> Tokens:
    now = clock.now()
    checks = throttle.limits(settings, f"client:{client_id}", ctx.ip)
    wait = throttle.wait_seconds(db, checks, now)
    if wait:
        raise TooManyRequests(
            headers={"Retry-After": str(wait)},
            retry_after=wait,
            commit=True,
            extra={"retry_after": wait},
        )
    client = db.scalar(select(IntegrationClient).where(IntegrationClient.client_id == client_id))
    ok = verify_password(secret, client.secret_hash) if client else False
    if client is None:
        burn_password_check(secret)
    if not ok or client is None or not client.active:
        throttle.record_failure(db, checks, now)
        audit.record(
            db,
            ctx,
            "login_failed",
            resource="client",
            resource_id=client.id if client else None,
            region_code=client.region_code if client else None,
            actor_name=client_id[:150],
            outcome="failure",
        )
        raise Unauthorized("auth.invalid_client", commit=True, extra={"error": "invalid_client"})
    throttle.clear_account(db, checks, now)
    access, expires_in, _ = issue_access_token(
        settings,
        sub=client.id,
        kind="client",
        role=None,
        region=client.region_code,
        scopes=list(client.scopes),
    )
    as_client = Principal(
        "client",
        client.id,
        client.client_id,
        None,
        client.region_code,
        frozenset(client.scopes),
        "",
        now,
    )
    audit.record(
        db, ctx.with_principal(as_client), "login", resource="client", resource_id=client.id
    )
    return Tokens(access, expires_in, None)


def refresh(db: Session, ctx: RequestCtx, settings: Settings, raw: str) -> Tokens:
    """Rotate: the presented token is spent and a new one of the same family returned.

    Presenting a spent token again means it was copied: the whole family is revoked, so
    both the thief and the victim must log in again.
    """
    now = clock.now()
    row = db.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(raw)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("auth.invalid_refresh_token", extra={"error": "invalid_grant"})
    claimed = db.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        again = _within_grace(db, settings, row, raw, now)
        if again is not None:
            return again
        revoke_family(db, row.family_id)
        revoke_all_for_user(db, row.user_id)  # the thief's live access token dies too
        user = db.get(User, row.user_id)
        audit.record(
            db,
            ctx,
            "refresh_token_reused",
            resource="user",
            resource_id=row.user_id,
            region_code=user.region_code if user else None,
            actor_name=user.username if user else None,
            outcome="failure",
            detail={"family_id": row.family_id},
        )
        raise Unauthorized(
            "auth.refresh_token_reused", commit=True, extra={"error": "invalid_grant"}
        )
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("auth.inactive", extra={"error": "invalid_grant"})
    return _user_tokens(db, settings, user, row.family_id, raw)


def _within_grace(
    db: Session, settings: Settings, row: RefreshToken, raw: str, now: datetime
) -> Tokens | None:
    """The pair ``raw`` was rotated into, when it was rotated moments ago (another tab of the
    same session refreshing at the same time) and that pair is still live; else None."""
    used_at = db.scalar(select(RefreshToken.used_at).where(RefreshToken.id == row.id))
    grace = timedelta(seconds=settings.refresh_grace_seconds)
    if used_at is None or now - used_at > grace:
        return None
    successor = successor_secret(settings, raw)
    after = db.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(successor)))
    if after is None or after.revoked_at is not None or after.expires_at <= now:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return _pair(settings, user, row.family_id, successor, after.issued_at)


def revoke_family(db: Session, family_id: str) -> None:
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def revoke_all_for_user(db: Session, user_id: str) -> None:
    """End every session of the user: refresh tokens now, live access tokens on next use."""
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    db.execute(
        update(User)
        .where(User.id == user_id)
        .values(tokens_valid_after=_this_second(), updated_at=User.updated_at)
    )


def revoke_client_tokens(db: Session, client_id: str) -> None:
    db.execute(
        update(IntegrationClient)
        .where(IntegrationClient.id == client_id)
        .values(tokens_valid_after=_this_second(), updated_at=IntegrationClient.updated_at)
    )


def _this_second() -> datetime:
    # Tokens carry their issue time in milliseconds: anything issued before now is cut off.
    now = clock.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def logout(
    db: Session, ctx: RequestCtx, refresh_token: str | None, session: str | None = None
) -> None:
    """Revoke this access token and the session's refresh tokens (the family the access
    token was issued with, and the family of ``refresh_token`` if one is given)."""
    p = ctx.actor
    now = clock.now()
    db.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    db.add(RevokedToken(jti=p.jti, expires_at=p.token_expires_at))
    families: set[str] = set()
    if session and p.kind == "user":
        families.add(session)
        db.execute(
            update(RefreshToken)
            .where(
                RefreshToken.family_id == session,
                RefreshToken.user_id == p.id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    if refresh_token and p.kind == "user":
        row = db.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token))
        )
        if row is not None and row.user_id == p.id:
            revoke_family(db, row.family_id)
            families.add(row.family_id)
    # every access token of those sessions (the ones issued by refreshes too) dies with them:
    # none outlives the newest one, issued at the latest now
    until = now + timedelta(minutes=get_settings().access_token_minutes)
    for family in sorted(families):
        _insert_ignoring_duplicate(db, session_revocation(family), until)
    audit.record(db, ctx, "logout", resource=p.kind, resource_id=p.id)


def _insert_ignoring_duplicate(db: Session, jti: str, expires_at: datetime) -> None:
    """A ``revoked_tokens`` row; two logouts of one session at once both succeed."""
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.execute(
        insert(RevokedToken)
        .values(jti=jti, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["jti"])
    )


def change_own_password(
    db: Session, ctx: RequestCtx, settings: Settings, current: str, new: str
) -> None:
    """Guessing the current password here is throttled like a login (a stolen token must not
    become unlimited guesses); success ends every session, this one included."""
    p = ctx.actor
    user = db.get(User, p.id)
    if user is None:
        raise Unauthorized("auth.invalid_token")
    now = clock.now()
    checks = throttle.limits(settings, user.username, ctx.ip)
    wait = throttle.wait_seconds(db, checks, now)
    if wait:
        raise TooManyRequests(
            headers={"Retry-After": str(wait)},
            retry_after=wait,
            commit=True,
            extra={"retry_after": wait},
        )
    if not verify_password(current, user.password_hash):
        throttle.record_failure(db, checks, now)
        audit.record(
            db, ctx, "password_change", resource="user", resource_id=user.id, outcome="failure"
        )
        raise Forbidden("auth.wrong_password", commit=True)
    check_password(new, user.username, loc="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoke_all_for_user(db, user.id)
    db.flush()
    audit.record(
        db, ctx, "password_change", resource="user", resource_id=user.id, fields=["password"]
    )


def permissions_of(principal: Principal) -> list[str]:
    return list(_permissions(principal.kind, principal.role, principal.scopes))


@lru_cache(maxsize=256)
def _permissions(kind: str, role: Role | None, scopes: frozenset[str]) -> tuple[str, ...]:
    """What the matrix allows a role (or a set of client scopes): the same for every holder."""
    allowed = [f"{m} {path}" for (m, path), r in MATRIX.items() if r.permits(kind, role, scopes)]
    return tuple(sorted(allowed))
