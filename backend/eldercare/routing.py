"""Routers whose blocking endpoints cost one worker-thread hop, database work included.

FastAPI runs a plain ``def`` endpoint in the thread pool, then validates its answer in a
second hop, and the request's session is committed (or its read transaction ended) in a
third. Each hop is a wake-up of a thread and of the event loop, which on a busy worker
costs more than the work itself. ``Router`` wraps such endpoints so that the endpoint and
the commit of its session run together in one hop, and the rest happens on the event loop.
Errors take the usual way: the request's session dependency rolls back (or keeps what an
error asks to keep) exactly as before.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool


class Router(APIRouter):
    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = one_hop(endpoint)
        super().add_api_route(path, endpoint, **kwargs)


def one_hop(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` as a coroutine that runs it, then commits its sessions, in one thread hop."""

    @functools.wraps(fn)  # FastAPI reads the parameters of the wrapped function
    async def endpoint(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(_call_and_commit, fn, args, kwargs)

    return endpoint


def _call_and_commit(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = fn(*args, **kwargs)
    for value in kwargs.values():
        if isinstance(value, Session) and value.in_transaction():
            value.commit()
    return result
