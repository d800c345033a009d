"""The change feed's table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base, UTCDateTime, utcnow

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class Change(Base):
    """The change feed: one row per create, update or delete of a watched object.

    On PostgreSQL ``xid`` is the row's position: the writing transaction's id, raised to
    the record's latest position when that is higher (so a record's rows are in commit
    order). The feed serves only rows below every transaction still running, ordered by
    (xid, id), so a late commit can never land behind a cursor. SQLite serializes
    writers: ``xid`` is 0.
    """

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_xid_id", "xid", "id"),
        Index("ix_changes_region_xid_id", "region_code", "xid", "id"),
        Index("ix_changes_resource_id_xid", "resource_id", "xid"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    xid: Mapped[int] = mapped_column(BigInteger, default=0)
    resource: Mapped[str] = mapped_column(String(20))
    resource_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(10))  # create, update, delete
    region_code: Mapped[str] = mapped_column(String(12))
    version: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    parent_id: Mapped[str | None] = mapped_column(String(32))  # e.g. a guardian's elder

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Change({self.id}, {self.resource}:{self.resource_id} {self.action})"


__all__ = ["Change"]
