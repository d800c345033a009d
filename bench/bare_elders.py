"""The baseline for the elder list: Starlette + psycopg running the app's SQL, the same JSON
with the same encoder (the app's ``FastJSONResponse``)."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date
from pathlib import Path

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from eldercare import identity, phones
from eldercare.pagination import encode_cursor
from eldercare.routing import FastJSONResponse

DSN = os.environ["BARE_DSN"]
SQL = Path(os.environ["BARE_SQL_FILE"]).read_text()
LIMIT = 50
_pool: asyncio.Queue[psycopg.AsyncConnection] | None = None


async def pool() -> asyncio.Queue[psycopg.AsyncConnection]:
    global _pool
    if _pool is None:
        _pool = asyncio.Queue()
        for _ in range(8):
            await _pool.put(await psycopg.AsyncConnection.connect(DSN, autocommit=True))
    return _pool


async def elders(request: Request) -> FastJSONResponse:
    q = await pool()
    conn = await q.get()
    try:
        cur = await conn.execute(SQL)
        rows = await cur.fetchall()
    finally:
        q.put_nowait(conn)
    today = date.today()
    more = len(rows) > LIMIT
    rows = rows[:LIMIT]
    items = [
        {
            "id": r[0],
            "name": r[1],
            "sex": r[3],
            "birth_year": r[4].year,
            "age": identity.age_on(r[4], today),
            "id_number": identity.mask(r[5]),
            "phone": phones.mask(r[6]),
            "village_code": r[7],
            "address": r[8],
            "living_arrangement": r[9],
            "self_care": r[10],
            "categories": [c for c in (r[11] or "").split(",") if c],
            "is_left_behind": r[12],
            "risk_level": r[13],
            "status": r[15],
            "version": r[16],
        }
        for r in rows
    ]
    cursor = encode_cursor([rows[-1][2], rows[-1][0]]) if more else None
    return FastJSONResponse({"items": items, "next_cursor": cursor, "total": None})


app = Starlette(routes=[Route("/api/v1/elders", elders)])
