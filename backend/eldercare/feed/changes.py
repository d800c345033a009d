"""The change feed: recorded at one place for every watched model, read from a cursor.

Recording: a session ``after_flush`` hook turns the objects a flush created, changed or
deleted into ``changes`` rows, in the same transaction (so a change is in the feed exactly
when it is committed). Set-based writes that bypass the ORM call :func:`record` themselves.

Reading on PostgreSQL: sequence values are taken in insert order, not commit order, so a
transaction that started early may commit rows *below* a cursor already handed out. Each
row therefore carries a position (the ``xid`` column) of at least its transaction's id;
the feed serves only rows whose position is below the oldest transaction of this database
still running (the horizon), ordered by (position, id). Every row a running or future
transaction writes has a position at or above the horizon, so every row not yet served
sorts after every row served, and a client resuming from its cursor neither misses nor
repeats a change.

Per record, the order is commit order: a row's position is its transaction's id, raised
to the position of the record's latest row when that is higher (a transaction that began
later wrote the record and committed first: an atomic import that took its id early and
updates an elder after a PATCH of it). The row is written after the write it records,
which holds the record's row lock, so every earlier writer of the record has committed
and the lookup sees its row; later writers wait for this one. The raised position is
still above the horizon while this transaction runs (no cursor can have passed it) and
ties sort by id, which the later writer took after the earlier one committed. Rows of
different records are not in commit order.

The horizon is not ``pg_snapshot_xmin`` (cluster-wide: a long transaction in another
database would stall the feed) but the smallest ``backend_xid`` of this database's
sessions, capped at the snapshot's xmax, read in a statement *before* the one that reads
the rows: a transaction with a smaller id that is not listed had ended before that first
statement, so the second statement's snapshot sees its rows. SQLite runs one writer at a
time, so the autoincrement id alone is commit order there (xid is 0).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session, UOWTransaction

from eldercare.bulk.models import Change
from eldercare.context import RequestCtx
from eldercare.elders.models import Elder, Guardian, Household
from eldercare.errors import BadRequest
from eldercare.visits.models import Visit
from eldercare.volunteers.models import Pairing, Volunteer

# model -> (feed resource name, attribute holding the region code or the elder id)
WATCHED: dict[type[Any], tuple[str, str]] = {
    Elder: ("elder", "village_code"),
    Household: ("household", "village_code"),
    Volunteer: ("volunteer", "region_code"),
    Guardian: ("guardian", "elder_id"),
    Pairing: ("pairing", "elder_id"),
    Visit: ("visit", "elder_id"),
}
RESOURCES = tuple(sorted(name for name, _ in WATCHED.values()))


def record(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Append change rows (``resource, resource_id, action, region_code, version, parent_id``).

    Call it after the write it records (which holds the record's row lock until commit).
    """
    batch = [dict(r) for r in rows]
    if not batch:
        return
    now = datetime.now(UTC)
    for r in batch:
        r.setdefault("changed_at", now)
        r.setdefault("version", None)
        r.setdefault("parent_id", None)
    if conn.dialect.name != "postgresql":
        conn.execute(insert(Change).values(xid=0), batch)
        return
    own = conn.execute(_OWN_XID).scalar_one()
    later = _later_positions(conn, own, {r["resource_id"] for r in batch})
    for r in batch:
        r["xid"] = max(own, later.get((r["resource"], r["resource_id"]), own))
    conn.execute(insert(Change), batch)


_OWN_XID = text("SELECT pg_current_xact_id()::text::bigint")
# A record's rows above this transaction's id: written by transactions that began after it
# (and committed before it took the record's lock), or raised to one of those. Found
# through ix_changes_xid_id, reading only the rows written since this transaction began.
_LATER = text(
    "SELECT resource, resource_id, MAX(xid) FROM changes "
    "WHERE xid > :own AND resource_id = ANY(:ids) GROUP BY resource, resource_id"
)


def _later_positions(conn: Connection, own: int, ids: set[str]) -> dict[tuple[str, str], int]:
    rows = conn.execute(_LATER, {"own": own, "ids": sorted(ids)})
    return {(resource, rid): position for resource, rid, position in rows}


