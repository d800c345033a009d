"""Volunteers and pairings: capacity, one primary helper per elder, scope."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.auth.models import User
from eldercare.clock import today as local_today
from eldercare.concurrency import check_version
from eldercare.context import RequestCtx
from eldercare.errors import Conflict, FieldError, NotFound, ValidationFailed
from eldercare.pagination import Page, keyset
from eldercare.patching import apply_patch
from eldercare.regions.service import region_level
from eldercare.roles import Role
from eldercare.volunteers import hooks
from eldercare.volunteers.models import Pairing, Volunteer
from eldercare.volunteers.schemas import PairingIn, PairingPatch, VolunteerIn, VolunteerPatch

# A pairing's end reason when its elder moved out of its helper's region.
PAIRING_END_MOVED = "moved"


def paired_elder_ids(user_id: str) -> Select[Any]:
    """Elders with an open pairing to the volunteer behind this login (the volunteer scope)."""
    return (
        select(Pairing.elder_id)
        .join(Volunteer, Volunteer.id == Pairing.volunteer_id)
        .where(Volunteer.user_id == user_id, Volunteer.active.is_(True), Pairing.end_date.is_(None))
    )


def volunteer_of_user(db: Session, user_id: str) -> Volunteer | None:
    return db.scalar(select(Volunteer).where(Volunteer.user_id == user_id))


def volunteer_scope(ctx: RequestCtx) -> ColumnElement[bool]:
    p = ctx.actor
    if p.role == Role.volunteer:
        return Volunteer.user_id == p.id
    return p.scope.clause(Volunteer.region_code)


def get_volunteer(db: Session, ctx: RequestCtx, volunteer_id: str) -> Volunteer:
    v = db.scalar(select(Volunteer).where(Volunteer.id == volunteer_id, volunteer_scope(ctx)))
    if v is None:
        raise NotFound()
    return v


def open_pairings(db: Session, volunteer_id: str) -> int:
    return (
        db.scalar(
            select(func.count()).where(
                Pairing.volunteer_id == volunteer_id, Pairing.end_date.is_(None)
            )
        )
        or 0
    )


def list_volunteers(
    db: Session,
    ctx: RequestCtx,
    *,
    region: str | None,
    kind: str | None,
    team: str | None,
    active: bool | None,
    q: str | None,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[Volunteer]:
    stmt = select(Volunteer).where(volunteer_scope(ctx))
    if region:
        stmt = stmt.where(Volunteer.region_code.startswith(region))
    if kind:
        stmt = stmt.where(Volunteer.kind == kind)
    if team:
        stmt = stmt.where(Volunteer.team == team)
    if active is not None:
        stmt = stmt.where(Volunteer.active == active)
    if q:
        stmt = stmt.where(
            Volunteer.name.contains(q, autoescape=True)
            | Volunteer.phone.contains(q, autoescape=True)
        )
    return keyset(
        db,
        stmt,
        [(Volunteer.name, "asc"), (Volunteer.id, "asc")],
        limit=limit,
        cursor=cursor,
        count=count,
    )


def _check_region(db: Session, ctx: RequestCtx, code: str) -> None:
    if not ctx.actor.scope.covers(code) or region_level(db, code) is None:
        raise ValidationFailed(errors=[FieldError(["body", "region_code"], "region.unknown")])


def _check_user(db: Session, ctx: RequestCtx, user_id: str | None) -> None:
    if user_id is None:
        return
    user = db.get(User, user_id)
    if user is None or user.role != Role.volunteer or not ctx.actor.scope.covers(user.region_code):
        raise ValidationFailed(errors=[FieldError(["body", "user_id"], "volunteer.bad_user")])


def create_volunteer(db: Session, ctx: RequestCtx, data: VolunteerIn) -> Volunteer:
    _check_region(db, ctx, data.region_code)
    _check_user(db, ctx, data.user_id)
    v = Volunteer(**data.model_dump())
    db.add(v)
    try:
        db.flush()
    except IntegrityError:
        raise Conflict("volunteer.phone_taken") from None
    audit.record(
        db,
        ctx,
        "create",
        resource="volunteer",
        resource_id=v.id,
        region_code=v.region_code,
        fields=sorted(data.model_fields_set),
    )
    return v


def update_volunteer(
    db: Session, ctx: RequestCtx, volunteer_id: str, data: VolunteerPatch, expected: int
) -> Volunteer:
    v = get_volunteer(db, ctx, volunteer_id)
    check_version(v.version, expected)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("region_code"):
        _check_region(db, ctx, changes["region_code"])
    if "user_id" in changes:
        _check_user(db, ctx, changes["user_id"])
    changed = apply_patch(
        v,
        changes,
        required=("name", "phone", "kind", "region_code", "max_pairings", "active"),
        blank=("notes",),
    )
    try:
        db.flush()
    except IntegrityError:
        raise Conflict("volunteer.phone_taken") from None
    if changed:
        audit.record(
            db,
            ctx,
            "update",
            resource="volunteer",
            resource_id=v.id,
            region_code=v.region_code,
            fields=changed,
        )
    return v


def list_pairings(
    db: Session,
    ctx: RequestCtx,
    elder_scope: ColumnElement[bool],
    *,
    elder_id: str | None,
    volunteer_id: str | None,
    open_only: bool,
    limit: int,
    cursor: str | None,
) -> Page[Pairing]:
    from eldercare.elders.models import Elder

    stmt = select(Pairing).join(Elder, Elder.id == Pairing.elder_id).where(elder_scope)
    if ctx.actor.role == Role.volunteer:
        stmt = stmt.join(Volunteer, Volunteer.id == Pairing.volunteer_id).where(
            Volunteer.user_id == ctx.actor.id
        )
    if elder_id:
        stmt = stmt.where(Pairing.elder_id == elder_id)
    if volunteer_id:
        stmt = stmt.where(Pairing.volunteer_id == volunteer_id)
    if open_only:
        stmt = stmt.where(Pairing.end_date.is_(None))
    return keyset(
        db, stmt, [(Pairing.start_date, "desc"), (Pairing.id, "asc")], limit=limit, cursor=cursor
    )


def create_pairing(db: Session, ctx: RequestCtx, data: PairingIn, elder_village: str) -> Pairing:
    """Capacity is checked with the volunteer row locked (``FOR UPDATE`` on PostgreSQL), so
    concurrent requests cannot overfill it; SQLite runs one writer at a time."""
    v = db.scalar(
        select(Volunteer)
        .where(Volunteer.id == data.volunteer_id, volunteer_scope(ctx))
        .with_for_update()
    )
    if v is None:
        raise NotFound()
    if not v.active:
        raise Conflict("volunteer.inactive")
    if open_pairings(db, v.id) >= v.max_pairings:
        raise Conflict("pairing.over_capacity", max_pairings=v.max_pairings)
    exists = db.scalar(
        select(Pairing.id).where(
            Pairing.elder_id == data.elder_id,
            Pairing.volunteer_id == v.id,
            Pairing.end_date.is_(None),
        )
    )
    if exists:
        raise Conflict("pairing.exists", extra={"existing_id": exists})
    start = data.start_date or local_today()
    if start > local_today():
        raise ValidationFailed(errors=[FieldError(["body", "start_date"], "date.future")])
    pairing = Pairing(
        elder_id=data.elder_id,
        volunteer_id=v.id,
        is_primary=data.is_primary,
        services=list(data.services),
        start_date=start,
    )
    db.add(pairing)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise Conflict("pairing.primary_exists") from None
    hooks.paired(db, pairing.elder_id)  # a moved elder waiting for a helper has one now
    audit.record(
        db,
        ctx,
        "create",
        resource="pairing",
        resource_id=pairing.id,
        region_code=elder_village,
        fields=sorted(data.model_fields_set),
    )
    return pairing


def end_pairings_elsewhere(db: Session, ctx: RequestCtx, elder_id: str, village: str) -> list[str]:
    """End the elder's open pairings whose helper's region does not cover ``village``
    (reason ``moved``); returns their ids."""
    rows = db.execute(
        select(Pairing, Volunteer.region_code)
        .join(Volunteer, Volunteer.id == Pairing.volunteer_id)
        .where(Pairing.elder_id == elder_id, Pairing.end_date.is_(None))
        .order_by(Pairing.id)
    ).all()
    today = local_today()
    ended = []
    for pairing, helper_region in rows:
        if village.startswith(helper_region):
            continue  # a helper of the new village, its township or the county stays
        pairing.end_date = max(today, pairing.start_date)
        pairing.end_reason = PAIRING_END_MOVED
        ended.append(pairing.id)
        audit.record(
            db,
            ctx,
            "update",
            resource="pairing",
            resource_id=pairing.id,
            region_code=village,
            fields=["end_date", "end_reason"],
            detail={"reason": PAIRING_END_MOVED, "elder_id": elder_id},
        )
    db.flush()
    return ended


def get_pairing(
    db: Session, ctx: RequestCtx, pairing_id: str, elder_scope: ColumnElement[bool]
) -> tuple[Pairing, str]:
    from eldercare.elders.models import Elder

    row = db.execute(
        select(Pairing, Elder.village_code)
        .join(Elder, Elder.id == Pairing.elder_id)
        .where(Pairing.id == pairing_id, elder_scope)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def update_pairing(
    db: Session, ctx: RequestCtx, pairing: Pairing, village: str, data: PairingPatch, expected: int
) -> Pairing:
    check_version(pairing.version, expected)
    if pairing.end_date is not None:
        raise Conflict("pairing.ended")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("end_date") is not None:
        end: date = changes["end_date"]
        if end > local_today() or end < pairing.start_date:
            raise ValidationFailed(
                errors=[FieldError(["body", "end_date"], "pairing.bad_end_date")]
            )
    changed = apply_patch(pairing, changes, required=set(changes) - {"end_date"})
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise Conflict("pairing.primary_exists") from None
    if changed:
        audit.record(
            db,
            ctx,
            "update",
            resource="pairing",
            resource_id=pairing.id,
            region_code=village,
            fields=changed,
        )
    return pairing


def counts_for(db: Session, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = db.execute(
        select(Pairing.volunteer_id, func.count())
        .where(Pairing.volunteer_id.in_(ids), Pairing.end_date.is_(None))
        .group_by(Pairing.volunteer_id)
    )
    return {r[0]: r[1] for r in rows}
