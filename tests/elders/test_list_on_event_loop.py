"""A region's plain pages read on the event loop (PostgreSQL) from psycopg's async pool.

They answer as the threads do, page and total from one snapshot; the pool lives with the
application's lifespan, replaces a broken connection without failing the next request, and
a cancelled request leaves no query running on a pooled connection.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from eldercare import db as dbmod
from eldercare.clock import today
from eldercare.config import get_settings
from eldercare.context import Principal, RequestCtx
from eldercare.db import READ_POOL_NAME, AsyncReads, read_apart
from eldercare.elders import service
from eldercare.elders.filters import ElderFilters
from eldercare.elders.router import list_response
from eldercare.roles import Role
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.conftest import BACKEND
from tests.factories import (
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_user,
)

pytestmark = [
    pytest.mark.skipif(BACKEND != "postgresql", reason="an async driver: PostgreSQL"),
    pytest.mark.committed,
]


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements read on the event loop (the pool's reads, spied on, not replaced)."""
    seen: list[str] = []
    original = AsyncReads.fetch_with_count

    async def spy(self: AsyncReads, sql: str, *args: Any) -> Any:
        seen.append(sql)
        return await original(self, sql, *args)

    monkeypatch.setattr(AsyncReads, "fetch_with_count", spy)
    return seen


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    elders = [make_elder(db, VILLAGE, name=n) for n in ("张秀英", "李桂兰", "王淑珍", "赵玉梅")]
    elders.append(make_elder(db, VILLAGE, name="刘建国", male=True, birth="1940-02-02"))
    elders.append(make_elder(db, OTHER_VILLAGE))
    officer = make_user(db, "township_officer", TOWNSHIP)
    worker = make_user(db, "village_worker", VILLAGE)
    db.commit()
    return {"officer": officer, "worker": worker, "ids": [e.id for e in elders]}


def threads_answer(user: Any, query: dict[str, Any]) -> Any:
    """What the service answers in a worker thread's session, as the endpoint renders it."""
    principal = Principal(
        "user", user.id, user.username, Role(user.role), user.region_code, frozenset(), "x", None
    )  # type: ignore[arg-type]
    ctx = RequestCtx(None, None, "zh-CN", principal)
    work = functools.partial(
        service.list_elders,
        ctx=ctx,
        filters=ElderFilters(),
        sort=query.get("sort", "name"),
        limit=query["limit"],
        cursor=query.get("cursor"),
        count=query.get("count", False),
    )
    return json.loads(list_response(read_apart(work), today()).body)


def test_pages_and_totals_come_from_the_event_loop_and_match_the_threads(
    client, world, fetched
) -> None:
    for user, in_scope in ((world["officer"], 6), (world["worker"], 5)):
        h = auth(user)
        for sort in ("name", "-age", "risk"):
            for count in (False, True):
                fetched.clear()
                q: dict[str, Any] = {"limit": 2, "sort": sort, "count": count}
                first = client.get("/api/v1/elders", params=q, headers=h)
                assert first.status_code == 200
                assert len(fetched) == 1  # read on the event loop
                assert first.json() == threads_answer(user, q)
                assert first.json()["total"] == (in_scope if count else None)
                q["cursor"] = first.json()["next_cursor"]
                rest = client.get("/api/v1/elders", params=q, headers=h)
                assert len(fetched) == 2
                assert rest.json() == threads_answer(user, q)
                seen = [i["id"] for i in first.json()["items"] + rest.json()["items"]]
                assert len(seen) == len(set(seen)) == 4
    bad = client.get("/api/v1/elders?cursor=not-a-cursor", headers=auth(world["officer"]))
    assert bad.status_code == 400
    mine = client.get("/api/v1/elders?limit=50", headers=auth(world["worker"])).json()["items"]
    assert {i["id"] for i in mine} == set(world["ids"][:5])  # not the neighbouring village's


def test_filters_and_volunteers_take_the_threads(client, db, world, fetched) -> None:
    h = auth(world["officer"])
    r = client.get("/api/v1/elders?status=active&limit=50&count=true", headers=h)
    assert r.status_code == 200
    assert {i["id"] for i in r.json()["items"]} == set(world["ids"])
    assert r.json()["total"] == 6
    volunteer = make_user(db, "volunteer", VILLAGE)
    assert client.get("/api/v1/elders", headers=auth(volunteer)).json()["items"] == []
    assert fetched == []


