from __future__ import annotations

from fastapi.responses import JSONResponse
from sqlalchemy import text

from eldercare import __version__
from eldercare.db import get_engine
from eldercare.migrate import at_head
from eldercare.routing import Router

router = Router(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get(
    "/readyz",
    summary="The database is reachable and migrated to head",
    responses={503: {"description": "Not ready"}},
)
def readyz() -> JSONResponse:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            migrated = at_head(conn)
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if not migrated:
        return JSONResponse(
            {"status": "unavailable", "database": "migrations pending"}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok"})
