"""Each worker's cache of authenticated principals, kept honest by the database.

Every authenticated request needs the account behind its token as the database has it now
(active? role? cut off? token revoked?). Reading it costs a round trip and a worker-thread
hop, which dominates a cheap request. This cache remembers, per access-token id, what that
lookup answered, tagged with the *auth epoch* it was read under. Nothing is shared between
workers but the database, so the processes stay stateless.

The epoch is a counter in the ``auth_epoch`` table that database triggers move whenever
what authentication reads changes (users, integration clients, region names, revoked
tokens); an entry read under an older epoch is ignored. How a worker learns the epoch:

- **SQLite** (one machine): a read of that one row on a dedicated connection per request,
  a few microseconds, so a change committed by any process is seen by the next request.
- **PostgreSQL**: the same triggers ``NOTIFY eldercare_auth``. A listener thread per worker
  keeps a local epoch that moves on every notification, so a change committed by another
  worker reaches this one within the notification's delivery time (well under a
  millisecond on one network). While the listener is not connected the cache is bypassed
  and every request reads the database, as without a cache.

A worker's own commits that touch those tables also move its local epoch at once, so a
client never sees its own logout or deactivation lag.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session

from eldercare.context import Principal

log = logging.getLogger("eldercare.auth.cache")

CHANNEL = "eldercare_auth"
# What authentication reads (the triggers of migration 0008 watch the same); None: any row.
WATCHED: dict[str, frozenset[str] | None] = {
    "users": frozenset(
        {
            "username",
            "display_name",
            "role",
            "region_code",
            "active",
            "tokens_valid_after",
            "must_change_password",
        }
    ),
    "integration_clients": frozenset(
        {"client_id", "name", "scopes", "region_code", "active", "tokens_valid_after"}
    ),
    "regions": frozenset({"name", "level"}),
    "revoked_tokens": None,
}
MAX_ENTRIES = 20_000

# What a lookup answered for one access token: the principal, or the refusal's error code.
Outcome = Principal | str


class PrincipalCache:
    """Outcomes of the account lookup per token id, valid for one epoch."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, Outcome]] = {}
        self._local = 0  # moved by this worker's own commits and by notifications
        self._lock = threading.Lock()

    def epoch(self) -> int | None:
        """The current epoch, or None when it cannot be known (then do not use the cache)."""
        raise NotImplementedError

    def get(self, jti: str, epoch: int) -> Outcome | None:
        found = self._entries.get(jti)
        if found is None or found[0] != epoch:
            return None
        return found[1]

    def put(self, jti: str, epoch: int, outcome: Outcome) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries = {}
        self._entries[jti] = (epoch, outcome)

    def invalidate(self) -> None:
        """Forget everything read so far (this worker committed a change, or was told of one)."""
        with self._lock:
            self._local += 1
            self._entries = {}

    def start(self) -> None:
        """Begin following the database (called at application start-up)."""

    def stop(self) -> None:
        """Stop following the database (called at shutdown)."""


class SqliteEpochCache(PrincipalCache):
    """Reads ``auth_epoch`` on a dedicated connection: any process's commit is seen at once."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path
        self._conn: sqlite3.Connection | None = None

    def start(self) -> None:
        # Autocommit, used from the event loop only; WAL readers never wait for writers.
        self._conn = sqlite3.connect(
            self._path, check_same_thread=False, isolation_level=None, timeout=5
        )

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def epoch(self) -> int | None:
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT n FROM auth_epoch WHERE id = 1").fetchone()
        except sqlite3.Error:
            log.warning("auth epoch unreadable; principal cache bypassed", exc_info=True)
            return None
        if row is None:
            return None
        # Shifted so that this worker's own invalidations also change the epoch.
        return int(row[0]) * 1_000_000 + self._local


class PostgresNotifyCache(PrincipalCache):
    """Follows ``NOTIFY eldercare_auth`` from a listener thread; bypassed while disconnected."""

    RETRY_SECONDS = 1.0

    def __init__(self, url: str) -> None:
        super().__init__()
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._connected = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="auth-epoch", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=5)  # serve meanwhile, uncached, if the database is slow

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._connected = False

    def epoch(self) -> int | None:
        return self._local if self._connected else None

    def _listen(self) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Whatever happened while nobody listened: start from a new epoch.
                    self.invalidate()
                    self._connected = True
                    self._ready.set()
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.invalidate()
            except Exception:
                if self._stopping.is_set():
                    break
                log.warning("auth notifications lost; principal cache bypassed", exc_info=True)
            finally:
                self._connected = False
            self._ready.set()
            self._stopping.wait(self.RETRY_SECONDS)


_current: PrincipalCache | None = None


def current() -> PrincipalCache | None:
    return _current


def install(database_url: str) -> PrincipalCache:
    """Create, start and make current the cache for this process and database."""
    global _current
    uninstall()
    url = make_url(database_url)
    cache: PrincipalCache
    if url.get_backend_name() == "sqlite":
        cache = SqliteEpochCache(url.database or "")
    else:
        cache = PostgresNotifyCache(database_url)
    cache.start()
    _current = cache
    return cache


def uninstall() -> None:
    global _current
    if _current is not None:
        _current.stop()
        _current = None


# This worker's own writes: move its epoch as soon as they are committed.


def _changes_watched(obj: Any, new: bool) -> bool:
    table = getattr(obj, "__tablename__", None)
    if table not in WATCHED:
        return False
    columns = WATCHED[table]
    if columns is None:
        return True
    if new:  # a new account or region has no tokens yet
        return False
    state = inspect(obj)
    return any(state.attrs[c].history.has_changes() for c in columns if c in state.attrs)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    if _current is None:
        return
    if (
        any(_changes_watched(o, new=True) for o in session.new)
        or any(_changes_watched(o, new=False) for o in session.dirty)
        or any(getattr(o, "__tablename__", None) in WATCHED for o in session.deleted)
    ):
        session.info["auth_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if _current is None or not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in WATCHED:
        return
    columns = WATCHED[table]
    # Bulk UPDATE ... SET: only the columns it sets matter (a login stamps last_login_at).
    values = getattr(state.statement, "_values", None) if state.is_update else None
    if columns is not None and values:
        names = {getattr(k, "key", getattr(k, "name", k)) for k in values}
        if not names & columns:
            return
    state.session.info["auth_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("auth_changed", False) and _current is not None:
        _current.invalidate()
