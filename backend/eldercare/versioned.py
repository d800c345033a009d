"""County settings kept as versions from an effective date on (visit, incident, follow-up and
contact policies): the columns every such table has, the version in force on a day, and
storing a new one. A policy is a Pydantic model stored as JSON; its defaults apply until a
county saves a version."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import JSON, Date, ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from eldercare import clock
from eldercare.db import UTCDateTime, utcnow

P = TypeVar("P", bound=BaseModel)


class PolicyVersionColumns:
    """The columns of a versioned county policy (a mixin of the mapped class): one row per
    county and effective date, every version kept."""

    county_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.code"), primary_key=True
    )
    effective_date: Mapped[date] = mapped_column(Date, primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))


def in_force(
    db: Session,
    table: type[PolicyVersionColumns],
    policy: type[P],
    county: str,
    on: date | None = None,
) -> tuple[P, date | None]:
    """The version in force on ``on`` (default today) and its effective date, else the
    policy's defaults and None."""
    row = db.scalar(
        select(table)
        .where(table.county_code == county, table.effective_date <= (on or clock.today()))
        .order_by(table.effective_date.desc())
        .limit(1)
    )
    if row is None:
        return policy(), None
    return policy.model_validate(row.settings), row.effective_date


def store(
    db: Session,
    table: type[PolicyVersionColumns],
    county: str,
    effective: date,
    policy: BaseModel,
    author: str | None,
) -> None:
    """A new version from ``effective`` on; one saved for the same day is replaced."""
    db.execute(delete(table).where(table.county_code == county, table.effective_date == effective))
    db.add(
        table(  # type: ignore[call-arg]
            county_code=county,
            effective_date=effective,
            settings=policy.model_dump(),
            created_by=author,
        )
    )
    db.flush()
