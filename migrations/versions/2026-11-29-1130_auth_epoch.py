"""auth epoch: a counter (and a PostgreSQL notification) for principal caches

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What authentication reads: these changes make every cached principal suspect.
WATCHED = {
    "users": (
        "UPDATE OF username, display_name, role, region_code, active, tokens_valid_after",
        "DELETE",
    ),
    "integration_clients": (
        "UPDATE OF client_id, name, scopes, region_code, active, tokens_valid_after",
        "DELETE",
    ),
    "regions": ("UPDATE OF name, level", "DELETE"),
    "revoked_tokens": ("INSERT",),
}


def _trigger_name(table: str, event: str) -> str:
    return f"auth_epoch_{table}_{event.split()[0].lower()}"


def upgrade() -> None:
    op.create_table(
        "auth_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_epoch")),
    )
    op.execute("INSERT INTO auth_epoch (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION auth_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; "
            "PERFORM pg_notify('eldercare_auth', ''); RETURN NULL; END $$"
        )
        for table, events in WATCHED.items():
            op.execute(
                f"CREATE TRIGGER auth_epoch_{table} AFTER {' OR '.join(events)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump()"
            )
        return
    for table, events in WATCHED.items():
        for event in events:
            op.execute(
                f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} "  # noqa: S608
                "BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER auth_epoch_{table} ON {table}")
        op.execute("DROP FUNCTION auth_epoch_bump()")
    else:
        for table, events in WATCHED.items():
            for event in events:
                op.execute(f"DROP TRIGGER {_trigger_name(table, event)}")
    op.drop_table("auth_epoch")
