"""Password hashing (argon2id via pwdlib) and JWT access tokens (python-jose, HS256 pinned)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from eldercare.config import Settings, get_settings
from eldercare.db import new_id, utcnow

ALGORITHM = "HS256"  # the one algorithm; never taken from the token header


@lru_cache
def password_hasher() -> PasswordHash:
    settings = get_settings()
    return PasswordHash(
        (
            Argon2Hasher(
                memory_cost=settings.password_hash_memory_kib,
                time_cost=settings.password_hash_time_cost,
                parallelism=settings.password_hash_parallelism,
            ),
        )
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return password_hasher().verify(password, password_hash)
    except Exception:  # a malformed stored hash never authenticates
        return False


@lru_cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spend the time of a real check so unknown usernames cannot be told apart by timing."""
    verify_password(password, _dummy_hash())


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AccessClaims:
    sub: str
    kind: str  # "user" or "client"
    role: str | None
    region: str
    scopes: tuple[str, ...]
    jti: str
    exp: datetime
    iat: datetime
    sid: str | None = None  # a user's login session: the family of its refresh tokens


def successor_secret(settings: Settings, raw: str) -> str:
    """The refresh token that rotating ``raw`` hands out: derived, keyed by the server's
    secret, so every worker re-issues the same one for the same old token (two tabs
    refreshing at once) while nobody without the secret can compute it."""
    mac = hmac.new(settings.jwt_secret.encode(), b"refresh-successor\x00" + raw.encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def issue_access_token(
    settings: Settings,
    *,
    sub: str,
    kind: str,
    role: str | None,
    region: str,
    scopes: list[str],
    now: datetime | None = None,
    jti: str | None = None,
    session: str | None = None,
) -> tuple[str, int, AccessClaims]:
    now = now or utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    exp = now + lifetime
    jti = jti or new_id()
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": sub,
        "kind": kind,
        "role": role,
        "region": region,
        "scopes": scopes,
        "jti": jti,
        "iat": int(now.timestamp()),
        "iat_ms": int(now.timestamp() * 1000),  # precise: revocation cut-offs within a second
        "exp": int(exp.timestamp()),
    }
    if session is not None:
        claims["sid"] = session
    token = jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)
    return (
        token,
        int(lifetime.total_seconds()),
        AccessClaims(
            sub,
            kind,
            role,
            region,
            tuple(scopes),
            jti,
            exp,
            datetime.fromtimestamp(int(now.timestamp()), tz=UTC),
            session,
        ),
    )


def session_revocation(session: str) -> str:
    """The ``revoked_tokens`` key that revokes every access token of a login session (the
    tokens whose ``sid`` claim is that refresh-token family), whichever was used to log out."""
    return f"sid:{session}"


class InvalidToken(Exception):
    pass


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """Verify signature, algorithm, issuer, audience and expiry.

    A verified token's claims are remembered (bounded LRU) so a client sending the same token
    again skips the HMAC and JSON work; expiry is checked on every use all the same.
    """
    claims = _verified(token, settings.jwt_secret, settings.jwt_audience, settings.jwt_issuer)
    if claims.exp <= utcnow():
        raise InvalidToken("expired")
    return claims


@lru_cache(maxsize=8192)
def _verified(token: str, secret: str, audience: str, issuer: str) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unexpected algorithm")
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_jti": True,
                "require_sub": True,
                "require_aud": True,
                "require_iss": True,
                "leeway": 0,
            },
        )
    except JWTError as exc:
        raise InvalidToken(str(exc)) from exc
    kind = claims.get("kind")
    if kind not in ("user", "client") or not isinstance(claims.get("region"), str):
        raise InvalidToken("malformed claims")
    return AccessClaims(
        sub=str(claims["sub"]),
        kind=kind,
        role=claims.get("role"),
        region=claims["region"],
        scopes=tuple(claims.get("scopes") or ()),
        jti=str(claims["jti"]),
        exp=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
        iat=datetime.fromtimestamp(
            int(claims["iat_ms"]) / 1000
            if isinstance(claims.get("iat_ms"), int)
            else int(claims["iat"]),
            tz=UTC,
        ),
        sid=str(claims["sid"]) if isinstance(claims.get("sid"), str) else None,
    )
