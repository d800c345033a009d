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

import asyncio
import contextlib
import contextvars
import functools
import inspect
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi import routing as fastapi_routing
from fastapi._compat import ModelField, field_annotation_is_sequence, get_missing_field_error
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

T = TypeVar("T")


class Router(APIRouter):
    """An ``APIRouter`` with lean routes that also refuses, at a glance, paths it cannot serve.

    An application tries its routers one after another, and each tries every one of its
    routes' patterns; a request for the thirteenth router paid for the routes of the twelve
    before it. A router here knows the first segment of each of its paths (``elders`` for
    ``/elders/{elder_id}``) and declines a path containing none of them without trying a
    pattern. A path matching one of its routes always contains that route's first segment,
    so no route is ever declined that would have matched.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", LeanRoute)
        super().__init__(**kwargs)
        self._first_segments: frozenset[str] | None = None
        self._segments_of: int = -1  # how many routes the segments were computed from

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        segments = self._first_segments
        if segments is None or self._segments_of != len(self.routes):
            segments = self._first_segments = _first_segments(self.routes)
            self._segments_of = len(self.routes)
        if segments and segments.isdisjoint(scope["path"].split("/")):
            return Match.NONE, {}
        return super().matches(scope)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = one_hop(endpoint)
        super().add_api_route(path, endpoint, **kwargs)


def _first_segments(routes: list[BaseRoute]) -> frozenset[str]:
    """The first path segments of ``routes``; empty (no shortcut) unless every one is plain."""
    found = set()
    for route in routes:
        path = getattr(route, "path", None)
        if not isinstance(route, APIRoute) or not isinstance(path, str):
            return frozenset()
        first = path.lstrip("/").split("/", 1)[0]
        if not first or "{" in first:
            return frozenset()
        found.add(first)
    return frozenset(found)


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

    What ``run_in_threadpool`` does, at a fraction of its cost per call (no capacity
    limiter or cancel scope: the pool's size is the limit). A cancelled caller still waits
    for the thread to finish, so a session is never used by two threads at once.
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


class LeanRoute(APIRoute):
    """An ``APIRoute`` whose common shapes skip FastAPI's general request machinery.

    Most requests of this API are GETs whose dependencies are the bearer authentication,
    the request's session and query or path parameters. FastAPI solves such a dependency
    tree anew on every request (cache keys, callable checks, empty parameter lists, a
    throwaway ``Response``), which on a busy worker costs more than the endpoint itself.
    For routes of that shape the tree is planned once; each request then runs the same
    steps in the same order with the same FastAPI functions for parameter validation and
    serialization, so answers, errors and the order they are raised in are unchanged.
    Anything else (bodies, forms, cookies, background tasks, streams, dependency
    overrides) takes FastAPI's own handler.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        # Routes included into an app are served through an "effective" copy carrying the
        # dependencies and settings of the inclusion; FastAPI announces it in this variable
        # while the handler is built.
        context_var = getattr(fastapi_routing, "_effective_route_context_var", None)
        context = context_var.get() if context_var is not None else None
        route: Any = context if context is not None and context.original_route is self else self
        plan = _plan(route.dependant)
        if plan is None or not _plain_json_route(route):
            return standard
        return _lean_handler(route, plan, standard)


@dataclass(frozen=True)
class _Param:
    """A path or query parameter, with what FastAPI works out about it on every request."""

    field: ModelField
    alias: str
    loc: tuple[str, str]
    many: bool  # a list: all values of a repeated query key
    required: bool
    default: Any
    copy_default: bool
    validate_default: bool


_IMMUTABLE = (type(None), bool, int, float, str, bytes, frozenset, tuple)


def _params(fields: list[ModelField], *, multi: bool) -> tuple[_Param, ...] | None:
    """Plain parameters read as FastAPI reads them; None where one is not plain (a model,
    JSON, aliases to choose from), and FastAPI's reader is used for the lot."""
    from fastapi.dependencies import utils

    try:
        planned = []
        for field in fields:
            aliases = utils._get_param_aliases(field)
            if (
                utils._get_param_model(field) is not None
                or utils._is_json_field(field)
                or len(aliases) != 1
                or aliases[0][0] != aliases[0][1]
            ):
                return None
            info = field.field_info
            alias = aliases[0][1]
            planned.append(
                _Param(
                    field=field,
                    alias=alias,
                    loc=(info.in_.value, alias),  # type: ignore[attr-defined]
                    many=multi and field_annotation_is_sequence(info.annotation),
                    required=info.is_required(),
                    default=field.default,
                    copy_default=not isinstance(field.default, _IMMUTABLE),
                    validate_default=bool(info.validate_default),
                )
            )
    except (AttributeError, TypeError):  # another FastAPI than this was written for
        return None
    return tuple(planned)


def _read(
    params: tuple[_Param, ...],
    source: Any,
    values: dict[str, Any],
    errors: list[Any],
) -> None:
    for param in params:
        value = (source.getlist(param.alias) or None) if param.many else source.get(param.alias)
        if value is None:
            if param.required:
                errors.append(get_missing_field_error(loc=param.loc))
                continue
            value = deepcopy(param.default) if param.copy_default else param.default
            if not param.validate_default:
                values[param.field.name] = value
                continue
        checked, bad = param.field.validate(value, values, loc=param.loc)
        if bad:
            errors.extend(bad)
        else:
            values[param.field.name] = checked


