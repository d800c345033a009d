"""figures a county can sign: the register's periods, month snapshots and their freezing

``elder_periods`` holds each elder's standing (village, status, categories, risk tier,
left-behind) over stretches of days, so that a past month is counted against the register
as it stood then. Existing elders are backfilled from what the register knows: an active
elder from the day they were registered; an elder no longer active is active from then
until the day of their last status change (or merge), and in their status after it
(categories and village as they are now: the register kept no earlier derived facts).

``month_snapshots`` holds each village's, township's and county's figures for a month,
``month_snapshot_revisions`` the values a recompute replaced, and ``month_freezes`` the
workers' jobs of freezing a county's month when it closes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _big_id() -> sa.Column:
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        autoincrement=True,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "elder_periods",
        _big_id(),
        sa.Column("elder_id", sa.String(length=32), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("category_codes", sa.String(length=300), nullable=False),
        sa.Column("risk_level", sa.String(length=10), nullable=False),
        sa.Column("is_left_behind", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elder_periods")),
    )
    op.create_index("ix_elder_periods_elder", "elder_periods", ["elder_id", "valid_from"])
    op.create_index("ix_elder_periods_village", "elder_periods", ["village_code", "valid_from"])
    _backfill()
    op.create_table(
        "month_snapshots",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("elders", sa.Integer(), nullable=False),
        sa.Column("special_difficulty", sa.Integer(), nullable=False),
        sa.Column("special_visited", sa.Integer(), nullable=False),
        sa.Column("monthly_visit_rate", sa.Float(), nullable=True),
        sa.Column("elders_visited", sa.Integer(), nullable=False),
        sa.Column("coverage_rate", sa.Float(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("computed_at", eldercare.db.UTCDateTime(), nullable=False),
        sa.Column("computed_by", sa.String(length=32), nullable=True),
        sa.Column("computed_by_name", sa.String(length=150), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("frozen_at", eldercare.db.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "month", name=op.f("pk_month_snapshots")),
    )
    op.create_index("ix_month_snapshots_county_month", "month_snapshots", ["county_code", "month"])
    op.create_table(
        "month_snapshot_revisions",
        _big_id(),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("computed_at", eldercare.db.UTCDateTime(), nullable=False),
        sa.Column("computed_by", sa.String(length=32), nullable=True),
        sa.Column("computed_by_name", sa.String(length=150), nullable=False),
        sa.Column("replaced_at", eldercare.db.UTCDateTime(), nullable=False),
        sa.Column("replaced_by", sa.String(length=32), nullable=True),
        sa.Column("replaced_by_name", sa.String(length=150), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_snapshot_revisions")),
    )
    op.create_index(
        "ix_month_snapshot_revisions_region",
        "month_snapshot_revisions",
        ["region_code", "month"],
    )
    op.create_table(
        "month_freezes",
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("queued_at", eldercare.db.UTCDateTime(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", eldercare.db.UTCDateTime(), nullable=True),
        sa.Column("finished_at", eldercare.db.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("county_code", "month", name=op.f("pk_month_freezes")),
    )
    op.create_index("ix_month_freezes_status", "month_freezes", ["status", "queued_at"])


def _backfill() -> None:
    day = "date({})" if op.get_bind().dialect.name == "sqlite" else "CAST({} AS DATE)"
    left = day.format(
        "COALESCE((SELECT MAX(c.changed_at) FROM elder_changes c WHERE c.elder_id = e.id"
        " AND c.action IN ('status', 'merge')), e.updated_at)"
    )
    registered = day.format("e.created_at")
    columns = (
        "elder_id, village_code, status, active, category_codes, risk_level,"
        " is_left_behind, valid_from, valid_to"
    )
    into = f"INSERT INTO elder_periods ({columns}) SELECT e.id, e.village_code"
    facts = "e.category_codes, e.risk_level, e.is_left_behind"
    still = "e.status = 'active' AND e.merged_into_id IS NULL"
    statements = (
        # active elders: one open period from registration
        f"{into}, e.status, TRUE, {facts}, {registered}, NULL FROM elders e WHERE {still}",
        # the others: active until they left (when registered before), then as now
        f"{into}, 'active', TRUE, {facts}, {registered}, {left} FROM elders e"
        f" WHERE NOT ({still}) AND {left} > {registered}",
        f"{into}, e.status, FALSE, {facts},"
        f" CASE WHEN {left} > {registered} THEN {left} ELSE {registered} END, NULL"
        f" FROM elders e WHERE NOT ({still})",
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("month_freezes")
    op.drop_table("month_snapshot_revisions")
    op.drop_table("month_snapshots")
    op.drop_table("elder_periods")
