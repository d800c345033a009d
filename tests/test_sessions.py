"""One session semantics: a request reads one snapshot, whichever path serves it.

These run through the paths production takes (``committed``): the real engine and pool, a
transaction per request and, on PostgreSQL, the register's plain pages on the event loop.
Another connection commits a new elder between a list's count and its page: the total and
the items still agree, and the next request sees the newcomer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eldercare.db import session_factory, write_apart
from eldercare.elders.models import Elder
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from tests.factories import VILLAGE, auth, make_elder, make_user

pytestmark = pytest.mark.committed


class Interloper:
    """Commits an elder from a connection of its own right after the first count a request
    runs: on the engine (worker threads) or on the event loop's async connections."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.armed = False
        self.added: list[str] = []

    def insert(self) -> None:
        self.armed = False
        with Session(self.engine) as other:
            self.added.append(make_elder(other, VILLAGE, name="孙玉兰").id)
            other.commit()

    def after_execute(self, *args: Any) -> None:
        statement = args[2]
        if self.armed and statement.lstrip().upper().startswith("SELECT COUNT(*)"):
            self.insert()


@pytest.fixture
def interloper(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Interloper]:
    spy = Interloper(engine)
    event.listen(Engine, "after_cursor_execute", spy.after_execute)  # every engine
    original = psycopg.AsyncConnection.execute

    async def execute(self: psycopg.AsyncConnection[Any], query: Any, *args: Any, **kw: Any) -> Any:
        cursor = await original(self, query, *args, **kw)
        spy.after_execute(None, None, str(query))
        return cursor

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", execute)
    yield spy
    event.remove(Engine, "after_cursor_execute", spy.after_execute)


@pytest.mark.parametrize(
    "query",
    ["", "&status=active", "&sort=-age&age_min=60"],
    ids=["plain list (event loop on PostgreSQL)", "filtered", "filtered, sorted by age"],
)
def test_a_list_and_its_total_agree_while_another_connection_inserts(
    client, db, interloper, query
) -> None:
    for _ in range(3):
        make_elder(db, VILLAGE)
    h = auth(make_user(db, "village_worker", VILLAGE))
    interloper.armed = True
    r = client.get(f"/api/v1/elders?count=true&limit=500{query}", headers=h)
    assert r.status_code == 200, r.text
    assert interloper.added  # the other connection did commit between the two statements
    body = r.json()
    assert body["total"] == len(body["items"]) == 3
    assert interloper.added[0] not in {i["id"] for i in body["items"]}
    after = client.get(f"/api/v1/elders?count=true&limit=500{query}", headers=h).json()
    assert after["total"] == len(after["items"]) == 4


def test_a_read_session_is_one_snapshot(engine, db) -> None:
    make_elder(db, VILLAGE)
    db.commit()
    with session_factory()() as reader:
        first = reader.scalar(select(func.count()).select_from(Elder))
        with Session(engine) as other:
            make_elder(other, VILLAGE)
            other.commit()
        assert reader.scalar(select(func.count()).select_from(Elder)) == first
        reader.commit()  # a new transaction, a new snapshot
        assert reader.scalar(select(func.count()).select_from(Elder)) == first + 1


def test_write_apart_leaves_the_callers_transaction_alone(db) -> None:
    """``write_apart`` commits its own work only: the caller's snapshot goes on until the
    caller ends it (a read request brings figures up to date, then ends its transaction
    to read them)."""
    make_elder(db, VILLAGE)
    db.commit()
    with session_factory()() as caller:
        before = caller.scalar(select(func.count()).select_from(Elder))
        written = write_apart(lambda writer: make_elder(writer, VILLAGE).id)
        assert caller.in_transaction()
        assert caller.scalar(select(func.count()).select_from(Elder)) == before
        caller.commit()
        assert caller.get(Elder, written) is not None