@dataclass(frozen=True)
class _Plan:
    """How to solve one dependant: its sub-dependencies, then its own parameters."""

    dependant: Dependant
    subs: tuple[_Plan, ...]
    kind: Literal["endpoint", "async_gen", "coroutine", "sync"]
    path: tuple[_Param, ...] | None
    query: tuple[_Param, ...] | None


def _plan(dependant: Dependant, kind: str = "endpoint") -> _Plan | None:
    if (
        dependant.body_params
        or dependant.cookie_params
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.concurrency is not None
    ):
        return None
    subs = []
    for sub in dependant.dependencies:
        call = sub.call
        if call is None or inspect.isgeneratorfunction(call):
            return None
        if inspect.isasyncgenfunction(call):
            sub_kind = "async_gen"
        elif inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
            getattr(call, "__call__", None)  # noqa: B004  (a dependency instance, e.g. auth)
        ):
            sub_kind = "coroutine"
        else:
            sub_kind = "sync"
        planned = _plan(sub, sub_kind)
        if planned is None:
            return None
        subs.append(planned)
    return _Plan(
        dependant,
        tuple(subs),
        kind,  # type: ignore[arg-type]
        _params(dependant.path_params, multi=False),
        _params(dependant.query_params, multi=True),
    )


def _plain_json_route(route: Any) -> bool:
    call = route.dependant.call
    return bool(
        route.body_field is None
        and getattr(route, "stream_item_field", None) is None
        and not inspect.isgeneratorfunction(call)
        and not inspect.isasyncgenfunction(call)
        and (
            isinstance(route.response_class, DefaultPlaceholder)
            or route.response_class is JSONResponse
        )
    )


def _lean_handler(
    route: Any,
    plan: _Plan,
    standard: Callable[[Request], Coroutine[Any, Any, Response]],
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    endpoint = route.dependant.call
    endpoint_is_coroutine = inspect.iscoroutinefunction(endpoint)
    overrides = route.dependency_overrides_provider
    dump_json = route.response_field is not None and isinstance(
        route.response_class, DefaultPlaceholder
    )
    wants_response = _any_response_param(plan)

    async def app(request: Request) -> Response:
        if overrides is not None and getattr(overrides, "dependency_overrides", None):
            return await standard(request)
        sub_response: Response | None = None
        if wants_response:
            sub_response = Response()
            del sub_response.headers["content-length"]
            sub_response.status_code = None  # type: ignore[assignment]
        errors: list[Any] = []
        values = await _solve(plan, request, sub_response, {}, errors)
        if errors:
            raise RequestValidationError(errors, body=None)
        if endpoint_is_coroutine:
            raw = await endpoint(**values)
        else:
            raw = await in_thread(functools.partial(endpoint, **values))
        if isinstance(raw, Response):
            return raw
        status_code = route.status_code or (sub_response.status_code if sub_response else None)
        if sub_response is not None and sub_response.status_code:
            status_code = sub_response.status_code
        content = await serialize_response(
            field=route.response_field,
            response_content=raw,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            is_coroutine=endpoint_is_coroutine,
            dump_json=dump_json,
        )
        status = status_code if status_code is not None else 200
        if dump_json:
            response = Response(content, status_code=status, media_type="application/json")
        else:
            response = JSONResponse(content, status_code=status)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        if sub_response is not None:
            response.headers.raw.extend(sub_response.headers.raw)
        return response

    return app


def _any_response_param(plan: _Plan) -> bool:
    return bool(plan.dependant.response_param_name) or any(
        _any_response_param(sub) for sub in plan.subs
    )


async def _solve(
    plan: _Plan,
    request: Request,
    response: Response | None,
    cache: dict[Any, Any],
    errors: list[Any],
) -> dict[str, Any]:
    """The values of ``plan``'s parameters, in the order FastAPI's solver produces them."""
    dependant = plan.dependant
    values: dict[str, Any] = {}
    for sub in plan.subs:
        sub_dependant = sub.dependant
        before = len(errors)
        sub_values = await _solve(sub, request, response, cache, errors)
        if len(errors) > before:
            continue
        call: Any = sub_dependant.call
        if sub_dependant.use_cache and call in cache:
            solved = cache[call]
        elif sub.kind == "async_gen":
            stack = request.scope[
                "fastapi_function_astack"
                if sub_dependant.scope == "function"
                else "fastapi_inner_astack"
            ]
            solved = await stack.enter_async_context(asynccontextmanager(call)(**sub_values))
        elif sub.kind == "coroutine":
            solved = await call(**sub_values)
        else:
            solved = await in_thread(functools.partial(call, **sub_values))
        if sub_dependant.name is not None:
            values[sub_dependant.name] = solved
        cache.setdefault(call, solved)
    if plan.path is not None:
        _read(plan.path, request.path_params, values, errors)
    else:
        found, bad = request_params_to_args(dependant.path_params, request.path_params)
        values.update(found)
        errors += bad
    if plan.query is not None:
        if plan.query:
            _read(plan.query, request.query_params, values, errors)
    else:
        found, bad = request_params_to_args(dependant.query_params, request.query_params)
        values.update(found)
        errors += bad
    if dependant.header_params:
        found, bad = request_params_to_args(dependant.header_params, request.headers)
        values.update(found)
        errors += bad
    if dependant.request_param_name:
        values[dependant.request_param_name] = request
    if dependant.response_param_name:
        values[dependant.response_param_name] = response
    return values