def _pool_backends(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        return [
            (r.pid, r.state, r.query)
            for r in conn.execute(
                text(
                    "SELECT pid, state, query FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": READ_POOL_NAME},
            )
        ]


@pytest.fixture(params=[False, True], ids=["no-check", "checked-at-checkout"])
def pre_ping(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[bool]:
    """``ELDERCARE_DB_POOL_PRE_PING`` for the pool the next fixtures open."""
    monkeypatch.setenv("ELDERCARE_DB_POOL_PRE_PING", str(request.param).lower())
    get_settings.cache_clear()
    yield request.param
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_broken_connection_is_replaced_and_the_next_request_succeeds(
    pre_ping, client, world, engine, fetched
) -> None:
    reads = dbmod.async_reads()
    assert reads is not None
    assert reads.check is pre_ping
    h = auth(world["officer"])
    before = client.get("/api/v1/elders?count=true", headers=h)
    assert before.status_code == 200
    backends = _pool_backends(engine)
    assert backends  # the pool's connection, idle
    with engine.connect() as conn:
        for pid, _, _ in backends:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    after = client.get("/api/v1/elders?count=true", headers=h)
    assert after.status_code == 200, after.text
    assert after.json() == before.json()
    assert len(fetched) == 2  # both from the event loop
    alive = {pid for pid, _, _ in _pool_backends(engine)}
    assert alive
    assert not alive & {pid for pid, _, _ in backends}


def test_the_pool_opens_and_closes_with_the_application(app, world, engine) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        r = c.get("/api/v1/elders", headers=auth(world["worker"]))
        assert r.status_code == 200
        assert _pool_backends(engine)
    # the server ends a backend once its client has closed the connection
    for _ in range(500):
        if not _pool_backends(engine):
            break
        time.sleep(0.01)
    assert _pool_backends(engine) == []
    reads = dbmod.async_reads()
    assert reads is not None
    assert not reads.is_open


def test_an_application_on_another_loop_reads_in_threads(app, world, engine, fetched) -> None:
    """The pool belongs to the event loop of the lifespan that opened it: a second server
    of the same process (tests run several) reads in threads and leaves the pool open."""
    from fastapi.testclient import TestClient

    h = auth(world["worker"])
    with TestClient(app) as first:
        expected = first.get("/api/v1/elders", headers=h).json()
        assert len(fetched) == 1
        with TestClient(app) as second:
            assert second.get("/api/v1/elders", headers=h).json() == expected
            assert len(fetched) == 1
        assert first.get("/api/v1/elders", headers=h).json() == expected
        assert len(fetched) == 2


def test_a_cancelled_request_leaves_no_query_on_a_pooled_connection(world, engine) -> None:
    """A request cancelled while its page waits on a lock: psycopg cancels the query in the
    server before the connection goes back to the pool, and the next request is answered
    from the pool as usual."""
    from eldercare.main import create_app, lifespan

    app = create_app()
    h = auth(world["officer"])
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def waiting_on_the_lock() -> bool:
        rows = await asyncio.to_thread(_pool_backends, engine)
        return any(state == "active" and "FROM elders" in query for _, state, query in rows)

    async def scenario() -> None:
        async with lifespan(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                first = await client.get("/api/v1/elders", headers=h)
                assert first.status_code == 200
                with psycopg.connect(dsn) as locker:
                    locker.execute("LOCK TABLE elders IN ACCESS EXCLUSIVE MODE")
                    request = asyncio.create_task(client.get("/api/v1/elders", headers=h))
                    for _ in range(500):
                        await asyncio.sleep(0.01)
                        if await waiting_on_the_lock():
                            break
                    else:
                        raise AssertionError("the page never waited on the lock")
                    request.cancel()
                    with pytest.raises(asyncio.CancelledError):
                        await request
                    # the lock is still held: had the query been left running, it would show
                    rows = await asyncio.to_thread(_pool_backends, engine)
                    assert rows
                    assert all(state == "idle" for _, state, _ in rows), rows
                    locker.rollback()
                again = await client.get("/api/v1/elders", headers=h)
                assert again.status_code == 200
                assert again.json() == first.json()

    asyncio.run(scenario())
