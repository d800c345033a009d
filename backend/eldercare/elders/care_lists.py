"""The township's care lists as files (headers and values in words in the caller's language,
ID numbers and phones masked): the elders whose children were not contacted within the
county's rule, the elders with no one at home, and the left-behind elders without an
entrusted caretaker agreement.

Rows are read a page at a time in short read sessions of their own (as the other exports
do), so a county's list streams in constant memory; each holds exactly what the matching
list shows (``/care/contacts-overdue``, ``/elders?no_one_at_home=true``,
``/elders?left_behind=true&caretaker_agreement=missing``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare import identity, phones
from eldercare.clock import today
from eldercare.context import RequestCtx
from eldercare.db import session_factory
from eldercare.elders import contacts
from eldercare.elders.access import elder_scope, village_names
from eldercare.elders.labels import label, render
from eldercare.elders.models import Elder, Guardian
from eldercare.elders.queries import caretaker_agreement_clause
from eldercare.labels import headings, value_words
from eldercare.labels import label as words
from eldercare.pagination import Direction, keyset
from eldercare.scope import Scope
from eldercare.sheets.write import capital

PAGE = 500
# The columns (keys of the one dictionary's headings, eldercare.labels.heading).
COLUMNS = (
    "village",
    "village_code",
    "name",
    "id_number_masked",
    "sex",
    "age",
    "address",
    "phone_masked",
    "risk_level",
    "category_codes",
    "no_one_at_home",
    "no_one_at_home_reason",
    "caretaker_name",
    "agreement_date",
    "last_child_contact",
    "days_since_contact",
)
# The lists' words that are not codes (the app's are in its messages).
NO_CARETAKER = ("无", "None")
NEVER_CONTACTED = ("从未联系", "Never contacted")


def header(lang: str) -> tuple[str, ...]:
    """The header row in the caller's language."""
    return headings(COLUMNS, lang)


def _caretaker() -> Any:
    """The elder's living entrusted caretaker's name and agreement date (subqueries)."""
    base = select(Guardian).where(
        Guardian.elder_id == Elder.id,
        Guardian.is_entrusted_caretaker.is_(True),
        Guardian.alive.is_(True),
    )
    name = base.with_only_columns(Guardian.name).limit(1).scalar_subquery()
    signed = base.with_only_columns(Guardian.agreement_date).limit(1).scalar_subquery()
    return name.label("caretaker"), signed.label("agreement_date")


def statement(db: Session, ctx: RequestCtx, kind: str, region: str) -> Any:
    """The list's statement: elders (with their caretaker and latest contact) in scope."""
    policy = contacts.policy_for(db, region[:6])[0]
    caretaker, agreement = _caretaker()
    stmt = select(
        Elder.id,
        Elder.name_pinyin,
        Elder.village_code,
        Elder.name,
        Elder.id_number,
        Elder.sex,
        Elder.birth_date,
        Elder.address,
        Elder.phone,
        Elder.risk_level,
        Elder.category_codes,
        Elder.no_one_at_home,
        Elder.no_one_at_home_reason,
        caretaker,
        agreement,
        contacts.last_contact(policy).label("last_contact_date"),
    ).where(
        Scope(region).clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
        elder_scope(ctx),
        Elder.merged_into_id.is_(None),
    )
    if kind == "contacts_overdue":
        cutoff = contacts.cutoff_of(policy, today())
        return stmt.where(contacts.covered(policy), ~contacts.contacted_since(policy, cutoff))
    if kind == "no_one_at_home":
        return stmt.where(Elder.no_one_at_home.is_(True))
    return stmt.where(Elder.is_left_behind.is_(True), ~caretaker_agreement_clause())


def rows(ctx: RequestCtx, kind: str, region: str) -> Iterator[list[Any]]:
    lang = ctx.lang
    en = 1 if lang == "en" else 0
    on = today()
    cursor: str | None = None
    order: list[tuple[Any, Direction]] = [(Elder.name_pinyin, "asc"), (Elder.id, "asc")]
    while True:
        with session_factory()() as db:
            stmt = statement(db, ctx, kind, region)
            page = keyset(db, stmt, order, limit=PAGE, cursor=cursor, count=False, scalars=False)
            names = village_names(db, {r.village_code for r in page.items})
            db.commit()
        for r in page.items:
            yield [
                names.get(r.village_code, r.village_code),
                r.village_code,
                r.name,
                identity.mask(r.id_number),
                words("sex", r.sex, lang),
                identity.age_on(r.birth_date, on),
                r.address,
                phones.mask(r.phone) or "",
                label(r.risk_level, lang),
                value_words(
                    "categories", [c for c in (r.category_codes or "").split(",") if c], lang
                ),
                value_words("no_one_at_home", bool(r.no_one_at_home), lang),
                capital(render(r.no_one_at_home_reason, lang), lang)
                if r.no_one_at_home_reason
                else "",
                r.caretaker or NO_CARETAKER[en],
                r.agreement_date.isoformat() if r.agreement_date else "",
                r.last_contact_date.isoformat() if r.last_contact_date else NEVER_CONTACTED[en],
                (on - r.last_contact_date).days if r.last_contact_date else "",
            ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor
