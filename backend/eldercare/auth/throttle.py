"""Login throttling shared by all workers through the database.

Three counters slow guessing without letting a stranger lock a real user out:

* account + address: a few free failures, then waits that double up to a cap. A stranger
  guessing from their own address slows only themselves.
* address: more free failures, a longer cap; slows one address spraying many accounts.
* account: a generous allowance and a short cap; slows guessing spread over many addresses
  while a real user is never kept out for longer than that cap.

Failures older than the reset window are forgotten; a successful login clears the account
counters. While a wait is in force the password is not even checked (and nothing counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from eldercare.auth.models import LoginThrottle
from eldercare.config import Settings

RESET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Limit:
    key: str
    free: int
    max_seconds: int


def limits(settings: Settings, username: str, ip: str | None) -> list[Limit]:
    name = username.strip().lower()[:64]
    addr = ip or "unknown"
    return [
        Limit(
            f"acct-ip:{name}|{addr}",
            settings.throttle_account_free,
            settings.throttle_account_max_seconds,
        ),
        Limit(f"ip:{addr}", settings.throttle_ip_free, settings.throttle_ip_max_seconds),
        Limit(
            f"acct:{name}",
            settings.throttle_account_free * 4,
            min(60, settings.throttle_account_max_seconds),
        ),
    ]


def _good_key(checks: list[Limit]) -> str:
    return "good:" + checks[0].key.removeprefix("acct-ip:")


def wait_seconds(db: Session, checks: list[Limit], now: datetime) -> int:
    """Seconds until another attempt is allowed (0: go ahead).

    An address this account logged in from successfully is not held by the account-wide
    counter, so strangers elsewhere cannot keep the real user out.
    """
    keys = [c.key for c in checks]
    rows = db.execute(
        select(LoginThrottle.key, LoginThrottle.locked_until).where(
            LoginThrottle.key.in_([*keys, _good_key(checks)])
        )
    ).all()
    known_good = any(r.key.startswith("good:") for r in rows)
    rows = [
        r
        for r in rows
        if not r.key.startswith("good:") and not (known_good and r.key.startswith("acct:"))
    ]
    waits = [
        (r.locked_until - now).total_seconds()
        for r in rows
        if r.locked_until and r.locked_until > now
    ]
    return ceil(max(waits)) if waits else 0


def _insert(db: Session):  # type: ignore[no-untyped-def]
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def record_failure(db: Session, checks: list[Limit], now: datetime) -> int:
    """Count one failure on every counter (atomic upserts); return the longest wait now set."""
    longest = 0
    insert = _insert(db)
    for check in checks:
        stmt = insert(LoginThrottle).values(key=check.key, failures=1, last_failure_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case(
                    (LoginThrottle.last_failure_at < now - RESET_AFTER, 1),
                    else_=LoginThrottle.failures + 1,
                ),
                "last_failure_at": now,
            },
        ).returning(LoginThrottle.failures)
        failures = db.execute(stmt).scalar_one()
        if failures > check.free:
            seconds = min(check.max_seconds, 2 ** min(failures - check.free - 1, 20))
            db.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == check.key)
                .values(locked_until=now + timedelta(seconds=seconds))
            )
            longest = max(longest, seconds)
    return longest


def clear_account(db: Session, checks: list[Limit], now: datetime) -> None:
    """After a successful login: forget the account's failures, remember the good address."""
    db.execute(
        delete(LoginThrottle).where(
            LoginThrottle.key.in_([c.key for c in checks if c.key.startswith("acct-ip:")])
        )
    )
    insert = _insert(db)
    db.execute(
        insert(LoginThrottle)
        .values(key=_good_key(checks), failures=0, last_failure_at=now)
        .on_conflict_do_update(index_elements=[LoginThrottle.key], set_={"last_failure_at": now})
    )