def _village_of(conn: Connection, elder_ids: set[str]) -> dict[str, str]:
    if not elder_ids:
        return {}
    rows = conn.execute(select(Elder.id, Elder.village_code).where(Elder.id.in_(elder_ids)))
    return {i: v for i, v in rows}


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    pending: list[tuple[str, Any, str, str]] = []  # (action, obj, resource, attribute)
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            watched = WATCHED.get(type(obj))
            if watched is None:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            pending.append((action, obj, *watched))
    if not pending:
        return
    conn = session.connection()
    elder_ids = {getattr(o, attr) for _, o, _, attr in pending if attr == "elder_id"}
    villages = {o.id: o.village_code for _, o, _, _ in pending if isinstance(o, Elder)}
    villages.update(_village_of(conn, elder_ids - set(villages)))
    rows = []
    for action, obj, resource, attr in pending:
        value = getattr(obj, attr)
        region = villages.get(value, "") if attr == "elder_id" else value
        rows.append(
            {
                "resource": resource,
                "resource_id": obj.id,
                "action": action,
                "region_code": region or "",
                "version": getattr(obj, "version", None),
                "parent_id": value if attr == "elder_id" else None,
            }
        )
    record(conn, rows)


# ----------------------------------------------------------------------------- reading


# The horizon: the smallest transaction id of this database still running, capped at the
# snapshot's xmax. pg_stat_activity gives 32-bit ids; each is widened to the 64 bits of
# pg_current_xact_id() by its signed distance from xmax (running ids are within 2^31 of
# it), so an id above xmax (routine: xmax is the latest *completed* id + 1, and every
# writer that began after that is above it) stays above it, not in the previous epoch.
# The cap stays: pg_stat_activity is read one backend at a time, after the snapshot, so an
# id assigned during the read may be listed while a smaller one assigned just before is
# not; every id below xmax, though, was assigned before the snapshot, so if it is not
# listed its transaction had ended, and the next statement sees its rows.
_HORIZON = text(
    "SELECT LEAST(MIN(m.x), MIN(m.x + (a.backend_xid::text::bigint - m.x % 4294967296 "
    "+ 6442450944) % 4294967296 - 2147483648)) "
    "FROM (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS x) m "
    "LEFT JOIN pg_stat_activity a "
    "ON a.datname = current_database() AND a.backend_xid IS NOT NULL"
)


def encode_cursor(xid: int, seq: int) -> str:
    return f"{xid}_{seq}"


_CURSOR = re.compile(r"([0-9]{1,19})_([0-9]{1,19})", re.ASCII)
_MAX = 2**63 - 1


def decode_cursor(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return (0, 0)
    # Two non-negative numbers that fit the feed's 64-bit columns, nothing else (a larger
    # one would overflow the query's parameters).
    found = _CURSOR.fullmatch(cursor)
    if found is None:
        raise BadRequest("bad_cursor")
    xid, seq = int(found[1]), int(found[2])
    if xid > _MAX or seq > _MAX:
        raise BadRequest("bad_cursor")
    return xid, seq


def feed(
    db: Session, ctx: RequestCtx, since: str | None, limit: int, resources: list[str] | None
) -> tuple[list[Change], str, bool]:
    """Changes after the cursor in the caller's scope; the cursor to resume from; more?"""
    xid, seq = decode_cursor(since)
    stmt = select(Change).where(
        ctx.actor.scope.clause(Change.region_code),
        (Change.xid > xid) | ((Change.xid == xid) & (Change.id > seq)),
    )
    if db.get_bind().dialect.name == "postgresql":
        conn = db.connection()
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        stmt = stmt.where(Change.xid < conn.execute(_HORIZON).scalar_one())
    if resources:
        stmt = stmt.where(Change.resource.in_(resources))
    rows = list(db.scalars(stmt.order_by(Change.xid, Change.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(last.xid, last.id) if last else encode_cursor(xid, seq)
    return rows, next_cursor, more
