"""The import queue: what is queued and what runs within the request, claims, leases, fencing,
giving a job back when a worker stops. Workers are driven here one cycle at a time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.bulk import jobs
from eldercare.bulk.handlers import ElderHandler
from eldercare.bulk.models import ImportJob
from eldercare.config import get_settings
from eldercare.elders.models import ElderChange
from eldercare.worker import Worker
from sqlalchemy import select

from tests.bulk.test_imports import as_csv, count, elder_rows, post
from tests.factories import VILLAGE, make_client, make_user, run_jobs

ASYNC = {"Prefer": "respond-async"}
JSON = "application/json"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)


def job_of(db, job_id: str) -> ImportJob:
    db.expire_all()
    job = db.get(ImportJob, job_id)
    assert job is not None
    return job


def cut_off(db, job_id: str, attempts: int | None = None) -> None:
    """As if the job's worker died: its heartbeat is long past."""
    job = job_of(db, job_id)
    job.status, job.heartbeat_at = "running", LONG_AGO
    if attempts is not None:
        job.attempts = attempts
    db.commit()


class TestQueued:
    def test_respond_async_queues_the_job_and_a_worker_runs_it(self, client, db, worker):
        r = post(client, worker, as_csv(elder_rows(3)), headers=ASYNC)
        assert r.status_code == 202
        assert r.headers["Location"] == f"/api/v1/imports/{r.json()['id']}"
        assert (r.json()["status"], r.json()["attempts"]) == ("queued", 0)
        assert count(db) == 0  # nothing ran within the request
        assert run_jobs() == 1
        got = client.get(r.headers["Location"], headers=post_headers(worker)).json()
        assert (got["status"], got["created"], got["attempts"]) == ("succeeded", 3, 1)
        assert count(db) == 3
        assert run_jobs() == 0

    def test_a_queued_import_writes_the_uploaders_name_in_the_histories(self, client, db):
        named = make_user(db, "village_worker", VILLAGE, display_name="李秀英")
        r = post(client, named, as_csv(elder_rows(1)), headers=ASYNC)
        assert r.status_code == 202
        assert run_jobs() == 1
        db.expire_all()
        who = db.scalars(select(ElderChange.actor_name).where(ElderChange.actor_id == named.id))
        assert set(who) == {"李秀英"}  # people read the person's name
        audited = db.scalars(select(AuditEvent.actor_name).where(AuditEvent.actor_id == named.id))
        assert named.username in set(audited)  # the audit log keeps the account

    def test_a_clients_queued_import_is_named_as_its_requests_are(self, client, db):
        importer = make_client(db, scopes=["import"])
        importer.name = "县民政局台账系统"
        db.flush()
        r = post(client, importer, as_csv(elder_rows(1)), headers=ASYNC)
        assert r.status_code == 202, r.text
        assert run_jobs() == 1
        db.expire_all()
        who = db.scalars(select(ElderChange.actor_name).where(ElderChange.actor_id == importer.id))
        assert set(who) == {"县民政局台账系统"}

    def test_a_body_over_the_inline_limit_is_queued(self, client, db, worker, monkeypatch):
        body = as_csv(elder_rows(3))
        monkeypatch.setattr(get_settings(), "import_inline_max_bytes", len(body) - 1)
        r = post(client, worker, body)
        assert (r.status_code, r.json()["status"]) == (202, "queued")
        monkeypatch.setattr(get_settings(), "import_inline_max_bytes", len(body))
        r = post(client, worker, as_csv(elder_rows(4)[3:]))
        assert (r.status_code, r.json()["status"], r.json()["created"]) == (200, "succeeded", 1)
        assert run_jobs() == 1
        assert count(db) == 4

    def test_a_small_body_runs_in_the_request_and_no_worker_can_take_it(
        self, client, db, worker, monkeypatch
    ):
        seen = []
        batch = ElderHandler.batch

        def look(self, todo):  # while the request runs the job, a worker finds nothing
            seen.append(jobs.claim(worker="other"))
            return batch(self, todo)

        monkeypatch.setattr(ElderHandler, "batch", look)
        r = post(client, worker, as_csv(elder_rows(2)))
        assert (r.status_code, r.json()["status"], r.json()["attempts"]) == (200, "succeeded", 1)
        assert seen == [None]

    def test_a_queued_job_stays_queued_past_the_lease(self, client, db, worker):
        r = post(client, worker, as_csv(elder_rows(1)), headers=ASYNC)
        job = job_of(db, r.json()["id"])
        job.created_at = LONG_AGO  # no worker took it for a long time: still just queued
        db.commit()
        got = client.get(f"/api/v1/imports/{job.id}", headers=post_headers(worker)).json()
        assert got["status"] == "queued"

    def test_jobs_are_claimed_oldest_first(self, client, db, worker):
        ids = [
            post(client, worker, as_csv(elder_rows(i + 1)[i:]), headers=ASYNC).json()["id"]
            for i in range(3)
        ]
        claims = [jobs.claim(worker="w") for _ in range(4)]
        assert [c.job_id if c else None for c in claims] == [*ids, None]
        assert [c.attempt for c in claims if c] == [1, 1, 1]


