"""THE one place that turns a principal into "which rows may I see".

Region codes nest by prefix: county 6 digits, township 9, village 12. A principal bound to
region R sees exactly the rows whose region code starts with R. Every service that reads or
writes a scoped table starts from :class:`Scope`; anything outside it is *not found*.

A volunteer is bound to no region's elders but to the elders paired with them: their scope
carries those elders (:attr:`Scope.elder_ids`, from :data:`paired_elders`, which the
volunteers domain provides), and everything that belongs to an elder is scoped through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_

from eldercare.errors import NotFound
from eldercare.hooks import Provider

T = TypeVar("T")

LEVEL_LENGTH = {"province": 2, "prefecture": 4, "county": 6, "township": 9, "village": 12}
LENGTH_LEVEL = {6: "county", 9: "township", 12: "village"}


def code_upper_bound(prefix: str) -> str | None:
    """The smallest digit string of the same length greater than every code under ``prefix``.

    ``code >= prefix AND code < upper`` is the index-friendly form of ``code LIKE 'prefix%'``
    on every database and collation (codes are digits only).
    """
    if not prefix:
        return None
    bumped = str(int(prefix) + 1).zfill(len(prefix))
    return bumped if len(bumped) == len(prefix) else None


@dataclass(frozen=True, slots=True)
class Scope:
    """The region subtree a principal may see; for a volunteer, the elders they may see."""

    region_prefix: str
    # A subquery of the ids of the elders the principal may see when that is not every elder
    # of its region (a volunteer's paired elders); None: the region decides.
    elder_ids: Any = None

    def covers(self, code: str | None) -> bool:
        return code is not None and code.startswith(self.region_prefix)

    def clause(self, column: Any) -> ColumnElement[bool]:
        upper = code_upper_bound(self.region_prefix)
        if upper is None:
            return and_(column >= self.region_prefix)
        return and_(column >= self.region_prefix, column < upper)

    def clause_levels(
        self, village: Any, township: Any | None = None, county: Any | None = None
    ) -> ColumnElement[bool]:
        """For tables that also keep the township and county codes: an equality on the column
        of the principal's level (one index serves scoped lists sorted by any key)."""
        n = len(self.region_prefix)
        if n == 12:
            return and_(village == self.region_prefix)
        if n == 9 and township is not None:
            return and_(township == self.region_prefix)
        if n == 6 and county is not None:
            return and_(county == self.region_prefix)
        return self.clause(village)

    def apply(self, stmt: Select[Any], column: Any) -> Select[Any]:
        return stmt.where(self.clause(column))

    def require(self, code: str | None) -> None:
        """404 unless ``code`` lies in scope."""
        if not self.covers(code):
            raise NotFound()


# The elders a volunteer sees, given the id of their login: a subquery of the ids of the
# elders with an open pairing to them (eldercare.wiring registers the volunteers domain's).
paired_elders: Provider[[str], Any] = Provider("scope.paired_elders")


def ensure_found(obj: T | None) -> T:
    if obj is None:
        raise NotFound()
    return obj
