"""Database plumbing: the declarative base, the engine and the per-request session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from starlette.concurrency import run_in_threadpool
from uuid_utils import uuid7

from eldercare.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def new_id() -> str:
    """Opaque identifiers for API resources: UUIDs of version 7, which begin with the time.

    New rows therefore land at the right-hand end of every index on an id (the primary keys
    and the references to them) instead of on random pages. Bulk imports write far fewer
    index pages, and far less WAL, than with random (version 4) UUIDs.
    """
    return uuid7().hex


def new_ids(n: int) -> list[str]:
    """``n`` identifiers like :func:`new_id`, in increasing order."""
    return [uuid7().hex for _ in range(n)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose pool covers the worker threads, so connections are kept, not churned."""
    url = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)  # errors never echo personal data into logs
    pooled = "poolclass" not in kwargs
    if pooled:
        settings = get_settings()
        kwargs.setdefault("pool_size", settings.db_pool_size)
        kwargs.setdefault("max_overflow", settings.db_max_overflow)
    if url.startswith("sqlite"):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            from pathlib import Path

            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", get_settings().db_pool_pre_ping)
    kwargs.setdefault("pool_recycle", 1800)
    # No JIT: the grouped queries of rates and statistics look costly enough to trigger it,
    # and compiling them took longer than running them (hundreds of milliseconds).
    kwargs.setdefault("connect_args", {"options": "-c jit=off"})
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    """Real transactions (BEGIN on first statement, SAVEPOINT support), WAL, foreign keys."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # LIKE 'abc%' then uses indexes, as on PostgreSQL with the C collation.
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Requests that write take the write lock at once: a read-then-write transaction would
        # otherwise fail with "database is locked" when another request writes first.
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_engine: Engine | None = None
_read_engine: Engine | None = None
_sessionmaker: sessionmaker[Session] | None = None
_write_sessionmaker: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    if _engine is None:
        set_engine(make_engine(get_settings().database_url))
    assert _engine is not None
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Point the application at another engine (tests, CLI)."""
    global _engine, _read_engine, _sessionmaker, _write_sessionmaker, _async_reads
    if _read_engine is not None:
        _read_engine.dispose()
        _read_engine = None
    _engine = engine
    _async_reads = None
    if engine is None:
        _sessionmaker = _write_sessionmaker = None
        return
    # Reads on PostgreSQL run in autocommit: every statement sees its own snapshot, and a
    # request spares the BEGIN and COMMIT round trips (two of a one-query request's three).
    # A read request that records something (the audit of a reveal) commits it at once.
    # Their connections stay in autocommit in a pool of their own, rather than being
    # switched on every checkout and reset on every return.
    read_bind = engine
    if engine.dialect.name == "postgresql":
        _async_reads = AsyncReads(
            engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
            get_settings().worker_threads,
        )
        _read_engine = read_bind = make_engine(
            engine.url.render_as_string(hide_password=False),
            isolation_level="AUTOCOMMIT",
            pool_reset_on_return=None,  # nothing to roll back
        )
    _sessionmaker = sessionmaker(bind=read_bind, expire_on_commit=False)
    _write_sessionmaker = sessionmaker(
        bind=engine.execution_options(sqlite_immediate=True), expire_on_commit=False
    )


def use_sessionmaker(maker: sessionmaker[Session]) -> None:
    """Serve every request from this factory (tests bind it to one rolled-back connection)."""
    global _sessionmaker, _write_sessionmaker, _async_reads
    _sessionmaker = _write_sessionmaker = maker
    _async_reads = None  # reads must go through that connection too


class AsyncReads:
    """This worker's autocommit async connections (PostgreSQL) for reads on the event loop.

    The hottest read (a region's first page of the register) needs no session and no
    thread: its SQL is fixed, so it is awaited on the event loop like any I/O, and the
    worker threads are left to the rest. Connections belong to the event loop that opened
    them; a broken or cancelled one is dropped, never reused.
    """

    def __init__(self, dsn: str, size: int) -> None:
        self._dsn = dsn
        self._size = size
        self._loop: Any = None
        self._idle: list[Any] = []
        self._slots: Any = None

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        import asyncio

        import psycopg

        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._idle, self._slots = loop, [], asyncio.Semaphore(self._size)
        async with self._slots:
            conn = self._idle.pop() if self._idle else None
            if conn is None or conn.closed:
                conn = await psycopg.AsyncConnection.connect(
                    self._dsn, autocommit=True, options="-c jit=off"
                )
            try:
                cur = await conn.execute(sql, params)
                rows = await cur.fetchall()
            except BaseException:
                await asyncio.shield(conn.close())
                raise
            self._idle.append(conn)
            return rows

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()


_async_reads: AsyncReads | None = None


def async_reads() -> AsyncReads | None:
    """The async read connections, when requests read from the server directly (PostgreSQL,
    and not bound to one test connection)."""
    get_engine()
    return _async_reads


def session_factory(write: bool = False) -> sessionmaker[Session]:
    get_engine()
    maker = _write_sessionmaker if write else _sessionmaker
    assert maker is not None
    return maker


T = TypeVar("T")


def write_apart(work: Callable[[Session], T], *, after: Session | None = None) -> T:
    """Run ``work`` in a short write transaction of its own and commit it.

    ``after``: a read session whose snapshot ends first, so that it sees what ``work``
    wrote (a read request bringing stored figures up to date before it reads them; on
    SQLite a read transaction that turned writer could fail under concurrent writes).
    """
    if after is not None:
        after.commit()
    with session_factory(write=True)() as writer:
        result = work(writer)
        writer.commit()
    return result


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed once before the response is sent.

    An exception rolls everything back, except errors that ask to keep what was recorded
    (a failed login keeps its audit row and throttling counter). The session is opened on
    the event loop (no I/O) and finished in one worker-thread hop, only if it was used.
    """
    from eldercare.errors import AppError

    session = session_factory(write=request.method not in READ_METHODS)()
    try:
        yield session
    except AppError as exc:
        await _finish(session, commit=exc.commit)
        raise
    except BaseException:
        await _finish(session, commit=False)
        raise
    else:
        await _finish(session, commit=True)


async def _finish(session: Session, *, commit: bool) -> None:
    if not session.in_transaction():
        session.close()
        return
    await run_in_threadpool(_end, session, commit)


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]
