from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from eldercare.db import Base

LEVELS = ("province", "prefecture", "county", "township", "village")


class Region(Base):
    """A division of the NBS code tree (统计用区划代码)."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint(
            "level IN ('province', 'prefecture', 'county', 'township', 'village')", name="level"
        ),
    )

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(
        String(12), ForeignKey("regions.code"), index=True
    )
