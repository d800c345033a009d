"""The township's lists as files: gaps, payments to check and age milestones as CSV or
XLSX, with headers and words in the request's language (the one dictionary,
:mod:`eldercare.labels`) and masked ID numbers, through the bulk export writers.

Rows are read a page at a time in short read sessions of their own (as the bulk exports
do), after the caller's region has been brought up to date, so a county's list streams in
constant memory. Gaps and payments to check have one line per elder and program, and
carry what the JSON list shows: the note naming the other basic-living program's status
(低保/特困) and, on a household program's gap line (低保, 危房改造), the household's other
elders listed with it (the household is one line).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare import identity
from eldercare.clock import today
from eldercare.db import session_factory
from eldercare.elders import service as elders
from eldercare.elders.models import Elder
from eldercare.labels import label, value_words
from eldercare.relief import labels, lists, rules, screening

PAGE = 500
# Column keys: a record's field has its words in ENUMS["field"], the others in COLUMNS.
LIST_COLUMNS = (
    "village",
    "village_code",
    "name",
    "id_number_masked",
    "sex",
    "age",
    "address",
    "status",
    "status_date",
    "program",
    "screening_result",
    "reference_amount",
    "receiving",
    "check_reasons",
    "note",
    "household_listed",
)
MILESTONE_COLUMNS = (
    "village",
    "village_code",
    "name",
    "id_number_masked",
    "turns_age",
    "birthday",
    "allowance_start",
    "monthly_amount",
    "receiving_allowance",
)
NOTE = "预筛查结果仅供参考，不是审批决定"


def member_names(db: Session, rows: list[Any]) -> dict[str, str]:
    """The names of the household members named in these screening rows' details."""
    others = {e for r in rows for e in r.detail.get("household", [])}
    if not others:
        return {}
    stmt = select(Elder.id, Elder.name).where(Elder.id.in_(others))
    return {elder_id: name for elder_id, name in db.execute(stmt)}


def household_members(r: Any, names: dict[str, str]) -> list[str]:
    """The other elders of ``r``'s household listed with its household-program gap."""
    return [names[e] for e in r.detail.get("household", []) if e in names]


def note(r: Any, program: str, lang: str) -> str:
    """For 低保 or 特困: the other basic-living program's status (one per person)."""
    other = labels.BASIC_PAIR.get(program)
    other_short = r.detail.get(other, ["N"])[0] if other else None
    return labels.basic_living_note(program, screening.LONG.get(other_short or ""), lang)


def list_rows(kind: str, region: str, program: str | None, lang: str) -> Iterator[list[Any]]:
    """Every line of the gap list (``kind="gaps"``) or the payments to check, in ``lang``."""
    fetch = lists.gaps if kind == "gaps" else lists.payments_to_check
    check = kind != "gaps"
    on = today()
    sep = ", " if lang == "en" else "、"
    reasons_sep = "; " if lang == "en" else "；"
    cursor: str | None = None
    while True:
        with session_factory()() as db:
            page = fetch(db, region, program, limit=PAGE, cursor=cursor, count=False, refresh=False)
            names = elders.village_names(db, {r.village_code for r in page.items})
            members = member_names(db, page.items)
            db.commit()
        for r in page.items:
            together = sep.join(household_members(r, members))
            for p in rules.PROGRAMS:
                if not r.mask & rules.BIT[p] or (program and p != program):
                    continue
                short, amount, reasons = r.detail.get(p, ["N", None, []])
                yield [
                    names.get(r.village_code, r.village_code),
                    r.village_code,
                    r.name,
                    identity.mask(r.id_number),
                    label("sex", r.sex, lang),
                    lists.age_of(r.birth_date, on),
                    r.address,
                    label("status", r.status, lang),
                    r.status_date.isoformat() if r.status_date else "",
                    labels.program_label(p, lang),
                    label("programStatus", screening.LONG[short], lang),
                    amount or "",
                    value_words("receiving", bool(r.receiving_mask & rules.BIT[p]), lang),
                    reasons_sep.join(label("checkReason", x, lang) for x in reasons)
                    if check
                    else "",
                    note(r, p, lang),
                    together if not check and p in screening.HOUSEHOLD_PROGRAMS else "",
                ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def milestone_rows(region: str, within_days: int, on: date, lang: str) -> Iterator[list[Any]]:
    """The elders turning an old-age-allowance age within ``within_days`` of ``on``."""
    with session_factory()() as db:
        rows = lists.milestones(db, region, within_days, on)
        names = elders.village_names(db, {m.village_code for m in rows})
        db.commit()
    for m in rows:
        yield [
            names.get(m.village_code, m.village_code),
            m.village_code,
            m.name,
            identity.mask(m.id_number),
            m.age,
            m.birthday.isoformat(),
            m.start_date.isoformat(),
            "" if m.monthly_amount is None else str(m.monthly_amount),
            value_words("receiving_allowance", bool(m.receiving), lang),
        ]
