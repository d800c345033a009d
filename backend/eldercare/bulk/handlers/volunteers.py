"""Volunteers (helpers), matched by phone; written by the volunteers service, each row in
a savepoint. Township officers and above only."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import select

from eldercare.bulk.columns import convert
from eldercare.bulk.handlers.base import (
    Handler,
    Outcome,
    canonical_phone,
    parse_row,
    savepoint_call,
)
from eldercare.errors import Forbidden
from eldercare.roles import TOWNSHIP_UP
from eldercare.volunteers import service as volunteers
from eldercare.volunteers.models import Volunteer
from eldercare.volunteers.schemas import VolunteerIn, VolunteerPatch


class VolunteerHandler(Handler):
    resource = "volunteers"
    natural_key = "phone"

    def check_allowed(self) -> None:
        p = self.ctx.actor
        if p.kind == "user" and p.role not in TOWNSHIP_UP:
            raise Forbidden("auth.role_required")

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        raw = convert(self.spec, cells)[0].get("phone")
        return canonical_phone(raw) if raw else None

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes = []
        for row, cells in rows:
            data, failed = parse_row(self.spec, cells, VolunteerIn)
            outcome = failed or Outcome(row)
            outcome.row = row
            outcomes.append(outcome)
            if outcome.errors:
                continue
            first = self.seen.first(data.phone, row)
            if first is not None:
                outcome.errors.append(("phone", "import.duplicate_volunteer", {"row": first}))
                continue
            existing = self.db.scalar(select(Volunteer).where(Volunteer.phone == data.phone))
            if existing is None:
                outcome.action = "created"
                savepoint_call(
                    self.db, outcome, volunteers.create_volunteer, self.db, self.ctx, data
                )
                continue
            if not self.ctx.actor.scope.covers(existing.region_code):
                outcome.errors.append(("phone", "volunteer.phone_taken", {}))
                continue
            given = data.model_fields_set
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
                volunteers.update_volunteer,
                self.db,
                self.ctx,
                existing.id,
                VolunteerPatch(**changes),
                existing.version,
            )
        return outcomes
