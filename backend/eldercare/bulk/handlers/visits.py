"""Visits, matched by (elder ID number, visit time, method); logged by the visits service
(which refreshes the elder's next due visit), each row in a savepoint."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from eldercare.bulk.handlers.base import (
    Handler,
    Outcome,
    canonical_number,
    elder_by_number,
    savepoint_call,
    schema_errors,
    split_keys,
    volunteer_by_phone,
)
from eldercare.clock import aware
from eldercare.visits import service as visits
from eldercare.visits.models import Visit
from eldercare.visits.schemas import VisitIn, VisitPatch

_FINDINGS = ("health", "mental_state", "living_conditions", "family_support", "danger")
_VISIT_FIELDS = (
    "findings",
    "safety_risks",
    "needs",
    "services",
    "guardian_contacted",
    "follow_up",
    "notes",
)


class VisitHandler(Handler):
    """Visits match by (elder ID number, visit time, method). Each visit is logged by the
    visits service (no future visits, none after death or moving out) and so refreshes
    the elder's next due visit."""

    resource = "visits"
    natural_key = "elder_id_number, visited_at, method"

    def batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[Outcome]:
        outcomes = []
        for row, cells in rows:
            data, keys, failed = split_keys(
                self.spec, cells, ("elder_id_number", "volunteer_phone")
            )
            outcome = failed or Outcome(row)
            outcome.row = row
            outcomes.append(outcome)
            if failed is not None:
                continue
            findings = {f: data.pop(f) for f in _FINDINGS if f in data}
            if findings:
                data["findings"] = findings
            try:
                parsed = VisitIn.model_validate({"elder_id": "-", **data})
            except ValidationError as exc:
                outcome.errors = schema_errors(exc)
            if "visited_at" not in data:
                outcome.errors.insert(0, ("visited_at", "missing", {}))
            if not keys["elder_id_number"]:
                outcome.errors.insert(0, ("elder_id_number", "missing", {}))
            if outcome.errors:
                continue
            elder = elder_by_number(self.db, self.ctx, keys["elder_id_number"], active_only=False)
            if elder is None:
                outcome.errors.append(("elder_id_number", "import.elder_not_found", {}))
                continue
            update: dict[str, Any] = {"elder_id": elder.id}
            if keys["volunteer_phone"]:
                helper = volunteer_by_phone(self.db, self.ctx, keys["volunteer_phone"])
                if helper is None:
                    outcome.errors.append(("volunteer_phone", "import.volunteer_not_found", {}))
                    continue
                update["volunteer_id"] = helper.id
            at = aware(parsed.visited_at)
            assert at is not None
            update["visited_at"] = at
            first = self.seen.first((elder.id_number, at.timestamp(), parsed.method), row)
            if first is not None:
                outcome.errors.append(("visited_at", "import.duplicate_visit", {"row": first}))
                continue
            self._upsert(outcome, parsed.model_copy(update=update), set(data) | set(update))
        return outcomes

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        data, keys, failed = split_keys(self.spec, cells, ("elder_id_number", "volunteer_phone"))
        if failed is not None or not keys["elder_id_number"] or "visited_at" not in data:
            return None
        findings = {f: data.pop(f) for f in _FINDINGS if f in data}
        if findings:
            data["findings"] = findings
        parsed = VisitIn.model_validate({"elder_id": "-", **data})
        at = aware(parsed.visited_at)
        assert at is not None
        return (canonical_number(keys["elder_id_number"]), at.timestamp(), parsed.method)

    def _upsert(self, outcome: Outcome, data: VisitIn, given: set[str]) -> None:
        assert data.visited_at is not None
        current = self.db.scalar(
            select(Visit)
            .where(
                Visit.elder_id == data.elder_id,
                Visit.method == data.method,
                Visit.visited_at == data.visited_at,
            )
            .limit(1)
        )
        if current is None:
            outcome.action = "created"
            savepoint_call(self.db, outcome, visits.log_visit, self.db, self.ctx, data)
            return
        changes: dict[str, Any] = {}
        for f in given & set(_VISIT_FIELDS):
            value = getattr(data, f)
            value = value.model_dump() if f == "findings" else value
            value = list(value) if isinstance(value, tuple) else value
            if getattr(current, f) != value:
                changes[f] = value
        if not changes:
            outcome.action = "unchanged"
            return
        outcome.action = "updated"
        savepoint_call(
            self.db,
            outcome,
            visits.update_visit,
            self.db,
            self.ctx,
            current.id,
            VisitPatch(**changes),
            current.version,
        )
