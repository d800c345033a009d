"""Time in the deployment's zone ("today" is a local date, e.g. Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime

from eldercare.config import get_settings
from eldercare.db import utcnow


def now() -> datetime:
    """The current instant in UTC. Everything timed (deadlines, "overdue") reads it here, so
    tests move time by patching ``eldercare.clock.utcnow``."""
    return utcnow()


def now_local() -> datetime:
    return utcnow().astimezone(get_settings().tz)


def today() -> date:
    return now_local().date()


def aware(value: datetime | None) -> datetime | None:
    """A datetime given without an offset is read in the deployment's time zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=get_settings().tz)
