"""What visits asks of the domains built on it (see :mod:`eldercare.hooks`).

Follow-ups sit above visits: a visit's hazards, needs and "needs follow-up" open items
there, and the worklist shows the items its reader holds. :func:`eldercare.wiring.install`
registers follow-ups' functions here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from eldercare.context import RequestCtx
from eldercare.elders.models import Elder
from eldercare.hooks import Hook, Provider
from eldercare.visits.models import Visit

# After a visit was logged or corrected (flushed): its findings open follow-ups (or count
# on the open ones of the same kind), and the items named (``resolved_follow_ups``) are
# resolved with the visit as evidence.
logged: Hook[[Session, RequestCtx, Elder, Visit, Sequence[str]]] = Hook("visits.hooks.logged")

# The worklist's follow-ups: the open items the caller holds, in ``region`` (or all their
# scope), at most ``limit``, the earliest due first, as the worklist shows them.
worklist_follow_ups: Provider[[Session, RequestCtx, str | None, int], list[dict[str, Any]]] = (
    Provider("visits.hooks.worklist_follow_ups")
)

# Per elder, how many follow-ups are open.
open_follow_ups: Provider[[Session, Sequence[str]], dict[str, int]] = Provider(
    "visits.hooks.open_follow_ups"
)

# The follow-ups a visit opened, for reading the visit: dicts with the fields of
# ``schemas.VisitFollowUp`` (id, kind, status, due_date).
opened_by_visit: Provider[[Session, str], list[dict[str, Any]]] = Provider(
    "visits.hooks.opened_by_visit"
)
