"""Possible duplicates, merging two records and undoing a merge."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare.context import RequestCtx
from eldercare.elders.access import get_elder
from eldercare.elders.facts import recompute
from eldercare.elders.guardians import has_caretaker
from eldercare.elders.history import (
    ELDER_FIELDS,
    GUARDIAN_FIELDS,
    elder_snapshot,
    record_change,
    snapshot,
)
from eldercare.elders.lifecycle import empty_value, finish_update
from eldercare.elders.models import (
    Elder,
    ElderMerge,
    Guardian,
)
from eldercare.errors import Conflict, FieldError, NotFound, ValidationFailed
from eldercare.names import pinyin
from eldercare.pagination import (
    Direction,
    Page,
    keyset,
)
from eldercare.scope import Scope


def possible_duplicates(
    db: Session, ctx: RequestCtx, region: str | None, limit: int
) -> list[tuple[Elder, Elder, list[str], float]]:
    """Pairs in scope born the same day in the same township, with similar names."""
    a, b = Elder.__table__.alias("a"), Elder.__table__.alias("b")
    scope = ctx.actor.scope
    stmt = (
        select(a.c.id, b.c.id)
        .where(
            a.c.id < b.c.id,
            a.c.birth_date == b.c.birth_date,
            func.substr(a.c.village_code, 1, 9) == func.substr(b.c.village_code, 1, 9),
            a.c.merged_into_id.is_(None),
            b.c.merged_into_id.is_(None),
            scope.clause(a.c.village_code),
            scope.clause(b.c.village_code),
            or_(
                a.c.name_pinyin == b.c.name_pinyin,
                a.c.name_initials == b.c.name_initials,
                a.c.name == b.c.name,
                a.c.id_number == b.c.id_number,
            ),
        )
        # the likeliest pairs first, so a limit keeps those (the score below follows this order)
        .order_by(
            case(
                (a.c.id_number == b.c.id_number, 0),
                (a.c.name == b.c.name, 1),
                (a.c.name_pinyin == b.c.name_pinyin, 2),
                else_=3,
            ),
            case((a.c.village_code == b.c.village_code, 0), else_=1),
            a.c.id,
            b.c.id,
        )
        .limit(limit)
    )
    if region:
        stmt = stmt.where(Scope(region).clause(a.c.village_code))
    pairs = db.execute(stmt).all()
    ids = {i for pair in pairs for i in pair}
    elders = {e.id: e for e in db.scalars(select(Elder).where(Elder.id.in_(ids)))} if ids else {}
    out = []
    for id_a, id_b in pairs:
        ea, eb = elders[id_a], elders[id_b]
        reasons = ["same_birth_date"]
        score = 0.4
        if ea.village_code == eb.village_code:
            reasons.append("same_village")
            score += 0.1
        if ea.name == eb.name:
            reasons.append("same_name")
            score += 0.4
        elif ea.name_pinyin == eb.name_pinyin:
            reasons.append("same_pinyin")
            score += 0.3
        else:
            reasons.append("same_initials")
            score += 0.1
        if ea.id_number == eb.id_number:
            reasons.append("same_id_number")
            score += 0.1
        out.append((ea, eb, reasons, min(score, 1.0)))
    out.sort(key=lambda t: -t[3])
    return out


MERGEABLE = tuple(
    f
    for f in ELDER_FIELDS
    if f
    not in (
        "id_number_original",
        "sex",
        "birth_date",
        "village_code",
        "household_id",
        "status",
        "status_date",
        "status_reason",
        "merged_into_id",
        "risk_override",
    )
)


# What a merge may empty on the record kept (the name and the ID number are never empty).
CLEARABLE = tuple(f for f in MERGEABLE if f not in ("name", "id_number"))


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _check_merge_fields(survivor: Elder, other: Elder, take: list[str], clear: list[str]) -> None:
    errors = [
        FieldError(["body", "take_from_merged", i], "value_error")
        for i, f in enumerate(take)
        if f not in MERGEABLE
    ]
    errors += [
        FieldError(["body", "clear_fields", i], "value_error")
        for i, f in enumerate(clear)
        if f not in CLEARABLE or f in take
    ]
    # An empty value never replaces a filled one by accident: that takes an explicit clear.
    errors += [
        FieldError(["body", "take_from_merged", i], "elder.merge_would_erase", field=f)
        for i, f in enumerate(take)
        if f in MERGEABLE and _is_empty(getattr(other, f)) and not _is_empty(getattr(survivor, f))
    ]
    if errors:
        raise ValidationFailed(errors=errors)


def merge(
    db: Session,
    ctx: RequestCtx,
    survivor_id: str,
    merged_id: str,
    take: list[str],
    reason: str,
    clear: list[str] | None = None,
) -> ElderMerge:
    if survivor_id == merged_id:
        raise Conflict("elder.merge_same")
    clear = list(dict.fromkeys(clear or []))
    take = list(dict.fromkeys(take))
    for elder_id in sorted((survivor_id, merged_id)):  # lock both, in one order always
        get_elder(db, ctx, elder_id, lock=True)
    survivor = get_elder(db, ctx, survivor_id)
    other = get_elder(db, ctx, merged_id)
    _check_merge_fields(survivor, other, take, clear)
    before_s, before_o = elder_snapshot(db, survivor), elder_snapshot(db, other)
    # the merged record leaves the active set first, so a shared ID number can move over
    other.merged_into_id = survivor.id
    db.flush()
    for field in take:
        setattr(survivor, field, getattr(other, field))
        if field == "id_number":
            survivor.id_number_rev = survivor.id_number[::-1]
            survivor.id_number_original = other.id_number_original
            survivor.birth_date, survivor.sex = other.birth_date, other.sex
        if field == "name":
            survivor.name_pinyin, survivor.name_initials = pinyin(survivor.name)
    for field in clear:
        setattr(survivor, field, empty_value(field))
    moved = list(db.scalars(select(Guardian).where(Guardian.elder_id == other.id)))
    survivor_has_caretaker = has_caretaker(db, survivor.id)
    cleared = []
    for g in moved:
        g_before = snapshot(g, GUARDIAN_FIELDS)
        g.elder_id = survivor.id
        if g.is_entrusted_caretaker and survivor_has_caretaker:
            g.is_entrusted_caretaker = False
            cleared.append(g.id)
        # the guardian leaves one record and joins the other: both histories say so
        record_change(db, ctx, other.id, "guardian", g.id, "delete", g_before, {}, reason)
        record_change(
            db,
            ctx,
            survivor.id,
            "guardian",
            g.id,
            "create",
            {},
            snapshot(g, GUARDIAN_FIELDS),
            reason,
        )
    db.flush()
    record = ElderMerge(
        survivor_id=survivor.id,
        merged_id=other.id,
        survivor_before=before_s,
        merged_before=before_o,
        moved_guardian_ids=[g.id for g in moved],
        taken_fields=take + clear,  # what undoing restores from survivor_before
        caretaker_cleared_ids=cleared,
        merged_by=ctx.actor.id,
    )
    db.add(record)
    recompute(db, survivor)
    finish_update(db, ctx, survivor, before_s, "merge", reason, always=True)
    db.flush()
    record.survivor_version = survivor.version
    record_change(
        db,
        ctx,
        other.id,
        "elder",
        other.id,
        "merge",
        before_o,
        elder_snapshot(db, other),
        reason,
    )
    db.flush()
    return record


def list_merges(
    db: Session, ctx: RequestCtx, *, undone: bool | None, limit: int, cursor: str | None
) -> Page[Any]:
    """Merges whose two records are both in scope (as undoing one needs), newest first,
    with both names: so that a merge can be found and undone later, from any session."""
    survivor, merged = Elder.__table__.alias("s"), Elder.__table__.alias("m")
    scope = ctx.actor.scope
    stmt = (
        select(
            ElderMerge.id,
            ElderMerge.survivor_id,
            ElderMerge.merged_id,
            survivor.c.name.label("survivor_name"),
            merged.c.name.label("merged_name"),
            survivor.c.village_code.label("village_code"),
            merged.c.village_code.label("merged_village_code"),
            ElderMerge.merged_at,
            ElderMerge.undone_at,
        )
        .join(survivor, survivor.c.id == ElderMerge.survivor_id)
        .join(merged, merged.c.id == ElderMerge.merged_id)
        .where(scope.clause(survivor.c.village_code), scope.clause(merged.c.village_code))
    )
    if undone is not None:
        stmt = stmt.where(
            ElderMerge.undone_at.is_not(None) if undone else ElderMerge.undone_at.is_(None)
        )
    order: list[tuple[Any, Direction]] = [(ElderMerge.merged_at, "desc"), (ElderMerge.id, "desc")]
    return keyset(db, stmt, order, limit=limit, cursor=cursor, scalars=False)


def undo_merge(db: Session, ctx: RequestCtx, merge_id: str) -> ElderMerge:
    record = db.get(ElderMerge, merge_id)
    if record is None:
        raise NotFound()
    survivor = get_elder(db, ctx, record.survivor_id, lock=True)
    other = db.get(Elder, record.merged_id)
    if other is None or not ctx.actor.scope.covers(other.village_code):
        raise NotFound()
    if record.undone_at is not None:
        raise Conflict("elder.merge_undone")
    if record.survivor_version is not None and survivor.version != record.survivor_version:
        raise Conflict("elder.merge_stale")  # changed since: undoing would silently lose that
    before_s, before_o = elder_snapshot(db, survivor), elder_snapshot(db, other)
    restore = list(record.taken_fields or [])
    if "id_number" in restore:
        restore += ["id_number_original", "sex", "birth_date"]
    for field in restore:
        value = record.survivor_before.get(field)
        if field == "birth_date" and value:
            value = date.fromisoformat(value)
        setattr(survivor, field, value)
    survivor.id_number_rev = survivor.id_number[::-1]
    survivor.name_pinyin, survivor.name_initials = pinyin(survivor.name)
    for g in db.scalars(select(Guardian).where(Guardian.id.in_(record.moved_guardian_ids))):
        g_before = snapshot(g, GUARDIAN_FIELDS)
        g.elder_id = other.id
        if g.id in (record.caretaker_cleared_ids or []):
            g.is_entrusted_caretaker = True
        record_change(db, ctx, survivor.id, "guardian", g.id, "delete", g_before, {})
        record_change(
            db, ctx, other.id, "guardian", g.id, "create", {}, snapshot(g, GUARDIAN_FIELDS)
        )
    db.flush()
    other.merged_into_id = None
    record.undone_at = datetime.now(UTC)
    record.undone_by = ctx.actor.id
    try:
        db.flush()
    except IntegrityError:
        raise Conflict("elder.merge_stale") from None
    recompute(db, survivor)
    recompute(db, other)
    finish_update(db, ctx, survivor, before_s, "unmerge", "", always=True)
    record_change(
        db, ctx, other.id, "elder", other.id, "unmerge", before_o, elder_snapshot(db, other)
    )
    db.flush()
    return record
