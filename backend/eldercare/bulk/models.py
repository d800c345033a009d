"""Import jobs, with the uploaded body and per-row errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow

_BIGINT = BigInteger().with_variant(Integer, "sqlite")
# the statuses of a job that has not ended (``interrupted``: cut off, to be run again)
OPEN = "status IN ('queued', 'running', 'interrupted')"


class ImportJob(Base):
    """One import: who asked, what, how far it got, and its report.

    The idempotency key is unique per caller, in the database, so every API worker sees
    the same answer. The table is the job queue: a worker claims a ``queued`` job (or one
    whose lease ran out) by raising ``attempts``, which also fences off an earlier holder.
    A running job renews ``heartbeat_at``; one whose heartbeat is older than its lease was
    cut off (a crash) and is run again.
    """

    __tablename__ = "import_jobs"
    __table_args__ = (
        Index("uq_import_jobs_idempotency", "actor_id", "idempotency_key", unique=True),
        Index("ix_import_jobs_actor_created", "actor_id", "created_at"),
        # the queue: only unfinished jobs, oldest first (finished ones are most of the table)
        Index(
            "ix_import_jobs_open",
            "created_at",
            postgresql_where=text(OPEN),
            sqlite_where=text(OPEN),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    resource: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))  # json, ndjson, csv, xlsx
    encoding: Mapped[str | None] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))  # atomic, per_row
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # queued, running, succeeded, failed, interrupted
    status: Mapped[str] = mapped_column(String(20), default="queued")
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64))
    body_bytes: Mapped[int] = mapped_column(_BIGINT, default=0)
    # who asked (a job may run after the request that created it is gone)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(32))
    actor_name: Mapped[str] = mapped_column(String(150))
    actor_role: Mapped[str | None] = mapped_column(String(30))
    actor_region: Mapped[str] = mapped_column(String(12))
    actor_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    lang: Mapped[str] = mapped_column(String(10), default="zh-CN")
    # progress: rows up to ``rows_done`` are finished (committed, in per_row mode)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    written: Mapped[bool] = mapped_column(Boolean, default=False)
    headers: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # why the whole job failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportChunk(Base):
    """The uploaded body, in pieces (workers are stateless: the body lives in the database)."""

    __tablename__ = "import_chunks"

    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRowError(Base):
    """One failed row of an import: its number in the file, the field and a stable code."""

    __tablename__ = "import_row_errors"

    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str | None] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


__all__ = ["ImportChunk", "ImportJob", "ImportRowError"]
