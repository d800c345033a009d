"""A region's plain first page read on the event loop (PostgreSQL) answers as the threads do.

Other tests run every request through one rolled-back connection, which the event loop's
own connections cannot see; here the data is committed in a database of this module's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from eldercare import db as dbmod
from eldercare import migrate
from eldercare.config import get_settings
from eldercare.db import AsyncReads, make_engine
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.conftest import BACKEND, create_database, drop_database
from tests.factories import (
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    load_test_regions,
    make_elder,
    make_user,
)

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="an async driver: PostgreSQL")


@pytest.fixture(scope="module")
def own_url() -> Iterator[str]:
    url = create_database("loop_")
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture
def world(own_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    from eldercare.main import create_app
    from fastapi.testclient import TestClient

    fetched: list[str] = []
    original = AsyncReads.fetch

    async def counting(self: AsyncReads, sql: str, params: dict[str, Any]) -> Any:
        fetched.append(sql)
        return await original(self, sql, params)

    monkeypatch.setattr(AsyncReads, "fetch", counting)
    saved = os.environ.get("ELDERCARE_DATABASE_URL")
    os.environ["ELDERCARE_DATABASE_URL"] = own_url
    get_settings.cache_clear()
    app_engine = make_engine(own_url)
    dbmod.set_engine(app_engine)
    with Session(app_engine) as s, s.begin():
        load_test_regions(s)
        elders = [make_elder(s, VILLAGE) for _ in range(5)] + [make_elder(s, OTHER_VILLAGE)]
        officer = auth(make_user(s, "township_officer", TOWNSHIP))
        worker = auth(make_user(s, "village_worker", VILLAGE))
        ids = [e.id for e in elders]
    try:
        with TestClient(create_app()) as client:
            yield {"client": client, "officer": officer, "worker": worker, "ids": ids, "f": fetched}
    finally:
        if saved is None:
            os.environ.pop("ELDERCARE_DATABASE_URL", None)
        else:
            os.environ["ELDERCARE_DATABASE_URL"] = saved
        get_settings.cache_clear()
        dbmod.set_engine(engine)
        app_engine.dispose()


def test_first_pages_come_from_the_event_loop_and_match_the_threads(world) -> None:
    c, fetched = world["client"], world["f"]
    for headers in (world["officer"], world["worker"]):
        for sort in ("name", "-age", "risk"):
            fetched.clear()
            loop = c.get(f"/api/v1/elders?limit=2&sort={sort}", headers=headers).json()
            assert len(fetched) == 1  # read on the event loop
            threads = c.get(f"/api/v1/elders?limit=2&sort={sort}&count=true", headers=headers)
            assert len(fetched) == 1  # a count takes the threads
            assert loop["items"] == threads.json()["items"]
            assert loop["next_cursor"] == threads.json()["next_cursor"]
            # the pages after a cursor too, and the threads continue the same cursor alike
            after = f"/api/v1/elders?limit=2&sort={sort}&cursor={loop['next_cursor']}"
            rest = c.get(after, headers=headers).json()
            assert len(fetched) == 2
            rest_threads = c.get(after + "&count=true", headers=headers).json()
            assert rest["items"] == rest_threads["items"]
            assert rest["next_cursor"] == rest_threads["next_cursor"]
            seen = [i["id"] for i in loop["items"] + rest["items"]]
            assert len(seen) == len(set(seen)) == 4
    bad = c.get("/api/v1/elders?cursor=not-a-cursor", headers=world["officer"])
    assert bad.status_code == 400
    worker_ids = {
        i["id"] for i in c.get("/api/v1/elders?limit=50", headers=world["worker"]).json()["items"]
    }
    assert set(world["ids"][:5]) <= worker_ids  # the neighbouring village's elder is not there
    assert world["ids"][5] not in worker_ids


def test_filters_take_the_threads(world) -> None:
    c, fetched = world["client"], world["f"]
    fetched.clear()
    r = c.get("/api/v1/elders?status=active&limit=50", headers=world["officer"])
    assert r.status_code == 200
    assert set(world["ids"]) <= {i["id"] for i in r.json()["items"]}
    assert fetched == []
