"""What must hold against real commits: out-of-order transactions, a pipelined import.
(Workers killed in the middle of an import: test_workers.py.)"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date, timedelta

import pytest
from eldercare import identity, migrate
from eldercare.context import Principal, RequestCtx
from eldercare.db import make_engine
from eldercare.feed import changes
from eldercare.roles import Role
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import BACKEND, create_database, drop_database
from tests.factories import COUNTY, VILLAGE, load_test_regions, make_elder, make_user, run_jobs
from tests.test_serve import CLI, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture
def committed_db():
    url = create_database("bulk_")
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s, s.begin():
        load_test_regions(s)
    yield url, engine
    engine.dispose()
    drop_database(url)


def county_ctx() -> RequestCtx:
    p = Principal("client", "c1", "sync", None, COUNTY, frozenset({"changes:read"}), "j", None)  # type: ignore[arg-type]
    return RequestCtx(None, None, "zh-CN").with_principal(p)


def read_all(engine, cursor: str) -> tuple[list[str], str]:
    ids: list[str] = []
    with Session(engine) as db:
        while True:
            rows, cursor, more = changes.feed(db, county_ctx(), cursor, 100, ["elder"])
            ids += [r.resource_id for r in rows if r.action == "create"]
            if not more:
                db.commit()
                return ids, cursor


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite serializes writers")
def test_feed_consumer_sees_out_of_order_commits_once_each(committed_db):
    _url, engine = committed_db
    _, cursor = read_all(engine, "")
    first, second = Session(engine), Session(engine)
    try:
        # `first` starts (and takes its transaction id) before `second`...
        first.execute(text("SELECT pg_current_xact_id()"))
        early = make_elder(first, VILLAGE, name="早开始")
        late = make_elder(second, VILLAGE, name="后开始")
        second.commit()  # ...but commits after it
        seen, cursor = read_all(engine, cursor)
        assert seen == []  # not yet: an older transaction is still running
        first.commit()
        seen, cursor = read_all(engine, cursor)
        assert seen == [early.id, late.id]
        again, _ = read_all(engine, cursor)
        assert again == []
        neighbour = RequestCtx(None, None, "zh-CN").with_principal(
            Principal("user", "u", "n", Role.village_worker, "621027101200", frozenset(), "j", None)  # type: ignore[arg-type]
        )
        with Session(engine) as db:
            assert changes.feed(db, neighbour, "", 100, None)[0] == []
    finally:
        first.close()
        second.close()


def test_feed_without_the_horizon_would_have_lost_the_late_commit(committed_db):
    """The guard above is needed: ordering by id alone skips a row committed late."""
    if BACKEND != "postgresql":
        pytest.skip("SQLite serializes writers")
    _url, engine = committed_db
    first, second = Session(engine), Session(engine)
    try:
        early = make_elder(first, VILLAGE, name="早")
        make_elder(second, VILLAGE, name="晚")
        second.commit()
        with engine.connect() as conn:
            newest = conn.execute(text("SELECT max(id) FROM changes")).scalar_one()
        first.commit()
        with engine.connect() as conn:
            early_ids = (
                conn.execute(text("SELECT id FROM changes WHERE resource_id = :i"), {"i": early.id})
                .scalars()
                .all()
            )
        assert min(early_ids) < newest  # an id-only cursor at `newest` would never see it
    finally:
        first.close()
        second.close()


def elders_csv(n: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["身份证号", "姓名", "村代码", "居住状况"])
    start = date(1935, 1, 1)
    for i in range(n):
        number = identity.make(COUNTY, start + timedelta(days=i // 400), i % 400, i % 2 == 0)
        w.writerow([number, "王秀英", VILLAGE, "独居"])
    return out.getvalue().encode()


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.skipif(BACKEND != "postgresql", reason="a pipelined job needs PostgreSQL")
def test_a_per_row_job_checks_the_next_batch_while_the_last_one_is_written(
    committed_db, monkeypatch
):
    """With an engine of its own (a connection per thread), a per_row elders job checks
    batch n + 1 while batch n is written; the outcome is that of a job done in turn."""
    from eldercare import db as dbmod
    from eldercare.audit.models import AuditEvent
    from eldercare.bulk import jobs
    from eldercare.bulk.handlers import ElderHandler
    from eldercare.bulk.models import ImportChunk, ImportJob
    from eldercare.elders.models import Elder
    from eldercare.feed.models import Change

    _url, engine = committed_db
    with Session(engine) as s, s.begin():
        user = make_user(s, "village_worker", VILLAGE)
        user_id, username = user.id, user.username
        known_number = make_elder(s, VILLAGE, name="李秀兰").id_number
    lines = elders_csv(7).decode().splitlines()
    header, new = lines[0], lines[1:]
    changed = f"{known_number},李秀兰,{VILLAGE},与配偶同住"
    body = "\n".join([header, *new[:4], changed, new[0], *new[4:], "1,x,1,独居"]) + "\n"

    def in_turn(*args):
        raise AssertionError("the pipelined path was not taken")

    # nothing process-wide is tuned while the job runs (the interpreter's switch interval)
    switch_interval = sys.getswitchinterval()
    intervals = []
    prepare = ElderHandler.prepare

    def watched(self, todo):
        intervals.append(sys.getswitchinterval())
        return prepare(self, todo)

    monkeypatch.setattr(jobs, "BATCH_ROWS", 3)
    monkeypatch.setattr(jobs, "_per_row_in_turn", in_turn)
    monkeypatch.setattr(ElderHandler, "prepare", watched)
    saved = dbmod.get_engine()
    dbmod.set_engine(engine)
    try:
        with Session(engine) as s, s.begin():
            s.add(ImportChunk(job_id="j1", seq=0, data=body.encode()))
            s.add(
                ImportJob(
                    id="j1",
                    resource="elders",
                    format="csv",
                    mode="per_row",
                    dry_run=False,
                    status="queued",
                    body_sha256="-",
                    body_bytes=len(body),
                    actor_kind="user",
                    actor_id=user_id,
                    actor_name=username,
                    actor_role="village_worker",
                    actor_region=VILLAGE,
                    actor_scopes=[],
                    lang="en",
                )
            )
        assert run_jobs() == 1
    finally:
        dbmod.set_engine(saved)
    with Session(engine) as s:
        job = s.get(ImportJob, "j1")
        assert job is not None
        assert (job.status, job.rows_done) == ("succeeded", 10)
        assert (job.created, job.updated, job.unchanged, job.failed) == (7, 1, 0, 2)
        numbers = set(s.scalars(select(Elder.id_number).where(Elder.village_code == VILLAGE)))
        assert len(numbers) == 8
        updated = s.scalar(select(Elder).where(Elder.id_number == known_number))
        assert updated is not None
        assert updated.living_arrangement == "with_spouse"
        events = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "create")
        )
        assert events == 7
        # Each batch's feed rows carry its own transaction's id, elder and household alike.
        created = s.execute(
            select(Elder.id, Elder.household_id).where(
                Elder.village_code == VILLAGE, Elder.id_number != known_number
            )
        ).all()
        xids = dict(
            s.execute(
                select(Change.resource_id, Change.xid).where(
                    Change.action == "create",
                    Change.resource_id.in_([i for pair in created for i in pair]),
                )
            ).all()
        )
        assert len(xids) == 14
        assert all(xids[e] == xids[h] > 0 for e, h in created)
        assert len(set(xids.values())) == 3  # batches of 3 rows: 3, 3 and 1 new elders
    assert intervals
    assert set(intervals) == {switch_interval}
