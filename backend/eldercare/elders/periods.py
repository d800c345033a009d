"""The register's periods (``elder_periods``): each elder's standing day by day.

Every flush that creates an elder or changes what statistics count them by (village,
status, merge, categories, risk tier, left-behind) closes the elder's open period at the
start of today and opens one from today, or, when the open period began today, changes it
in place (a day keeps its last state). ``rows.NewElders`` writes the first period of the
elders it registers itself. A month's statistics read the period holding its last day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from eldercare import clock
from eldercare.db import new_id
from eldercare.elders.models import Elder, ElderPeriod

TRACKED = (
    "village_code",
    "status",
    "merged_into_id",
    "category_codes",
    "risk_level",
    "is_left_behind",
)


def values_of(elder: Any) -> dict[str, Any]:
    """A period's values for an elder (an ORM object or a row as a dict-like object)."""
    get = elder.get if isinstance(elder, dict) else lambda k: getattr(elder, k)
    status = get("status") or "active"
    return {
        "village_code": get("village_code"),
        "status": status,
        "active": status == "active" and get("merged_into_id") is None,
        "category_codes": get("category_codes") or "",
        "risk_level": get("risk_level") or "general",
        "is_left_behind": bool(get("is_left_behind")),
    }


def _changed(elder: Elder) -> bool:
    state = inspect(elder)
    return any(state.attrs[a].history.has_changes() for a in TRACKED)


@event.listens_for(Session, "before_flush")
def track(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    new = [o for o in session.new if isinstance(o, Elder)]
    dirty = [o for o in session.dirty if isinstance(o, Elder) and _changed(o)]
    if not new and not dirty:
        return
    today = clock.today()
    for elder in new:
        if elder.id is None:
            elder.id = new_id()
        session.add(ElderPeriod(elder_id=elder.id, valid_from=today, **values_of(elder)))
    if not dirty:
        return
    with session.no_autoflush:
        open_periods = {
            p.elder_id: p
            for p in session.scalars(
                select(ElderPeriod).where(
                    ElderPeriod.elder_id.in_([e.id for e in dirty]),
                    ElderPeriod.valid_to.is_(None),
                )
            )
        }
    for elder in dirty:
        _follow(session, elder, open_periods.get(elder.id), today)


def _follow(session: Session, elder: Elder, current: ElderPeriod | None, today: date) -> None:
    values = values_of(elder)
    if current is not None:
        if all(getattr(current, k) == v for k, v in values.items()):
            return
        if current.valid_from >= today:  # began today: the day keeps its last state
            for k, v in values.items():
                setattr(current, k, v)
            return
        current.valid_to = today
    session.add(ElderPeriod(elder_id=elder.id, valid_from=today, **values))


__all__ = ["TRACKED", "track", "values_of"]
