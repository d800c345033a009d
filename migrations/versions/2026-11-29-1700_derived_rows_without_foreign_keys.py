"""schedules and households without foreign keys of their own

A visit schedule is derived from its elder and written with it; a household's village is
its elders' village, which they reference. Their foreign-key checks guarded nothing more
and cost a lookup and a row lock for every imported elder (about a tenth of the
database's work in a bulk import).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_SCHEDULE_FK = "fk_elder_schedules_elder_id_elders"
_HOUSEHOLD_FK = "fk_households_village_code_regions"
_COPIED = (
    "elder_id, village_code, risk_level, special_difficulty, interval_days, last_visit_at, "
    "event_type, event_due_at, next_due_date, reason, updated_at"
)


def _schedules_table(name: str, with_fk: bool) -> None:
    extra: list[sa.SchemaItem] = []
    if with_fk:
        extra.append(sa.ForeignKeyConstraint(["elder_id"], ["elders.id"], name=_SCHEDULE_FK))
    op.create_table(
        name,
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
        sa.Column("risk_level", sa.String(length=10), nullable=False),
        sa.Column("special_difficulty", sa.Boolean(), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("last_visit_at", eldercare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("event_type", sa.String(length=40), nullable=True),
        sa.Column("event_due_at", eldercare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_due_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.JSON(), nullable=False),
        sa.Column("updated_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("elder_id", name="pk_elder_schedules"),
        *extra,
    )


def _rebuild_schedules(with_fk: bool) -> None:
    """SQLite changes a constraint by copying the table; its generated columns are
    computed again rather than copied (batch mode would copy them, which SQLite refuses)."""
    _schedules_table("elder_schedules_new", with_fk)
    copy = f"INSERT INTO elder_schedules_new ({_COPIED}) SELECT {_COPIED} FROM elder_schedules"  # noqa: S608
    op.execute(copy)  # fixed column names
    op.drop_table("elder_schedules")
    op.rename_table("elder_schedules_new", "elder_schedules")
    for level in ("village", "township", "county"):
        op.create_index(
            f"ix_elder_schedules_{level}_due", "elder_schedules", [f"{level}_code", "next_due_date"]
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_schedules(with_fk=False)
    else:
        op.drop_constraint(_SCHEDULE_FK, "elder_schedules", type_="foreignkey")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_constraint(_HOUSEHOLD_FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_foreign_key(_HOUSEHOLD_FK, "regions", ["village_code"], ["code"])
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_schedules(with_fk=True)
    else:
        op.create_foreign_key(_SCHEDULE_FK, "elder_schedules", "elders", ["elder_id"], ["id"])
