"""What the register asks of the domains built on it (see :mod:`eldercare.hooks`).

The register is the lowest domain: volunteers, visits, incidents and relief read its elders,
so it imports none of them. :func:`eldercare.wiring.install` registers their functions
here; ``tests/test_boundaries.py`` checks that every hook has one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from eldercare.context import RequestCtx
from eldercare.elders.models import Elder
from eldercare.hooks import Hook, Provider

# After an elder's derived facts were computed (a new elder, a change of their facts, a
# guardian or a benefit, the daily refresh of one elder), flushed: visits moves the elder's
# schedule to their tier, categories and status.
changed: Hook[[Session, Elder]] = Hook("elders.hooks.changed")

# After new elders were written (their ids; every path that registers elders, in the
# transaction that wrote them): visits writes their service schedules.
created: Hook[[Session, Sequence[str]]] = Hook("elders.hooks.created")

# After an elder moved (the elder, the village they left), before the rows that keep a copy
# of the village are re-keyed: volunteers end the pairings whose helper cannot follow, and
# visits then tells the new village to find a helper.
moved: Hook[[Session, RequestCtx, Elder, str]] = Hook("elders.hooks.moved")

# After these elders' supporters (guardians) changed: relief rescreens them.
supporters_changed: Hook[[Session, Sequence[str]]] = Hook("elders.hooks.supporters_changed")

# An elder's benefit records of the programs that are categories of the register (特困,
# 低保), as (program, start, end or None): relief keeps them.
benefits: Provider[[Session, str], list[tuple[str, date, date | None]]] = Provider(
    "elders.hooks.benefits"
)

# The register list's ``overdue`` filter: a subquery of the ids of the elders whose next
# visit was due before the day, from visits' schedule.
overdue: Provider[[date], Any] = Provider("elders.hooks.overdue")


# A new elder's schedule values (those of visits' table that follow from the elder:
# ``risk_level``, ``special_difficulty``, ``interval_days``, ``next_due_date``, ``reason``)
# from their risk level, whether they are of special difficulty, the day they were
# registered and their categories (``category_codes``: ",code,code,").
ScheduleValues = Callable[[str, bool, date, str], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class FirstSchedule:
    """How a new elder's first visit schedule is written (``elders.rows``): visits' table,
    and for a county on a day, by the county's visit policy on that day (read once: a
    writer keeps the answer per county), what each new elder's row holds."""

    table: Table
    values_for: Callable[[Session, str, date], ScheduleValues]


# Every new elder's first schedule row, written with the elder: visits' table and policy.
first_schedule: Provider[[], FirstSchedule] = Provider("elders.hooks.first_schedule")