def post_headers(user):
    from tests.factories import auth

    return auth(user)


class TestLeases:
    def test_a_job_whose_worker_died_is_resumed_by_another_after_the_lease(
        self, client, db, worker, small_batches, monkeypatch
    ):
        rows = elder_rows(5)
        r = post(client, worker, as_csv(rows), mode="per_row", headers=ASYNC)
        job_id = r.json()["id"]
        calls = []
        batch = ElderHandler.batch

        def dies(self, todo):  # the first worker dies after its first batch
            calls.append(len(todo))
            if len(calls) > 1:
                raise SystemExit("killed")
            return batch(self, todo)

        monkeypatch.setattr(ElderHandler, "batch", dies)
        with pytest.raises(SystemExit):
            run_jobs("first")
        monkeypatch.setattr(ElderHandler, "batch", batch)
        job = job_of(db, job_id)
        assert (job.status, job.rows_done, job.worker) == ("running", 2, "first")
        assert run_jobs("second") == 0  # its lease has not run out
        cut_off(db, job_id)
        assert run_jobs("second") == 1
        job = job_of(db, job_id)
        assert (job.status, job.rows_done, job.created, job.attempts) == ("succeeded", 5, 5, 2)
        assert job.worker == "second"
        assert count(db) == 5

    def test_a_job_cut_off_too_often_waits_for_its_caller(self, client, db, worker):
        key = {"Idempotency-Key": "cut-off-often"}
        body = as_csv(elder_rows(2))
        r = post(client, worker, body, headers={**ASYNC, **key})
        cut_off(db, r.json()["id"], attempts=get_settings().import_max_attempts)
        assert run_jobs() == 0
        got = client.get(f"/api/v1/imports/{r.json()['id']}", headers=post_headers(worker))
        assert got.json()["status"] == "interrupted"
        again = post(client, worker, body, headers={**ASYNC, **key})  # the caller sends it again
        assert (again.status_code, again.json()["id"]) == (202, r.json()["id"])
        assert again.json()["status"] == "queued"
        assert run_jobs() == 1
        assert count(db) == 2

    def test_a_small_cut_off_job_sent_again_runs_within_the_request(self, client, db, worker):
        key = {"Idempotency-Key": "cut-off-small"}
        body = as_csv(elder_rows(2))
        r = post(client, worker, body, headers={**ASYNC, **key})
        cut_off(db, r.json()["id"], attempts=get_settings().import_max_attempts)
        again = post(client, worker, body, headers=key)
        assert (again.status_code, again.json()["status"]) == (200, "succeeded")
        assert again.json()["attempts"] == get_settings().import_max_attempts + 1
        assert count(db) == 2

    def test_a_worker_that_lost_its_lease_commits_nothing(self, client, db, worker):
        r = post(client, worker, as_csv(elder_rows(3)), mode="per_row", headers=ASYNC)
        job_id = r.json()["id"]
        stalled = jobs.claim(worker="stalled")
        assert stalled is not None
        cut_off(db, job_id)  # it stalled past its lease...
        taken = jobs.claim(worker="fresh")  # ...and another worker claimed the job
        assert taken is not None
        assert taken.attempt == stalled.attempt + 1
        jobs.run_claimed(stalled)  # it wakes up and goes on
        job = job_of(db, job_id)
        assert (job.status, job.rows_done, job.worker) == ("running", 0, "fresh")
        assert count(db) == 0
        jobs.run_claimed(taken)
        job = job_of(db, job_id)
        assert (job.status, job.created, job.attempts) == ("succeeded", 3, 2)
        assert count(db) == 3

    @pytest.mark.parametrize("mode", ["atomic", "per_row"])
    def test_a_stale_claim_cannot_fail_the_job_either(self, client, db, worker, mode):
        r = post(client, worker, '[{"姓名": ', JSON, mode=mode, headers=ASYNC)
        stalled = jobs.claim(worker="stalled")
        cut_off(db, r.json()["id"])
        taken = jobs.claim(worker="fresh")
        assert stalled is not None
        assert taken is not None
        jobs.run_claimed(stalled)
        assert job_of(db, taken.job_id).status == "running"
        jobs.run_claimed(taken)
        job = job_of(db, taken.job_id)
        assert (job.status, job.error["code"]) == ("failed", "import.bad_json")


