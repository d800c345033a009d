"""Database plumbing: the declarative base, the engine and the per-request session."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import psycopg
from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import DateTime, Dialect, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
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
_async_reads: AsyncReads | None = None

# What a read request sees on PostgreSQL: one snapshot from its first statement to its end
# (a list and its total agree). Read requests that record something (the audit of a
# reveal) still may; they write nothing that another request updates.
READ_ISOLATION = "REPEATABLE READ"


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
    # On PostgreSQL a read session's transaction is REPEATABLE READ, a write session's the
    # server's default, READ COMMITTED, with row locks and version checks where it changes
    # rows. The read sessions' connections are set to it once, when they connect, in a pool
    # of their own: switching the level on every checkout and back on every return cost a
    # tenth of a list request's Python time. On SQLite every transaction is one snapshot
    # already; writers take the write lock at their BEGIN.
    read_bind = engine
    if engine.dialect.name == "postgresql":
        url = engine.url.render_as_string(hide_password=False)
        _read_engine = read_bind = make_engine(url, isolation_level=READ_ISOLATION)
        settings = get_settings()
        _async_reads = AsyncReads(
            engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
            settings.worker_threads,
            check=settings.db_pool_pre_ping,
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


# psycopg_pool tells of every checkout and return at INFO: not for the service's log.
if logging.getLogger("psycopg.pool").level == logging.NOTSET:
    logging.getLogger("psycopg.pool").setLevel(logging.WARNING)

READ_POOL_NAME = "eldercare-reads"  # also its connections' application_name


class AsyncReads:
    """This worker's pool of async connections (PostgreSQL) for reads on the event loop.

    The hottest read (a region's page of the register) needs no session and no thread: its
    SQL is compiled once, so it is awaited on the event loop like any I/O and the worker
    threads are left to the rest. The pool is psycopg's (``psycopg_pool``), opened and
    closed by the application's lifespan on its event loop; connections are recycled after
    ``max_lifetime``, and with ``check`` tested at each checkout. A statement that fails on
    a broken connection is run once more on another (reads are safe to repeat); a request
    cancelled mid-query has psycopg cancel it in the server before the connection goes
    back, so no connection returns to the pool mid-query.

    Connections are in autocommit, so a single statement is one snapshot; a page with its
    total runs in one REPEATABLE READ, READ ONLY transaction.
    """

    def __init__(
        self, conninfo: str, size: int, *, check: bool = False, max_lifetime: float = 1800.0
    ) -> None:
        self.conninfo = conninfo
        self.size = size
        self.check = check
        self.max_lifetime = max_lifetime
        self._pool: AsyncConnectionPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    def available(self) -> bool:
        """Whether the pool is open on the running event loop (its connections belong to
        the loop that opened them; an application served on another loop reads in threads)."""
        return self._pool is not None and self._loop is asyncio.get_running_loop()

    async def open(self) -> bool:
        """Open the pool on the running event loop (the application's lifespan), unless it
        is open already; whether this call opened it (and so closes it)."""
        if self._pool is not None:
            return False
        pool: AsyncConnectionPool = AsyncConnectionPool(
            self.conninfo,
            min_size=1,
            max_size=self.size,
            kwargs={
                "autocommit": True,
                "options": "-c jit=off",
                "application_name": READ_POOL_NAME,
            },
            configure=_configure_read_connection,
            check=AsyncConnectionPool.check_connection if self.check else None,
            max_lifetime=self.max_lifetime,
            name=READ_POOL_NAME,
            open=False,
        )
        await pool.open()
        self._pool, self._loop = pool, asyncio.get_running_loop()
        return True

    async def close(self) -> None:
        pool, self._pool, self._loop = self._pool, None, None
        if pool is not None:
            await pool.close()

    @property
    def pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            raise RuntimeError("the read pool is not open (the application's lifespan opens it)")
        return self._pool

    async def fetch_with_count(
        self,
        sql: str,
        params: Mapping[str, Any],
        count_sql: str | None,
        count_params: Mapping[str, Any] | None,
    ) -> tuple[list[tuple[Any, ...]], int | None]:
        """The rows of ``sql`` and, if given, the number ``count_sql`` counts, both from one
        snapshot."""
        pool = self.pool
        retried = False
        while True:
            async with pool.connection() as conn:
                try:
                    return await _read(conn, sql, params, count_sql, count_params)
                except psycopg.OperationalError:
                    # A broken connection (a restarted server, a terminated backend): psycopg
                    # closed it and the pool replaces it. Test the others, then read again.
                    if retried or not conn.broken:
                        raise
            retried = True
            await pool.check()


async def _read(
    conn: psycopg.AsyncConnection[Any],
    sql: str,
    params: Mapping[str, Any],
    count_sql: str | None,
    count_params: Mapping[str, Any] | None,
) -> tuple[list[tuple[Any, ...]], int | None]:
    if count_sql is None:
        cur = await conn.execute(sql, params)
        return await cur.fetchall(), None
    async with conn.transaction():
        cur = await conn.execute(count_sql, count_params)
        row = await cur.fetchone()
        cur = await conn.execute(sql, params)
        return await cur.fetchall(), int(row[0]) if row else 0


async def _configure_read_connection(conn: psycopg.AsyncConnection[Any]) -> None:
    # What conn.transaction() begins: one snapshot that cannot write.
    await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
    await conn.set_read_only(True)


def async_reads() -> AsyncReads | None:
    """The async read pool, when requests read from the server directly (PostgreSQL, and
    not bound to one test connection)."""
    get_engine()
    return _async_reads


def session_factory(write: bool = False) -> sessionmaker[Session]:
    get_engine()
    maker = _write_sessionmaker if write else _sessionmaker
    assert maker is not None
    return maker


T = TypeVar("T")


def write_apart(work: Callable[[Session], T]) -> T:
    """Run ``work`` in a short write transaction of its own and commit it.

    It never touches the caller's session. A read request that must see what ``work``
    writes (bringing stored figures up to date before it reads them) ends its own
    transaction first, so that its next statement begins a new snapshot: on SQLite, too,
    a read transaction turned writer could fail under concurrent writes.
    """
    with session_factory(write=True)() as writer:
        result = work(writer)
        writer.commit()
    return result


def read_apart(work: Callable[[Session], T]) -> T:
    """Run ``work`` in a read session of its own, one snapshot, ended when it returns (a
    coroutine endpoint's blocking read, in one worker-thread hop: ``in_thread``)."""
    with session_factory()() as reader:
        result = work(reader)
        reader.commit()
    return result


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed once before the response is sent.

    A read request's session is one snapshot (see ``READ_ISOLATION``). An exception rolls
    everything back, except errors that ask to keep what was recorded (a failed login
    keeps its audit row and throttling counter). The session is opened on the event loop
    (no I/O) and finished in one worker-thread hop, only if it was used.
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
    from eldercare.routing import in_thread

    await in_thread(_end, session, commit)


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]
