"""The baseline of ``bench_auth.py``: ``GET /api/v1/auth/me`` on bare Starlette, doing the
app's own work for the request and none of the framework's.

Per request, as the app does it: the bearer token is verified through the same cache of
verified tokens and the account read from the same principal cache (``authenticate``,
kept honest by the database the same way), the answer is the same ``MeOut`` serialized by
the same JSON encoder (pydantic's, as FastAPI serializes a response model: the same bytes
as the app's body), and one access-log line is written through the same logger, with a
request id. What it leaves out is what the ratio measures: FastAPI's routing, dependency
solving and response validation, the app's middleware (request ids echoed, security
headers, body limit, NUL check, compression) and the authorization matrix.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from eldercare import logs
from eldercare.auth import cache as principal_cache
from eldercare.auth.deps import authenticate
from eldercare.auth.schemas import MeOut, RegionBrief
from eldercare.auth.service import permissions_of
from eldercare.config import get_settings
from eldercare.middleware import new_request_id
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import TypeAdapter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ME = TypeAdapter(MeOut)  # what FastAPI serializes the app's response model with


async def me(request: Request) -> Response:
    started = time.perf_counter()
    token = logs.request_id_var.set(new_request_id())
    try:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        p = await authenticate(HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials))
        body = MeOut(
            kind=p.kind,
            id=p.id,
            username=p.name,
            display_name=p.display_name,
            role=p.role,
            region=RegionBrief(code=p.region_code, name=p.region_name, level=p.region_level),
            scopes=sorted(p.scopes),
            permissions=permissions_of(p),
        )
        response = Response(ME.dump_json(body), media_type="application/json")
        duration = round((time.perf_counter() - started) * 1000, 2)
        logs.access("GET", request.scope["path"], 200, duration)
        return response
    finally:
        logs.request_id_var.reset(token)


async def body_of(credentials: str) -> bytes:
    """The body the baseline answers for a token (a test compares it with the app's)."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/auth/me",
        "headers": [(b"authorization", f"Bearer {credentials}".encode())],
        "query_string": b"",
    }
    return bytes((await me(Request(scope))).body)


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    settings = get_settings()
    logs.configure(settings.log_level)  # as the app configures them
    if settings.auth_cache:
        principal_cache.install(settings.database_url)
    try:
        yield
    finally:
        principal_cache.uninstall()


app = Starlette(routes=[Route("/api/v1/auth/me", me)], lifespan=lifespan)
