"""Migrations upgrade and downgrade on the test database's kind, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from eldercare import migrate
from eldercare.db import make_engine
from eldercare.models import Base
from sqlalchemy import inspect

from tests.conftest import create_database, drop_database


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_a_fresh_database():
    url = create_database("mig_")
    try:
        migrate.upgrade(url)
        assert _tables(url) == set(Base.metadata.tables)
        migrate.downgrade(url, "base")
        assert _tables(url) == set()
        migrate.upgrade(url)
        assert _tables(url) == set(Base.metadata.tables)
        engine = make_engine(url)
        with engine.connect() as conn:
            assert migrate.at_head(conn)
        engine.dispose()
    finally:
        drop_database(url)


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == [], f"models differ from migrations; run make migration: {diff}"
