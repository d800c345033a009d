"""Freezing months as they close: jobs (``month_freezes``) that workers claim and run.

A county's month is due on its ``month_freeze_day`` (register settings, default 5) of the
next month. ``enqueue_due`` queues one job per county and due month of the last twelve not
yet queued or frozen (after an upgrade, the earlier months of the trend too). A worker
(``eldercare worker``, the server's embedded one) claims the oldest queued job (``FOR
UPDATE SKIP LOCKED`` on PostgreSQL: two workers never take the same one; a job whose worker
went away is taken again after ten times ``ELDERCARE_IMPORT_LEASE_SECONDS``) and freezes
the month in one transaction. A worker queues due months itself, at most once a minute and
whenever the local day changes.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta
from functools import partial

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from eldercare import clock
from eldercare.config import get_settings
from eldercare.db import session_factory
from eldercare.elders.models import RegisterPolicy
from eldercare.elders.rules import RegisterSettings
from eldercare.regions.models import Region
from eldercare.stats import months
from eldercare.stats.models import MonthFreeze, MonthSnapshot
from eldercare.worker import Task

log = logging.getLogger("eldercare.stats")

_checked: dict[str, tuple[date, float]] = {}  # database URL -> (day, monotonic time) queued


def due_month(freeze_day: int, today: date) -> date:
    """The latest month whose freeze day has come by ``today``."""
    current = today.replace(day=1)
    previous = months.previous_first(current)
    return previous if today.day >= freeze_day else months.previous_first(previous)


BACKFILL_MONTHS = 12  # the trend's months: frozen too once due (a register older than this)


def enqueue_due(db: Session, today: date | None = None) -> int:
    """Queue the freezing of each county's due months of the last twelve (the latest, and
    on a first run the earlier ones the trend shows) unless queued or frozen already; how
    many were queued. The caller commits."""
    today = today or clock.today()
    days = {
        county: RegisterSettings.model_validate(settings).month_freeze_day
        for county, settings in db.execute(
            select(RegisterPolicy.county_code, RegisterPolicy.settings)
        )
    }
    default = RegisterSettings().month_freeze_day
    wanted: list[tuple[str, str]] = []
    for county in db.scalars(select(Region.code).where(Region.level == "county")):
        first = due_month(days.get(county, default), today)
        for _ in range(BACKFILL_MONTHS):
            wanted.append((county, months.month_key(first)))
            first = months.previous_first(first)
    keys = {m for _, m in wanted}
    known = set(
        db.execute(
            select(MonthFreeze.county_code, MonthFreeze.month).where(MonthFreeze.month.in_(keys))
        )
    ) | set(
        db.execute(
            select(MonthSnapshot.county_code, MonthSnapshot.month).where(
                MonthSnapshot.month.in_(keys),
                MonthSnapshot.level == "county",
                MonthSnapshot.frozen.is_(True),
            )
        )
    )
    now = clock.now()
    new = [
        MonthFreeze(county_code=c, month=m, status="queued", queued_at=now, attempts=0)
        for c, m in sorted(wanted, key=lambda w: (w[1], w[0]))
        if (c, m) not in known
    ]
    db.add_all(new)
    db.flush()
    return len(new)


def _lease() -> timedelta:
    return timedelta(seconds=get_settings().import_lease_seconds * 10)


def claim(worker: str) -> tuple[str, str] | None:
    """Take the oldest queued freeze (or one whose worker went away): (county, month)."""
    now = clock.now()
    ready = or_(
        MonthFreeze.status == "queued",
        (MonthFreeze.status == "running") & (MonthFreeze.claimed_at < now - _lease()),
    )
    pick = (
        select(MonthFreeze.county_code, MonthFreeze.month, MonthFreeze.attempts)
        .where(ready)
        .order_by(MonthFreeze.queued_at, MonthFreeze.county_code)
        .limit(1)
    )
    with session_factory()() as db:  # a look without a lock first: an idle poll writes nothing
        found = db.execute(pick).first()
        db.commit()
    if found is None:
        return None
    with session_factory(write=True)() as db:
        row = db.execute(pick.with_for_update(skip_locked=True)).first()
        if row is None:
            db.rollback()
            return None
        db.execute(
            update(MonthFreeze)
            .where(MonthFreeze.county_code == row.county_code, MonthFreeze.month == row.month)
            .values(status="running", worker=worker, claimed_at=now, attempts=row.attempts + 1)
        )
        db.commit()
    return row.county_code, row.month


def run(county: str, month: str, _stop: threading.Event | None = None) -> None:
    """Freeze the claimed month (one transaction) and mark its job done."""
    started = time.perf_counter()
    with session_factory(write=True)() as db:
        months.freeze(db, county, months.parse_month(month))
        db.execute(
            update(MonthFreeze)
            .where(MonthFreeze.county_code == county, MonthFreeze.month == month)
            .values(status="done", finished_at=clock.now())
        )
        db.commit()
    log.info(
        "month frozen",
        extra={"county": county, "month": month, "ms": (time.perf_counter() - started) * 1000},
    )


def _queue_if_due() -> None:
    from eldercare.db import get_engine

    key, today, tick = str(get_engine().url), clock.today(), time.monotonic()
    last = _checked.get(key)
    if last is not None and last[0] == today and tick - last[1] < 60:
        return
    with session_factory(write=True)() as db:
        enqueue_due(db, today)
        db.commit()
    _checked[key] = (today, tick)


def take(worker: str) -> Task | None:
    """A worker's source of month freezes (:class:`eldercare.worker.Worker`)."""
    claimed = claim(worker)
    if claimed is None:
        _queue_if_due()
        claimed = claim(worker)
    return None if claimed is None else partial(run, *claimed)
