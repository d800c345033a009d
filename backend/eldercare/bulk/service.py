"""Receiving imports (idempotently), reporting on them, and the error file."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare import labels
from eldercare.bulk import jobs
from eldercare.bulk.columns import SPECS, unknown_headers
from eldercare.bulk.models import ImportChunk, ImportJob, ImportRowError
from eldercare.bulk.schemas import ImportReport, ImportWarning, RowErrorOut
from eldercare.context import RequestCtx
from eldercare.db import new_id, session_factory
from eldercare.errors import FieldError, NotFound, ValidationFailed
from eldercare.i18n import translate
from eldercare.routing import in_thread
from eldercare.sheets import formats
from eldercare.sheets.formats import MEDIA_TYPES, Reader, csv_line
from eldercare.worker import announce

CHUNK_BYTES = 1 << 20
REPORT_ERRORS = 1000


class Upload:
    """The outcome of receiving a body: the job, whether it replays an earlier one, and the
    claim of the request that runs it itself (None: queued for a worker, or ended)."""

    def __init__(self, job: ImportJob, replayed: bool, claim: jobs.Claim | None) -> None:
        self.job = job
        self.replayed = replayed
        self.claim = claim


async def receive(
    ctx: RequestCtx,
    body: AsyncIterator[bytes],
    *,
    resource: str,
    fmt: str,
    mode: str,
    dry_run: bool,
    key: str | None,
    inline_max_bytes: int | None,
    on_create: Callable[[Session, ImportJob], None] | None = None,
) -> Upload:
    """Store the body in pieces and create the job, or find the job this key made before.

    A body of at most ``inline_max_bytes`` (None: none) is claimed for the request to run;
    a larger one is queued for a worker. The same key and body answer the first job
    (nothing is written again; a job cut off by a crash runs again); the same key with
    another body or other options is refused. The key is unique per caller in the
    database, so concurrent requests on several server processes agree. ``on_create`` adds
    rows of the caller's own in the job's transaction (a roster: before any worker sees it).
    """
    job_id = new_id()
    digest = hashlib.sha256(f"{resource}|{mode}|{int(dry_run)}|".encode())
    db = session_factory(write=True)()
    try:
        seq, size, buf = 0, 0, bytearray()
        async for piece in body:
            buf += piece
            digest.update(piece)
            size += len(piece)
            if len(buf) >= CHUNK_BYTES:
                await in_thread(_store, db, job_id, seq, bytes(buf))
                seq, buf = seq + 1, bytearray()
        if buf or seq == 0:
            await in_thread(_store, db, job_id, seq, bytes(buf))
        inline = inline_max_bytes is not None and size <= inline_max_bytes
        return await in_thread(
            _create,
            db,
            ctx,
            job_id,
            resource,
            fmt,
            mode,
            dry_run,
            key,
            digest.hexdigest(),
            size,
            inline,
            on_create,
        )
    finally:
        await in_thread(_close, db)


def _close(db: Session) -> None:
    if db.in_transaction():
        db.rollback()
    db.close()


def _store(db: Session, job_id: str, seq: int, data: bytes) -> None:
    db.add(ImportChunk(job_id=job_id, seq=seq, data=data))
    db.flush()
    db.expunge_all()


def _create(
    db: Session,
    ctx: RequestCtx,
    job_id: str,
    resource: str,
    fmt: str,
    mode: str,
    dry_run: bool,
    key: str | None,
    sha: str,
    size: int,
    inline: bool,
    on_create: Callable[[Session, ImportJob], None] | None = None,
) -> Upload:
    p = ctx.actor
    if key:
        earlier = _by_key(db, p.id, key)
        if earlier is not None:
            db.expunge(earlier)
            db.rollback()  # the stored body goes: the first request's is kept
            return _replay(earlier, sha, inline)
    job = ImportJob(
        id=job_id,
        resource=resource,
        format=fmt,
        mode=mode,
        dry_run=dry_run,
        status="queued",
        idempotency_key=key,
        body_sha256=sha,
        body_bytes=size,
        actor_kind=p.kind,
        actor_id=p.id,
        actor_name=p.name,
        actor_role=p.role.value if p.role else None,
        actor_region=p.region_code,
        actor_scopes=sorted(p.scopes),
        lang=ctx.lang,
    )
    claim = jobs.claim_new(job) if inline else None
    db.add(job)
    try:
        db.flush()
    except IntegrityError:  # the same key arrived on another server process meanwhile
        db.rollback()
        earlier = _by_key(db, p.id, key or "")
        assert earlier is not None
        db.expunge(earlier)
        db.rollback()
        return _replay(earlier, sha, inline)
    if on_create is not None:
        on_create(db, job)
        db.flush()
    if claim is None:
        announce(db)
    db.commit()
    return Upload(job, replayed=False, claim=claim)


def _by_key(db: Session, actor_id: str, key: str) -> ImportJob | None:
    return db.scalar(
        select(ImportJob).where(ImportJob.actor_id == actor_id, ImportJob.idempotency_key == key)
    )


def _replay(earlier: ImportJob, sha: str, inline: bool) -> Upload:
    if earlier.body_sha256 != sha:
        raise ValidationFailed(
            "idempotency.key_reused",
            errors=[FieldError(["header", "Idempotency-Key"], "idempotency.key_reused")],
        )
    # A job cut off by a crash runs again now, however often it was cut off (upserts make
    # that safe): within this request if it is small, else queued; others are answered.
    claim = None
    if jobs.effective_status(earlier) == "interrupted":
        if inline:
            claim = jobs.claim(earlier.id, again=True)
        else:
            jobs.requeue(earlier.id)
    return Upload(earlier, replayed=True, claim=claim)


def get_job(db: Session, ctx: RequestCtx, job_id: str) -> ImportJob:
    """The caller's own job (another caller's is not found)."""
    job = db.get(ImportJob, job_id)
    if job is None or job.actor_id != ctx.actor.id:
        raise NotFound()
    return job


def mark_interrupted(job_id: str) -> None:
    """Persist that a job was cut off (read sessions may not write)."""
    with session_factory(write=True)() as db:
        job = db.get(ImportJob, job_id)
        if job is not None and jobs.effective_status(job) == "interrupted":
            job.status = "interrupted"
            db.commit()


def field_label(resource: str, field: str | None, lang: str) -> str | None:
    """The column of a row error as the template names it (the dictionary's words in
    English), or the header as the file wrote it when it names no field."""
    if field is None:
        return None
    col = next((c for c in SPECS[resource].columns if c.field == field), None)
    if col is not None and lang != "en":
        return col.zh
    return labels.label("field", field, lang)


def row_message(
    resource: str, field: str | None, code: str, params: dict[str, Any] | None, lang: str
) -> str:
    """A row error's message; a missing field names the unknown column it may have meant."""
    params = params or {}
    if code == "missing" and params.get("column") and field:
        col = next((c for c in SPECS[resource].columns if c.field == field), None)
        if col is not None:
            expected = col.field if lang == "en" else col.zh
            column = params["column"]
            return translate("import.missing_similar", lang, column=column, expected=expected)
    return translate(code, lang, None, **params)


