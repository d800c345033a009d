"""supporters are the register's guardians: what the 特困 rule asks of each one

The relief facts carried a second list of supporters (relation, age, situation, income,
assets) typed again beside the register's guardians. Those four facts now live on the
guardian (birth year, support situation, annual income, assets within the limit), and the
relief facts only say whether the guardians listed are all of the elder's supporters
(``supporters_complete``).

Data: for each elder, the latest relief facts that list supporters are matched to the
elder's living guardians with a duty of support (son, daughter, grandchild, spouse) by
relation, where the match is certain (one supporter and one guardian of that relation);
the guardian's empty fields take the supporter's values (birth year: the facts' year less
the age). Each relief-facts version that listed supporters gets ``supporters_complete``:
true when its list matches the guardians one to one (or was empty and there are none),
otherwise null (unknown: the officer confirms on the form). The old list stays in the
stored version as history. Downgrade drops the columns and the flag; it does not put
values back into relief facts.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUTY = ("son", "daughter", "grandchild", "spouse")

guardians = sa.table(
    "guardians",
    sa.column("id", sa.String),
    sa.column("elder_id", sa.String),
    sa.column("relation", sa.String),
    sa.column("alive", sa.Boolean),
    sa.column("birth_year", sa.Integer),
    sa.column("support_situation", sa.String),
    sa.column("annual_income", sa.Numeric(12, 2)),
    sa.column("assets_within_limit", sa.Boolean),
)
facts = sa.table(
    "relief_facts",
    sa.column("id", sa.String),
    sa.column("elder_id", sa.String),
    sa.column("effective_date", sa.Date),
    sa.column("revision", sa.Integer),
    sa.column("data", sa.JSON),
)


def _match(supporters: list[dict[str, Any]], duty: list[Any]) -> tuple[dict[int, Any], bool]:
    """{supporter index: guardian row} where certain, and whether the list matches the
    guardians one to one."""
    matched: dict[int, Any] = {}
    for relation in {s.get("relation") for s in supporters}:
        mine = [i for i, s in enumerate(supporters) if s.get("relation") == relation]
        theirs = [g for g in duty if g.relation == relation]
        if len(mine) == 1 and len(theirs) == 1:
            matched[mine[0]] = theirs[0]
    complete = len(matched) == len(supporters) == len(duty)
    return matched, complete


def upgrade() -> None:
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("support_situation", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("annual_income", sa.Numeric(precision=12, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("assets_within_limit", sa.Boolean(), nullable=True))

    conn = op.get_bind()
    rows = conn.execute(
        sa.select(facts.c.id, facts.c.elder_id, facts.c.effective_date, facts.c.data).order_by(
            facts.c.elder_id, facts.c.effective_date, facts.c.revision
        )
    ).all()
    by_elder: dict[str, list[Any]] = {}
    for row in rows:
        if isinstance(row.data, dict) and "supporters" in row.data:
            by_elder.setdefault(row.elder_id, []).append(row)
    for elder_id, versions in by_elder.items():
        duty = conn.execute(
            sa.select(guardians)
            .where(
                guardians.c.elder_id == elder_id,
                guardians.c.alive.is_(True),
                guardians.c.relation.in_(DUTY),
            )
            .order_by(guardians.c.id)
        ).all()
        latest = next((v for v in reversed(versions) if v.data["supporters"] is not None), None)
        if latest is not None:
            matched, _ = _match(latest.data["supporters"], duty)
            for i, g in matched.items():
                s = latest.data["supporters"][i]
                values: dict[str, Any] = {}
                if g.birth_year is None and s.get("age") is not None:
                    values["birth_year"] = latest.effective_date.year - int(s["age"])
                if g.support_situation is None and s.get("situation"):
                    values["support_situation"] = s["situation"]
                if g.annual_income is None and s.get("annual_income") is not None:
                    values["annual_income"] = s["annual_income"]
                if g.assets_within_limit is None and s.get("assets_within_limit") is not None:
                    values["assets_within_limit"] = s["assets_within_limit"]
                if values:
                    conn.execute(guardians.update().where(guardians.c.id == g.id).values(values))
        for v in versions:
            listed = v.data["supporters"]
            complete = None if listed is None else (_match(listed, duty)[1] or None)
            data = {**v.data, "supporters_complete": complete}
            conn.execute(facts.update().where(facts.c.id == v.id).values(data=data))


def downgrade() -> None:
    conn = op.get_bind()
    for row in conn.execute(sa.select(facts.c.id, facts.c.data)).all():
        if isinstance(row.data, dict) and "supporters_complete" in row.data:
            data = {k: v for k, v in row.data.items() if k != "supporters_complete"}
            conn.execute(facts.update().where(facts.c.id == row.id).values(data=data))
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.drop_column("assets_within_limit")
        batch_op.drop_column("annual_income")
        batch_op.drop_column("support_situation")
        batch_op.drop_column("birth_year")