class TestStopping:
    @pytest.mark.parametrize("mode", ["per_row", "atomic"])
    def test_a_stopping_worker_gives_the_job_back_and_another_resumes_it(
        self, client, db, worker, small_batches, monkeypatch, mode
    ):
        rows = elder_rows(5)
        r = post(client, worker, as_csv(rows), mode=mode, headers=ASYNC)
        job_id = r.json()["id"]
        first = Worker([jobs.take], name="first")
        batch = ElderHandler.batch

        def sigterm_after_one(self, todo):  # SIGTERM arrives during the first batch
            first.stop()
            return batch(self, todo)

        monkeypatch.setattr(ElderHandler, "batch", sigterm_after_one)
        assert first.run_once()
        monkeypatch.setattr(ElderHandler, "batch", batch)
        job = job_of(db, job_id)
        # back in the queue at once (no lease to wait for), the finished batch kept or not
        assert (job.status, job.worker, job.heartbeat_at) == ("queued", None, None)
        assert job.rows_done == (2 if mode == "per_row" else 0)
        assert count(db) == (2 if mode == "per_row" else 0)
        assert run_jobs("second") == 1
        job = job_of(db, job_id)
        assert (job.status, job.rows_done, job.created, job.attempts) == ("succeeded", 5, 5, 2)
        assert count(db) == 5

    def test_a_stopped_worker_claims_nothing_more(self, client, db, worker):
        post(client, worker, as_csv(elder_rows(1)), headers=ASYNC)
        stopped = Worker([jobs.take], name="stopped")
        stopped.stop()
        assert stopped.run_until_idle() == 0
        assert run_jobs() == 1

    def test_the_embedded_worker_runs_queued_jobs_and_stops_with_the_server(
        self, client, db, worker
    ):
        """The server's own worker thread (here on the test's connection) runs a queued job;
        stopping it ends the thread."""
        from eldercare.worker import Embedded

        embedded = Embedded([jobs.take])
        done = threading.Event()
        ran = embedded.worker.run_once

        def run_once():
            busy = ran()
            if busy:
                done.set()
            return busy

        embedded.worker.run_once = run_once  # type: ignore[method-assign]
        r = post(client, worker, as_csv(elder_rows(2)), headers=ASYNC)
        embedded.start()
        try:
            assert done.wait(30)
        finally:
            embedded.stop()
        assert not embedded.thread.is_alive()
        assert job_of(db, r.json()["id"]).status == "succeeded"
        assert count(db) == 2


class TestProgress:
    def test_the_count_moves_while_a_job_runs(self, client, db, worker, monkeypatch):
        from tests.factories import auth

        rows = elder_rows(350)
        r = post(client, worker, as_csv(rows), mode="per_row", headers=ASYNC)
        job_url = f"/api/v1/imports/{r.json()['id']}"
        seen: list[tuple[str, int]] = []
        batch = ElderHandler.batch

        def watched(self, todo):
            report = client.get(job_url, headers=auth(worker)).json()
            seen.append((report["status"], report["rows"]))
            return batch(self, todo)

        monkeypatch.setattr(ElderHandler, "batch", watched)
        assert run_jobs("w") == 1
        # batches of 100, 200, then the rest: GET /imports/{id} shows each one done
        assert seen == [("running", 0), ("running", 100), ("running", 300)]
        assert client.get(job_url, headers=auth(worker)).json()["rows"] == 350
