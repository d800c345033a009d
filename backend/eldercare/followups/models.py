"""Follow-ups (跟进事项): what a visit or an incident found, followed until it is solved."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Computed, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow
from eldercare.feed.changes import watch
from eldercare.versioned import PolicyVersionColumns


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        # scoped lists, newest first, and "overdue" as a range on the due date of open items
        Index("ix_follow_ups_village_found", "village_code", "found_at"),
        Index("ix_follow_ups_township_found", "township_code", "found_at"),
        Index("ix_follow_ups_county_found", "county_code", "found_at"),
        Index("ix_follow_ups_township_status_due", "township_code", "status", "due_date"),
        Index("ix_follow_ups_county_status_due", "county_code", "status", "due_date"),
        Index("ix_follow_ups_elder_kind", "elder_id", "kind", "status"),
        Index("ix_follow_ups_owner", "owner_type", "owner_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"))
    village_code: Mapped[str] = mapped_column(String(12))  # the elder's (follows a move)
    township_code: Mapped[str] = mapped_column(
        String(9), Computed("substr(village_code, 1, 9)", persisted=True)
    )
    county_code: Mapped[str] = mapped_column(
        String(6), Computed("substr(village_code, 1, 6)", persisted=True)
    )
    category: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(30))
    # a relief need: the program it is about (null: any), resolved by a benefit of it
    program: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(10))
    found_by_type: Mapped[str] = mapped_column(String(10))  # user | volunteer
    found_by_id: Mapped[str] = mapped_column(String(32))
    found_by_name: Mapped[str] = mapped_column(String(150), default="")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime())
    visit_id: Mapped[str | None] = mapped_column(String(32))  # the visit that found it
    incident_id: Mapped[str | None] = mapped_column(String(32))  # the incident that opened it
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    owner_type: Mapped[str] = mapped_column(String(20), default="village_worker")
    # a user's or volunteer's id, a department's code; null: the village's workers, the township
    owner_id: Mapped[str | None] = mapped_column(String(32))
    owner_name: Mapped[str] = mapped_column(String(150), default="")
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # closure evidence: the reason (referred, cannot_resolve) or note, a visit, a benefit
    closure_note: Mapped[str] = mapped_column(Text, default="")
    closed_visit_id: Mapped[str | None] = mapped_column(String(32))
    benefit_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class FollowUpTransition(Base):
    """One step of an item's history (its opening is the first): who, when, what changed."""

    __tablename__ = "follow_up_transitions"
    __table_args__ = (Index("ix_follow_up_transitions_item", "follow_up_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    follow_up_id: Mapped[str] = mapped_column(String(32), ForeignKey("follow_ups.id"))
    # opened, seen_again, reopened, assigned, moved (a status change), updated
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    owner_type: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    visit_id: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(32))
    actor_name: Mapped[str] = mapped_column(String(150))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the due date when this step was taken, and whether it had passed
    due_date: Mapped[date | None] = mapped_column(Date)
    late: Mapped[bool | None] = mapped_column()


class FollowUpPolicyVersion(PolicyVersionColumns, Base):
    """A county's follow-up deadlines from an effective date on; every version is kept."""

    __tablename__ = "follow_up_policies"


# The change feed (eldercare.feed): a follow-up in its elder's village.
watch(FollowUp, "follow_up", parent="elder")
