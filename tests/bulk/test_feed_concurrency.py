"""The change feed against real, overlapping PostgreSQL transactions.

What a county system following ``GET /changes`` relies on: a committed change is served
as soon as every transaction that started writing before it has ended (never hidden by
transactions that started after it), no change is skipped or served twice, and each
record's entries come in the order they were committed, so its last entry is its latest
version. The feed is read through ``changes.feed``, the function behind the route, by
sessions of their own that commit for real.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

import pytest
from eldercare import migrate
from eldercare.context import Principal, RequestCtx
from eldercare.db import make_engine
from eldercare.elders import service as elders
from eldercare.elders.schemas import ElderPatch
from eldercare.errors import PreconditionFailed
from eldercare.feed import changes
from eldercare.roles import Role
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tests.conftest import BACKEND, create_database, drop_database
from tests.factories import COUNTY, VILLAGE, load_test_regions, make_elder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BACKEND != "postgresql",
        reason="needs concurrent writers: SQLite runs one writer at a time, in id order",
    ),
]


@pytest.fixture
def engine():
    url = create_database("feed_")
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=12, max_overflow=4)
    with Session(engine) as s, s.begin():
        load_test_regions(s)
    yield engine
    engine.dispose()
    drop_database(url)


def _ctx(principal: Principal) -> RequestCtx:
    return RequestCtx(None, None, "zh-CN").with_principal(principal)


READER = _ctx(
    Principal("client", "c1", "sync", None, COUNTY, frozenset({"changes:read"}), "j", None)  # type: ignore[arg-type]
)
OFFICER = _ctx(
    Principal("user", "u1", "officer", Role.county_officer, COUNTY, frozenset(), "j", None)  # type: ignore[arg-type]
)


def read(engine: Engine, cursor: str) -> tuple[list[tuple[str, int]], str]:
    """Every elder entry after the cursor that the feed serves now: (id, version)."""
    seen: list[tuple[str, int]] = []
    with Session(engine) as db:
        while True:
            rows, cursor, more = changes.feed(db, READER, cursor, 100, ["elder"])
            seen += [(r.resource_id, r.version or 0) for r in rows]
            if not more:
                db.commit()
                return seen, cursor


def new_elder(engine: Engine, name: str = "王秀英") -> str:
    with Session(engine) as s, s.begin():
        return make_elder(s, VILLAGE, name=name).id


def version_of(engine: Engine, elder_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT version FROM elders WHERE id = :i"), {"i": elder_id}
        ).scalar_one()


def patch(db: Session, elder_id: str, version: int, notes: str) -> int:
    """What PATCH /elders/{id} (and an import's update of an elder) does."""
    elder, _ = elders.update_elder(db, OFFICER, elder_id, ElderPatch(notes=notes), version)
    return elder.version


def begin_with_xid(engine: Engine) -> Session:
    """A transaction that has taken its transaction id and stays open."""
    s = Session(engine)
    s.execute(text("SELECT pg_current_xact_id()"))
    return s


def test_a_commit_is_served_while_two_later_transactions_are_open(engine):
    elder = new_elder(engine)
    v = version_of(engine, elder)
    _, cursor = read(engine, "")
    with Session(engine) as s:
        patch(s, elder, v, "改了")
        s.commit()
    # Two unrelated transactions start after that commit and stay open: both have ids
    # above it (at and above the snapshot's xmax).
    first, second = begin_with_xid(engine), begin_with_xid(engine)
    try:
        seen, cursor = read(engine, cursor)
        assert seen == [(elder, v + 1)]
        assert read(engine, cursor)[0] == []
    finally:
        first.close()
        second.close()


def test_a_long_transaction_stalls_the_feed_and_the_stall_ends_at_its_commit(engine):
    _, cursor = read(engine, "")
    long = Session(engine)
    try:
        early = make_elder(long, VILLAGE, name="长事务").id  # takes its id first
        later = [new_elder(engine, f"后来{i}") for i in range(5)]  # committed meanwhile
        for _ in range(3):  # stalled, not skipped: nothing is served past the open one
            seen, cursor = read(engine, cursor)
            assert seen == []
        long.commit()
        seen, cursor = read(engine, cursor)
        assert list(dict.fromkeys(i for i, _ in seen)) == [early, *later]
        assert read(engine, cursor)[0] == []
    finally:
        long.close()


def versions_in_feed_order(seen: list[tuple[str, int]]) -> dict[str, list[int]]:
    by_record: dict[str, list[int]] = defaultdict(list)
    for elder_id, version in seen:
        by_record[elder_id].append(version)
    return by_record


def test_an_import_that_started_early_and_updates_late_sorts_after_the_patch_between(engine):
    elder = new_elder(engine)
    v = version_of(engine, elder)
    _, cursor = read(engine, "")
    # An atomic import takes its transaction id early (it creates an elder first)...
    import_tx = Session(engine)
    try:
        created = make_elder(import_tx, VILLAGE, name="导入新建").id
        # ...a PATCH of E commits meanwhile...
        with Session(engine) as s:
            assert patch(s, elder, v, "接口修改") == v + 1
            s.commit()
        # ...and the import updates E late, on top of the PATCH, and commits.
        assert patch(import_tx, elder, v + 1, "导入修改") == v + 2
        import_tx.commit()
    finally:
        import_tx.close()
    seen, cursor = read(engine, cursor)
    assert {i for i, _ in seen} == {created, elder}
    assert versions_in_feed_order(seen)[elder] == [v + 1, v + 2]  # the last is the latest
    # A chain: an older transaction writes E after a younger one, itself after a younger one.
    older = begin_with_xid(engine)
    try:
        middle = begin_with_xid(engine)
        try:
            with Session(engine) as s:
                assert patch(s, elder, v + 2, "第四版") == v + 3
                s.commit()
            assert patch(middle, elder, v + 3, "第五版") == v + 4
            middle.commit()
        finally:
            middle.close()
        assert patch(older, elder, v + 4, "第六版") == v + 5
        older.commit()
    finally:
        older.close()
    seen, _ = read(engine, cursor)
    assert seen == [(elder, v + 3), (elder, v + 4), (elder, v + 5)]


WRITERS = 8
WRITE_SECONDS = 10.0
POLL_SECONDS = 0.2
FRESH_SECONDS = 3.0


def test_eight_writers_a_follower_gets_most_changes_within_three_seconds(engine):
    pool = [new_elder(engine, f"老人{i}") for i in range(24)]
    _, cursor = read(engine, "")
    committed: dict[tuple[str, int], float] = {}  # (elder, version) -> when its commit returned
    received: list[tuple[str, int]] = []
    received_at: dict[tuple[str, int], float] = {}
    stop_writing, stop_following = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with Session(engine) as s:
                while not stop_writing.is_set():
                    elder = rng.choice(pool)
                    try:
                        current = s.execute(
                            text("SELECT version FROM elders WHERE id = :i"), {"i": elder}
                        ).scalar_one()
                        version = patch(s, elder, current, f"{seed}-{rng.random()}")
                        s.commit()
                    except (PreconditionFailed, StaleDataError):  # a real 412: another won
                        s.rollback()
                        continue
                    with lock:
                        committed[(elder, version)] = time.monotonic()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def follower() -> None:
        nonlocal cursor
        try:
            while True:
                tick = time.monotonic()
                seen, cursor = read(engine, cursor)
                now = time.monotonic()
                for key in seen:
                    received.append(key)
                    received_at.setdefault(key, now)
                if stop_following.wait(max(0.0, POLL_SECONDS - (now - tick))):
                    return
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    following = threading.Thread(target=follower)
    following.start()
    for t in threads:
        t.start()
    stop_writing.wait(WRITE_SECONDS)
    stop_writing.set()
    for t in threads:
        t.join(30)
    # Let the follower catch up (bounded): every change must arrive, once.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not set(committed) <= set(received_at):
        stop_following.wait(POLL_SECONDS)
    stop_following.set()
    following.join(30)
    assert not errors, errors
    assert len(committed) >= 40, "too few commits to say anything"
    assert len(received) == len(set(received)), "a change was served twice"
    assert set(received) == set(committed), "a change was skipped"
    for elder, versions in versions_in_feed_order(received).items():
        assert versions == sorted(versions), (elder, versions)
    late = {k: received_at[k] - t for k, t in committed.items()}
    fresh = sum(1 for d in late.values() if d <= FRESH_SECONDS) / len(late)
    worst = sorted(late.values())[-5:]
    assert fresh >= 0.8, f"{fresh:.0%} of {len(late)} changes within {FRESH_SECONDS}s; {worst}"
