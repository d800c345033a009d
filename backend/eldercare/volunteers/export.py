"""The volunteer and pairing lists as files for people: headers and every code in words in
the request's language (the one dictionary, :mod:`eldercare.labels`), the township and
village named, phones masked. Rows are read a page at a time in short sessions of their
own, with the list's filters and scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from eldercare import labels, phones
from eldercare.context import RequestCtx
from eldercare.db import session_factory
from eldercare.elders.models import Elder
from eldercare.pagination import Direction, keyset
from eldercare.regions.service import place_names
from eldercare.roles import Role
from eldercare.volunteers import service
from eldercare.volunteers.models import Pairing, Volunteer

PAGE = 500

# Column keys: a record's field has its words in ENUMS["field"], the others in COLUMNS.
VOLUNTEER_COLUMNS = (
    "township",
    "village",
    "name",
    "phone",
    "kind",
    "team",
    "max_pairings",
    "active_pairings",
    "paired_elders",
    "active",
)
PAIRING_COLUMNS = (
    "township",
    "village",
    "elder_name",
    "helper",
    "helper_kind",
    "is_primary",
    "services",
    "start_date",
    "end_date",
    "end_reason",
)


def volunteer_rows(
    ctx: RequestCtx, elder_scope: ColumnElement[bool], filters: dict[str, Any]
) -> Iterator[list[Any]]:
    """The volunteers of the list (same filters, same order), each with their open
    pairings' elders by name (those in the caller's scope), in the caller's language."""
    lang = ctx.lang
    sep = ", " if lang == "en" else "、"
    cursor: str | None = None
    while True:
        with session_factory()() as db:
            page = service.list_volunteers(
                db, ctx, limit=PAGE, cursor=cursor, count=False, **filters
            )
            ids = [v.id for v in page.items]
            paired: dict[str, list[str]] = {}
            if ids:
                rows = db.execute(
                    select(Pairing.volunteer_id, Elder.name)
                    .join(Elder, Elder.id == Pairing.elder_id)
                    .where(Pairing.volunteer_id.in_(ids), Pairing.end_date.is_(None), elder_scope)
                    .order_by(Pairing.volunteer_id, Pairing.is_primary.desc(), Elder.name)
                ).all()
                for vid, name in rows:
                    paired.setdefault(vid, []).append(name)
            counts = service.counts_for(db, ids)
            places = place_names(db, {v.region_code for v in page.items})
            db.commit()
        for v in page.items:
            township, village = places.get(v.region_code, ("", ""))
            yield [
                township,
                village,
                v.name,
                phones.mask(v.phone) or "",
                labels.label("volunteerKind", v.kind, lang),
                labels.label("team", v.team, lang),
                v.max_pairings,
                counts.get(v.id, 0),
                sep.join(paired.get(v.id, [])),
                labels.value_words("active", v.active, lang),
            ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def pairing_rows(
    ctx: RequestCtx,
    elder_scope: ColumnElement[bool],
    *,
    region: str | None,
    volunteer_id: str | None,
    open_only: bool,
) -> Iterator[list[Any]]:
    """Pairings in scope (their elders'), the newest first: the elder's village, the helper;
    in the caller's language (an end reason typed by hand as typed)."""
    lang = ctx.lang
    sep = ", " if lang == "en" else "、"
    columns: list[Any] = [
        Pairing.id,
        Pairing.start_date,
        Pairing.end_date,
        Pairing.is_primary,
        Pairing.services,
        Pairing.end_reason,
        Elder.name,
        Elder.village_code,
        Volunteer.name,
        Volunteer.kind,
    ]
    stmt: Select[Any] = (
        select(*columns)
        .join(Elder, Elder.id == Pairing.elder_id)
        .join(Volunteer, Volunteer.id == Pairing.volunteer_id)
        .where(elder_scope)
    )
    if ctx.actor.role == Role.volunteer:
        stmt = stmt.where(Volunteer.user_id == ctx.actor.id)
    if region:
        stmt = stmt.where(Elder.village_code.startswith(region))
    if volunteer_id:
        stmt = stmt.where(Pairing.volunteer_id == volunteer_id)
    if open_only:
        stmt = stmt.where(Pairing.end_date.is_(None))
    order: list[tuple[Any, Direction]] = [(Pairing.start_date, "desc"), (Pairing.id, "asc")]
    cursor: str | None = None
    while True:
        with session_factory()() as db:
            page = keyset(db, stmt, order, limit=PAGE, cursor=cursor, scalars=False)
            places = place_names(db, {r[7] for r in page.items})
            db.commit()
        for (
            _id,
            start,
            end,
            primary,
            services,
            reason,
            elder,
            village_code,
            helper,
            kind,
        ) in page.items:
            township, village = places.get(village_code, ("", ""))
            yield [
                township,
                village,
                elder,
                helper,
                labels.label("volunteerKind", kind, lang),
                labels.value_words("is_primary", primary, lang),
                sep.join(labels.label("service", s, lang) for s in services or []),
                start.isoformat(),
                end.isoformat() if end else "",
                labels.label("pairingEnd", reason, lang),
            ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor
