"""Guardians, matched by their elder's ID number, name and relation; written by the
register's services (``add_guardian``, ``update_guardian``), each row in a savepoint."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import select

from eldercare.bulk.columns import convert, normalise_header
from eldercare.bulk.handlers.base import (
    Handler,
    Outcome,
    by_header,
    canonical_number,
    parse_row,
    savepoint_call,
)
from eldercare.elders import service as elders
from eldercare.elders.models import Elder, Guardian
from eldercare.elders.schemas import GuardianIn, GuardianPatch


class GuardianHandler(Handler):
    resource = "guardians"
    natural_key = "elder_id_number, name, relation"

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes = []
        for row, cells in rows:
            raw_key = cells.get("elder_id_number") or by_header(self.spec, cells, "elder_id_number")
            stripped = {
                k: v
                for k, v in cells.items()
                if self.spec.by_header.get(normalise_header(k)) is None
                or self.spec.by_header[normalise_header(k)].field != "elder_id_number"
            }
            data, failed = parse_row(self.spec, stripped, GuardianIn)
            outcome = failed or Outcome(row)
            outcome.row = row
            outcomes.append(outcome)
            if not raw_key:
                outcome.errors.insert(0, ("elder_id_number", "missing", {}))
            if outcome.errors:
                continue
            elder = self._elder(str(raw_key))
            if elder is None:
                outcome.errors.append(("elder_id_number", "import.elder_not_found", {}))
                continue
            first = self.seen.first((elder.id_number, data.name.strip(), data.relation), row)
            if first is not None:
                outcome.errors.append(("name", "import.duplicate_guardian", {"row": first}))
                continue
            existing = self.db.scalar(
                select(Guardian).where(
                    Guardian.elder_id == elder.id,
                    Guardian.name == data.name,
                    Guardian.relation == data.relation,
                )
            )
            if existing is None:
                outcome.action = "created"
                savepoint_call(
                    self.db, outcome, elders.add_guardian, self.db, self.ctx, elder.id, data
                )
                continue
            given = data.model_fields_set - {"name", "relation"}
            changes = {
                f: getattr(data, f) for f in given if getattr(existing, f) != getattr(data, f)
            }
            if not changes:
                outcome.action = "unchanged"
                continue
            outcome.action = "updated"
            savepoint_call(
                self.db,
                outcome,
                elders.update_guardian,
                self.db,
                self.ctx,
                existing.id,
                GuardianPatch(**changes),
                existing.version,
            )
        return outcomes

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        raw_key = cells.get("elder_id_number") or by_header(self.spec, cells, "elder_id_number")
        data = convert(self.spec, cells)[0]
        if not raw_key or not data.get("name"):
            return None
        return (canonical_number(raw_key), str(data["name"]).strip(), data.get("relation"))

    def _elder(self, raw: str) -> Elder | None:
        from eldercare import identity

        try:
            number = identity.parse(raw).value
        except identity.IdNumberError:
            number = raw.strip()
        return self.db.scalar(
            select(Elder).where(
                Elder.id_number == number,
                Elder.status == "active",
                Elder.merged_into_id.is_(None),
                elders.elder_scope(self.ctx),
            )
        )
