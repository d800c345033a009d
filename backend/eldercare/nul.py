"""NUL characters are refused where a request's values are read: 422 before any endpoint.

PostgreSQL cannot store or compare text holding ``\\x00``; a NUL that reached a query was a
500 (and a streamed export broke off after its 200). One check here covers every route:
query parameters, path parameters, and the bodies FastAPI validates (JSON, urlencoded and
multipart forms). A route reading its body itself (an import) is left alone: there a NUL is
an error of its row, and the other rows are still imported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import Message, Receive, Scope, Send

from eldercare.errors import FieldError, problem

NUL = "\x00"
CODE = "string.nul"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";", 1)[0].strip().lower()
    return ""


@dataclass(frozen=True, slots=True)
class _Served:
    """An operation as the application serves it: full path pattern, methods, a body."""

    regex: re.Pattern[str]
    methods: frozenset[str]
    has_body: bool


def _served(routes: Any) -> list[_Served]:
    """The operations of an application, through included routers (FastAPI's public
    ``iter_route_contexts``), with their full paths compiled by Starlette."""
    return [
        _Served(
            compile_path(c.path)[0],
            frozenset(c.methods or ()),
            getattr(c.route, "body_field", None) is not None,
        )
        for c in iter_route_contexts(routes)
        if c.path is not None
    ]


def _route(scope: Scope, table: list[_Served]) -> tuple[_Served, dict[str, Any]] | None:
    """The operation that will serve ``scope`` and its path parameters; one of another
    method when none of this method matches."""
    path, method = scope["path"], scope["method"]
    other = None
    for served in table:
        found = served.regex.match(path)
        if found is None:
            continue
        if not served.methods or method in served.methods:
            return served, found.groupdict()
        if other is None:
            other = served, found.groupdict()
    return other


def nul_paths(value: Any, loc: list[str | int]) -> list[list[str | int]]:
    """Where in a decoded JSON document a string (or a key) holds a NUL."""
    found: list[list[str | int]] = []
    if isinstance(value, str):
        if NUL in value:
            found.append(loc)
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                found.append([*loc, key])
            else:
                found.extend(nul_paths(item, [*loc, key]))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(nul_paths(item, [*loc, i]))
    return found


def _query_errors(scope: Scope) -> list[list[str | int]]:
    raw: bytes = scope.get("query_string", b"")
    if b"%00" not in raw and b"\x00" not in raw:
        return []
    return [
        ["query", name]
        for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        if NUL in name or NUL in value
    ]


class NulCheck:
    """Where a request's query, path and validated body hold a NUL; one per application
    layer (the routes' table is built on first use, per application)."""

    def __init__(self) -> None:
        self._tables: dict[int, list[Any]] = {}

    def _table(self, scope: Scope) -> list[_Served]:
        app = scope.get("app")
        table = self._tables.get(id(app))
        if table is None:
            router = getattr(app, "router", None)
            table = self._tables[id(app)] = _served(getattr(router, "routes", ()))
        return table

    async def __call__(
        self, scope: Scope, receive: Receive
    ) -> tuple[list[list[str | int]], Receive]:
        """The locations of NULs (empty: none), and what the application is to receive
        (the body read here, replayed, or ``receive`` untouched when nothing was read)."""
        bad = _query_errors(scope)
        if NUL in scope["path"]:
            found = _route(scope, self._table(scope))
            names = [k for k, v in (found[1] if found else {}).items() if NUL in str(v)]
            bad += [["path", name] for name in names] or [["path"]]
        if bad or scope["method"] not in _BODY_METHODS:
            return bad, receive
        kind = _content_type(scope)
        is_json = kind == "application/json" or kind.endswith("+json")
        if not (is_json or kind in _FORMS):
            return bad, receive
        found = _route(scope, self._table(scope))
        if found is None or not found[0].has_body:
            return bad, receive  # no body to validate, or read as a stream
        body = await _read(receive)
        if is_json:
            bad = _json_errors(body)
        elif b"\x00" in body or b"%00" in body:
            bad = await _form_errors(scope, _replaying(body, receive))
        return bad, _replaying(body, receive)


async def reject(scope: Scope, receive: Receive, send: Send, locs: list[list[str | int]]) -> None:
    """The 422 problem for NULs at ``locs`` (``string.nul``, with each field's ``loc``)."""
    request = Request(scope, receive)
    errors = [FieldError(loc, CODE) for loc in locs]
    await problem(request, 422, "validation_failed", errors=errors)(scope, receive, send)


async def _read(receive: Receive) -> bytes:
    """The whole body (FastAPI reads it whole before validating it anyway)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # disconnected: the app then sees what came
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _json_errors(body: bytes) -> list[list[str | int]]:
    if b"\\u0000" not in body:  # a NUL can only come as this escape (raw, it is not JSON)
        return []
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return []  # FastAPI answers malformed JSON itself
    return nul_paths(document, ["body"])


async def _form_errors(scope: Scope, receive: Receive) -> list[list[str | int]]:
    try:
        form = await Request(scope, receive).form()
    except Exception:  # a malformed form: FastAPI answers it itself
        return []
    try:
        return [
            ["body", name]
            for name, value in form.multi_items()
            if NUL in name or (isinstance(value, str) and NUL in value)
        ]
    finally:
        await form.close()
