"""service plans: each elder's due services; visits' corrections kept with their history

``elder_service_schedules`` keeps, for every active elder, each service the county's service
plan gives them (the plan lives in the visit policy's settings: no column) and when it is
next due; ``visit_changes`` keeps every correction of a visit (who, when, why, each field
before and after). The service schedules of the elders already registered are written by
``eldercare visits recompute`` after the upgrade (set-based, every county).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "elder_service_schedules",
        sa.Column("elder_id", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column(
            "township_code",
            sa.String(length=9),
            sa.Computed("substr(village_code, 1, 9)", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "county_code",
            sa.String(length=6),
            sa.Computed("substr(village_code, 1, 6)", persisted=True),
            nullable=False,
        ),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("last_done_at", eldercare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_due_date", sa.Date(), nullable=False),
        sa.Column("updated_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("elder_id", "service", name=op.f("pk_elder_service_schedules")),
    )
    with op.batch_alter_table("elder_service_schedules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_elder_service_schedules_county_due", ["county_code", "next_due_date"]
        )
        batch_op.create_index(
            "ix_elder_service_schedules_township_due", ["township_code", "next_due_date"]
        )
        batch_op.create_index(
            "ix_elder_service_schedules_village_due", ["village_code", "next_due_date"]
        )
    op.create_table(
        "visit_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("changed_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("actor_name", sa.String(length=150), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_changes_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_changes")),
    )
    with op.batch_alter_table("visit_changes", schema=None) as batch_op:
        batch_op.create_index("ix_visit_changes_visit_time", ["visit_id", "changed_at"])


def downgrade() -> None:
    with op.batch_alter_table("visit_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_changes_visit_time")
    op.drop_table("visit_changes")
    with op.batch_alter_table("elder_service_schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_elder_service_schedules_village_due")
        batch_op.drop_index("ix_elder_service_schedules_township_due")
        batch_op.drop_index("ix_elder_service_schedules_county_due")
    op.drop_table("elder_service_schedules")
