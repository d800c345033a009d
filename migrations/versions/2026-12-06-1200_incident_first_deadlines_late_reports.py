"""incidents keep the deadlines from the report, the county's, and whether the report was late

Escalation no longer moves the deadlines: the acknowledge and resolve deadlines from the
report are kept, and escalation adds the county's own. A report made more than the
county's limit after the event is flagged (``reported_late``). Rows reported before this
revision get the new deadlines at their next change.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_late", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("acknowledge_due_at", eldercare.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolve_due_at", eldercare.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("county_due_at", eldercare.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place; copying the table would try to insert into its
    # generated columns
    with op.batch_alter_table("incidents", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("county_due_at")
        batch_op.drop_column("resolve_due_at")
        batch_op.drop_column("acknowledge_due_at")
        batch_op.drop_column("reported_late")
