"""the change feed's rows by record

A change row is placed after the earlier rows of its record (bulk/changes.py): writing one
looks up the record's rows written by transactions that began after the writer. This
index keeps that lookup to the record's own rows however much was written meanwhile.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_changes_resource_id_xid", "changes", ["resource_id", "xid"])


def downgrade() -> None:
    op.drop_index("ix_changes_resource_id_xid", table_name="changes")
