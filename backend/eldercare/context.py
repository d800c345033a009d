"""What a service needs to know about the request: who, from where, which request."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Request

from eldercare.config import get_settings
from eldercare.i18n import negotiate
from eldercare.roles import Role
from eldercare.scope import Scope, paired_elders


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user or integration client, as the database says it is now."""

    kind: Literal["user", "client"]
    id: str
    name: str
    role: Role | None
    region_code: str
    scopes: frozenset[str]
    jti: str
    token_expires_at: datetime
    display_name: str = ""
    region_name: str = ""
    region_level: str = ""
    # an administrator reset the password: only /auth/me, /auth/password and /auth/logout
    must_change_password: bool = False

    @property
    def shown_name(self) -> str:
        """The name people see for this user in histories and records: the person's name
        (their account name when they have none); the audit log keeps the account name."""
        return self.display_name or self.name

    @property
    def scope(self) -> Scope:
        if self.role == Role.volunteer:
            return Scope(self.region_code, paired_elders(self.id))
        return Scope(self.region_code)


@dataclass(frozen=True, slots=True)
class RequestCtx:
    request_id: str | None
    ip: str | None
    lang: str
    principal: Principal | None = None

    def with_principal(self, principal: Principal) -> RequestCtx:
        return RequestCtx(self.request_id, self.ip, self.lang, principal)

    @property
    def actor(self) -> Principal:
        """The authenticated principal (routes behind ``authorize`` always have one)."""
        if self.principal is None:
            raise RuntimeError("no authenticated principal on this request")
        return self.principal


def client_ip(request: Request) -> str | None:
    """The peer address; behind trusted proxies, the nearest untrusted X-Forwarded-For hop."""
    peer = request.client.host if request.client else None
    trusted = get_settings().trusted_proxies
    if not trusted or peer is None or not _in(peer, trusted):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop
    return peer


def _in(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def build_ctx(request: Request) -> RequestCtx:
    return RequestCtx(
        request_id=getattr(request.state, "request_id", None),
        ip=client_ip(request),
        lang=negotiate(request.headers.get("accept-language")),
        principal=getattr(request.state, "principal", None),
    )


async def request_ctx(request: Request) -> RequestCtx:
    return build_ctx(request)


Ctx = Annotated[RequestCtx, Depends(request_ctx)]
