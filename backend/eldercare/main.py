"""The application factory: routers under /api/v1, problem details, the SPA at /."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from starlette.requests import Request

from eldercare import __version__, errors, health, logs
from eldercare.audit.router import router as audit_router
from eldercare.auth.accounts_router import clients as clients_router
from eldercare.auth.accounts_router import users as users_router
from eldercare.auth.router import public as auth_public_router
from eldercare.auth.router import router as auth_router
from eldercare.config import get_settings
from eldercare.middleware import RequestContextMiddleware
from eldercare.regions.router import router as regions_router
from eldercare.spa import SPAFiles

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


def api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth_public_router)
    api.include_router(auth_router)
    api.include_router(regions_router)
    api.include_router(users_router)
    api.include_router(clients_router)
    api.include_router(audit_router)
    return api


def _stale(request: Request, exc: Exception) -> JSONResponse:
    return errors.problem(request, 412, "precondition_failed")


def create_app() -> FastAPI:
    settings = get_settings()
    logs.configure(settings.log_level)
    app = FastAPI(
        title="ElderCare API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    errors.install(app)
    app.add_exception_handler(StaleDataError, _stale)
    app.include_router(health.router)
    app.include_router(api_router())
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
    app.add_middleware(RequestContextMiddleware)
    dist = Path(settings.frontend_dist)
    if (dist / "index.html").is_file():
        app.mount("/", SPAFiles(dist), name="spa")
    return app
