"""Import jobs: queued in the database, claimed by workers, run in batches, survive crashes.

``import_jobs`` is the queue. A job is created ``queued`` and a worker claims it: an
``eldercare worker`` process, or the server's embedded worker (:mod:`eldercare.worker`).
A small body is claimed by the request that received it, in the transaction that creates
the job, and runs within the request. Its state lives in the database, so any server
process answers ``GET`` about it.

**Claiming.** A worker takes the oldest job that is ``queued``, or ``running`` or
``interrupted`` with a heartbeat older than the lease (a worker died), and raises its
``attempts``. On PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` finds it: a job another
claimer holds at that moment is passed over, not waited for. The claim itself is an
``UPDATE … WHERE id = … AND attempts = <as read> AND <still claimable>``; on SQLite, whose
write transactions begin with ``BEGIN IMMEDIATE`` (one writer at a time), that conditional
update alone is the claim: no other claim can run between its read and its write.

**Fencing.** ``attempts`` after the claim is the claim's token. Every later write of the
job (each batch's progress, heartbeats, the end) is conditional on it and fails
(:class:`LeaseLost`) once another worker has claimed the job, and the batch's transaction
is rolled back with it: a worker that stalled past its lease can commit nothing more.

* ``per_row`` (not a dry run): every batch is one transaction that writes the batch's rows,
  their errors and the job's progress together. A job cut off by a crash resumes after the
  last committed batch and ends with exactly the report an uncut run would give.
* ``atomic`` and dry runs: one transaction; the rows are written in a savepoint that is
  rolled back for a dry run or when any row failed. Progress and the heartbeat go through
  a separate short transaction on PostgreSQL (SQLite has one writer at a time: there the
  job's progress shows when it ends). A cut-off atomic job wrote nothing and starts again.

A worker asked to stop (SIGTERM) ends its job before the next batch: a ``per_row`` job
keeps its committed batches, an atomic one rolls back, and the job is queued again for
another worker to resume at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import islice
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Update,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from eldercare.bulk.columns import hints
from eldercare.bulk.handlers import HANDLERS, Handler, Outcome
from eldercare.bulk.models import OPEN, ImportChunk, ImportJob, ImportRowError
from eldercare.config import get_settings
from eldercare.context import Principal, RequestCtx
from eldercare.db import UTCDateTime, session_factory
from eldercare.errors import AppError
from eldercare.roles import Role
from eldercare.sheets.formats import FormatError, Reader, Row
from eldercare.worker import Task, announce

log = logging.getLogger("eldercare.bulk")

BATCH_ROWS = 2000
# The first batches are smaller (100, 200, 400 rows, ...) so that the progress of a village's
# file of a few hundred rows moves while it runs; large files soon run at full batches.
FIRST_BATCH_ROWS = 100
MAX_KEPT_ERRORS = 100_000  # per atomic or dry-run job (per_row jobs keep every error)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
_running: set[str] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class Claim:
    """A job a worker holds: ``attempt`` is the job's ``attempts`` its claim set (its token)."""

    job_id: str
    attempt: int
    worker: str


class LeaseLost(Exception):
    """Another worker claimed the job (this one's lease ran out): stop, commit nothing."""


class Released(Exception):
    """The worker is stopping: the job goes back to the queue."""


class _Lease:
    """What a run holds: the claim, and the worker's request to stop."""

    def __init__(self, claim: Claim, stop: threading.Event | None) -> None:
        self.job_id = claim.job_id
        self.attempt = claim.attempt
        self.stop = stop

    def write(self, db: Session, **values: Any) -> None:
        """Update the job in ``db``'s transaction, if this claim still holds it."""
        mine = (ImportJob.id == self.job_id, ImportJob.attempts == self.attempt)
        if _updated(db, update(ImportJob).where(*mine).values(**values)) != 1:
            raise LeaseLost(self.job_id)

    def batches(self, rows: Iterator[Row]) -> Iterator[list[Row]]:
        """Batches of the file, ending early (:class:`Released`) once asked to stop."""
        for batch in _batches(rows):
            if self.stop is not None and self.stop.is_set():
                raise Released(self.job_id)
            yield batch


