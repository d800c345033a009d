"""An elder's guardians: add, change, remove (each one recomputes the elder)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.concurrency import check_version, expected_version
from eldercare.context import RequestCtx
from eldercare.elders import hooks
from eldercare.elders.access import get_elder
from eldercare.elders.facts import derive_away_scope, recompute
from eldercare.elders.history import GUARDIAN_FIELDS, record_change, snapshot
from eldercare.elders.models import (
    Elder,
    Guardian,
)
from eldercare.elders.schemas import GuardianIn, GuardianPatch
from eldercare.errors import Conflict, NotFound
from eldercare.patching import apply_patch


def _supporters_changed(db: Session, elder_id: str) -> None:
    """Guardians are the supporters relief pre-screening reads: rescreen the elder."""
    hooks.supporters_changed(db, [elder_id])


def _new_guardian(db: Session, elder: Elder, data: GuardianIn) -> Guardian:
    guardian = Guardian(elder_id=elder.id, **data.model_dump())
    derive_away_scope(guardian, elder.village_code)
    db.add(guardian)
    try:
        db.flush()
    except IntegrityError:
        raise Conflict("guardian.one_caretaker") from None
    return guardian


def add_guardian(db: Session, ctx: RequestCtx, elder_id: str, data: GuardianIn) -> Guardian:
    elder = get_elder(db, ctx, elder_id, lock=True)
    if data.is_entrusted_caretaker and has_caretaker(db, elder.id):
        raise Conflict("guardian.one_caretaker")
    guardian = _new_guardian(db, elder, data)
    record_change(
        db,
        ctx,
        elder.id,
        "guardian",
        guardian.id,
        "create",
        {},
        snapshot(guardian, GUARDIAN_FIELDS),
    )
    recompute(db, elder)
    db.flush()
    _supporters_changed(db, elder.id)
    audit.record(
        db,
        ctx,
        "create",
        resource="guardian",
        resource_id=guardian.id,
        region_code=elder.village_code,
        fields=sorted(data.model_fields_set),
    )
    return guardian


def has_caretaker(db: Session, elder_id: str, exclude: str | None = None) -> bool:
    stmt = select(Guardian.id).where(
        Guardian.elder_id == elder_id, Guardian.is_entrusted_caretaker.is_(True)
    )
    if exclude:
        stmt = stmt.where(Guardian.id != exclude)
    return db.scalar(stmt) is not None


def get_guardian(
    db: Session, ctx: RequestCtx, guardian_id: str, *, lock: bool = False
) -> tuple[Guardian, Elder]:
    guardian = db.get(Guardian, guardian_id)
    if guardian is None:
        raise NotFound()
    return guardian, get_elder(db, ctx, guardian.elder_id, lock=lock)


def update_guardian(
    db: Session, ctx: RequestCtx, guardian_id: str, patch: GuardianPatch, expected: int
) -> Guardian:
    guardian, elder = get_guardian(db, ctx, guardian_id, lock=True)
    check_version(guardian.version, expected)
    given = patch.model_fields_set - {"version"}
    if patch.is_entrusted_caretaker and has_caretaker(db, elder.id, exclude=guardian.id):
        raise Conflict("guardian.one_caretaker")
    before = snapshot(guardian, GUARDIAN_FIELDS)
    apply_patch(
        guardian,
        {f: getattr(patch, f) for f in given},
        required=("name", "relation", "alive", "is_entrusted_caretaker"),
        blank=("work_location", "notes"),
    )
    derive_away_scope(guardian, elder.village_code)
    changed = record_change(
        db,
        ctx,
        elder.id,
        "guardian",
        guardian.id,
        "update",
        before,
        snapshot(guardian, GUARDIAN_FIELDS),
    )
    db.flush()
    recompute(db, elder)
    db.flush()
    if changed:
        _supporters_changed(db, elder.id)
        audit.record(
            db,
            ctx,
            "update",
            resource="guardian",
            resource_id=guardian.id,
            region_code=elder.village_code,
            fields=changed,
        )
    return guardian


def delete_guardian(db: Session, ctx: RequestCtx, guardian_id: str, if_match: str | None) -> None:
    guardian, elder = get_guardian(db, ctx, guardian_id, lock=True)  # out of scope: 404 before 428
    check_version(guardian.version, expected_version(if_match, None))
    record_change(
        db,
        ctx,
        elder.id,
        "guardian",
        guardian.id,
        "delete",
        snapshot(guardian, GUARDIAN_FIELDS),
        {},
    )
    db.delete(guardian)
    db.flush()
    recompute(db, elder)
    db.flush()
    _supporters_changed(db, elder.id)
    audit.record(
        db,
        ctx,
        "delete",
        resource="guardian",
        resource_id=guardian_id,
        region_code=elder.village_code,
    )
