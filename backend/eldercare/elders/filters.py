"""The register's list filters, shared by the list (``GET /elders``) and its export.

One set of query parameters and one statement builder
(:func:`eldercare.elders.queries.filter_clauses`), so an export holds exactly the rows the
list shows with the same filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Annotated, Literal

from fastapi import Query

from eldercare.elders.rules import CATEGORY_CODES

Category = Literal[CATEGORY_CODES]  # type: ignore[valid-type]
RegionPrefix = Annotated[
    str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$", description="Region code prefix")
]


@dataclass(frozen=True, slots=True)
class ElderFilters:
    region: str | None = None
    q: str | None = None
    category: list[str] = field(default_factory=list)
    risk_level: str | None = None
    status: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    left_behind: bool | None = None
    overdue: bool | None = None
    no_one_at_home: bool | None = None
    caretaker_agreement: str | None = None
    verified_before: date | None = None

    def given(self) -> list[str]:
        """The names of the filters set (for the audit record of an export)."""
        return [f.name for f in fields(self) if getattr(self, f.name) not in (None, [])]

    def is_empty(self) -> bool:
        return not self.given()

    def only_region(self) -> bool:
        return not [name for name in self.given() if name != "region"]


async def elder_filters(
    region: RegionPrefix = None,
    q: Annotated[
        str | None,
        Query(
            max_length=50,
            description="Name, pinyin or initials, ID number or its last 4-6 characters, phone",
        ),
    ] = None,
    category: Annotated[list[Category] | None, Query(description="All of these categories")] = None,
    risk_level: Literal["high", "key", "general"] | None = None,
    status: Literal["active", "moved_out", "deceased", "not_left_behind"] | None = None,
    age_min: Annotated[int | None, Query(ge=0, le=130)] = None,
    age_max: Annotated[int | None, Query(ge=0, le=130)] = None,
    left_behind: bool | None = None,
    overdue: Annotated[
        bool | None, Query(description="Next visit overdue (true) or not (false)")
    ] = None,
    no_one_at_home: Annotated[
        bool | None,
        Query(
            description="No one at home (true): seriously ill or unable to look after "
            "themselves, every child away, no entrusted caretaker"
        ),
    ] = None,
    caretaker_agreement: Annotated[
        Literal["missing", "present"] | None,
        Query(
            description="`present`: a living entrusted caretaker with an agreement date "
            "(委托照料协议); `missing`: none (with `left_behind=true`: the township's list)"
        ),
    ] = None,
    verified_before: Annotated[
        date | None,
        Query(
            description="Never confirmed in person (a sweep), or last before this day "
            "(today less the county's verification_months: the not-verified figure)"
        ),
    ] = None,
) -> ElderFilters:
    """FastAPI dependency: the list's filters from the query string (async: no I/O, so it
    runs on the event loop instead of costing a worker-thread hop on the hottest read)."""
    return ElderFilters(
        region=region,
        q=q.strip() or None if q else None,
        category=list(category or []),
        risk_level=risk_level,
        status=status,
        age_min=age_min,
        age_max=age_max,
        left_behind=left_behind,
        overdue=overdue,
        no_one_at_home=no_one_at_home,
        caretaker_agreement=caretaker_agreement,
        verified_before=verified_before,
    )
