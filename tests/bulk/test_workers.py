"""Workers against real commits: racing claims, `eldercare worker` processes, SIGTERM and
SIGKILL in the middle of an import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from eldercare import db as dbmod
from eldercare import migrate
from eldercare.bulk import jobs
from eldercare.bulk.models import ImportChunk, ImportJob
from eldercare.elders.models import Elder
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import BACKEND, create_database, drop_database
from tests.factories import VILLAGE, load_test_regions, make_user, token_for
from tests.test_serve import CLI, ROOT, free_port, wait_ready

from .test_durability import elders_csv, serve

pytestmark = pytest.mark.slow


@pytest.fixture
def committed() -> Iterator[tuple[str, Engine]]:
    """A database of its own (URL, engine), committed to for real."""
    url = create_database("workers_")
    migrate.upgrade(url)
    engine = dbmod.make_engine(url)
    with Session(engine) as s, s.begin():
        load_test_regions(s)
    yield url, engine
    engine.dispose()
    drop_database(url)


@contextmanager
def app_on(engine: Engine) -> Iterator[None]:
    """The application's sessions on this engine (a connection per thread, real commits)."""
    saved = dbmod.get_engine()
    dbmod.set_engine(engine)
    try:
        yield
    finally:
        dbmod.set_engine(saved)


def queue_jobs(engine: Engine, bodies: dict[str, bytes], mode: str = "per_row") -> None:
    """Queued import jobs as the API makes them, oldest first in the order given."""
    with Session(engine) as s, s.begin():
        user = make_user(s, "village_worker", VILLAGE)
        for job_id, body in bodies.items():
            s.add(ImportChunk(job_id=job_id, seq=0, data=body))
            s.add(
                ImportJob(
                    id=job_id,
                    resource="elders",
                    format="csv",
                    mode=mode,
                    dry_run=False,
                    status="queued",
                    body_sha256="-",
                    body_bytes=len(body),
                    actor_kind="user",
                    actor_id=user.id,
                    actor_name=user.username,
                    actor_role="village_worker",
                    actor_region=VILLAGE,
                    actor_scopes=[],
                    lang="en",
                )
            )
            s.flush()  # created_at in this order


def jobs_of(engine: Engine) -> dict[str, ImportJob]:
    with Session(engine) as s:
        out = {j.id: j for j in s.scalars(select(ImportJob))}
        s.expunge_all()
        return out


def elders(engine: Engine) -> tuple[int, int]:
    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Elder)) or 0,
            s.scalar(select(func.count(func.distinct(Elder.id_number)))) or 0,
        )


def slices(n: int, parts: int) -> list[bytes]:
    """``parts`` CSV files of distinct elders, ``n`` rows in all."""
    header, *lines = elders_csv(n).decode().splitlines()
    size = n // parts
    return [
        ("\n".join([header, *lines[i * size : (i + 1) * size]]) + "\n").encode()
        for i in range(parts)
    ]


def test_racing_claims_take_each_job_exactly_once(committed):
    _url, engine = committed
    ids = [f"race{i:02d}" for i in range(12)]
    queue_jobs(engine, dict(zip(ids, slices(12, 12), strict=True)))
    claimed: dict[str, list[str]] = {f"w{i}": [] for i in range(4)}
    start = threading.Barrier(len(claimed))

    def claimer(name: str) -> None:
        start.wait()
        while (c := jobs.claim(worker=name)) is not None:
            claimed[name].append(c.job_id)

    with app_on(engine), ThreadPoolExecutor(len(claimed)) as pool:
        for f in [pool.submit(claimer, name) for name in claimed]:
            f.result(timeout=120)
    taken = [job_id for got in claimed.values() for job_id in got]
    assert sorted(taken) == ids  # every job, none twice
    stored = jobs_of(engine)
    for name, got in claimed.items():
        for job_id in got:
            assert (stored[job_id].status, stored[job_id].attempts) == ("running", 1)
            assert stored[job_id].worker == name


@pytest.mark.skipif(BACKEND != "postgresql", reason="SKIP LOCKED is PostgreSQL's")
def test_a_claim_passes_over_a_job_another_claimer_holds(committed):
    _url, engine = committed
    queue_jobs(engine, dict(zip(["first", "second"], slices(2, 2), strict=True)))
    with app_on(engine), ThreadPoolExecutor(1) as pool, engine.connect() as holder:
        # another worker midway through claiming the oldest job: it holds the row's lock
        holder.execute(select(ImportJob.id).where(ImportJob.id == "first").with_for_update())
        try:
            got = pool.submit(jobs.claim, worker="w").result(timeout=10)  # no waiting
        finally:
            holder.rollback()
    assert got is not None
    assert got.job_id == "second"


