"""Emergencies (救助保护): incidents, their timeline of transitions, the county's deadlines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Computed, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow
from eldercare.feed.changes import watch
from eldercare.versioned import PolicyVersionColumns


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_village_reported", "village_code", "reported_at"),
        Index("ix_incidents_township_reported", "township_code", "reported_at"),
        Index("ix_incidents_county_reported", "county_code", "reported_at"),
        # open incidents keep a deadline; "overdue" is a range on it
        Index("ix_incidents_county_due", "county_code", "due_at"),
        Index("ix_incidents_elder", "elder_id", "reported_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"))
    village_code: Mapped[str] = mapped_column(String(12))  # the elder's, at the report
    township_code: Mapped[str] = mapped_column(
        String(9), Computed("substr(village_code, 1, 9)", persisted=True)
    )
    county_code: Mapped[str] = mapped_column(
        String(6), Computed("substr(village_code, 1, 6)", persisted=True)
    )
    type: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="reported")
    # who holds it now: the township, or the county once escalated
    level: Mapped[str] = mapped_column(String(10), default="township")
    reporter_id: Mapped[str] = mapped_column(String(32))
    reporter_name: Mapped[str] = mapped_column(String(150))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # more than the county's limit after it occurred (null: when it occurred is unknown)
    reported_late: Mapped[bool | None] = mapped_column()
    # the deadlines from the report (escalation does not move them) and the county's, added
    # by an escalation; null on rows reported before they were kept
    acknowledge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    county_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the earliest deadline not yet met (acknowledge or resolve); null once resolved
    due_step: Mapped[str | None] = mapped_column(String(20))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the first notification of the elder's children (plan 八 (三)); null: none yet
    children_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IncidentTransition(Base):
    """One step of an incident's timeline (the report is the first): who, when, from, to."""

    __tablename__ = "incident_transitions"
    __table_args__ = (Index("ix_incident_transitions_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    incident_id: Mapped[str] = mapped_column(String(32), ForeignKey("incidents.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[str] = mapped_column(String(32))
    actor_name: Mapped[str] = mapped_column(String(150))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the deadline of the step that this transition completed, and whether it was missed
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool | None] = mapped_column()


class IncidentPolicyVersion(PolicyVersionColumns, Base):
    """A county's incident deadlines from an effective date on; every version is kept."""

    __tablename__ = "incident_policies"


watch(Incident, "incident", parent="elder")
