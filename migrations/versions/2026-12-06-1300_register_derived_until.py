"""the register keeps itself current: elders.derived_until and the daily refresh's claim

``elders.derived_until`` is the first day an elder's derived facts may go stale (a birthday,
months away reaching the minimum, a benefit starting or ending); the daily refresh
recomputes only those elders. Existing rows start null (stale): the first refresh derives
them all once. ``register_refreshes`` holds one row per local day, claimed by the first
process to insert it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("elders", sa.Column("derived_until", sa.Date(), nullable=True))
    op.create_index("ix_elders_derived_until", "elders", ["derived_until"])
    op.create_table(
        "register_refreshes",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", eldercare.db.UTCDateTime(), nullable=False),
        sa.Column("finished_at", eldercare.db.UTCDateTime(), nullable=True),
        sa.Column("elders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_register_refreshes")),
    )


def downgrade() -> None:
    op.drop_table("register_refreshes")
    op.drop_index("ix_elders_derived_until", table_name="elders")
    op.drop_column("elders", "derived_until")
