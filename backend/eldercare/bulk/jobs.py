"""Import jobs: claim, run in batches, record progress and errors, survive crashes.

A job runs in a background thread of the worker that accepted it (small bodies run within
the request). Its state lives in the database, so any worker answers ``GET`` about it.

* ``per_row`` (not a dry run): every batch is one transaction that writes the batch's rows,
  their errors and the job's progress together. A job cut off by a crash resumes after the
  last committed batch and ends with exactly the report an uncut run would give.
* ``atomic`` and dry runs: one transaction; the rows are written in a savepoint that is
  rolled back for a dry run or when any row failed. Progress and the heartbeat go through
  a separate short transaction on PostgreSQL (SQLite has one writer at a time: there the
  job's progress shows when it ends). A cut-off atomic job wrote nothing and starts again.

A running job renews ``heartbeat_at``; one whose heartbeat is older than the lease and
which no thread of this process runs was cut off, and is reported as ``interrupted``.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from eldercare.bulk.columns import hints
from eldercare.bulk.handlers import HANDLERS, Outcome
from eldercare.bulk.models import ImportChunk, ImportJob, ImportRowError
from eldercare.config import get_settings
from eldercare.context import Principal, RequestCtx
from eldercare.db import session_factory
from eldercare.errors import AppError
from eldercare.roles import Role
from eldercare.sheets.formats import FormatError, Reader, Row

log = logging.getLogger("eldercare.bulk")

BATCH_ROWS = 2000
MAX_KEPT_ERRORS = 100_000  # per atomic or dry-run job (per_row jobs keep every error)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
_running: set[str] = set()
_lock = threading.Lock()


def principal_of(job: ImportJob) -> Principal:
    return Principal(
        kind=job.actor_kind,  # type: ignore[arg-type]
        id=job.actor_id,
        name=job.actor_name,
        role=Role(job.actor_role) if job.actor_role else None,
        region_code=job.actor_region,
        scopes=frozenset(job.actor_scopes or ()),
        jti="import:" + job.id,
        token_expires_at=datetime.max.replace(tzinfo=UTC),
    )


def ctx_of(job: ImportJob) -> RequestCtx:
    return RequestCtx(request_id="import:" + job.id, ip=None, lang=job.lang).with_principal(
        principal_of(job)
    )


def is_running_here(job_id: str) -> bool:
    with _lock:
        return job_id in _running


def lease() -> timedelta:
    return timedelta(seconds=get_settings().import_lease_seconds)


def effective_status(job: ImportJob, now: datetime | None = None) -> str:
    """``running`` jobs whose heartbeat stopped were cut off (a crash): ``interrupted``."""
    if job.status not in ("running", "queued"):
        return job.status
    now = now or datetime.now(UTC)
    beat = job.heartbeat_at or job.created_at
    if now - beat > lease() and not is_running_here(job.id):
        return "interrupted"
    return job.status


def chunks(job_id: str) -> Iterator[bytes]:
    """The stored body, one piece at a time, each read in a short session of its own."""
    seq = 0
    while True:
        with session_factory()() as db:
            data = db.scalar(
                select(ImportChunk.data).where(ImportChunk.job_id == job_id, ImportChunk.seq == seq)
            )
            db.commit()
        if data is None:
            return
        yield bytes(data)
        seq += 1


def start(job_id: str) -> bool:
    """Claim the job now, then run it in a background thread of this process."""
    if not _claim(job_id):
        return False
    threading.Thread(
        target=_run_claimed, args=(job_id,), name=f"import-{job_id}", daemon=True
    ).start()
    return True


def run(job_id: str) -> None:
    """Claim and run the job in this thread."""
    if _claim(job_id):
        _run_claimed(job_id)


def _run_claimed(job_id: str) -> None:
    with _lock:
        _running.add(job_id)
    try:
        _execute(job_id)
    except FormatError as exc:
        _fail(job_id, {"code": exc.code, "params": exc.params})
    except AppError as exc:
        _fail(job_id, {"code": exc.code, "params": {}})
    except Exception:
        log.exception("import job failed", extra={"job_id": job_id})
        _fail(job_id, {"code": "internal_error", "params": {}})
    finally:
        with _lock:
            _running.discard(job_id)


def _claim(job_id: str) -> bool:
    """Take the job unless it is finished or another live worker runs it."""
    with session_factory(write=True)() as db:
        job = db.get(ImportJob, job_id)
        if job is None or job.status in ("succeeded", "failed"):
            return False
        if job.status == "running" and effective_status(job) == "running":
            return False
        now = datetime.now(UTC)
        restart = job.mode == "atomic" or job.dry_run
        if restart:
            db.execute(delete(ImportRowError).where(ImportRowError.job_id == job_id))
            job.rows_done = job.created = job.updated = job.unchanged = job.failed = 0
        job.status = "running"
        job.attempts += 1
        job.worker = WORKER
        job.heartbeat_at = now
        job.started_at = job.started_at or now
        job.error = None
        db.commit()
        return True


def _fail(job_id: str, error: dict[str, Any]) -> None:
    with session_factory(write=True)() as db:
        db.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(status="failed", error=error, finished_at=datetime.now(UTC), written=False)
        )
        db.commit()


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    while batch := list(islice(rows, BATCH_ROWS)):
        yield batch


def _tally(outcomes: list[Outcome]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    for o in outcomes:
        counts["failed" if o.errors else o.action] += 1
    return counts


def _error_rows(
    job_id: str, outcomes: list[Outcome], similar: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Error rows to store; a missing field names the unknown column it may have meant."""
    out = []
    for o in outcomes:
        for i, (f, c, p) in enumerate(o.errors):
            if c == "missing" and similar and f in similar:
                p = {**p, "column": similar[f]}
            out.append(
                {"job_id": job_id, "row": o.row, "seq": i, "field": f, "code": c, "params": p}
            )
    return out


