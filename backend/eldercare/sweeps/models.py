"""Sweeps and the confirmations of their elders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow


class Sweep(Base):
    """A sweep over a region (a county's or a township's), open until closed."""

    __tablename__ = "sweeps"
    __table_args__ = (Index("ix_sweeps_region_created", "region_code", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    region_code: Mapped[str] = mapped_column(String(12), ForeignKey("regions.code"))
    name: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(10))  # spring, autumn, special
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, closed
    created_by: Mapped[str] = mapped_column(String(32))
    created_by_name: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_name: Mapped[str | None] = mapped_column(String(150))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SweepConfirmation(Base):
    """One elder checked in a sweep: the checklist's answers; the latest one counts."""

    __tablename__ = "sweep_confirmations"
    __table_args__ = (Index("ix_sweep_confirmations_village", "sweep_id", "village_code"),)

    sweep_id: Mapped[str] = mapped_column(String(32), ForeignKey("sweeps.id"), primary_key=True)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(12))
    confirmed_on: Mapped[date] = mapped_column(Date)
    all_right: Mapped[bool] = mapped_column(Boolean)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    confirmed_by: Mapped[str] = mapped_column(String(32))
    confirmed_by_name: Mapped[str] = mapped_column(String(150))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


__all__ = ["Sweep", "SweepConfirmation"]
