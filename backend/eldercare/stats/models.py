"""Roll-ups behind the statistics summary: each village's figures, recomputed per county."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
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