def _execute(job_id: str) -> None:
    with session_factory()() as db:
        job = db.get(ImportJob, job_id)
        assert job is not None
        db.expunge(job)
        db.commit()
    ctx = ctx_of(job)
    reader = Reader(job.format, chunks(job_id))
    handler_cls = HANDLERS[job.resource]
    if job.mode == "per_row" and not job.dry_run:
        _per_row(job, ctx, reader, handler_cls)
    else:
        _all_or_nothing(job, ctx, reader, handler_cls)


def _failed_rows(job_id: str) -> set[int]:
    """Rows an earlier run of this job failed (a resumed job does not record their keys)."""
    with session_factory()() as db:
        rows = set(
            db.scalars(select(ImportRowError.row).where(ImportRowError.job_id == job_id).distinct())
        )
        db.commit()
    return rows


def _no_wait_for_flush(db: Session) -> None:
    """On PostgreSQL, let this batch's commit return before its WAL reaches the disk.

    Safe for a per_row batch: its rows, errors and the job's progress commit together, so a
    database crash loses (at most) the last batches and their progress as one, and the
    resumed job does them again. The job's final commit is synchronous and makes every
    earlier batch durable before the job reports ``succeeded``.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL synchronous_commit = off"))


def _per_row(job: ImportJob, ctx: RequestCtx, reader: Reader, handler_cls: Any) -> None:
    with session_factory(write=True)() as db:
        bind = db.get_bind()
        # Two threads need two connections: not when every session shares one connection
        # (an application embedding the sessions in an outer transaction of its own).
        pipelined = (
            handler_cls.pipelined
            and bind.dialect.name == "postgresql"
            and not isinstance(bind, Connection)
        )
    if pipelined:
        _per_row_pipelined(job, ctx, reader, handler_cls)
    else:
        _per_row_in_turn(job, ctx, reader, handler_cls)
    with session_factory(write=True)() as db:
        job_row = db.get(ImportJob, job.id)
        assert job_row is not None
        job_row.status = "succeeded"
        job_row.written = (job_row.created + job_row.updated) > 0
        job_row.headers = reader.headers or job_row.headers
        job_row.encoding = reader.encoding or job_row.encoding
        job_row.finished_at = datetime.now(UTC)
        db.commit()


class _Resume:
    """Skips the rows an earlier run of this job committed, recording their keys."""

    def __init__(self, job: ImportJob) -> None:
        self.job_id = job.id
        self.skip = job.rows_done
        self.failed: set[int] | None = None

    def todo(self, handler: Any, batch: list[Row]) -> list[Row]:
        if not self.skip:
            return batch
        if self.failed is None:
            self.failed = _failed_rows(self.job_id)
        done, self.skip = batch[: self.skip], max(0, self.skip - len(batch))
        handler.remember(done, self.failed)
        return batch[len(done) :]


def _per_row_in_turn(job: ImportJob, ctx: RequestCtx, reader: Reader, handler_cls: Any) -> None:
    resume = _Resume(job)
    handler = None
    for batch in _batches(iter(reader)):
        with session_factory(write=True)() as db:
            _no_wait_for_flush(db)
            if handler is None:
                handler = handler_cls(db, ctx, job.id)
                handler.check_allowed()
            handler.db = db
            todo = resume.todo(handler, batch)
            if todo:
                outcomes = handler.batch(todo)
                _record_batch(db, job.id, handler.spec, reader, len(todo), outcomes)
            db.commit()


SWITCH_INTERVAL = 0.0002  # seconds, while a pipelined job runs (CPython's default is 0.005)
_switching = {"jobs": 0, "saved": 0.0}


@contextmanager
def _prompt_switching() -> Iterator[None]:
    """Let threads take turns at the interpreter lock more often while the job runs.

    The writing thread needs the lock for a moment each time the server has taken its
    last bytes. By default it waits up to 5 ms for the preparing thread to let go, and the
    server idles meanwhile: a 100,000-row import took a third longer than its slower half.
    The interval is process-wide; it is restored when the last such job ends.
    """
    with _lock:
        if _switching["jobs"] == 0:
            _switching["saved"] = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_INTERVAL, _switching["saved"]))
        _switching["jobs"] += 1
    try:
        yield
    finally:
        with _lock:
            _switching["jobs"] -= 1
            if _switching["jobs"] == 0:
                sys.setswitchinterval(_switching["saved"])


def _per_row_pipelined(job: ImportJob, ctx: RequestCtx, reader: Reader, handler_cls: Any) -> None:
    """Check batch n + 1 (in this thread, on a session that only reads) while a helper
    thread writes and commits batch n: the database and Python work at the same time.

    Batch n + 1 is checked before batch n commits, which is safe: a key of batch n + 1
    that batch n writes is a repeated key of the file and fails as such whatever is
    stored, and the writes run in file order, each batch in one transaction as before.
    """
    resume = _Resume(job)
    with (
        _prompt_switching(),
        session_factory(write=True)() as read_db,
        ThreadPoolExecutor(1, thread_name_prefix="import-write") as pool,
    ):
        handler = handler_cls(read_db, ctx, job.id)
        handler.check_allowed()
        read_db.commit()
        pending: Future[None] | None = None
        for batch in _batches(iter(reader)):
            todo = resume.todo(handler, batch)
            if not todo:
                continue
            outcomes, writes = handler.prepare(todo)
            read_db.commit()  # no transaction stays open while the writes run
            if pending is not None:
                pending.result()
            pending = pool.submit(
                _write_batch, job.id, handler.spec, _Snapshot(reader), len(todo), outcomes, writes
            )
        if pending is not None:
            pending.result()


class _Snapshot:
    """The reader's headers and encoding as they were when a batch was read."""

    def __init__(self, reader: Reader) -> None:
        self.headers = list(reader.headers)
        self.encoding = reader.encoding


