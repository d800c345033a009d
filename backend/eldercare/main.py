"""The application factory: routers under /api/v1, problem details, the SPA at /."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request

from eldercare import __version__, db, errors, health, logs, openapi, routing, wiring, worker
from eldercare.audit.router import router as audit_router
from eldercare.auth import cache as principal_cache
from eldercare.auth.accounts_router import clients as clients_router
from eldercare.auth.accounts_router import users as users_router
from eldercare.auth.router import public as auth_public_router
from eldercare.auth.router import router as auth_router
from eldercare.bulk import jobs as bulk_jobs
from eldercare.bulk.router import router as bulk_router
from eldercare.config import get_settings
from eldercare.elders.care_router import router as care_router
from eldercare.elders.current import keep_current, register_current
from eldercare.elders.router import router as elders_router
from eldercare.followups.router import router as followups_router
from eldercare.incidents.router import router as incidents_router
from eldercare.middleware import RequestChecks, RequestContextMiddleware
from eldercare.regions.router import router as regions_router
from eldercare.relief.router import router as relief_router
from eldercare.rosters.router import router as rosters_router
from eldercare.spa import SPAFiles
from eldercare.stats import freezing
from eldercare.stats.router import router as stats_router
from eldercare.sweeps.router import router as sweeps_router
from eldercare.visits.router import router as visits_router
from eldercare.volunteers.router import router as volunteers_router

API_PREFIX = "/api/v1"

DESCRIPTION = """
ElderCare (关爱) keeps the register of rural left-behind elders (农村留守老年人), their
guardians, paired helpers, visits, relief eligibility and emergencies for villages,
townships and counties.

* Authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`.
* Errors are RFC 9457 problem details with a stable `code`; messages follow
  `Accept-Language` (`zh-CN` default, `en`).
* Lists use keyset pagination: `limit` (max 500), `cursor`, `count=true`.
* Objects outside your region answer 404.
"""


ROUTERS: list[APIRouter] = [
    auth_public_router,
    auth_router,
    regions_router,
    users_router,
    clients_router,
    audit_router,
    elders_router,
    care_router,
    volunteers_router,
    visits_router,
    followups_router,
    relief_router,
    incidents_router,
    stats_router,
    bulk_router,
    sweeps_router,
    rosters_router,
]


def _stale(request: Request, exc: Exception) -> JSONResponse:
    return errors.problem(request, 412, "precondition_failed")


_frozen = False


def _freeze_startup_objects() -> None:
    """Take what start-up made (modules, routes, schemas, mappers: some 350,000 objects that
    live as long as the process) out of the garbage collector's sight, once per process.

    Every full collection used to walk all of them: a 100,000-row import paid 1.7 s in such
    collections, 0.2 s after this. Garbage made later is collected as before.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Fewer threads contend less for the GIL; the database pool covers them all.
    settings = get_settings()
    to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    routing.use_threads(settings.worker_threads)
    if settings.auth_cache:
        principal_cache.install(settings.database_url)
    # the register's pages read on this event loop (PostgreSQL): the pool lives with it
    reads = db.async_reads() if settings.database_url else None
    opened = reads is not None and await reads.open()
    _freeze_startup_objects()
    # the register's daily refresh (ages move on), whichever process gets there first
    daily = asyncio.create_task(keep_current()) if settings.register_daily_refresh else None
    # queued jobs: run here too, unless `eldercare worker` processes run them (production)
    sources = [bulk_jobs.take, freezing.take]  # imports, and freezing months as they close
    embedded = worker.Embedded(sources).start() if settings.embedded_worker else None
    try:
        yield
    finally:
        if embedded is not None:
            await routing.in_thread(embedded.stop)
        if daily is not None:
            daily.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await daily
        principal_cache.uninstall()
        if opened and reads is not None:
            await reads.close()


def create_app() -> FastAPI:
    wiring.install()
    settings = get_settings()
    logs.configure(settings.log_level)
    app = FastAPI(
        lifespan=lifespan,
        title="ElderCare API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    errors.install(app)
    openapi.install(app)
    app.add_exception_handler(StaleDataError, _stale)
    app.include_router(health.router)
    for router in ROUTERS:  # directly on the app: one level of routing per request
        app.include_router(router, prefix=API_PREFIX)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "Accept-Language",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "X-Request-ID", "Retry-After", "Location"],
        )
    # Compressed answers for slow rural networks (the SPA's bundles and JSON lists).
    # Level 5: nearly the size of level 9 for JSON, at a fraction of the CPU per response.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    # Inside the request context: its 413 and 422 carry the request id.
    # Every API request first makes sure the register's facts are today's (free once known).
    app.add_middleware(RequestChecks, before_api=register_current, api_prefix=API_PREFIX + "/")
    app.add_middleware(RequestContextMiddleware)
    dist = Path(settings.frontend_dist)
    if (dist / "index.html").is_file():
        app.mount("/", SPAFiles(dist), name="spa")
    return app
