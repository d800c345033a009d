"""Benefits: the programs an elder receives or received, one period per program at a time.
Recording, correcting or ending one updates the elder's derived facts and rescreens the
elder at once."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.concurrency import check_version
from eldercare.context import RequestCtx
from eldercare.elders import service as elders
from eldercare.elders.models import Elder
from eldercare.errors import Conflict, FieldError, NotFound, ValidationFailed
from eldercare.followups import service as followups
from eldercare.patching import apply_patch
from eldercare.relief.models import Benefit
from eldercare.relief.screening import refresh_elders


def list_benefits(db: Session, elder_id: str) -> list[Benefit]:
    return list(
        db.scalars(
            select(Benefit)
            .where(Benefit.elder_id == elder_id)
            .order_by(Benefit.start_date.desc(), Benefit.id)
        )
    )


def get_benefit(
    db: Session, ctx: RequestCtx, benefit_id: str, *, lock: bool = False
) -> tuple[Benefit, Elder]:
    benefit = db.get(Benefit, benefit_id)
    if benefit is None:
        raise NotFound()
    elder = elders.get_elder(db, ctx, benefit.elder_id, lock=lock)  # out of scope: 404
    return benefit, elder


def _check_benefit(db: Session, b: Benefit, elder: Elder) -> None:
    if b.end_date is not None and b.end_date < b.start_date:
        raise ValidationFailed(
            errors=[FieldError(["body", "end_date"], "benefit.end_before_start")]
        )
    if b.start_date < elder.birth_date:
        raise ValidationFailed(errors=[FieldError(["body", "start_date"], "benefit.before_birth")])
    overlap = db.scalar(
        select(Benefit.id).where(
            Benefit.elder_id == b.elder_id,
            Benefit.program == b.program,
            Benefit.id != (b.id or ""),
            or_(Benefit.end_date.is_(None), Benefit.end_date >= b.start_date),
            *([Benefit.start_date <= b.end_date] if b.end_date is not None else []),
        )
    )
    if overlap is not None:
        raise Conflict("benefit.overlap", extra={"benefit_id": overlap})


def _benefits_changed(db: Session, elder: Elder) -> None:
    """特困 and 低保 benefits are categories of the register: the elder's derived facts (and
    visit schedule) first, then the screening, which records the elder's new version."""
    elders.recompute(db, elder)
    db.flush()
    refresh_elders(db, [elder.id])


def add_benefit(db: Session, ctx: RequestCtx, elder: Elder, data: dict[str, Any]) -> Benefit:
    b = Benefit(elder_id=elder.id, created_by=ctx.actor.id, **data)
    _check_benefit(db, b, elder)
    db.add(b)
    db.flush()
    _benefits_changed(db, elder)
    # a relief need for this program (or any) is met: its follow-up is resolved
    followups.resolve_relief(db, ctx, elder.id, b.program, b.id)
    audit.record(
        db,
        ctx,
        "create",
        resource="benefit",
        resource_id=b.id,
        region_code=elder.village_code,
        fields=sorted(data),
        detail={"program": b.program},
    )
    return b


def update_benefit(
    db: Session, ctx: RequestCtx, benefit_id: str, changes: dict[str, Any], expected: int
) -> Benefit:
    b, elder = get_benefit(db, ctx, benefit_id, lock=True)
    check_version(b.version, expected)
    changed = apply_patch(
        b,
        changes,
        required={"program", "start_date", "source"},
        blank={"reference", "notes"},
    )
    if "end_date" in changed and b.end_date is None:
        b.end_reason = None
    _check_benefit(db, b, elder)
    if changed:
        db.flush()
        _benefits_changed(db, elder)
        if "program" in changed:
            followups.resolve_relief(db, ctx, elder.id, b.program, b.id)
        audit.record(
            db,
            ctx,
            "update",
            resource="benefit",
            resource_id=b.id,
            region_code=elder.village_code,
            fields=changed,
        )
    return b


def end_benefit(
    db: Session,
    ctx: RequestCtx,
    benefit_id: str,
    end: date,
    reason: str,
    notes: str,
    expected: int,
) -> Benefit:
    b, elder = get_benefit(db, ctx, benefit_id, lock=True)
    check_version(b.version, expected)
    if b.end_date is not None and b.end_date <= end:
        raise Conflict("benefit.already_ended")
    b.end_date, b.end_reason = end, reason
    if notes:
        b.notes = (b.notes + "\n" + notes).strip()
    _check_benefit(db, b, elder)
    db.flush()
    _benefits_changed(db, elder)
    audit.record(
        db,
        ctx,
        "end",
        resource="benefit",
        resource_id=b.id,
        region_code=elder.village_code,
        fields=["end_date", "end_reason"],
        detail={"program": b.program, "reason": reason},
    )
    return b