def _write_batch(
    job_id: str, spec: Any, reader: Any, rows: int, outcomes: list[Outcome], writes: list[Any]
) -> None:
    with session_factory(write=True)() as db:
        _no_wait_for_flush(db)
        for write in writes:
            write(db)
        _record_batch(db, job_id, spec, reader, rows, outcomes)
        db.commit()


def _record_batch(
    db: Session, job_id: str, spec: Any, reader: Any, rows: int, outcomes: list[Outcome]
) -> None:
    """The batch's errors and the job's progress, in the batch's transaction."""
    errors = _error_rows(job_id, outcomes, hints(spec, reader.headers))
    if errors:
        db.execute(insert(ImportRowError), errors)
    counts = _tally(outcomes)
    db.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(
            rows_done=ImportJob.rows_done + rows,
            created=ImportJob.created + counts["created"],
            updated=ImportJob.updated + counts["updated"],
            unchanged=ImportJob.unchanged + counts["unchanged"],
            failed=ImportJob.failed + counts["failed"],
            heartbeat_at=datetime.now(UTC),
            headers=reader.headers,
            encoding=reader.encoding,
        )
    )


def _heartbeat(job_id: str, rows_done: int, counts: dict[str, int]) -> None:
    with session_factory(write=True)() as db:
        db.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(rows_done=rows_done, heartbeat_at=datetime.now(UTC), **counts)
        )
        db.commit()


def _all_or_nothing(job: ImportJob, ctx: RequestCtx, reader: Reader, handler_cls: Any) -> None:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    kept: list[dict[str, Any]] = []
    rows_done = 0
    with session_factory(write=True)() as db:
        separate_progress = db.get_bind().dialect.name == "postgresql"
        handler = handler_cls(db, ctx, job.id)
        handler.check_allowed()
        data = db.begin_nested()
        for batch in _batches(iter(reader)):
            outcomes = handler.batch(batch)
            for key, n in _tally(outcomes).items():
                counts[key] += n
            if len(kept) < MAX_KEPT_ERRORS:
                rows = _error_rows(job.id, outcomes, hints(handler.spec, reader.headers))
                kept.extend(rows[: MAX_KEPT_ERRORS - len(kept)])
            rows_done += len(batch)
            if separate_progress:
                _heartbeat(job.id, rows_done, counts)
        keep = not job.dry_run and counts["failed"] == 0
        if keep:
            data.commit()
        else:
            data.rollback()
        if kept:
            db.execute(insert(ImportRowError), kept)
        db.execute(
            update(ImportJob)
            .where(ImportJob.id == job.id)
            .values(
                status="succeeded" if counts["failed"] == 0 or job.dry_run else "failed",
                written=keep and (counts["created"] + counts["updated"]) > 0,
                rows_done=rows_done,
                headers=reader.headers,
                encoding=reader.encoding,
                heartbeat_at=datetime.now(UTC),
                finished_at=datetime.now(UTC),
                error=None if keep or job.dry_run else {"code": "import.rows_failed", "params": {}},
                **counts,
            )
        )
        db.commit()


def session_job(db: Session, job_id: str) -> ImportJob | None:
    return db.get(ImportJob, job_id)
