"""password resets that force a change, and notifications seen

``users.must_change_password`` (set when an administrator resets a password, cleared when
the user chooses a new one), ``users.notifications_seen_at`` (imports finished after it are
new to the user), and a partial index of the elders who need a helper after a move, so the
notification counts stay indexed queries. New columns with defaults: no data to move.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEEDS_HELPER = "event_type = 'needs_helper'"


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "users",
        sa.Column("notifications_seen_at", eldercare.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_elder_schedules_needs_helper",
        "elder_schedules",
        ["village_code"],
        sqlite_where=sa.text(NEEDS_HELPER),
        postgresql_where=sa.text(NEEDS_HELPER),
    )


def downgrade() -> None:
    op.drop_index("ix_elder_schedules_needs_helper", table_name="elder_schedules")
    op.drop_column("users", "notifications_seen_at")
    op.drop_column("users", "must_change_password")