def worker_process(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def worker_env(url: str, tmp_path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELDERCARE_DATABASE")}
    env.update(
        ELDERCARE_DATABASE_URL=url,
        ELDERCARE_VAR_DIR=str(tmp_path / "var"),
        ELDERCARE_LOG_LEVEL="INFO",
        ELDERCARE_WORKER_POLL_SECONDS="0.2",
        **settings,
    )
    return env


def claims_logged(stderr: str) -> list[tuple[str, str]]:
    out = []
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("message") == "import job claimed":
            out.append((entry["job_id"], entry["worker"]))
    return out


def wait_for(check, timeout: float = 120, every: float = 0.05):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(every)
    raise AssertionError("timed out")


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def test_two_worker_processes_run_each_job_once(committed, tmp_path):
    url, engine = committed
    n, parts = 1200, 8
    ids = [f"job{i}" for i in range(parts)]
    queue_jobs(engine, dict(zip(ids, slices(n, parts), strict=True)))
    env = worker_env(url, tmp_path)
    procs = [worker_process(env) for _ in range(2)]
    try:
        wait_for(lambda: all(j.status == "succeeded" for j in jobs_of(engine).values()))
    finally:
        ended = [stop(p) for p in procs]
    assert [code for code, _ in ended] == [0, 0]  # SIGTERM: a clean exit
    claims = [c for _, err in ended for c in claims_logged(err)]
    assert Counter(job_id for job_id, _ in claims) == dict.fromkeys(ids, 1)
    stored = jobs_of(engine)
    assert {(j.attempts, j.created, j.failed) for j in stored.values()} == {(1, n // parts, 0)}
    assert elders(engine) == (n, n)


def test_import_given_back_then_killed_ends_with_exactly_the_files_rows(committed, tmp_path):
    """A worker stopped by SIGTERM gives the job back at once; the next is killed mid-way
    (SIGKILL); after the lease a third resumes it: the file's rows, each once, and the report
    of an uncut run."""
    url, engine = committed
    with Session(engine) as s, s.begin():
        user = make_user(s, "village_worker", VILLAGE)
        s.expunge(user)
    n = 20_000
    env = worker_env(
        url,
        tmp_path,
        ELDERCARE_EMBEDDED_WORKER="false",
        ELDERCARE_IMPORT_LEASE_SECONDS="2",
        ELDERCARE_IMPORT_INLINE_MAX_BYTES="10000",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {
        "Authorization": f"Bearer {token_for(user)}",
        "Content-Type": "text/csv",
        "Idempotency-Key": "county-sync-2026-11-29",
    }

    def job() -> ImportJob:
        return next(iter(jobs_of(engine).values()))

    def report(*statuses: str) -> dict | None:
        got = httpx.get(job_url, headers=headers).json()
        return got if got["status"] in statuses else None

    server = serve({**env, "ELDERCARE_LOG_LEVEL": "WARNING"}, port)
    workers: list[subprocess.Popen] = []
    try:
        wait_ready(base, server)
        r = httpx.post(
            f"{base}/api/v1/imports/elders",
            params={"mode": "per_row"},
            content=elders_csv(n),
            headers=headers,
            timeout=60,
        )
        assert (r.status_code, r.json()["status"]) == (202, "queued"), r.text
        job_url = f"{base}/api/v1/imports/{r.json()['id']}"

        workers.append(worker_process(env))
        wait_for(lambda: job().rows_done > 0)
        code, _ = stop(workers[-1])
        assert code == 0
        given_back = job()
        assert given_back.status == "queued"  # at once, not after the lease
        assert 0 < given_back.rows_done < n

        workers.append(worker_process(env))
        wait_for(lambda: job().rows_done > given_back.rows_done)
        workers[-1].kill()
        workers[-1].communicate(timeout=10)
        assert 0 < elders(engine)[0] < n
        got = wait_for(lambda: report("interrupted"), timeout=30)  # the lease ran out
        assert got["attempts"] == 2

        workers.append(worker_process(env))
        got = wait_for(lambda: report("succeeded", "failed"), every=0.2)
        assert got["status"] == "succeeded", got
        assert (got["rows"], got["created"], got["failed"], got["attempts"]) == (n, n, 0, 3)
    finally:
        for proc in [server, *workers]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    assert elders(engine) == (n, n)
