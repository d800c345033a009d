"""each elder's last time per service, kept apart from the visits

``elder_services_done`` holds, per elder and service, the time of the last visit that
recorded it (whatever the county's service plan), so that a policy change rewrites every
service schedule without reading the visits. Filled here from the visits, in one statement.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import eldercare.db
import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL = {
    "postgresql": """
        INSERT INTO elder_services_done (elder_id, service, last_done_at)
        SELECT v.elder_id, s.value, max(v.visited_at)
        FROM visits v CROSS JOIN LATERAL json_array_elements_text(v.services) AS s(value)
        WHERE json_typeof(v.services) = 'array'
        GROUP BY v.elder_id, s.value
    """,
    "sqlite": """
        INSERT INTO elder_services_done (elder_id, service, last_done_at)
        SELECT v.elder_id, s.value, max(v.visited_at)
        FROM visits v, json_each(v.services) AS s
        WHERE json_type(v.services) = 'array'
        GROUP BY v.elder_id, s.value
    """,
}


def upgrade() -> None:
    op.create_table(
        "elder_services_done",
        sa.Column("elder_id", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("last_done_at", eldercare.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("elder_id", "service", name=op.f("pk_elder_services_done")),
    )
    dialect = op.get_bind().dialect.name
    op.execute(FILL[dialect])
    if dialect == "postgresql":
        op.execute("ANALYZE elder_services_done")  # read by key from the first recompute


def downgrade() -> None:
    op.drop_table("elder_services_done")
