"""Work written while a move commits follows the elder too (real, overlapping transactions).

A village worker logs visits and reports incidents from several threads while the township
moves the elder to another village. Each write either commits before the move (and the
move re-keys it) or waits for the move (and then reads the new village, or gets 404 as
the old village's worker): no row may keep the village the elder left. Each thread has
sessions of its own that commit for real. On SQLite writers run one at a time anyway; on
PostgreSQL this is what the elder's row lock (``elders.access.get_elder(lock=True)``)
guarantees.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from eldercare import migrate
from eldercare.context import Principal, RequestCtx
from eldercare.db import make_engine
from eldercare.elders import service as elders
from eldercare.errors import NotFound
from eldercare.incidents import service as incidents
from eldercare.incidents.schemas import IncidentIn
from eldercare.roles import Role
from eldercare.visits import service as visits
from eldercare.visits.schemas import VisitIn
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.conftest import create_database, drop_database
from tests.factories import (
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    load_test_regions,
    make_elder,
    make_user,
)

pytestmark = pytest.mark.slow

ROUNDS = 8
WRITERS = 6
WRITES_EACH = 4
FOLLOWERS = ("visits", "incidents", "elder_schedules", "relief_screenings")


@pytest.fixture
def engine():
    url = create_database("move_race_")
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=WRITERS + 2, max_overflow=2)
    with Session(engine) as s, s.begin():
        load_test_regions(s)
    yield engine
    engine.dispose()
    drop_database(url)


def _ctx(user_id: str, role: Role, region: str) -> RequestCtx:
    far = datetime.now(UTC) + timedelta(hours=1)
    p = Principal("user", user_id, role.value, role, region, frozenset(), "j", far)
    return RequestCtx(None, None, "zh-CN").with_principal(p)


def _session(engine: Engine) -> Session:
    # a writer's transaction, as a request's (SQLite: BEGIN IMMEDIATE)
    return Session(bind=engine.execution_options(sqlite_immediate=True))


def _write(engine: Engine, worker: RequestCtx, elder_id: str, n: int) -> bool:
    """One visit or incident in a transaction of its own; False once the elder has left."""
    with _session(engine) as db:
        try:
            if n % 2:
                visits.log_visit(db, worker, VisitIn(elder_id=elder_id, method="phone"))
            else:
                data = IncidentIn(
                    elder_id=elder_id, type="accident", severity="high", description="摔倒"
                )
                incidents.report(db, worker, data)
        except NotFound:  # the move committed first: no longer the worker's elder
            return False
        db.commit()
        return True


def _villages(engine: Engine, elder_id: str) -> dict[str, set[str]]:
    with engine.connect() as conn:
        return {
            t: set(
                conn.execute(
                    text(f"SELECT village_code FROM {t} WHERE elder_id = :e"),  # noqa: S608
                    {"e": elder_id},
                ).scalars()
            )
            for t in FOLLOWERS
        }


def _race(engine: Engine, worker: RequestCtx, officer: RequestCtx, name: str) -> tuple[str, int]:
    """WRITERS threads write for a new elder while it is moved; returns (elder, writes)."""
    with Session(engine) as s, s.begin():
        elder = make_elder(s, VILLAGE, name=name)
        elder_id, version = elder.id, elder.version
    start = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []
    done: list[int] = []
    first = threading.Event()  # a write has committed: the move starts among the others

    def writer(i: int) -> None:
        try:
            start.wait()
            for k in range(WRITES_EACH):
                if not _write(engine, worker, elder_id, i + k):
                    return
                done.append(1)
                first.set()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            first.set()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    start.wait()
    first.wait(timeout=30)
    with _session(engine) as db:
        elders.move(db, officer, elder_id, OTHER_VILLAGE, "随子女搬迁", None, version)
        db.commit()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return elder_id, len(done)


def test_visits_and_incidents_written_during_a_move_follow_the_elder(engine):
    with Session(engine) as s, s.begin():
        worker = _ctx(make_user(s, "village_worker", VILLAGE).id, Role.village_worker, VILLAGE)
        officer = _ctx(
            make_user(s, "township_officer", TOWNSHIP).id, Role.township_officer, TOWNSHIP
        )
    written = 0
    for round_ in range(ROUNDS):
        elder_id, n = _race(engine, worker, officer, f"搬家{round_}")
        written += n
        villages = _villages(engine, elder_id)
        assert all(v <= {OTHER_VILLAGE} for v in villages.values()), (round_, villages)
    assert written >= ROUNDS  # each move came after a write, among the others
