"""Routes whose blocking endpoints cost one worker-thread hop, database work included; the
one way the backend runs blocking work off the event loop (:func:`in_thread`); and the JSON
response of hand-built answers (:class:`FastJSONResponse`).

FastAPI runs a plain ``def`` endpoint in a worker thread, and the request's session is
committed (or its read transaction ended) when its dependency exits: a second hop. Each
hop is a wake-up of a thread and of the event loop, which on a busy worker costs more than
the work itself. :class:`OneHopRoute` (the route class of every :class:`Router`) turns such
an endpoint into a coroutine that runs it and commits its sessions in one hop; FastAPI
then validates and serializes the answer on the event loop, and the session dependency
finds nothing left to end. Errors take the usual way: the endpoint raises before the
commit, and the session dependency rolls back (or keeps what an error asks to keep).

Only public FastAPI API is used: the endpoint is wrapped before ``APIRoute`` reads its
signature (``functools.wraps`` keeps it), as a route class may do.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

T = TypeVar("T")


class OneHopRoute(APIRoute):
    """An ``APIRoute`` whose blocking (``def``) endpoint runs together with the commit of
    its sessions in one worker-thread hop (see :func:`one_hop`). Coroutine endpoints and
    generators (streams) are left as FastAPI runs them."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not (
            inspect.iscoroutinefunction(endpoint)
            or inspect.isgeneratorfunction(endpoint)
            or inspect.isasyncgenfunction(endpoint)
        ):
            endpoint = one_hop(endpoint)
        super().__init__(path, endpoint, **kwargs)


class Router(APIRouter):
    """An ``APIRouter`` of :class:`OneHopRoute` routes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", OneHopRoute)
        super().__init__(**kwargs)


def one_hop(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` as a coroutine that runs it, then commits its sessions, in one thread hop."""

    @functools.wraps(fn)  # FastAPI reads the parameters of the wrapped function
    async def endpoint(*args: Any, **kwargs: Any) -> Any:
        return await in_thread(_call_and_commit, fn, args, kwargs)

    return endpoint


async def run_blocking(fn: Callable[..., T], **kwargs: Any) -> T:
    """``fn(**kwargs)`` and the commit of the sessions among ``kwargs``, in one thread hop
    (what ``Router`` does for a blocking endpoint, for a coroutine endpoint's blocking part)."""
    return await in_thread(_call_and_commit, fn, (), kwargs)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def use_threads(n: int) -> None:
    """Size this process's pool for blocking work (``ELDERCARE_WORKER_THREADS``)."""
    global _pool
    with _pool_lock:
        old, _pool = _pool, ThreadPoolExecutor(n, thread_name_prefix="eldercare")
    if old is not None:
        old.shutdown(wait=False)


def _threads() -> ThreadPoolExecutor:
    if _pool is None:
        from eldercare.config import get_settings

        use_threads(get_settings().worker_threads)
    assert _pool is not None
    return _pool


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread, with this task's context variables.

    The backend's one way to run blocking work from the event loop: a plain thread pool
    sized by ``ELDERCARE_WORKER_THREADS`` (the pool's size is the limit). A cancelled
    caller still waits for the thread to finish, so a session is never used by two threads
    at once.
    """
    context = contextvars.copy_context()
    waiter = asyncio.wrap_future(_threads().submit(context.run, fn, *args))
    try:
        return await asyncio.shield(waiter)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await waiter
        raise


def _call_and_commit(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = fn(*args, **kwargs)
    for value in kwargs.values():
        if isinstance(value, Session) and value.in_transaction():
            value.commit()
    return result


_PASSTHROUGH = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _not_plain(value: Any) -> Any:
    raise TypeError


class FastJSONResponse(JSONResponse):
    """Starlette's ``JSONResponse`` encoded by orjson: the same bytes in a fraction of the
    time for JSON's own values (dicts, lists, strings, integers, booleans, None, and floats
    of at least 1e-4 or zero), which is what hand-built answers such as the register's rows
    hold.

    Datetimes, dataclasses, subclasses of ``str``, ``int``, ``dict`` and ``list`` and types
    neither encoder knows go to ``JSONResponse``'s own encoder, which answers (or refuses)
    them as before. Not for what the two write differently: floats below 1e-4 (``0.00001``
    here, ``1e-05`` there), NaN, UUIDs and plain enums (which ``JSONResponse`` refuses).
    """

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, default=_not_plain, option=_PASSTHROUGH)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return super().render(content)