def warnings(job: ImportJob, lang: str) -> list[ImportWarning]:
    """Report-level warnings: columns of the file that name no field of the resource."""
    unknown = unknown_headers(SPECS[job.resource], list(job.headers or ()))
    if not unknown:
        return []
    sep = ", " if lang == "en" else "、"
    code = "import.unknown_columns"
    return [
        ImportWarning(
            code=code, message=translate(code, lang, columns=sep.join(unknown)), columns=unknown
        )
    ]


def report(db: Session, job: ImportJob, lang: str, *, replayed: bool = False) -> ImportReport:
    status = jobs.effective_status(job)
    rows = db.execute(
        select(ImportRowError)
        .where(ImportRowError.job_id == job.id)
        .order_by(ImportRowError.row, ImportRowError.seq)
        .limit(REPORT_ERRORS + 1)
    ).scalars()
    errors = [
        RowErrorOut(
            row=e.row,
            field=e.field,
            code=e.code,
            message=row_message(job.resource, e.field, e.code, e.params, lang),
            field_label=field_label(job.resource, e.field, lang),
        )
        for e in rows
    ]
    truncated = len(errors) > REPORT_ERRORS
    if not truncated and job.failed and status in ("succeeded", "failed"):
        stored = db.scalar(
            select(func.count(func.distinct(ImportRowError.row))).where(
                ImportRowError.job_id == job.id
            )
        )
        truncated = (stored or 0) < job.failed
    return ImportReport(
        id=job.id,
        resource=job.resource,
        status=status,
        mode=job.mode,
        dry_run=job.dry_run,
        written=job.written,
        format=job.format,
        encoding=job.encoding,
        rows=job.rows_done,
        created=job.created,
        updated=job.updated,
        unchanged=job.unchanged,
        failed=job.failed,
        errors=errors[:REPORT_ERRORS],
        errors_truncated=truncated,
        warnings=warnings(job, lang),
        error_file=f"/api/v1/imports/{job.id}/error-file" if job.failed else None,
        error=job.error,
        attempts=job.attempts,
        replayed=replayed,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


# ----------------------------------------------------------------------------- error file


def _errors_by_row(job_id: str, resource: str, lang: str) -> Iterator[tuple[int, str]]:
    """(row, message) in row order, read in pages."""
    last = -1
    while True:
        with session_factory()() as db:
            page = list(
                db.scalars(
                    select(ImportRowError)
                    .where(ImportRowError.job_id == job_id, ImportRowError.row > last)
                    .order_by(ImportRowError.row, ImportRowError.seq)
                    .limit(5000)
                )
            )
            db.commit()
        if not page:
            return
        # a page may end inside a row: keep only whole rows unless it is the last page
        rows: dict[int, list[str]] = {}
        for e in page:
            text = row_message(resource, e.field, e.code, e.params, lang)
            rows.setdefault(e.row, []).append(f"{e.field}: {text}" if e.field else text)
        if len(page) == 5000 and len(rows) > 1:
            rows.pop(page[-1].row)
        for row, texts in rows.items():
            yield row, "; ".join(texts)
            last = row


def error_file(job: ImportJob, lang: str, failed_only: bool) -> tuple[Iterator[bytes], str, str]:
    """The uploaded rows (all, or the failed ones) with an error column, in the upload's format."""
    column = "errors" if lang == "en" else "错误"
    fmt = "ndjson" if job.format in ("json", "ndjson") else job.format
    reader = Reader(job.format, jobs.chunks(job.id))

    def rows() -> Iterator[tuple[dict[str, Any], str]]:
        errors = _errors_by_row(job.id, job.resource, lang)
        pending = next(errors, None)
        for row, cells in reader:
            while pending is not None and pending[0] < row:
                pending = next(errors, None)
            message = pending[1] if pending is not None and pending[0] == row else ""
            if message or not failed_only:
                cells.pop(formats.ERROR, None)
                cells.pop(formats.ERROR_COLUMN, None)
                yield cells, message

    def as_csv() -> Iterator[bytes]:
        first = True
        for cells, message in rows():
            if first:
                yield ("\ufeff" + csv_line([*reader.headers, column])).encode()
                first = False
            yield csv_line([*(cells.get(h) for h in reader.headers), message]).encode()
        if first:
            yield ("\ufeff" + csv_line([*reader.headers, column])).encode()

    def as_ndjson() -> Iterator[bytes]:
        import json

        for cells, message in rows():
            yield (
                json.dumps({**cells, "_errors": message}, ensure_ascii=False, default=str) + "\n"
            ).encode()

    def as_xlsx() -> Iterator[bytes]:
        from eldercare.sheets.xlsx import write_rows

        def table() -> Iterator[list[Any]]:
            header_done = False
            for cells, message in rows():
                if not header_done:
                    yield [*reader.headers, column]
                    header_done = True
                yield [*(cells.get(h) for h in reader.headers), message]

        yield from write_rows(table())

    body = {"csv": as_csv, "ndjson": as_ndjson, "xlsx": as_xlsx}[fmt]()
    name = f"import-{job.id}-errors.{fmt}"
    return body, MEDIA_TYPES[fmt], name


def now() -> datetime:
    return datetime.now(UTC)