def _updated(db: Session, stmt: Update) -> int:
    """Run an UPDATE of jobs (no objects in the session to bring up to date): rows matched."""
    result = db.execute(stmt.execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount


def principal_of(job: ImportJob, display_name: str = "") -> Principal:
    return Principal(
        kind=job.actor_kind,  # type: ignore[arg-type]
        id=job.actor_id,
        name=job.actor_name,
        display_name=display_name,
        role=Role(job.actor_role) if job.actor_role else None,
        region_code=job.actor_region,
        scopes=frozenset(job.actor_scopes or ()),
        jti="import:" + job.id,
        token_expires_at=datetime.max.replace(tzinfo=UTC),
    )


def ctx_of(job: ImportJob, display_name: str = "") -> RequestCtx:
    return RequestCtx(request_id="import:" + job.id, ip=None, lang=job.lang).with_principal(
        principal_of(job, display_name)
    )


def is_running_here(job_id: str) -> bool:
    with _lock:
        return job_id in _running


def lease() -> timedelta:
    return timedelta(seconds=get_settings().import_lease_seconds)


def effective_status(job: ImportJob, now: datetime | None = None) -> str:
    """``running`` jobs whose heartbeat stopped were cut off (a crash): ``interrupted``."""
    if job.status != "running":
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


# ----------------------------------------------------------------------------- the queue


def _claimable(now: datetime, *, again: bool = False) -> ColumnElement[bool]:
    """Jobs a worker may take: queued ones, and those whose worker's lease ran out (unless
    cut off ``ELDERCARE_IMPORT_MAX_ATTEMPTS`` times already; ``again``: however often).

    ``OPEN`` is written as the queue's partial index states it, so the index serves."""
    stale: ColumnElement[bool] = and_(
        ImportJob.status.in_(("running", "interrupted")),
        or_(ImportJob.heartbeat_at.is_(None), ImportJob.heartbeat_at < now - lease()),
    )
    if not again:
        stale = and_(stale, ImportJob.attempts < get_settings().import_max_attempts)
    return and_(text(OPEN), or_(ImportJob.status == "queued", stale))


def claim_new(job: ImportJob, worker: str = WORKER) -> Claim:
    """Claim a job being created (the request runs it): it is never queued."""
    now = datetime.now(UTC)
    job.status, job.attempts, job.worker = "running", 1, worker
    job.heartbeat_at = job.started_at = now
    return Claim(job.id, 1, worker)


def claim(job_id: str | None = None, *, worker: str = WORKER, again: bool = False) -> Claim | None:
    """Take the oldest claimable job (or this one), or None."""
    now = datetime.now(UTC)
    ready = _claimable(now, again=again)
    pick = (
        select(ImportJob.id, ImportJob.attempts, ImportJob.mode, ImportJob.dry_run)
        .where(ready)
        .order_by(ImportJob.created_at, ImportJob.id)
        .limit(1)
    )
    if job_id is not None:
        pick = pick.where(ImportJob.id == job_id)
    else:
        # A look without a lock first: an idle worker's poll takes no write lock.
        with session_factory()() as db:
            found = db.execute(pick).first()
            db.commit()
        if found is None:
            return None
    with session_factory(write=True)() as db:
        row = db.execute(pick.with_for_update(skip_locked=True)).first()
        if row is None:
            db.rollback()
            return None
        values: dict[str, Any] = {
            "status": "running",
            "attempts": row.attempts + 1,
            "worker": worker,
            "heartbeat_at": now,
            "started_at": func.coalesce(ImportJob.started_at, literal(now, UTCDateTime())),
            "error": None,
        }
        if row.mode == "atomic" or row.dry_run:  # it wrote nothing: it starts again
            values.update(rows_done=0, created=0, updated=0, unchanged=0, failed=0)
        taken = _updated(
            db,
            update(ImportJob)
            .where(ImportJob.id == row.id, ImportJob.attempts == row.attempts, ready)
            .values(**values),
        )
        if taken != 1:
            db.rollback()
            return None
        if "rows_done" in values:
            db.execute(delete(ImportRowError).where(ImportRowError.job_id == row.id))
        db.commit()
    claimed = Claim(row.id, row.attempts + 1, worker)
    log.info(
        "import job claimed",
        extra={"job_id": claimed.job_id, "worker": worker, "attempt": claimed.attempt},
    )
    return claimed


def take(worker: str) -> Task | None:
    """A worker's source of import jobs (:class:`eldercare.worker.Worker`)."""
    claimed = claim(worker=worker)
    return None if claimed is None else partial(run_claimed, claimed)


def requeue(job_id: str) -> bool:
    """Queue a cut-off job again at once (its caller sent the same request again)."""
    with session_factory(write=True)() as db:
        cut_off = _claimable(datetime.now(UTC), again=True)
        stmt = update(ImportJob).where(ImportJob.id == job_id, cut_off)
        queued = _updated(db, stmt.values(status="queued", worker=None)) == 1
        if queued:
            announce(db)
        db.commit()
    return queued


def run_claimed(claimed: Claim, stop: threading.Event | None = None) -> None:
    """Run a job this worker claimed, to its end, or until ``stop`` is set (then release it)."""
    job_id = claimed.job_id
    held = _Lease(claimed, stop)
    with _lock:
        _running.add(job_id)
    try:
        _execute(held)
    except Released:
        _release(held)
    except LeaseLost:
        log.warning("import job taken over by another worker", extra={"job_id": job_id})
    except FormatError as exc:
        _fail(held, {"code": exc.code, "params": exc.params})
    except AppError as exc:
        _fail(held, {"code": exc.code, "params": {}})
    except Exception:
        log.exception("import job failed", extra={"job_id": job_id})
        _fail(held, {"code": "internal_error", "params": {}})
    finally:
        with _lock:
            _running.discard(job_id)


def _release(held: _Lease) -> None:
    """Back to the queue, for another worker to resume now rather than after the lease."""
    try:
        with session_factory(write=True)() as db:
            held.write(db, status="queued", worker=None, heartbeat_at=None)
            announce(db)
            db.commit()
    except LeaseLost:
        return
    log.info("import job released", extra={"job_id": held.job_id})


def _fail(held: _Lease, error: dict[str, Any]) -> None:
    try:
        with session_factory(write=True)() as db:
            held.write(
                db, status="failed", error=error, finished_at=datetime.now(UTC), written=False
            )
            db.commit()
    except LeaseLost:
        log.warning("import job taken over by another worker", extra={"job_id": held.job_id})


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    size = min(FIRST_BATCH_ROWS, BATCH_ROWS)
    while batch := list(islice(rows, size)):
        yield batch
        size = min(size * 2, BATCH_ROWS)


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


def _display_name(db: Session, job: ImportJob) -> str:
    """The uploader's name as people see it in the histories the import writes (a user's
    name, an integration client's), as the request would have had it."""
    from eldercare.auth.models import IntegrationClient, User

    model = User if job.actor_kind == "user" else IntegrationClient
    shown = User.display_name if model is User else IntegrationClient.name
    return db.scalar(select(shown).where(model.id == job.actor_id)) or ""


def _execute(held: _Lease) -> None:
    with session_factory()() as db:
        job = db.get(ImportJob, held.job_id)
        assert job is not None
        db.expunge(job)
        shown = _display_name(db, job)
        db.commit()
    ctx = ctx_of(job, shown)
    reader = Reader(job.format, chunks(job.id))
    handler_cls = HANDLERS[job.resource]
    if job.mode == "per_row" and not job.dry_run:
        _per_row(held, job, ctx, reader, handler_cls)
    else:
        _all_or_nothing(held, job, ctx, reader, handler_cls)


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


def _per_row(
    held: _Lease, job: ImportJob, ctx: RequestCtx, reader: Reader, handler_cls: Any
) -> None:
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
        _per_row_pipelined(held, job, ctx, reader, handler_cls)
    else:
        _per_row_in_turn(held, job, ctx, reader, handler_cls)
    with session_factory(write=True)() as db:
        if handler_cls.finish is not Handler.finish:  # work that needs the whole file
            handler_cls(db, ctx, job.id).finish()
        job_row = db.get(ImportJob, job.id)
        assert job_row is not None
        held.write(
            db,
            status="succeeded",
            written=(job_row.created + job_row.updated) > 0,
            headers=reader.headers or job_row.headers,
            encoding=reader.encoding or job_row.encoding,
            finished_at=datetime.now(UTC),
        )
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


def _per_row_in_turn(
    held: _Lease, job: ImportJob, ctx: RequestCtx, reader: Reader, handler_cls: Any
) -> None:
    resume = _Resume(job)
    handler = None
    for batch in held.batches(iter(reader)):
        with session_factory(write=True)() as db:
            _no_wait_for_flush(db)
            if handler is None:
                handler = handler_cls(db, ctx, job.id)
                handler.check_allowed()
            handler.db = db
            todo = resume.todo(handler, batch)
            if todo:
                outcomes = handler.batch(todo)
                _record_batch(db, held, handler.spec, reader, len(todo), outcomes)
            db.commit()


def _per_row_pipelined(
    held: _Lease, job: ImportJob, ctx: RequestCtx, reader: Reader, handler_cls: Any
) -> None:
    """Check batch n + 1 (in this thread, on a session that only reads) while a helper
    thread writes and commits batch n: the database and Python work at the same time.

    Batch n + 1 is checked before batch n commits, which is safe: a key of batch n + 1
    that batch n writes is a repeated key of the file and fails as such whatever is
    stored, and the writes run in file order, each batch in one transaction as before.
    """
    resume = _Resume(job)
    with (
        session_factory(write=True)() as read_db,
        ThreadPoolExecutor(1, thread_name_prefix="import-write") as pool,
    ):
        handler = handler_cls(read_db, ctx, job.id)
        handler.check_allowed()
        read_db.commit()
        pending: Future[None] | None = None
        try:
            for batch in held.batches(iter(reader)):
                todo = resume.todo(handler, batch)
                if not todo:
                    continue
                outcomes, writes = handler.prepare(todo)
                read_db.commit()  # no transaction stays open while the writes run
                if pending is not None:
                    pending.result()
                pending = pool.submit(
                    _write_batch, held, handler.spec, _Snapshot(reader), len(todo), outcomes, writes
                )
        finally:
            # the batch being written ends first (stopping too: its commit is progress kept)
            if pending is not None:
                pending.result()


class _Snapshot:
    """The reader's headers and encoding as they were when a batch was read."""

    def __init__(self, reader: Reader) -> None:
        self.headers = list(reader.headers)
        self.encoding = reader.encoding


def _write_batch(
    held: _Lease, spec: Any, reader: Any, rows: int, outcomes: list[Outcome], writes: list[Any]
) -> None:
    with session_factory(write=True)() as db:
        _no_wait_for_flush(db)
        for write in writes:
            write(db)
        _record_batch(db, held, spec, reader, rows, outcomes)
        db.commit()


def _record_batch(
    db: Session, held: _Lease, spec: Any, reader: Any, rows: int, outcomes: list[Outcome]
) -> None:
    """The batch's errors and the job's progress, in the batch's transaction (which
    :class:`LeaseLost` rolls back if another worker holds the job now)."""
    counts = _tally(outcomes)
    held.write(
        db,
        status="running",  # a reader may have called it interrupted meanwhile
        rows_done=ImportJob.rows_done + rows,
        created=ImportJob.created + counts["created"],
        updated=ImportJob.updated + counts["updated"],
        unchanged=ImportJob.unchanged + counts["unchanged"],
        failed=ImportJob.failed + counts["failed"],
        heartbeat_at=datetime.now(UTC),
        headers=reader.headers,
        encoding=reader.encoding,
    )
    errors = _error_rows(held.job_id, outcomes, hints(spec, reader.headers))
    if errors:
        db.execute(insert(ImportRowError), errors)


def _heartbeat(held: _Lease, rows_done: int, counts: dict[str, int]) -> None:
    with session_factory(write=True)() as db:
        now = datetime.now(UTC)
        held.write(db, status="running", rows_done=rows_done, heartbeat_at=now, **counts)
        db.commit()


def _all_or_nothing(
    held: _Lease, job: ImportJob, ctx: RequestCtx, reader: Reader, handler_cls: Any
) -> None:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    kept: list[dict[str, Any]] = []
    rows_done = 0
    with session_factory(write=True)() as db:
        separate_progress = db.get_bind().dialect.name == "postgresql"
        handler = handler_cls(db, ctx, job.id)
        handler.check_allowed()
        data = db.begin_nested()
        for batch in held.batches(iter(reader)):
            outcomes = handler.batch(batch)
            for key, n in _tally(outcomes).items():
                counts[key] += n
            if len(kept) < MAX_KEPT_ERRORS:
                rows = _error_rows(job.id, outcomes, hints(handler.spec, reader.headers))
                kept.extend(rows[: MAX_KEPT_ERRORS - len(kept)])
            rows_done += len(batch)
            if separate_progress:
                _heartbeat(held, rows_done, counts)
        handler.finish()
        keep = not job.dry_run and counts["failed"] == 0
        if keep:
            data.commit()
        else:
            data.rollback()
        held.write(
            db,
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
        if kept:
            db.execute(insert(ImportRowError), kept)
        db.commit()


def session_job(db: Session, job_id: str) -> ImportJob | None:
    return db.get(ImportJob, job_id)
