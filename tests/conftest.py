"""Test database: one per run, built with ``alembic upgrade head``, each test rolled back.

``TEST_DB_BACKEND=sqlite`` (default) uses a temporary SQLite file; ``postgresql`` creates
``eldercare_test_<random>`` on the server named by ``TEST_DATABASE_URL`` and drops it after.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
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


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    dbmod.set_engine(engine)
    from tests.factories import load_test_regions

    with Session(engine) as session, session.begin():
        load_test_regions(session)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection whose outer transaction is rolled back after the test.

    The application's sessions join it with savepoints: a request's commit releases its
    savepoint, a failed request rolls back to it, and nothing outlives the test.
    """
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
def db(connection: Connection) -> Iterator[Session]:
    """A session for arranging and checking data, inside the test's transaction."""
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
def client(app, connection: Connection):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as c:
        yield c
