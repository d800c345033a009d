"""Import handlers, one module per resource: validate a batch of rows, then write it.

Validation is the domain's own: the pydantic schemas of the create endpoints, identity
checks and the scope rules of the services. New elders, the bulk of any import, are
written set-based with the rows ``elders.rows`` builds for ``create_elder`` too (one write
per table per batch, COPY on PostgreSQL); changed elders, and guardians, volunteers,
pairings and visits, go through the domain services row by row, each inside a savepoint
so a bad row fails alone.
"""

from __future__ import annotations

from eldercare.bulk.handlers.base import Handler, Outcome
from eldercare.bulk.handlers.elders import ElderHandler
from eldercare.bulk.handlers.guardians import GuardianHandler
from eldercare.bulk.handlers.pairings import PairingHandler
from eldercare.bulk.handlers.visits import VisitHandler
from eldercare.bulk.handlers.volunteers import VolunteerHandler

HANDLERS: dict[str, type[Handler]] = {
    "elders": ElderHandler,
    "guardians": GuardianHandler,
    "volunteers": VolunteerHandler,
    "pairings": PairingHandler,
    "visits": VisitHandler,
}

__all__ = ["HANDLERS", "Handler", "Outcome"]
