"""The register keeps itself current without cron: ages, months away and benefit periods
move on daily, so each day's first request (and a task in every server process, shortly
after midnight) runs the day's refresh, once per day per database (see
``refresh.bring_current``). Until it is done, no request is answered from stale facts."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from eldercare.clock import now_local
from eldercare.elders import refresh
from eldercare.routing import in_thread

log = logging.getLogger(__name__)

# How often the server's task looks at the clock: a day's refresh starts at most this late.
CHECK_SECONDS = 300.0


async def register_current() -> None:
    """A dependency of every API route: free once this process knows today's refresh ran."""
    if refresh.is_current():
        return
    try:
        await in_thread(refresh.bring_current)
    except Exception:  # an outage answers the request's own error, not this one
        log.exception("register refresh failed")


def seconds_to_next_check(now: datetime) -> float:
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=1, microsecond=0)
    return max(1.0, min(CHECK_SECONDS, (midnight - now).total_seconds()))


async def keep_current() -> None:
    """The server's daily refresh (a task of each process; the first one claims the day)."""
    while True:
        await register_current()
        await asyncio.sleep(seconds_to_next_check(now_local()))
