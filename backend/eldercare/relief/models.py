"""Relief: the county's policy versions, each elder's relief facts and benefits, and the
stored per-elder screening summary that the gap lists read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow
from eldercare.feed.changes import watch


class ReliefPolicyVersion(Base):
    """A county's relief parameters from an effective date on. Rows are never changed or
    deleted: a later row for the same date supersedes an earlier one."""

    __tablename__ = "relief_policies"
    __table_args__ = (Index("ix_relief_policies_county_date", "county_code", "effective_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    county_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))
    effective_date: Mapped[date] = mapped_column(Date)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))


class ReliefFacts(Base):
    """The inputs the rules need beyond the register (income, assets, ability, housing,
    illness, supporters), as known from an effective date on; every version is kept."""

    __tablename__ = "relief_facts"
    __table_args__ = (
        Index("ix_relief_facts_elder_date", "elder_id", "effective_date", "revision"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"))
    effective_date: Mapped[date] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per elder: the ETag
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))


class Benefit(Base):
    """A program the elder actually receives (or received): start, end, monthly amount."""

    __tablename__ = "benefits"
    __table_args__ = (Index("ix_benefits_elder_program", "elder_id", "program", "start_date"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"))
    program: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    monthly_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    source: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(100), default="")
    end_reason: Mapped[str | None] = mapped_column(String(30))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReliefScreening(Base):
    """Each elder's pre-screening today, one bit per program (``rules.BIT``), so that the gap
    list and the payments to check are indexed queries. Kept current by the writes that
    change its inputs; ``valid_until`` and the stored versions tell when it went stale."""

    __tablename__ = "relief_screenings"
    __table_args__ = (
        Index("ix_relief_screenings_village", "village_code", "elder_id"),
        Index("ix_relief_screenings_township", "township_code", "village_code", "elder_id"),
        Index("ix_relief_screenings_county", "county_code", "village_code", "elder_id"),
    )

    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(12))
    township_code: Mapped[str] = mapped_column(
        String(9), Computed("substr(village_code, 1, 9)", persisted=True)
    )
    county_code: Mapped[str] = mapped_column(
        String(6), Computed("substr(village_code, 1, 6)", persisted=True)
    )
    active: Mapped[int] = mapped_column(Integer)  # 1 unless deceased or moved out
    elder_version: Mapped[int] = mapped_column(Integer)
    household_version: Mapped[int] = mapped_column(Integer)
    eligible_mask: Mapped[int] = mapped_column(Integer, default=0)
    likely_mask: Mapped[int] = mapped_column(Integer, default=0)
    unknown_mask: Mapped[int] = mapped_column(Integer, default=0)
    receiving_mask: Mapped[int] = mapped_column(Integer, default=0)
    gap_mask: Mapped[int] = mapped_column(Integer, default=0)
    check_mask: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)  # program: {status, amount, check}
    computed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)  # recompute on or after this day


watch(Benefit, "benefit", parent="elder")
watch(ReliefFacts, "relief_facts", parent="elder")
