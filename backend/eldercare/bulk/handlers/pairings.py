"""Pairings, matched by (elder ID number, helper phone): the open pairing of the two;
written by ``create_pairing`` and ``update_pairing``, each row in a savepoint."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from eldercare.bulk.columns import convert
from eldercare.bulk.handlers.base import (
    Handler,
    Outcome,
    canonical_number,
    canonical_phone,
    elder_by_number,
    savepoint_call,
    schema_errors,
    split_keys,
    volunteer_by_phone,
)
from eldercare.elders.models import Elder
from eldercare.volunteers import service as volunteers
from eldercare.volunteers.models import Pairing, Volunteer
from eldercare.volunteers.schemas import PairingIn, PairingPatch


class PairingHandler(Handler):
    """Pairings match by (elder ID number, helper phone): the open pairing of the two."""

    resource = "pairings"
    natural_key = "elder_id_number, volunteer_phone"

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
            end = {k: data.pop(k) for k in ("end_date", "end_reason") if k in data}
            try:
                parsed = PairingIn.model_validate({"elder_id": "-", "volunteer_id": "-", **data})
                ending = PairingPatch.model_validate(end)
            except ValidationError as exc:
                outcome.errors = schema_errors(exc)
            for k in ("elder_id_number", "volunteer_phone"):
                if not keys[k]:
                    outcome.errors.insert(0, (k, "missing", {}))
            if outcome.errors:
                continue
            elder = elder_by_number(self.db, self.ctx, keys["elder_id_number"])
            if elder is None:
                outcome.errors.append(("elder_id_number", "import.elder_not_found", {}))
                continue
            helper = volunteer_by_phone(self.db, self.ctx, keys["volunteer_phone"])
            if helper is None:
                outcome.errors.append(("volunteer_phone", "import.volunteer_not_found", {}))
                continue
            first = self.seen.first((elder.id_number, helper.phone), row)
            if first is not None:
                outcome.errors.append(
                    ("volunteer_phone", "import.duplicate_pairing", {"row": first})
                )
                continue
            self._upsert(outcome, elder, helper, parsed, ending)
        return outcomes

    def key_of(self, cells: dict[str, Any]) -> Hashable | None:
        data = convert(self.spec, cells)[0]
        number, phone = data.get("elder_id_number"), data.get("volunteer_phone")
        if not number or not phone:
            return None
        return (canonical_number(number), canonical_phone(phone))

    def _upsert(
        self,
        outcome: Outcome,
        elder: Elder,
        helper: Volunteer,
        data: PairingIn,
        ending: PairingPatch,
    ) -> None:
        data = data.model_copy(update={"elder_id": elder.id, "volunteer_id": helper.id})
        current = self.db.scalar(
            select(Pairing).where(
                Pairing.elder_id == elder.id,
                Pairing.volunteer_id == helper.id,
                Pairing.end_date.is_(None),
            )
        )
        if current is None:
            if ending.end_date is not None and self.db.scalar(
                select(Pairing.id).where(
                    Pairing.elder_id == elder.id,
                    Pairing.volunteer_id == helper.id,
                    Pairing.end_date == ending.end_date,
                )
            ):
                outcome.action = "unchanged"  # this pairing was imported and ended before
                return
            outcome.action = "created"

            def create() -> None:
                made = volunteers.create_pairing(self.db, self.ctx, data, elder.village_code)
                if ending.end_date is not None:
                    volunteers.update_pairing(
                        self.db, self.ctx, made, elder.village_code, ending, made.version
                    )

            savepoint_call(self.db, outcome, create)
            return
        given = (data.model_fields_set & {"is_primary", "services"}) | ending.model_fields_set
        changes: dict[str, Any] = {}
        for f in given:
            value = getattr(ending, f) if f in ending.model_fields_set else getattr(data, f)
            if f == "services":
                value = list(value)
            if getattr(current, f) != value:
                changes[f] = value
        if not changes:
            outcome.action = "unchanged"
            return
        outcome.action = "updated"
        savepoint_call(
            self.db,
            outcome,
            volunteers.update_pairing,
            self.db,
            self.ctx,
            current,
            elder.village_code,
            PairingPatch(**changes),
            current.version,
        )
