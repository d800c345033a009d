"""contact with the children, no one at home, children notified of an emergency

``guardian_contacts``: each contact with a guardian (who, when, how, and whether it was
typed in, made on a visit or an emergency's notification); ``contact_policies``: a
county's rule for contact with the children, versioned by effective date like the visit
policy. ``elders.no_one_at_home`` and its reason are derived facts (plans 八/九 (二)):
existing rows start false and their ``derived_until`` is cleared, so the next daily
refresh derives every elder once. ``incidents.children_notified_at``: the first
notification of the elder's children.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guardian_contacts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("elder_id", sa.String(length=32), nullable=False),
        sa.Column("guardian_id", sa.String(length=32), nullable=False),
        sa.Column("guardian_name", sa.String(length=50), nullable=False),
        sa.Column("guardian_relation", sa.String(length=20), nullable=False),
        sa.Column("contacted_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("volunteer_id", sa.String(length=32), nullable=True),
        sa.Column("contacted_by", sa.String(length=150), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=True),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["elder_id"], ["elders.id"], name=op.f("fk_guardian_contacts_elder_id_elders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian_contacts")),
    )
    op.create_index(
        "ix_guardian_contacts_elder", "guardian_contacts", ["elder_id", "contacted_at", "id"]
    )
    op.create_index("ix_guardian_contacts_source", "guardian_contacts", ["source_id"])
    op.create_index(op.f("ix_guardian_contacts_guardian_id"), "guardian_contacts", ["guardian_id"])
    op.create_table(
        "contact_policies",
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"], ["regions.code"], name=op.f("fk_contact_policies_county_code_regions")
        ),
        sa.PrimaryKeyConstraint("county_code", "effective_date", name=op.f("pk_contact_policies")),
    )
    op.add_column(
        "elders",
        sa.Column("no_one_at_home", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "elders",
        sa.Column(
            "no_one_at_home_reason", sa.JSON(), nullable=False, server_default=sa.text("'{}'")
        ),
    )
    op.create_index(
        "ix_elders_no_one_at_home",
        "elders",
        ["village_code"],
        sqlite_where=sa.text("no_one_at_home"),
        postgresql_where=sa.text("no_one_at_home"),
    )
    op.execute("UPDATE elders SET derived_until = NULL")
    op.add_column(
        "incidents",
        sa.Column("children_notified_at", eldercare.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("incidents", "children_notified_at")
    op.drop_index("ix_elders_no_one_at_home", table_name="elders")
    op.drop_column("elders", "no_one_at_home_reason")
    op.drop_column("elders", "no_one_at_home")
    op.drop_table("contact_policies")
    op.drop_index(op.f("ix_guardian_contacts_guardian_id"), table_name="guardian_contacts")
    op.drop_index("ix_guardian_contacts_source", table_name="guardian_contacts")
    op.drop_index("ix_guardian_contacts_elder", table_name="guardian_contacts")
    op.drop_table("guardian_contacts")
