"""Visits (探访): home visits, phone and video calls, and what they found and did."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Computed, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow
from eldercare.feed.changes import watch
from eldercare.versioned import PolicyVersionColumns


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_elder_time", "elder_id", "visited_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"))
    village_code: Mapped[str] = mapped_column(String(12), index=True)  # the elder's, at the visit
    volunteer_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("volunteers.id"), index=True
    )
    user_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("users.id"), index=True)
    author_id: Mapped[str] = mapped_column(String(32))  # the account that logged it
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    method: Mapped[str] = mapped_column(String(20))
    findings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    safety_risks: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    guardian_contacted: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class VisitPolicyVersion(PolicyVersionColumns, Base):
    """A county's visit policy from an effective date on; every version is kept."""

    __tablename__ = "visit_policies"


class ElderSchedule(Base):
    """Each active elder's next due visit, kept current so that "overdue" is an indexed query."""

    __tablename__ = "elder_schedules"
    __table_args__ = (
        Index("ix_elder_schedules_village_due", "village_code", "next_due_date"),
        Index("ix_elder_schedules_township_due", "township_code", "next_due_date"),
        Index("ix_elder_schedules_county_due", "county_code", "next_due_date"),
        # the elders who need a helper after a move (a notification count): a few
        Index(
            "ix_elder_schedules_needs_helper",
            "village_code",
            sqlite_where=text("event_type = 'needs_helper'"),
            postgresql_where=text("event_type = 'needs_helper'"),
        ),
    )

    # No foreign key: a schedule is derived from its elder and written with it (elders are
    # never deleted). The check cost a per-row lookup and lock on every imported elder.
    elder_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(12))
    township_code: Mapped[str] = mapped_column(
        String(9), Computed("substr(village_code, 1, 9)", persisted=True)
    )
    county_code: Mapped[str] = mapped_column(
        String(6), Computed("substr(village_code, 1, 6)", persisted=True)
    )
    risk_level: Mapped[str] = mapped_column(String(10))
    special_difficulty: Mapped[bool] = mapped_column(Boolean, default=False)
    interval_days: Mapped[int] = mapped_column(Integer)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event_type: Mapped[str | None] = mapped_column(String(40))
    event_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_due_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ElderServiceSchedule(Base):
    """Each service an active elder is due by the county's service plan, and when next:
    derived from the elder and their visits' services, like :class:`ElderSchedule`."""

    __tablename__ = "elder_service_schedules"
    __table_args__ = (
        Index("ix_elder_service_schedules_village_due", "village_code", "next_due_date"),
        Index("ix_elder_service_schedules_township_due", "township_code", "next_due_date"),
        Index("ix_elder_service_schedules_county_due", "county_code", "next_due_date"),
    )

    # No foreign key, as for the visit schedule: derived rows, written set-based.
    elder_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service: Mapped[str] = mapped_column(String(40), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(12))
    township_code: Mapped[str] = mapped_column(
        String(9), Computed("substr(village_code, 1, 9)", persisted=True)
    )
    county_code: Mapped[str] = mapped_column(
        String(6), Computed("substr(village_code, 1, 6)", persisted=True)
    )
    interval_days: Mapped[int] = mapped_column(Integer)
    last_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_due_date: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ElderServiceDone(Base):
    """The last time a visit recorded each service for an elder, whatever the service plan.

    Kept as visits are logged and corrected, so that a policy change rewrites every
    :class:`ElderServiceSchedule` from these rows and the elders alone, without reading
    the visits; ``eldercare visits recompute --rescan-visits`` rebuilds them from the
    visits (to repair, or after visits were written by SQL)."""

    __tablename__ = "elder_services_done"

    # No foreign key, as for the schedules: derived rows, written set-based.
    elder_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_done_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VisitChange(Base):
    """One correction of a visit: who, when, why, and each field before and after."""

    __tablename__ = "visit_changes"
    __table_args__ = (Index("ix_visit_changes_visit_time", "visit_id", "changed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    visit_id: Mapped[str] = mapped_column(String(32), ForeignKey("visits.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(32))
    actor_name: Mapped[str | None] = mapped_column(String(150))
    reason: Mapped[str] = mapped_column(Text, default="")
    # {field: {"before": value, "after": value}} (JSON values, as the API gives them)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)  # the visit's version after the change


# The change feed (eldercare.feed): a visit in its elder's village.
watch(Visit, "visit", parent="elder")
