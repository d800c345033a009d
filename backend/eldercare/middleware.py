"""Pure ASGI middleware: request ids, the access log, security headers; the body limit and
the NUL check."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eldercare import nul
from eldercare.config import get_settings
from eldercare.errors import BodyTooLarge, too_large
from eldercare.logs import access, request_id_var

# A client's own request id is echoed and logged as it is, so it may not carry a run of
# digits as long as a phone or ID number.
# Matched whole (``fullmatch``: a ``$`` would let a trailing newline through into the logs).
_VALID_REQUEST_ID = re.compile(r"(?!.*\d{11})[A-Za-z0-9._:\-]{1,64}", re.ASCII)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
]
# The SPA loads only its own assets; the API docs page needs the CDN-free defaults too.
# Generated request ids: a random prefix per process and a counter, 32 hex digits like a
# UUID, unique across workers without a system call per request.
_ID_PREFIX = secrets.token_hex(8)
_id_counter = itertools.count(1)


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):016x}"


def _new_prefix() -> None:  # a forked worker must not repeat its parent's ids
    global _ID_PREFIX
    _ID_PREFIX = secrets.token_hex(8)


os.register_at_fork(after_in_child=_new_prefix)


CSP = (
    b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    b"script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class RequestContextMiddleware:
    """Accept or create ``X-Request-ID``, echo it, add security headers, log one line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = (
            incoming if incoming and _VALID_REQUEST_ID.fullmatch(incoming) else new_request_id()
        )
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        path: str = scope["path"]
        is_docs = path in ("/docs", "/redoc") or path.startswith("/docs/")

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers: list[Any] = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if not is_docs:
                    headers.append((b"content-security-policy", CSP))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            # The path, never the query string: it may hold names or ID numbers.
            access(scope["method"], path, status, round((time.perf_counter() - started) * 1000, 2))
            request_id_var.reset(token)


class RequestChecks:
    """Refuse, before any endpoint, a body over ``ELDERCARE_MAX_UPLOAD_MB`` (413) and a NUL
    in a request's values (422, see :mod:`eldercare.nul`): one layer for both.

    ``before_api``: awaited before every request under ``api_prefix`` (the application
    passes the register's daily refresh, free once this process knows it ran); a layer here
    costs a fraction of a route dependency, which FastAPI solves anew on every request.

    A declared ``Content-Length`` over the limit is answered at once, unread; a body sent
    without one (chunked), or longer than it said, is counted as it is received and cut off
    at the limit (the reader gets :class:`~eldercare.errors.BodyTooLarge`).
    """

    def __init__(
        self,
        app: ASGIApp,
        before_api: Callable[[], Awaitable[None]] | None = None,
        api_prefix: str = "/api/",
    ) -> None:
        self.app = app
        self.nul = nul.NulCheck()
        self.before_api = before_api
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.before_api is not None and scope["path"].startswith(self.api_prefix):
            await self.before_api()
        limit_mb = get_settings().max_upload_mb
        limit = limit_mb * 1024 * 1024
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > limit:
                    await too_large(Request(scope), limit_mb)(scope, receive, send)
                    return
            elif name == b"transfer-encoding":
                chunked = True
        if not chunked:  # no body, or one whose length the server holds it to
            bad, receive = await self.nul(scope, receive)
            if bad:
                await nul.reject(scope, receive, send, bad)
            else:
                await self.app(scope, receive, send)
            return
        received = 0
        started = False
        plain_receive = receive

        async def counted() -> Message:
            nonlocal received
            message = await plain_receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit_mb)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            bad, receive = await self.nul(scope, counted)
            if bad:
                await nul.reject(scope, receive, watched, bad)
            else:
                await self.app(scope, receive, watched)
        except BodyTooLarge:
            if started:
                raise
            await too_large(Request(scope), limit_mb)(scope, plain_receive, send)
