"""follow-ups (跟进事项): items opened by visits and incidents, their history, the policy

``follow_ups`` holds each hazard, need or "needs follow-up" found, its owner, due date and
status, keyed by the elder's village (it follows a move); ``follow_up_transitions`` its
history; ``follow_up_policies`` the county's deadlines per kind and severity, versioned.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follow_up_policies",
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"],
            ["regions.code"],
            name=op.f("fk_follow_up_policies_county_code_regions"),
        ),
        sa.PrimaryKeyConstraint(
            "county_code", "effective_date", name=op.f("pk_follow_up_policies")
        ),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("elder_id", sa.String(length=32), nullable=False),
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
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("program", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("found_by_type", sa.String(length=10), nullable=False),
        sa.Column("found_by_id", sa.String(length=32), nullable=False),
        sa.Column("found_by_name", sa.String(length=150), nullable=False),
        sa.Column("found_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=True),
        sa.Column("incident_id", sa.String(length=32), nullable=True),
        sa.Column("last_seen_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("owner_type", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("owner_name", sa.String(length=150), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_at", eldercare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closure_note", sa.Text(), nullable=False),
        sa.Column("closed_visit_id", sa.String(length=32), nullable=True),
        sa.Column("benefit_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["elder_id"], ["elders.id"], name=op.f("fk_follow_ups_elder_id_elders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follow_ups_county_found", ["county_code", "found_at"], unique=False
        )
        batch_op.create_index(
            "ix_follow_ups_county_status_due", ["county_code", "status", "due_date"], unique=False
        )
        batch_op.create_index(
            "ix_follow_ups_elder_kind", ["elder_id", "kind", "status"], unique=False
        )
        batch_op.create_index(
            "ix_follow_ups_owner", ["owner_type", "owner_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_follow_ups_township_found", ["township_code", "found_at"], unique=False
        )
        batch_op.create_index(
            "ix_follow_ups_township_status_due",
            ["township_code", "status", "due_date"],
            unique=False,
        )
        batch_op.create_index(
            "ix_follow_ups_village_found", ["village_code", "found_at"], unique=False
        )

    op.create_table(
        "follow_up_transitions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("follow_up_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("owner_type", sa.String(length=20), nullable=True),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("visit_id", sa.String(length=32), nullable=True),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("actor_name", sa.String(length=150), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_ups.id"],
            name=op.f("fk_follow_up_transitions_follow_up_id_follow_ups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_transitions")),
    )
    with op.batch_alter_table("follow_up_transitions", schema=None) as batch_op:
        batch_op.create_index("ix_follow_up_transitions_item", ["follow_up_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("follow_up_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_up_transitions_item")

    op.drop_table("follow_up_transitions")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_village_found")
        batch_op.drop_index("ix_follow_ups_township_status_due")
        batch_op.drop_index("ix_follow_ups_township_found")
        batch_op.drop_index("ix_follow_ups_owner")
        batch_op.drop_index("ix_follow_ups_elder_kind")
        batch_op.drop_index("ix_follow_ups_county_status_due")
        batch_op.drop_index("ix_follow_ups_county_found")

    op.drop_table("follow_ups")
    op.drop_table("follow_up_policies")
