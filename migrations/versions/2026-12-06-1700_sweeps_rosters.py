"""sweeps and reconciliation with the official rosters

Each elder's ``verified_on`` (the day a worker last confirmed the record in person), the
sweeps (摸底排查) and their confirmations, and the rosters of other offices (deaths, hukou
moves, 低保 and 特困 recipients, disability certificates) with the elders each matched and
the discrepancies found. New tables and a nullable column: no data to move.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, eldercare.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("elders", sa.Column("verified_on", sa.Date(), nullable=True))
    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("region_code", sa.String(12), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_by_name", sa.String(150), nullable=False),
        _at("created_at"),
        _at("closed_at", True),
        sa.Column("closed_by_name", sa.String(150), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_sweeps_region_created", "sweeps", ["region_code", "created_at"])
    op.create_table(
        "sweep_confirmations",
        sa.Column("sweep_id", sa.String(32), sa.ForeignKey("sweeps.id"), primary_key=True),
        sa.Column("elder_id", sa.String(32), sa.ForeignKey("elders.id"), primary_key=True),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=False),
        sa.Column("all_right", sa.Boolean(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("confirmed_by", sa.String(32), nullable=False),
        sa.Column("confirmed_by_name", sa.String(150), nullable=False),
        _at("confirmed_at"),
    )
    op.create_index(
        "ix_sweep_confirmations_village", "sweep_confirmations", ["sweep_id", "village_code"]
    )
    op.create_table(
        "rosters",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("near_misses", sa.Integer(), nullable=False),
        sa.Column("not_found", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_by_name", sa.String(150), nullable=False),
        _at("created_at"),
    )
    op.create_index("ix_rosters_county_created", "rosters", ["county_code", "created_at"])
    op.create_table(
        "roster_matches",
        sa.Column("roster_id", sa.String(32), primary_key=True),
        sa.Column("elder_id", sa.String(32), primary_key=True),
    )
    op.create_table(
        "roster_discrepancies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("roster_id", sa.String(32), sa.ForeignKey("rosters.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("elder_id", sa.String(32), sa.ForeignKey("elders.id"), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("near_miss", sa.Boolean(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(32), nullable=True),
        sa.Column("resolved_by_name", sa.String(150), nullable=True),
        _at("resolved_at", True),
        _at("created_at"),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "uq_roster_discrepancies_elder",
        "roster_discrepancies",
        ["roster_id", "kind", "elder_id"],
        unique=True,
    )
    op.create_index(
        "ix_roster_discrepancies_roster",
        "roster_discrepancies",
        ["roster_id", "village_code", "id"],
    )
    op.create_index("ix_roster_discrepancies_elder", "roster_discrepancies", ["elder_id", "status"])


def downgrade() -> None:
    op.drop_table("roster_discrepancies")
    op.drop_table("roster_matches")
    op.drop_table("rosters")
    op.drop_table("sweep_confirmations")
    op.drop_table("sweeps")
    op.drop_column("elders", "verified_on")
