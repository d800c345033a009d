"""import jobs are a queue: an index of the unfinished ones for workers to claim from

Workers (``eldercare worker``, or the server's embedded worker) poll ``import_jobs`` for a
queued job or one whose lease ran out, oldest first. The partial index holds only the
unfinished jobs, so a poll stays one short index read however many jobs have ended.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('queued', 'running', 'interrupted')"


def upgrade() -> None:
    op.create_index(
        "ix_import_jobs_open",
        "import_jobs",
        ["created_at"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_import_jobs_open", table_name="import_jobs")
