"""Migrations upgrade and downgrade on the test database's kind, and match the models."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from eldercare import migrate
from eldercare.db import make_engine
from eldercare.models import Base
from eldercare.visits.models import ElderSchedule, ElderServiceDone, Visit
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from tests.conftest import create_database, drop_database
from tests.factories import VILLAGE, load_test_regions, make_elder


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


def _foreign_keys(url: str, table: str) -> list[str]:
    engine = make_engine(url)
    try:
        return [fk["referred_table"] for fk in inspect(engine).get_foreign_keys(table)]
    finally:
        engine.dispose()


def test_0010_keeps_every_row_of_a_filled_database_both_ways():
    """Dropping (and restoring) the two derived rows' foreign keys copies tables on SQLite;
    a filled database keeps its rows, generated columns included, both ways."""
    url = create_database("mig_")
    try:
        # filled at head (the models' columns), then down past 0010 and up again
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as db, db.begin():
            load_test_regions(db)
            elder = make_elder(db, VILLAGE)
            elder_id, household_id = elder.id, elder.household_id
            if db.get(ElderSchedule, elder_id) is None:
                db.add(
                    ElderSchedule(
                        elder_id=elder_id,
                        village_code=VILLAGE,
                        risk_level="high",
                        special_difficulty=True,
                        interval_days=7,
                        next_due_date=date(2026, 12, 1),
                        reason={},
                        updated_at=datetime(2026, 11, 29, tzinfo=UTC),
                    )
                )
        engine.dispose()
        for revision, fks in (("0009", ["elders"]), ("head", [])):
            if revision == "head":
                migrate.upgrade(url)
            else:
                migrate.downgrade(url, revision)
            assert _foreign_keys(url, "elder_schedules") == fks
            engine = make_engine(url)
            with engine.connect() as conn:
                row = conn.execute(
                    text("SELECT elder_id, township_code, county_code FROM elder_schedules")
                ).one()
                assert tuple(row) == (elder_id, VILLAGE[:9], VILLAGE[:6])
                households = conn.execute(text("SELECT id FROM households")).scalars().all()
                assert households == [household_id]
            engine.dispose()
    finally:
        drop_database(url)


def test_0023_fills_each_elders_last_time_per_service_from_the_visits():
    url = create_database("mig_")
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as db, db.begin():
            load_test_regions(db)
            elder = make_elder(db, VILLAGE)
            for day, served in ((3, ["cleaning", "haircut"]), (9, ["cleaning"]), (2, [])):
                db.add(
                    Visit(
                        elder_id=elder.id,
                        village_code=VILLAGE,
                        author_id="x",
                        visited_at=datetime(2026, 11, day, 8, tzinfo=UTC),
                        method="home_visit",
                        services=served,
                    )
                )
            elder_id = elder.id
        engine.dispose()
        migrate.downgrade(url, "0022")
        assert "elder_services_done" not in _tables(url)
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as db:
            got = {
                (r.elder_id, r.service): r.last_done_at
                for r in db.scalars(select(ElderServiceDone))
            }
        engine.dispose()
        assert got == {
            (elder_id, "cleaning"): datetime(2026, 11, 9, 8, tzinfo=UTC),
            (elder_id, "haircut"): datetime(2026, 11, 3, 8, tzinfo=UTC),
        }
    finally:
        drop_database(url)
