"""Roster uploads (one per import job), the register's elders each matched, and the
discrepancies found, each resolved by a county officer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow


class Roster(Base):
    """An uploaded roster of another office; its id is its import job's."""

    __tablename__ = "rosters"
    __table_args__ = (Index("ix_rosters_county_created", "county_code", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # deaths, hukou_out, dibao, tekun, disability
    county_code: Mapped[str] = mapped_column(String(6))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    matched: Mapped[int] = mapped_column(Integer, default=0)
    near_misses: Mapped[int] = mapped_column(Integer, default=0)
    not_found: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # by discrepancy kind
    created_by: Mapped[str] = mapped_column(String(32))
    created_by_name: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RosterMatch(Base):
    """An elder found on a recipient roster (the rest of the paid are not on it)."""

    __tablename__ = "roster_matches"

    roster_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    elder_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class RosterDiscrepancy(Base):
    """What the roster says and the register does not: open until applied or dismissed."""

    __tablename__ = "roster_discrepancies"
    __table_args__ = (
        Index("uq_roster_discrepancies_elder", "roster_id", "kind", "elder_id", unique=True),
        Index("ix_roster_discrepancies_roster", "roster_id", "village_code", "id"),
        Index("ix_roster_discrepancies_elder", "elder_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    roster_id: Mapped[str] = mapped_column(String(32), ForeignKey("rosters.id"))
    kind: Mapped[str] = mapped_column(String(30))
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"))
    village_code: Mapped[str] = mapped_column(String(12))
    row: Mapped[int | None] = mapped_column(Integer)  # null: not on the roster at all
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the roster row's values
    near_miss: Mapped[bool] = mapped_column(Boolean, default=False)
    event_date: Mapped[date | None] = mapped_column(Date)  # of the death, move, start
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, applied, dismissed
    reason: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolved_by_name: Mapped[str | None] = mapped_column(String(150))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


__all__ = ["Roster", "RosterDiscrepancy", "RosterMatch"]
