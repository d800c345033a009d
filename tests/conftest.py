"""Test database: one per run, built with ``alembic upgrade head``, each test rolled back.

``TEST_DB_BACKEND=sqlite`` (default) uses a temporary SQLite file; ``postgresql`` creates
``eldercare_test_<random>`` on the server named by ``TEST_DATABASE_URL`` and drops it after.

Two ways to run a test:

* by default every request and the test's ``db`` share one connection whose transaction is
  rolled back after the test (fast; requests see what the test flushed, uncommitted);
* ``@pytest.mark.committed``: requests take the paths production takes (the real engine
  and its pool, a transaction per request, on PostgreSQL the register's pages read on the
  event loop from the async pool); the test's ``db`` is a session of its own, committed
  before each request the ``client`` sends, and what the test wrote is deleted after it.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    exists,
    inspect,
    literal,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

TMP = Path(tempfile.mkdtemp(prefix="eldercare-test-"))
os.environ["ELDERCARE_VAR_DIR"] = str(TMP / "var")
os.environ["ELDERCARE_JWT_SECRET"] = "test-secret-" + secrets.token_urlsafe(24)
os.environ.setdefault("ELDERCARE_LOG_LEVEL", "WARNING")
# Cheaper argon2id in tests; the production cost is the default and is tested for separately.
os.environ["ELDERCARE_PASSWORD_HASH_MEMORY_KIB"] = "8192"
os.environ["ELDERCARE_PASSWORD_HASH_TIME_COST"] = "1"
os.environ["ELDERCARE_PASSWORD_HASH_PARALLELISM"] = "1"
# Requests in tests read uncommitted data through one shared connection, which another
# connection (the cache's epoch) cannot see; tests/auth/test_principal_cache.py enables it.
os.environ["ELDERCARE_AUTH_CACHE"] = "false"
# Likewise the register's daily task (a thread of its own would share the test connection);
# each day's first request still refreshes, and tests/elders/test_register_current.py runs it.
os.environ["ELDERCARE_REGISTER_DAILY_REFRESH"] = "false"
# And the server's embedded worker: tests run queued jobs themselves, one claim at a time
# (tests.factories.run_jobs); tests/bulk/test_workers.py runs real workers.
os.environ["ELDERCARE_EMBEDDED_WORKER"] = "false"
os.environ["ELDERCARE_FRONTEND_DIST"] = str(TMP / "no-frontend")

from eldercare import db as dbmod  # noqa: E402
from eldercare import migrate  # noqa: E402
from eldercare.config import get_settings  # noqa: E402
from eldercare.db import make_engine, normalize_url  # noqa: E402
from eldercare.wiring import install as wire_the_domains  # noqa: E402

# Tests call services without the app: the domains' hooks are registered as the app does.
wire_the_domains()

BACKEND = os.environ.get("TEST_DB_BACKEND", "sqlite")


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.exit("TEST_DB_BACKEND=postgresql needs TEST_DATABASE_URL", returncode=2)
    return normalize_url(url)


def create_database(tag: str = "") -> str:
    """A new, empty database for this run; returns its URL."""
    name = f"eldercare_test_{tag}{secrets.token_hex(4)}"
    if BACKEND == "sqlite":
        return f"sqlite:///{TMP / (name + '.db')}"
    server = _server_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if BACKEND == "sqlite":
        Path(make_url(url).database or "").unlink(missing_ok=True)
        return
    name = make_url(url).database
    admin = create_engine(_server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = create_database()
    migrate.upgrade(url)
    os.environ["ELDERCARE_DATABASE_URL"] = url
    get_settings.cache_clear()
    yield url
    dbmod.set_engine(None)
    drop_database(url)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "committed: requests through the real engine, pools and event-loop reads, against "
        "committed data deleted after the test (see tests/conftest.py)",
    )


# Tables holding rows before any test ran (migrations' own rows, the regions): kept as
# they are when a committed test's data is deleted.
_KEPT_TABLES: set[str] = set()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    dbmod.set_engine(engine)
    from tests.factories import load_test_regions

    with Session(engine) as session, session.begin():
        load_test_regions(session)
    with engine.connect() as conn:
        _KEPT_TABLES.update(t for t in _tables(engine) if _has_rows(conn, [t]))
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> list[str]:
    """Every table, those referenced before those referring to them."""
    from eldercare.models import Base

    names = set(inspect(engine).get_table_names())
    ordered = [t.name for t in Base.metadata.sorted_tables if t.name in names]
    return ordered + sorted(names - set(ordered))


def _has_rows(conn: Connection, tables: list[str]) -> list[str]:
    if not tables:
        return []
    found = [exists(select(literal(1)).select_from(table(t))) for t in tables]
    probes = union_all(*[select(literal(t)).where(f) for t, f in zip(tables, found, strict=True)])
    return [r[0] for r in conn.execute(probes)]


def delete_test_rows(engine: Engine) -> None:
    """Delete every row a committed test wrote: the tables other than ``_KEPT_TABLES``.

    Triggers that refuse or follow deletes (the audit log's append-only guard) are lifted
    for it, in the same transaction.
    """
    with engine.connect() as conn:
        tables = [t for t in _tables(engine) if t not in _KEPT_TABLES]
        filled = _has_rows(conn, tables)
        if not filled:
            return
        if conn.dialect.name == "postgresql":
            # (DELETE: a TRUNCATE of every table costs about a second)
            guarded = [
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
                    "WHERE NOT tgisinternal AND tgtype & 24 <> 0"  # ON DELETE or UPDATE
                )
                if r[0] in filled
            ]
            for t in guarded:
                conn.exec_driver_sql(f'ALTER TABLE "{t}" DISABLE TRIGGER USER')
            for t in reversed(filled):
                conn.execute(table(t).delete())
            for t in guarded:
                conn.exec_driver_sql(f'ALTER TABLE "{t}" ENABLE TRIGGER USER')
        else:
            triggers = [
                (name, sql)
                for name, of, sql in conn.exec_driver_sql(
                    "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
                )
                if of in filled
            ]
            for name, _sql in triggers:
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            for t in reversed(filled):
                conn.execute(table(t).delete())
            for _name, sql in triggers:
                conn.exec_driver_sql(sql)
        conn.commit()


def committed(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("committed") is not None


@pytest.fixture
def connection(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Connection]:
    """One connection whose outer transaction is rolled back after the test.

    The application's sessions join it with savepoints: a request's commit releases its
    savepoint, a failed request rolls back to it, and nothing outlives the test.
    """
    if committed(request):
        pytest.fail("a committed test has no shared connection: use the engine")
    conn = engine.connect()
    outer = conn.begin()
    dbmod.use_sessionmaker(
        sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    try:
        yield conn
    finally:
        dbmod.set_engine(engine)
        outer.rollback()
        conn.close()


@pytest.fixture
def db(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Session]:
    """A session for arranging and checking data, inside the test's transaction (committed
    tests: a session of its own on the engine, see ``client``)."""
    if committed(request):
        dbmod.set_engine(engine)  # the real session factories and the event-loop read pool
        session = Session(bind=engine, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            delete_test_rows(engine)
        return
    connection = request.getfixturevalue("connection")
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()


@pytest.fixture(scope="session")
def app(engine: Engine):  # type: ignore[no-untyped-def]
    from eldercare.main import create_app

    from tests.contract import StatusRecorder, undocumented

    app = create_app()
    app.add_middleware(StatusRecorder)
    yield app
    missing = undocumented(app.openapi())
    assert not missing, "statuses the app sent that openapi.json does not list:\n" + "\n".join(
        missing
    )


@pytest.fixture
def client(request: pytest.FixtureRequest, app, db: Session):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as c:
        if committed(request):
            # what the test arranged is committed before each request, as a client's would be
            c.event_hooks = {"request": [lambda _request: db.commit()], "response": []}
        yield c
