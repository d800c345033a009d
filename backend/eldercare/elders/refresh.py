"""Staying current: the daily refresh of elders whose derived facts went stale."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eldercare.clock import today as local_today
from eldercare.db import utcnow, write_apart
from eldercare.elders.facts import recompute
from eldercare.elders.models import (
    Elder,
    RegisterRefresh,
)


def stale_clause(today: date) -> ColumnElement[bool]:
    """Elders whose derived facts may be stale on ``today`` (or were never derived)."""
    return and_(
        or_(Elder.derived_until.is_(None), Elder.derived_until <= today),
        Elder.merged_into_id.is_(None),
    )


def refresh_stale(db: Session, today: date | None = None, chunk: int = 500) -> int:
    """Recompute the elders whose derived facts went stale by ``today``: those with a
    birthday, a supporter's minimum months away or a benefit boundary since their last
    derivation (a few per thousand a day). Rows are locked while recomputed, so a
    concurrent edit waits instead of failing on the version check."""
    today = today or local_today()
    n = 0
    seen: set[str] = set()
    while True:
        batch = list(
            db.scalars(
                select(Elder)
                .where(stale_clause(today))
                .order_by(Elder.id)
                .limit(chunk)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        if all(e.id in seen for e in batch):  # derive() always moves the day on: a guard
            return n
        for elder in batch:
            recompute(db, elder, today)
            seen.add(elder.id)
        db.flush()
        n += len(batch)
        if len(batch) < chunk:
            return n


def claim_day(db: Session, today: date) -> int | None:
    """Claim ``today``'s refresh for this process and run it; None when another process
    claimed it first. On PostgreSQL the insert of a day claimed by a transaction still
    running waits for it, so a None always means the refresh is done."""
    table: Any = RegisterRefresh.__table__
    values = {"day": today, "started_at": utcnow(), "elders": 0}
    if db.get_bind().dialect.name == "postgresql":
        stmt: Any = pg_insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite_insert(table).values(**values).on_conflict_do_nothing()
    if db.execute(stmt.returning(table.c.day)).first() is None:  # claimed already
        return None
    n = refresh_stale(db, today)
    db.execute(update(table).where(table.c.day == today).values(finished_at=utcnow(), elders=n))
    return n


_current: dict[str, date] = {}  # database URL -> the day this process knows is refreshed


def is_current(today: date | None = None) -> bool:
    """No query: whether this process already knows today's refresh is done."""
    return _current.get(_db_key()) == (today or local_today())


def bring_current(today: date | None = None) -> int | None:
    """Run today's refresh unless this process knows it ran (any process may have): before
    a request is served, and from the server's daily task. Returns the elders recomputed
    (None: nothing to do)."""
    today = today or local_today()
    key = _db_key()
    if _current.get(key) == today:
        return None
    n = write_apart(lambda writer: claim_day(writer, today))
    _current[key] = today
    return n


def _db_key() -> str:
    from eldercare.db import get_engine

    return str(get_engine().url)
