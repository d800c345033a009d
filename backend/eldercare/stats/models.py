"""Roll-ups behind the statistics summary: each village's figures, recomputed per county."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime


class StatsRollup(Base):
    """One village's figures (counts, visits, data quality; not incidents, read live)."""

    __tablename__ = "stats_rollups"

    village_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


class StatsRefresh(Base):
    """When a county's roll-ups were last recomputed (also for a county without elders)."""

    __tablename__ = "stats_refreshes"

    county_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.code"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    elders: Mapped[int] = mapped_column(default=0)
    compute_ms: Mapped[float] = mapped_column(default=0.0)


class MonthSnapshot(Base):
    """A region's figures for a calendar month (``YYYY-MM``), computed against the register
    as it stood then (``elder_periods``): one row per village, township and county.

    ``figures`` holds every figure by key (new kinds of figures are new keys); the columns
    beside it repeat the core ones for reading and sorting without unpacking JSON. Frozen
    once the month closes; a recompute of a frozen month keeps the values it replaces in
    ``month_snapshot_revisions``."""

    __tablename__ = "month_snapshots"
    __table_args__ = (Index("ix_month_snapshots_county_month", "county_code", "month"),)

    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    level: Mapped[str] = mapped_column(String(12))
    county_code: Mapped[str] = mapped_column(String(6))
    as_of: Mapped[date] = mapped_column(Date)  # the day whose register the month counts
    elders: Mapped[int] = mapped_column(Integer, default=0)
    special_difficulty: Mapped[int] = mapped_column(Integer, default=0)
    special_visited: Mapped[int] = mapped_column(Integer, default=0)
    monthly_visit_rate: Mapped[float | None] = mapped_column(Float)
    elders_visited: Mapped[int] = mapped_column(Integer, default=0)
    coverage_rate: Mapped[float | None] = mapped_column(Float)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    computed_by: Mapped[str | None] = mapped_column(String(32))
    computed_by_name: Mapped[str] = mapped_column(String(150), default="")
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)


class MonthSnapshotRevision(Base):
    """The values a recompute of a frozen month replaced, with who replaced them and why."""

    __tablename__ = "month_snapshot_revisions"
    __table_args__ = (Index("ix_month_snapshot_revisions_region", "region_code", "month"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    region_code: Mapped[str] = mapped_column(String(12))
    month: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)  # the version replaced
    as_of: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    computed_by: Mapped[str | None] = mapped_column(String(32))
    computed_by_name: Mapped[str] = mapped_column(String(150), default="")
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_by: Mapped[str | None] = mapped_column(String(32))
    replaced_by_name: Mapped[str] = mapped_column(String(150), default="")
    reason: Mapped[str] = mapped_column(String(300))


class MonthFreeze(Base):
    """The job of freezing a county's month: queued when the month is due (the county's
    ``month_freeze_day`` of the next month), claimed by a worker, done once frozen."""

    __tablename__ = "month_freezes"
    __table_args__ = (Index("ix_month_freezes_status", "status", "queued_at"),)

    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, done
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    worker: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
