"""The volunteer and pairing lists as files for people: Chinese headers, every code in words
(the one dictionary, :mod:`eldercare.labels`), the township and village named, phones
masked. Rows are read a page at a time in short sessions of their own, with the list's
filters and scope."""

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

VOLUNTEER_COLUMNS = (
    "乡镇",
    "村（社区）",
    "姓名",
    "手机号",
    "身份",
    "服务队",
    "结对上限",
    "在结对数",
    "结对老人",
    "在岗",
)
PAIRING_COLUMNS = (
    "乡镇",
    "村（社区）",
    "老人姓名",
    "帮扶人",
    "帮扶人身份",
    "包保责任人",
    "帮扶内容",
    "开始日期",
    "结束日期",
    "结束原因",
)


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _end_reason(reason: str) -> str:
    """A pairing's end reason in words: the move's own code named, a typed reason as typed."""
    if reason == service.PAIRING_END_MOVED:
        return "老人迁出帮扶人所在区域"
    return reason


def volunteer_rows(
    ctx: RequestCtx, elder_scope: ColumnElement[bool], filters: dict[str, Any]
) -> Iterator[list[Any]]:
    """The volunteers of the list (same filters, same order), each with their open
    pairings' elders by name (those in the caller's scope)."""
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
                labels.label("volunteerKind", v.kind),
                labels.label("team", v.team),
                v.max_pairings,
                counts.get(v.id, 0),
                "、".join(paired.get(v.id, [])),
                _yes(v.active),
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
    """Pairings in scope (their elders'), the newest first: the elder's village, the helper."""
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
                labels.label("volunteerKind", kind),
                _yes(primary),
                "、".join(labels.label("service", s) for s in services or []),
                start.isoformat(),
                end.isoformat() if end else "",
                _end_reason(reason or ""),
            ]
        if not page.next_cursor:
            return
        cursor = page.next_cursor
