"""Every status the app sends during the test suite is one its OpenAPI document lists.

``StatusRecorder`` wraps the tests' application and notes each (method, path template,
status) it answers; at the end of the session the ``app`` fixture compares them with
``app.openapi()``. The suite's thousand-odd requests thus check that the contract's error
statuses are the ones the server really returns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, ClassVar

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Statuses no operation documents: a fault (a test may provoke one on purpose) and
# answers for methods or paths no operation serves.
UNDOCUMENTED = {405, 500}


class StatusRecorder:
    seen: ClassVar[dict[tuple[str, str], set[int]]] = defaultdict(set)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                StatusRecorder.seen[(scope["method"], scope["path"])].add(message["status"])
            await send(message)

        await self.app(scope, receive, record)


def undocumented(
    doc: dict[str, Any], seen: dict[tuple[str, str], set[int]] | None = None
) -> list[str]:
    """``method template: statuses`` for each operation that answered what ``doc`` omits."""
    seen = StatusRecorder.seen if seen is None else seen
    templates: list[tuple[re.Pattern[str], str]] = [
        (compile_path(path)[0], path) for path in doc["paths"]
    ]
    templates.sort(key=lambda t: (t[1].count("{"), -len(t[1])))  # literal segments first
    found = []
    for (method, path), statuses in sorted(seen.items()):
        template = next((t for regex, t in templates if regex.match(path)), None)
        operation = doc["paths"].get(template, {}).get(method.lower()) if template else None
        if operation is None:
            continue
        listed = {int(s) for s in operation["responses"] if s.isdigit()}
        missing = statuses - listed - UNDOCUMENTED
        if missing:
            found.append(f"{method} {template}: {sorted(missing)} (seen at {path})")
    return sorted(set(found))
