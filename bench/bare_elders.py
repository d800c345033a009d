"""The baseline for the elder list: the least an endpoint must do to give the app's answer.

Like for like with the app's ``GET /api/v1/elders`` (a township's plain list, PostgreSQL):

* the same token check with the same cache of verified tokens
  (``eldercare.auth.security.decode_access_token``);
* the same SQL: the app's own statement for the page, compiled once with its parameters
  (``eldercare.elders.queries.shared_page_sql``), and with ``count=true`` the app's count
  of it, both in one REPEATABLE READ, READ ONLY transaction, as the app reads them;
* the same kind of pool: ``psycopg_pool.AsyncConnectionPool``, sized and configured as the
  app's (autocommit, no JIT, the checkout check when ``ELDERCARE_DB_POOL_PRE_PING`` is on);
* the same rows to JSON, response class and encoder: ``eldercare.elders.router.list_response``
  (the same bytes);
* the same access log line, request id and security headers (the app's
  ``RequestContextMiddleware``, at the app's log level).

What it leaves out is the framework: routing, dependencies, parameter validation, the
app's other middleware, the scope and account checks. Environment: ``BARE_DSN`` (a
psycopg connection string) and ``BARE_TOWNSHIP`` (the code whose list is served).
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from eldercare import logs
from eldercare.auth.security import InvalidToken, decode_access_token
from eldercare.clock import today
from eldercare.config import get_settings
from eldercare.context import Principal, RequestCtx
from eldercare.db import utcnow
from eldercare.elders.filters import ElderFilters
from eldercare.elders.queries import list_statement, shared_page_sql
from eldercare.elders.router import list_response
from eldercare.middleware import RequestContextMiddleware
from eldercare.pagination import count_sql, page_of_tuples
from eldercare.roles import Role
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

DSN = os.environ["BARE_DSN"]
TOWNSHIP = os.environ["BARE_TOWNSHIP"]
LIMIT = 50

_principal = Principal(
    "user", "x", "x", Role.township_officer, TOWNSHIP, frozenset(), "x", utcnow()
)
_ctx = RequestCtx(None, None, "zh-CN", _principal)
_dialect = PGDialect_psycopg()
_plan = shared_page_sql(
    _ctx, ElderFilters(), sort="name", limit=LIMIT, cursor=None, dialect=_dialect
)
assert _plan is not None
SQL, PARAMS, POSITIONS = _plan
COUNT_SQL, COUNT_PARAMS = count_sql(list_statement(_ctx, ElderFilters())[0], _dialect)

_pool: AsyncConnectionPool | None = None


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
    await conn.set_read_only(True)


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    global _pool
    settings = get_settings()
    _pool = AsyncConnectionPool(
        DSN,
        min_size=1,
        max_size=settings.worker_threads,
        kwargs={"autocommit": True, "options": "-c jit=off"},
        configure=_configure,
        check=AsyncConnectionPool.check_connection if settings.db_pool_pre_ping else None,
        open=False,
    )
    await _pool.open()
    try:
        yield
    finally:
        await _pool.close()


async def elders(request: Request) -> Response:
    header = request.headers.get("authorization", "")
    try:
        decode_access_token(get_settings(), header[7:])
    except InvalidToken:
        return JSONResponse({"code": "auth.invalid_token"}, status_code=401)
    count = request.query_params.get("count") == "true"
    assert _pool is not None
    async with _pool.connection() as conn:
        if count:
            async with conn.transaction():
                cur = await conn.execute(COUNT_SQL, COUNT_PARAMS)
                row = await cur.fetchone()
                total = int(row[0]) if row else 0
                cur = await conn.execute(SQL, PARAMS)
                rows = await cur.fetchall()
        else:
            total = None
            cur = await conn.execute(SQL, PARAMS)
            rows = await cur.fetchall()
    return list_response(page_of_tuples(rows, LIMIT, POSITIONS, total), today())


logs.configure(get_settings().log_level)
app = Starlette(
    routes=[Route("/api/v1/elders", elders)],
    middleware=[Middleware(RequestContextMiddleware)],
    lifespan=lifespan,
)
