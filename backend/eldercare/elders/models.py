"""The register (信息台账): households, elders, guardians and caretakers, and their history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, new_id, utcnow
from eldercare.feed.changes import watch
from eldercare.versioned import PolicyVersionColumns


def _ascii(length: int) -> String:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Household(Base):
    """A household (户): size and per-capita income live here; a couple shares one."""

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # Its elders' village (which they reference); no foreign key of its own, whose check
    # cost a lookup and lock per imported elder and guarded nothing more.
    village_code: Mapped[str] = mapped_column(String(12), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int | None] = mapped_column(Integer)
    annual_income_per_capita: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Elder(Base):
    __tablename__ = "elders"
    __table_args__ = (
        # One active elder per ID number, enforced by the database.
        Index(
            "uq_elders_id_number_active",
            "id_number",
            unique=True,
            sqlite_where=text("status = 'active' AND merged_into_id IS NULL"),
            postgresql_where=text("status = 'active' AND merged_into_id IS NULL"),
        ),
        # Scoped lists sorted by name, and pinyin search, are index range scans at every level.
        Index("ix_elders_village_pinyin", "village_code", "name_pinyin", "id"),
        Index("ix_elders_township_pinyin", "township_code", "name_pinyin", "id"),
        Index("ix_elders_county_pinyin", "county_code", "name_pinyin", "id"),
        Index("ix_elders_county_initials", "county_code", "name_initials"),
        Index("ix_elders_name_pinyin", "name_pinyin"),
        Index("ix_elders_id_number_rev", "id_number_rev"),
        Index("ix_elders_phone", "phone"),
        Index("ix_elders_village_birth", "village_code", "birth_date"),
        Index("ix_elders_id_number", "id_number"),
        Index("ix_elders_derived_until", "derived_until"),
        # The township's list of elders with no one at home: a few per thousand.
        Index(
            "ix_elders_no_one_at_home",
            "village_code",
            sqlite_where=text("no_one_at_home"),
            postgresql_where=text("no_one_at_home"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    household_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("households.id"), index=True
    )
    village_code: Mapped[str] = mapped_column(String(12), ForeignKey("regions.code"))
    # Derived by the database from village_code, so each scope level is an equality.
    township_code: Mapped[str] = mapped_column(
        String(9), Computed("substr(village_code, 1, 9)", persisted=True)
    )
    county_code: Mapped[str] = mapped_column(
        String(6), Computed("substr(village_code, 1, 6)", persisted=True)
    )

    # identity (birth date and sex are derived from the ID number, never typed)
    id_number: Mapped[str] = mapped_column(String(18))
    id_number_original: Mapped[str | None] = mapped_column(String(18))
    id_number_rev: Mapped[str] = mapped_column(String(18))  # reversed: suffix search by index
    name: Mapped[str] = mapped_column(String(50))
    # Byte order ("C") on PostgreSQL: pinyin sorts alphabetically and LIKE 'zxy%' uses the index.
    name_pinyin: Mapped[str] = mapped_column(_ascii(200))
    name_initials: Mapped[str] = mapped_column(_ascii(50))
    sex: Mapped[str] = mapped_column(String(8))
    birth_date: Mapped[date] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    marital_status: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200), default="")
    hukou_address: Mapped[str] = mapped_column(String(200), default="")

    # situation
    living_arrangement: Mapped[str | None] = mapped_column(String(30))
    self_care: Mapped[str | None] = mapped_column(String(30))
    health_conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    disability_grade: Mapped[int | None] = mapped_column(Integer)
    disability_type: Mapped[str | None] = mapped_column(String(20))
    income_sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    family_doctor_signed: Mapped[bool | None] = mapped_column(Boolean)
    care_situation: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    # categories: manual ones as given; derived ones recomputed on every change
    manual_categories: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    categories: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    category_codes: Mapped[str] = mapped_column(String(300), default="")  # ",a,b," for filters
    is_left_behind: Mapped[bool] = mapped_column(Boolean, default=False)
    left_behind_reason: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    risk_level: Mapped[str] = mapped_column(String(10), default="general")
    risk_rank: Mapped[int] = mapped_column(Integer, default=2)  # 0 high, 1 key, 2 general
    risk_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    risk_override: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # No one at home (plans 八/九 (二), ``rules.no_one_at_home``) and why ({} when not).
    no_one_at_home: Mapped[bool] = mapped_column(Boolean, default=False)
    no_one_at_home_reason: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The first day the derived facts above may go stale (a birthday, months away reaching
    # the minimum, a benefit starting or ending); null: never derived. See ``rules.Derived``.
    derived_until: Mapped[date | None] = mapped_column(Date)

    # lifecycle
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_date: Mapped[date | None] = mapped_column(Date)
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    merged_into_id: Mapped[str | None] = mapped_column(String(32))
    # The day a worker last confirmed the record in person (a sweep, 摸底排查); null: never.
    verified_on: Mapped[date | None] = mapped_column(Date)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Guardian(Base):
    """A child or other supporter (赡养人/扶养人), or the entrusted caretaker (委托照料人)."""

    __tablename__ = "guardians"
    __table_args__ = (
        Index(
            "uq_guardians_one_caretaker",
            "elder_id",
            unique=True,
            sqlite_where=text("is_entrusted_caretaker"),
            postgresql_where=text("is_entrusted_caretaker"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    alive: Mapped[bool] = mapped_column(Boolean, default=True)
    work_location: Mapped[str] = mapped_column(String(200), default="")
    work_region_code: Mapped[str | None] = mapped_column(String(12))
    away_scope: Mapped[str | None] = mapped_column(String(20))
    away_since: Mapped[date | None] = mapped_column(Date)
    can_support: Mapped[bool | None] = mapped_column(Boolean)
    last_contact_date: Mapped[date | None] = mapped_column(Date)
    is_entrusted_caretaker: Mapped[bool] = mapped_column(Boolean, default=False)
    agreement_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    # what the 特困 rule asks of a supporter (relief pre-screening reads them from here)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    support_situation: Mapped[str | None] = mapped_column(String(20))
    annual_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    assets_within_limit: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class GuardianContact(Base):
    """One contact with a guardian (联系子女): who reached whom, when and how, and what it
    came from (typed in, a visit, an emergency's notification). Entries are kept as logged;
    the guardian's ``last_contact_date`` follows the latest of them."""

    __tablename__ = "guardian_contacts"
    __table_args__ = (
        Index("ix_guardian_contacts_elder", "elder_id", "contacted_at", "id"),
        Index("ix_guardian_contacts_source", "source_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    elder_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"))
    # No foreign key: a guardian removed later keeps their log (their name is copied here).
    guardian_id: Mapped[str] = mapped_column(String(32), index=True)
    guardian_name: Mapped[str] = mapped_column(String(50))
    guardian_relation: Mapped[str] = mapped_column(String(20))
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    method: Mapped[str] = mapped_column(String(20))
    # who made the contact: an account, or a helper (a visit by a volunteer)
    user_id: Mapped[str | None] = mapped_column(String(32))
    volunteer_id: Mapped[str | None] = mapped_column(String(32))
    contacted_by: Mapped[str] = mapped_column(String(150), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual, visit, incident
    source_id: Mapped[str | None] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(String(32))  # the account that logged it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)  # entries are not changed

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ContactPolicyVersion(PolicyVersionColumns, Base):
    """A county's rule for contact with the children from an effective date on; every
    version is kept (like the visit policy)."""

    __tablename__ = "contact_policies"


class ElderChange(Base):
    """Field-level history of an elder and their guardians: who, when, old and new."""

    __tablename__ = "elder_changes"
    __table_args__ = (Index("ix_elder_changes_elder_id", "elder_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    elder_id: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(20))  # elder or guardian
    entity_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(30))  # create, update, delete, status, move, merge
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)  # field: [old, new]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    actor_name: Mapped[str | None] = mapped_column(String(150))
    reason: Mapped[str] = mapped_column(String(300), default="")


class ElderPeriod(Base):
    """One stretch of days over which an elder's standing in the register did not change:
    village, status, categories, risk tier, left-behind. ``valid_from`` is the first local
    day, ``valid_to`` the first day of the next period (null: still current); a day's row
    is the state at the end of that day. Statistics of a past month count against these
    (who was active, where and in which category then); written on every register write
    by ``periods.track`` (``rows.NewElders`` for new elders)."""

    __tablename__ = "elder_periods"
    __table_args__ = (
        Index("ix_elder_periods_elder", "elder_id", "valid_from"),
        Index("ix_elder_periods_village", "village_code", "valid_from"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    elder_id: Mapped[str] = mapped_column(String(32))
    village_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean)  # status active and not merged
    category_codes: Mapped[str] = mapped_column(String(300), default="")
    risk_level: Mapped[str] = mapped_column(String(10), default="general")
    is_left_behind: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class RegisterPolicy(Base):
    """A county's register settings: who counts as left-behind, the risk rules."""

    __tablename__ = "register_policies"

    county_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.code"), primary_key=True
    )
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RegisterRefresh(Base):
    """The register's daily refresh: one row per local day, inserted by whichever process
    claims the day first (an insert that does nothing on conflict), in the transaction that
    recomputes the elders whose derived facts went stale that day."""

    __tablename__ = "register_refreshes"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    elders: Mapped[int] = mapped_column(Integer, default=0)


class ElderMerge(Base):
    """A merge of two duplicate records, kept so that it can be undone."""

    __tablename__ = "elder_merges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    survivor_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"), index=True)
    merged_id: Mapped[str] = mapped_column(String(32), ForeignKey("elders.id"), index=True)
    survivor_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    merged_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    moved_guardian_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Undo restores only what the merge changed, and only if nothing changed since.
    taken_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    survivor_version: Mapped[int | None] = mapped_column(Integer)
    caretaker_cleared_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    merged_by: Mapped[str | None] = mapped_column(String(32))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(32))


# The change feed (eldercare.feed): the register's records, each in its village.
watch(Elder, "elder", region="village_code")
watch(Household, "household", region="village_code")
watch(Guardian, "guardian", parent="elder")
watch(GuardianContact, "guardian_contact", parent="elder")
