"""Registering and changing an elder: create, update, status, move, risk override."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.clock import today as local_today
from eldercare.concurrency import check_version
from eldercare.context import RequestCtx
from eldercare.elders import follow, hooks, rows
from eldercare.elders.access import get_elder
from eldercare.elders.facts import county_settings, recompute
from eldercare.elders.history import elder_snapshot, record_change
from eldercare.elders.identity_checks import check_duplicate, check_identity, check_village
from eldercare.elders.models import (
    Elder,
    Household,
)
from eldercare.elders.schemas import ElderCreate, ElderPatch
from eldercare.errors import Conflict, FieldError, ValidationFailed
from eldercare.names import pinyin

STATUS_TRANSITIONS = {
    "active": {"moved_out", "deceased", "not_left_behind"},
    "moved_out": {"active"},
    "not_left_behind": {"active", "moved_out", "deceased"},
    "deceased": set(),
}


# ----------------------------------------------------------------------------- households


def _household_for(
    db: Session,
    elder: Elder,
    household_id: str | None,
    size: int | None,
    income: Decimal | None,
    explicit: set[str],
) -> None:
    if household_id is not None and household_id != elder.household_id:
        household = db.get(Household, household_id)
        if household is None or household.village_code != elder.village_code:
            raise ValidationFailed(
                errors=[FieldError(["body", "household_id"], "household.other_village")]
            )
        elder.household_id = household.id
    if elder.household_id is None:
        household = Household(village_code=elder.village_code, address=elder.address)
        db.add(household)
        db.flush()
        elder.household_id = household.id
    household = db.get(Household, elder.household_id)
    assert household is not None
    if "household_size" in explicit and household.size != size:
        household.size = size
    if "annual_income_per_capita" in explicit and household.annual_income_per_capita != income:
        household.annual_income_per_capita = income


# ----------------------------------------------------------------------------- create / update


def create_elder(
    db: Session, ctx: RequestCtx, data: ElderCreate
) -> tuple[Elder, list[dict[str, str]]]:
    """Register one elder: checks here, the rows of every table from ``rows.NewElders`` (as
    an import writes them)."""
    today = local_today()
    region = check_village(db, ctx, data.village_code)
    settings = county_settings(db, region.code[:6])
    checked = check_identity(data.id_number, settings, ctx.lang, today)
    check_duplicate(db, ctx, checked.number.value)
    if sum(1 for g in data.guardians if g.is_entrusted_caretaker) > 1:
        raise Conflict("guardian.one_caretaker")
    joined = None
    if data.household_id is not None:
        household = db.get(Household, data.household_id)
        if household is None or household.village_code != region.code:
            raise ValidationFailed(
                errors=[FieldError(["body", "household_id"], "household.other_village")]
            )
        given = data.model_fields_set
        if "household_size" in given and household.size != data.household_size:
            household.size = data.household_size
        income = data.annual_income_per_capita
        if "annual_income_per_capita" in given and household.annual_income_per_capita != income:
            household.annual_income_per_capita = income
        db.flush()  # the household's own update, with its change-feed row
        joined = rows.Joined(household.id, household.size, household.annual_income_per_capita)
    new = rows.NewElders(db, ctx, deriver=rows.Deriver(today))
    elder_id = new.add(data, checked.number, joined).elder_id
    try:
        with db.begin_nested():
            new.write(db.connection())
    except IntegrityError:
        raise Conflict("elder.duplicate_elsewhere") from None
    hooks.created(db, [elder_id])
    elder = db.get(Elder, elder_id)
    assert elder is not None
    return elder, checked.warnings


# Fields stored as given (the others are checked, trimmed or derived).
_SIMPLE_FIELDS = frozenset(rows.GIVEN) - {"village_code"}


def update_elder(
    db: Session, ctx: RequestCtx, elder_id: str, patch: ElderPatch, expected: int
) -> tuple[Elder, list[dict[str, str]]]:
    elder = get_elder(db, ctx, elder_id, lock=True)
    check_version(elder.version, expected)
    before = elder_snapshot(db, elder)
    given = patch.model_fields_set - {"version"}
    warnings: list[dict[str, str]] = []
    today = local_today()
    if "id_number" in given and patch.id_number is not None:
        checked = check_identity(
            patch.id_number, county_settings(db, elder.village_code[:6]), ctx.lang, today
        )
        if checked.number.value != elder.id_number:
            check_duplicate(db, ctx, checked.number.value, exclude=elder.id)
            elder.id_number = checked.number.value
            elder.id_number_original = checked.number.original
            elder.id_number_rev = checked.number.value[::-1]
            elder.birth_date = checked.number.birth_date
            elder.sex = checked.number.sex
        warnings = checked.warnings
    if "name" in given and patch.name:
        elder.name = patch.name.strip()
        elder.name_pinyin, elder.name_initials = pinyin(elder.name)
    for field in _SIMPLE_FIELDS & given:
        value = getattr(patch, field)
        setattr(elder, field, empty_value(field) if value is None else value)
    if "manual_categories" in given:
        elder.manual_categories = [c.model_dump() for c in patch.manual_categories or []]
    _household_for(
        db,
        elder,
        patch.household_id if "household_id" in given else None,
        patch.household_size,
        patch.annual_income_per_capita,
        given,
    )
    recompute(db, elder, today)
    return finish_update(db, ctx, elder, before, "update"), warnings


def finish_update(
    db: Session,
    ctx: RequestCtx,
    elder: Elder,
    before: dict[str, Any],
    action: str,
    reason: str = "",
    *,
    always: bool = False,
) -> Elder:
    after = elder_snapshot(db, elder)
    changed = record_change(
        db, ctx, elder.id, "elder", elder.id, action, before, after, reason, always=always
    )
    try:
        db.flush()
    except IntegrityError:
        raise Conflict("elder.duplicate_elsewhere") from None
    if changed or action != "update":
        audit.record(
            db,
            ctx,
            action,
            resource="elder",
            resource_id=elder.id,
            region_code=elder.village_code,
            fields=changed,
        )
    return elder


def change_status(
    db: Session, ctx: RequestCtx, elder_id: str, status: str, on: date, reason: str, expected: int
) -> Elder:
    elder = get_elder(db, ctx, elder_id, lock=True)
    check_version(elder.version, expected)
    if status not in STATUS_TRANSITIONS[elder.status]:
        raise Conflict(
            "elder.status_transition",
            status=elder.status,
            to=status,
            extra={"allowed": sorted(STATUS_TRANSITIONS[elder.status])},
        )
    if on > local_today():
        raise ValidationFailed(errors=[FieldError(["body", "date"], "date.future")])
    before = elder_snapshot(db, elder)
    if status == "active":
        check_duplicate(db, ctx, elder.id_number, exclude=elder.id)
    elder.status, elder.status_date, elder.status_reason = status, on, reason
    recompute(db, elder)
    return finish_update(db, ctx, elder, before, "status", reason)


def move(
    db: Session,
    ctx: RequestCtx,
    elder_id: str,
    village_code: str,
    reason: str,
    address: str | None,
    expected: int,
) -> Elder:
    elder = get_elder(db, ctx, elder_id, lock=True)  # before anything is re-keyed
    check_version(elder.version, expected)
    region = check_village(db, ctx, village_code)
    before = elder_snapshot(db, elder)
    old = elder.village_code
    if region.code != old:
        elder.village_code = region.code
        elder.household_id = None  # a new household in the new village
        if address is not None:
            elder.address = address
        _household_for(db, elder, None, None, None, set())
        recompute(db, elder)
        # visits, incidents, schedules, screenings, pairings and the feed follow the elder
        follow.follow_moves(db, ctx, {elder.id: old})
    return finish_update(db, ctx, elder, before, "move", reason)


def set_risk_override(
    db: Session, ctx: RequestCtx, elder_id: str, level: str | None, reason: str, expected: int
) -> Elder:
    elder = get_elder(db, ctx, elder_id, lock=True)
    check_version(elder.version, expected)
    before = elder_snapshot(db, elder)
    elder.risk_override = (
        {
            "level": level,
            "reason": reason,
            "by": ctx.actor.shown_name,
            "at": datetime.now(UTC).isoformat(),
        }
        if level
        else None
    )
    recompute(db, elder)
    return finish_update(db, ctx, elder, before, "risk_override", reason)


def verify(db: Session, ctx: RequestCtx, elder: Elder, on: date, note: str) -> Elder:
    """A worker confirmed the record in person on ``on`` (a sweep's checklist): the elder's
    ``verified_on``, with its history entry, feed row and audit entry. ``elder`` was read
    in scope and locked by the caller."""
    if on > local_today():
        raise ValidationFailed(errors=[FieldError(["body", "date"], "date.future")])
    before = elder_snapshot(db, elder)
    elder.verified_on = on
    return finish_update(db, ctx, elder, before, "verify", note, always=True)


def empty_value(field: str) -> Any:
    """The value a cleared field takes: what a new record has when the field is not given."""
    column = Elder.__table__.c[field]
    if column.nullable:
        return None
    return [] if isinstance(column.type, JSON) else ""
