"""Volunteers and paired helpers (结对帮扶), and their pairings with elders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow
from eldercare.feed.changes import watch


class Volunteer(Base):
    __tablename__ = "volunteers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # the natural key for imports
    kind: Mapped[str] = mapped_column(String(30))
    team: Mapped[str | None] = mapped_column(String(30))
    region_code: Mapped[str] = mapped_column(String(12), ForeignKey("regions.code"), index=True)
    max_pairings: Mapped[int] = mapped_column(Integer, default=5)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("users.id"), unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Pairing(Base):
    __tablename__ = "pairings"
    __table_args__ = (
        # Exactly one primary responsible person (包保责任人) per elder at a time.
        Index(
            "uq_pairings_one_primary",
            "elder_id",
            unique=True,
            sqlite_where=text("is_primary AND end_date IS NULL"),
            postgresql_where=text("is_primary AND end_date IS NULL"),
        ),
        Index("ix_pairings_volunteer_open", "volunteer_id", "end_date"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"), index=True)
    volunteer_id: Mapped[str] = mapped_column(String(32), ForeignKey("volunteers.id"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


# The change feed (eldercare.feed): a volunteer in their region, a pairing in its elder's.
watch(Volunteer, "volunteer", region="region_code")
watch(Pairing, "pairing", parent="elder")
