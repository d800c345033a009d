"""Open work follows its elder: what a move does to everything that belongs to the elder.

Most of an elder's rows (guardians, pairings, benefits, relief facts, history) carry no
region of their own: they are scoped by joining their elder, so they follow a move by
themselves. Some tables keep a copy of the elder's village (and derived township and county
codes) so that scoped lists and counts are index range scans: visits, incidents, the visit
schedule and the stored relief screening. After a move those copies would leave the rows
behind, readable and writable by the old village and township and invisible to the new
ones. :data:`FOLLOWERS` lists every such table (their domains register them with
:func:`follows`, in :mod:`eldercare.wiring`), and :func:`follow_moves` (called by every
write that changes an elder's village; today :func:`eldercare.elders.lifecycle.move`, which
imports also go through) re-keys them with one set-based ``UPDATE`` per table.

A table added later that has an ``elder_id`` joins :data:`FOLLOWERS` if it keeps a region
column, else :data:`SCOPED_THROUGH_ELDER`, or :data:`REGION_HISTORY` if its region is where
the elder was on a date (``elder_periods``); ``tests/elders/test_move_follows.py`` fails for
a table in none.

Before the re-keying, the move calls the :data:`eldercare.elders.hooks.moved` hook: it ends
each open pairing whose helper's region does not cover the new village (a helper of the old
village cannot visit there) with ``end_reason = "moved"``, and then the new village's
worklist says the elder needs a helper until a new pairing is made (see
:func:`eldercare.volunteers.service.end_pairings_elsewhere` and
:func:`eldercare.visits.schedule.needs_helper`). Helpers of the new village, of its
township or county-wide keep their pairings.

The change feed is scoped by region. For the elder and each of its guardians, pairings and
visits the move writes an ``update`` row with the old village and one with the new one: a
consumer of the old region re-reads the object and gets 404 (it left its scope), a consumer
of the new region learns of objects that were created before they were in its scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from eldercare.context import RequestCtx
from eldercare.db import Base
from eldercare.elders import hooks
from eldercare.elders.models import Elder
from eldercare.feed import changes

CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Follower:
    """A table whose rows belong to an elder and keep a copy of the elder's region."""

    table: str
    elder_column: str = "elder_id"
    region_column: str = "village_code"


# Filled by the domains that own the tables, through eldercare.wiring.
FOLLOWERS: list[Follower] = []


def follows(*tables: str) -> None:
    """These tables keep a copy of their elder's village (``village_code``, by ``elder_id``):
    a move re-keys them."""
    for table in tables:
        if all(f.table != table for f in FOLLOWERS):
            FOLLOWERS.append(Follower(table))


# Tables with an ``elder_id`` and no region of their own: scoped by joining the elder.
SCOPED_THROUGH_ELDER: frozenset[str] = frozenset(
    {
        "guardians",
        "guardian_contacts",
        "pairings",
        "benefits",
        "relief_facts",
        "elder_changes",
        "roster_matches",
        "elder_services_done",  # each last time per service: read by the elder's id only
    }
)
# Tables that record where an elder was (a history by date): never re-keyed by a move.
REGION_HISTORY: frozenset[str] = frozenset({"elder_periods"})


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def rekey(db: Session, elder_ids: list[str]) -> dict[str, int]:
    """Set every follower row of these elders to its elder's current village: one
    ``UPDATE`` per table (per chunk of ids), touching only the rows that differ. Versioned
    rows get a new version (their representation names the village). Returns the number
    of rows changed per table."""
    db.flush()
    elders = _table("elders")
    counts: dict[str, int] = {}
    for f in FOLLOWERS:
        t = _table(f.table)
        current = (
            select(elders.c.village_code)
            .where(elders.c.id == t.c[f.elder_column])
            .scalar_subquery()
        )
        values: dict[str, Any] = {f.region_column: current}
        if "version" in t.c:
            values["version"] = t.c.version + 1
        n = 0
        for start in range(0, len(elder_ids), CHUNK):
            ids = elder_ids[start : start + CHUNK]
            result = db.execute(
                update(t)
                .where(t.c[f.elder_column].in_(ids), t.c[f.region_column] != current)
                .values(values)
                .execution_options(synchronize_session=False)
            )
            n += int(getattr(result, "rowcount", 0) or 0)
        counts[f.table] = n
    # objects of this session loaded before the UPDATE hold the old codes and versions
    names = {f.table for f in FOLLOWERS}
    for obj in list(db.identity_map.values()):
        if getattr(type(obj), "__tablename__", None) in names:
            db.expire(obj)
    return counts


def follow_moves(db: Session, ctx: RequestCtx, moves: Mapping[str, str]) -> None:
    """After elders changed village (``moves``: elder id -> the village they left), make
    everything that belongs to them follow: the ``moved`` hook (pairings whose helper
    cannot follow end, the new village is told to find a helper), follower rows are
    re-keyed, and the change feed tells both regions."""
    db.flush()
    moved: dict[str, str] = {}
    for elder_id, old in moves.items():
        elder = db.get(Elder, elder_id)
        if elder is None or not old or elder.village_code == old:
            continue
        moved[elder_id] = old
        hooks.moved(db, ctx, elder, old)
    if moved:
        rekey(db, list(moved))
        changes.moved(db, "elder", moved)
