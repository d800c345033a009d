"""Alembic environment: the URL comes from the caller (tests, CLI) or the settings."""

from __future__ import annotations

from alembic import context
from eldercare.config import get_settings
from eldercare.db import make_engine, normalize_url
from eldercare.models import Base
from sqlalchemy import pool

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url") or get_settings().database_url
    return normalize_url(url)


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    sqlite = connection.dialect.name == "sqlite"
    # SQLite changes a table's constraints by copying the table, which its own foreign keys
    # forbid on a filled database. Its documented procedure: checks off outside the
    # transaction, the changes, a foreign_key_check before the commit, checks as they were.
    raw = connection.connection.driver_connection if sqlite else None
    checks = None
    if raw is not None:
        if connection.in_transaction():
            raise RuntimeError(
                "SQLite migrations need a connection outside a transaction "
                "(foreign key checks cannot be turned off inside one)"
            )
        checks = raw.execute("PRAGMA foreign_keys").fetchone()[0]
        raw.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
            if raw is not None:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    finally:
        if raw is not None:
            raw.execute(f"PRAGMA foreign_keys={'ON' if checks else 'OFF'}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
