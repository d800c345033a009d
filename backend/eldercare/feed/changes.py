"""The change feed: recorded at one place for every watched model, read from a cursor.

Recording: a domain's models ask to be watched (:func:`watch`, beside their classes); a
session ``after_flush`` hook turns the watched objects a flush created, changed or deleted
into ``changes`` rows, in the same transaction (so a change is in the feed exactly when it
is committed). Set-based writes that bypass the ORM call :func:`record` themselves.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    event,
    insert,
    inspect,
    null,
    select,
    text,
)
from sqlalchemy.orm import Session, UOWTransaction

from eldercare.context import RequestCtx
from eldercare.errors import BadRequest
from eldercare.feed.models import Change

# The resources the feed publishes: part of the API (``GET /changes?resource=``). A model
# is watched under one of them by :func:`watch`, called beside its class.
RESOURCES = (
    "benefit",
    "elder",
    "follow_up",
    "guardian",
    "guardian_contact",
    "household",
    "incident",
    "pairing",
    "relief_facts",
    "visit",
    "volunteer",
)


@dataclass(frozen=True, slots=True)
class Watched:
    """How a watched model's rows enter the feed: under ``resource``, in the region its
    ``region`` attribute holds, or, for a record that belongs to another (a guardian to its
    elder), in the region of that ``parent`` resource's record its ``key`` names."""

    resource: str
    region: str | None = None
    parent: str | None = None
    key: str | None = None


WATCHED: dict[type[Any], Watched] = {}


def watch(
    model: type[Any],
    resource: str,
    *,
    region: str | None = None,
    parent: str | None = None,
    key: str = "elder_id",
) -> None:
    """Record every create, update and delete of ``model`` in the feed. Give the attribute
    holding its ``region`` code, or the ``parent`` resource whose record it belongs to and
    the attribute (``key``) holding that record's id."""
    if resource not in RESOURCES:
        raise ValueError(f"{resource!r} is not a resource of the feed (RESOURCES)")
    if (region is None) == (parent is None):
        raise ValueError("a watched model has a region or a parent, not both")
    WATCHED[model] = Watched(resource, region, parent, key if parent else None)


def _model_of(resource: str) -> tuple[type[Any], Watched]:
    return next((m, w) for m, w in WATCHED.items() if w.resource == resource)


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
    own = _own_xid(conn)
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


def _own_xid(conn: Connection) -> int:
    """This transaction's id, read once per transaction (a request flushes several times)."""
    transaction = conn.get_transaction()
    cached = conn.info.get("eldercare_feed_xid")
    if cached is not None and transaction is not None and cached[0] is transaction:
        return int(cached[1])
    own = int(conn.execute(_OWN_XID).scalar_one())
    conn.info["eldercare_feed_xid"] = (transaction, own)
    return own


def _later_positions(conn: Connection, own: int, ids: set[str]) -> dict[tuple[str, str], int]:
    rows = conn.execute(_LATER, {"own": own, "ids": sorted(ids)})
    return {(resource, rid): position for resource, rid, position in rows}


def _regions_of(conn: Connection, resource: str, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    model, w = _model_of(resource)
    assert w.region is not None
    rows = conn.execute(select(model.id, getattr(model, w.region)).where(model.id.in_(ids)))
    return {i: r for i, r in rows}


def _held_region(session: Session, resource: str, record_id: str) -> str | None:
    """The region of a parent record this session holds loaded (flushed: as stored), else
    None (read it)."""
    model, w = _model_of(resource)
    obj = session.identity_map.get(session.identity_key(model, record_id))
    if obj is None:
        return None
    value = inspect(obj).dict.get(w.region or "")
    return value if isinstance(value, str) else None


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    pending: list[tuple[str, Any, Watched]] = []  # (action, obj, how it is watched)
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
            pending.append((action, obj, watched))
    if not pending:
        return
    conn = session.connection()
    # the region of every parent record named: as this flush has it, else as stored
    regions = {
        (w.resource, o.id): getattr(o, w.region) for _, o, w in pending if w.region is not None
    }
    wanted: dict[str, set[str]] = {}
    for _, o, w in pending:
        if w.parent is None or (w.parent, getattr(o, w.key or "")) in regions:
            continue
        parent_id = getattr(o, w.key or "")
        held = _held_region(session, w.parent, parent_id)
        if held is not None:
            regions[(w.parent, parent_id)] = held
        else:
            wanted.setdefault(w.parent, set()).add(parent_id)
    for parent, ids in wanted.items():
        regions.update(((parent, i), r) for i, r in _regions_of(conn, parent, ids).items())
    rows = []
    for action, obj, w in pending:
        parent_id = getattr(obj, w.key) if w.key else None
        if w.region is not None:
            region = getattr(obj, w.region)
        else:
            region = regions.get((w.parent or "", parent_id), "")
        rows.append(
            {
                "resource": w.resource,
                "resource_id": obj.id,
                "action": action,
                "region_code": region or "",
                "version": getattr(obj, "version", None),
                "parent_id": parent_id,
            }
        )
    record(conn, rows)


def moved(db: Session, resource: str, moves: Mapping[str, str]) -> None:
    """Records of ``resource`` changed region (``moves``: id -> the region each left): tell
    both regions. The record gets an ``update`` row in the region it left (its flush wrote
    the one in its new region); each watched record that belongs to it gets one in each, so
    a consumer of the old region re-reads it and gets 404, and one of the new region learns
    of records created before they were in its scope."""
    model, w = _model_of(resource)
    assert w.region is not None
    ids = list(moves)
    now = {
        i: (region, version)
        for i, region, version in db.execute(
            select(model.id, getattr(model, w.region), model.version).where(model.id.in_(ids))
        )
    }
    rows: list[dict[str, Any]] = [
        {
            "resource": resource,
            "resource_id": record_id,
            "action": "update",
            "region_code": old,
            "version": now[record_id][1] if record_id in now else None,
        }
        for record_id, old in moves.items()
    ]
    children = sorted(
        ((m, c) for m, c in WATCHED.items() if c.parent == resource), key=lambda mc: mc[1].resource
    )
    for child, c in children:
        key = getattr(child, c.key or "")
        version_of = getattr(child, "version", null())  # kept versions (relief facts): none
        for child_id, parent_id, version in db.execute(
            select(child.id, key, version_of).where(key.in_(ids)).order_by(child.id)
        ):
            for region in (moves[parent_id], now[parent_id][0]):
                rows.append(
                    {
                        "resource": c.resource,
                        "resource_id": child_id,
                        "action": "update",
                        "region_code": region,
                        "version": version,
                        "parent_id": parent_id,
                    }
                )
    record(db.connection(), rows)


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
