"""The register's rules: identity, scope, derived facts, history, lifecycle, duplicates."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, and_, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eldercare import identity
from eldercare.audit import service as audit
from eldercare.clock import today as local_today
from eldercare.concurrency import check_version, expected_version
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.db import utcnow, write_apart
from eldercare.elders import follow, hooks, rows, rules
from eldercare.elders.filters import ElderFilters
from eldercare.elders.models import (
    Elder,
    ElderChange,
    ElderMerge,
    Guardian,
    Household,
    RegisterPolicy,
    RegisterRefresh,
)
from eldercare.elders.schemas import ElderCreate, ElderPatch, GuardianIn, GuardianPatch
from eldercare.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from eldercare.i18n import translate
from eldercare.names import pinyin
from eldercare.pagination import (
    Direction,
    Page,
    cursor_params,
    first_page_sql,
    keyset,
    next_page_sql,
)
from eldercare.patching import apply_patch
from eldercare.regions.models import Region
from eldercare.roles import Role
from eldercare.scope import Scope

# Fields kept in the history (derived ones are recomputed from these).
ELDER_FIELDS = rows.RECORDED
GUARDIAN_FIELDS = (
    "name",
    "relation",
    "phone",
    "alive",
    "work_location",
    "work_region_code",
    "away_scope",
    "away_since",
    "can_support",
    "last_contact_date",
    "is_entrusted_caretaker",
    "agreement_date",
    "notes",
    "birth_year",
    "support_situation",
    "annual_income",
    "assets_within_limit",
)
PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
        "98",
    }
)
STATUS_TRANSITIONS = {
    "active": {"moved_out", "deceased", "not_left_behind"},
    "moved_out": {"active"},
    "not_left_behind": {"active", "moved_out", "deceased"},
    "deceased": set(),
}
REVEAL_ROLES = frozenset(
    {Role.village_worker, Role.township_officer, Role.county_officer, Role.county_admin}
)


# ----------------------------------------------------------------------------- scope


def elder_scope(ctx: RequestCtx) -> ColumnElement[bool]:
    """Which elders the caller may see. Volunteers see their paired elders only."""
    scope = ctx.actor.scope
    if scope.elder_ids is not None:
        return Elder.id.in_(scope.elder_ids)
    return scope.clause_levels(Elder.village_code, Elder.township_code, Elder.county_code)


def get_elder(db: Session, ctx: RequestCtx, elder_id: str, *, lock: bool = False) -> Elder:
    """The elder, if in the caller's scope (else 404).

    ``lock``: for a write of the elder or of a row that belongs to it (a visit, an incident,
    the schedule, the screening, a benefit...), take the elder's row lock first (``FOR NO
    KEY UPDATE`` on PostgreSQL; SQLite runs one writer at a time anyway). A move takes the
    same lock before it re-keys the elder's rows (:func:`move`), so a write either waits
    for a move to commit and then reads the new village (an old village's worker gets 404)
    or the move waits for the write and then re-keys its row too: no row is left with the
    village the elder left. The lock is exclusive among writers, not shared: several of
    these writes go on to update the elder row (a benefit changes its categories), and two
    shared holders upgrading would deadlock. It does not block readers or inserts of rows
    that merely reference the elder (their foreign key check takes ``FOR KEY SHARE``).
    Lock order: the elder first, then its rows.
    """
    stmt = select(Elder).where(
        Elder.id == elder_id, Elder.merged_into_id.is_(None), elder_scope(ctx)
    )
    if lock:  # and read the row as it is once the lock is ours, not as first loaded
        stmt = stmt.with_for_update(key_share=True, of=Elder).execution_options(
            populate_existing=True
        )
    elder = db.scalar(stmt)
    if elder is None:
        raise NotFound()
    return elder


def merged_into(db: Session, ctx: RequestCtx, elder_id: str) -> str | None:
    """The record a merged-away elder now lives on (following merges of merges), if the
    caller may see that record; None otherwise, so that nothing leaks out of scope."""
    seen: set[str] = set()
    current = elder_id
    while current not in seen and len(seen) < 20:
        seen.add(current)
        target = db.scalar(select(Elder.merged_into_id).where(Elder.id == current))
        if target is None:
            break
        current = target
    if current == elder_id:
        return None
    visible = db.scalar(
        select(Elder.id).where(
            Elder.id == current, Elder.merged_into_id.is_(None), elder_scope(ctx)
        )
    )
    return visible


# ----------------------------------------------------------------------------- settings


county_settings = rows.county_settings


# ----------------------------------------------------------------------------- identity


@dataclass
class Checked:
    number: identity.IdNumber
    warnings: list[dict[str, str]]


def check_identity(raw: str, settings: rules.RegisterSettings, lang: str, today: date) -> Checked:
    try:
        number = identity.parse(raw, today)
    except identity.IdNumberError as exc:
        raise ValidationFailed(errors=[FieldError(["body", "id_number"], exc.code)]) from None
    age = identity.age_on(number.birth_date, today)
    if age < settings.min_register_age:
        raise ValidationFailed(
            errors=[
                FieldError(
                    ["body", "id_number"],
                    "id_number.too_young",
                    age=age,
                    min_age=settings.min_register_age,
                )
            ]
        )
    warnings = []
    if number.value[:2] not in PROVINCES:
        code = "id_number.unknown_address_code"
        warnings.append({"code": code, "message": translate(code, lang, address=number.value[:6])})
    return Checked(number, warnings)


def _check_duplicate(
    db: Session, ctx: RequestCtx, id_number: str, exclude: str | None = None
) -> None:
    stmt = select(Elder).where(
        Elder.id_number == id_number, Elder.status == "active", Elder.merged_into_id.is_(None)
    )
    if exclude:
        stmt = stmt.where(Elder.id != exclude)
    existing = db.scalar(stmt)
    if existing is None:
        return
    if ctx.actor.role != Role.volunteer and ctx.actor.scope.covers(existing.village_code):
        village = db.get(Region, existing.village_code)
        raise Conflict(
            "elder.duplicate",
            name=existing.name,
            village=village.name if village else "",
            extra={"existing_id": existing.id},
        )
    # Answered without details; the probe itself is audited (and kept though the request fails).
    audit.record(
        db,
        ctx,
        "duplicate_probe",
        resource="elder",
        outcome="failure",
        detail={"id_number": identity.mask(id_number)},
    )
    raise Conflict("elder.duplicate_elsewhere", commit=True)


def _check_village(db: Session, ctx: RequestCtx, code: str, loc: str = "village_code") -> Region:
    region = db.get(Region, code) if ctx.actor.scope.covers(code) else None
    if region is None:
        raise ValidationFailed(errors=[FieldError(["body", loc], "region.unknown")])
    if region.level != "village":
        raise ValidationFailed(errors=[FieldError(["body", loc], "elder.not_a_village")])
    return region


# ----------------------------------------------------------------------------- derived facts


def facts_of(
    elder: Elder,
    guardians: list[Guardian],
    benefits: list[tuple[str, date, date | None]] | None = None,
) -> rules.ElderFacts:
    return rules.ElderFacts(
        birth_date=elder.birth_date,
        village_code=elder.village_code,
        living_arrangement=elder.living_arrangement,
        self_care=elder.self_care,
        disability_grade=elder.disability_grade,
        health_conditions=list(elder.health_conditions or []),
        manual_categories=list(elder.manual_categories or []),
        guardians=[
            rules.GuardianFacts(
                g.relation, g.alive, g.away_since, g.away_scope, g.work_region_code, g.can_support
            )
            for g in guardians
        ],
        benefits=list(benefits or []),
    )


def benefits_of(db: Session, elder_id: str) -> list[tuple[str, date, date | None]]:
    """The elder's benefit records whose program is a register category (特困, 低保)."""
    return hooks.benefits(db, elder_id)


def guardians_of(db: Session, elder_id: str) -> list[Guardian]:
    return list(
        db.scalars(
            select(Guardian)
            .where(Guardian.elder_id == elder_id)
            .order_by(Guardian.created_at, Guardian.id)
        )
    )


def derive_away_scope(guardian: Guardian, village_code: str) -> None:
    """A guardian's ``away_scope`` from their place of work, where its code decides it (the
    elder's village is the reference: a move changes it)."""
    scope = rules.region_scope(guardian.work_region_code, village_code)
    if scope is not None and scope != guardian.away_scope:
        guardian.away_scope = scope


def recompute(db: Session, elder: Elder, today: date | None = None) -> None:
    """Left-behind status, categories and risk from the current facts (after every change)."""
    settings = county_settings(db, elder.village_code[:6])
    guardians = guardians_of(db, elder.id)
    for g in guardians:
        derive_away_scope(g, elder.village_code)
    _derive(elder, guardians, settings, today or local_today(), benefits_of(db, elder.id))
    db.flush()
    hooks.changed(db, elder)  # the visit schedule follows the tier and categories


def _derive(
    elder: Elder,
    guardians: list[Guardian],
    settings: rules.RegisterSettings,
    today: date,
    benefits: list[tuple[str, date, date | None]] | None = None,
) -> None:
    derived = rules.derive(
        facts_of(elder, guardians, benefits), settings, today, elder.risk_override
    )
    elder.is_left_behind = derived.is_left_behind
    elder.left_behind_reason = derived.left_behind_reason.as_dict()
    elder.categories = derived.categories
    codes = [c["code"] for c in derived.categories]
    elder.category_codes = "," + ",".join(codes) + "," if codes else ""
    elder.risk_level = derived.risk_level
    elder.risk_rank = rules.RISK_RANK[derived.risk_level]
    elder.risk_reasons = [r.as_dict() for r in derived.risk_reasons]
    elder.derived_until = derived.valid_until


# ----------------------------------------------------------------------------- history


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


HOUSEHOLD_FIELDS = ("household_size", "annual_income_per_capita")


def elder_snapshot(db: Session, elder: Elder) -> dict[str, Any]:
    """The elder's own fields and their household's size and income (history covers both)."""
    values = snapshot(elder, ELDER_FIELDS)
    household = db.get(Household, elder.household_id) if elder.household_id else None
    values["household_size"] = household.size if household else None
    values["annual_income_per_capita"] = (
        _plain(household.annual_income_per_capita) if household else None
    )
    return values


def record_change(
    db: Session,
    ctx: RequestCtx,
    elder_id: str,
    entity: str,
    entity_id: str,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str = "",
    *,
    always: bool = False,
) -> list[str]:
    """One history entry with the fields that changed; none when nothing did, unless
    ``always`` (an event worth showing on its own, such as a merge that took no field)."""
    changes = {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }
    if not changes and not always:
        return []
    db.add(
        ElderChange(
            elder_id=elder_id,
            entity=entity,
            entity_id=entity_id,
            action=action,
            changes=changes,
            actor_id=ctx.actor.id,
            actor_name=ctx.actor.name,
            reason=reason,
        )
    )
    return list(changes)


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
    region = _check_village(db, ctx, data.village_code)
    settings = county_settings(db, region.code[:6])
    checked = check_identity(data.id_number, settings, ctx.lang, today)
    _check_duplicate(db, ctx, checked.number.value)
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
            _check_duplicate(db, ctx, checked.number.value, exclude=elder.id)
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
        setattr(elder, field, _empty_value(field) if value is None else value)
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
    return _finish_update(db, ctx, elder, before, "update"), warnings


def _finish_update(
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
        _check_duplicate(db, ctx, elder.id_number, exclude=elder.id)
    elder.status, elder.status_date, elder.status_reason = status, on, reason
    recompute(db, elder)
    return _finish_update(db, ctx, elder, before, "status", reason)


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
    region = _check_village(db, ctx, village_code)
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
    return _finish_update(db, ctx, elder, before, "move", reason)


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
            "by": ctx.actor.name,
            "at": datetime.now(UTC).isoformat(),
        }
        if level
        else None
    )
    recompute(db, elder)
    return _finish_update(db, ctx, elder, before, "risk_override", reason)


# ----------------------------------------------------------------------------- guardians


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
    if data.is_entrusted_caretaker and _has_caretaker(db, elder.id):
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


def _has_caretaker(db: Session, elder_id: str, exclude: str | None = None) -> bool:
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
    if patch.is_entrusted_caretaker and _has_caretaker(db, elder.id, exclude=guardian.id):
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


# ----------------------------------------------------------------------------- reading


def reveal(db: Session, ctx: RequestCtx, elder: Elder, fields: set[str]) -> set[str]:
    """Full values for the asked fields, if the role may; every reveal is audited."""
    if not fields:
        return set()
    if ctx.actor.role not in REVEAL_ROLES:
        raise Forbidden("reveal.not_allowed")
    audit.record(
        db,
        ctx,
        "reveal",
        resource="elder",
        resource_id=elder.id,
        region_code=elder.village_code,
        fields=sorted(fields),
    )
    return fields


def reveal_pair(db: Session, ctx: RequestCtx, a_id: str, b_id: str) -> tuple[Elder, Elder]:
    """Two records' full ID numbers side by side (to see which one has the typo): both must
    be in scope; each reveal is audited, naming the record it was compared with."""
    if ctx.actor.role not in REVEAL_ROLES:
        raise Forbidden("reveal.not_allowed")
    a, b = get_elder(db, ctx, a_id), get_elder(db, ctx, b_id)
    for elder, other in ((a, b), (b, a)):
        audit.record(
            db,
            ctx,
            "reveal",
            resource="elder",
            resource_id=elder.id,
            region_code=elder.village_code,
            fields=["id_number"],
            detail={"compared_with": other.id},
        )
    return a, b


def history(
    db: Session, ctx: RequestCtx, elder_id: str, *, limit: int, cursor: str | None
) -> Page[ElderChange]:
    elder = get_elder(db, ctx, elder_id)
    stmt = select(ElderChange).where(ElderChange.elder_id == elder.id)
    return keyset(db, stmt, [(ElderChange.id, "desc")], limit=limit, cursor=cursor)


def as_of(db: Session, elder: Elder, on: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The elder's fields and guardians at the end of ``on`` (deployment time zone)."""
    tz = get_settings().tz
    cutoff = datetime.combine(on, time.max, tzinfo=tz)
    later = db.scalars(
        select(ElderChange)
        .where(ElderChange.elder_id == elder.id, ElderChange.changed_at > cutoff)
        .order_by(ElderChange.id.desc())
    ).all()
    fields = elder_snapshot(db, elder)
    guardians = {g.id: snapshot(g, GUARDIAN_FIELDS) for g in guardians_of(db, elder.id)}
    for change in later:  # newest first: undo each
        if change.entity == "elder":
            if change.action == "create":
                raise NotFound()  # it did not exist yet
            for key, (old, _new) in change.changes.items():
                fields[key] = old
        else:
            if change.action == "create":
                guardians.pop(change.entity_id, None)
            elif change.action == "delete":
                guardians[change.entity_id] = {k: v for k, (v, _n) in change.changes.items()}
            else:
                g = guardians.setdefault(change.entity_id, {})
                for key, (old, _new) in change.changes.items():
                    g[key] = old
    return fields, [{"id": gid, **g} for gid, g in guardians.items()]


SORTS: dict[str, Callable[[], list[tuple[Any, Direction]]]] = {
    "name": lambda: [(Elder.name_pinyin, "asc"), (Elder.id, "asc")],
    "-name": lambda: [(Elder.name_pinyin, "desc"), (Elder.id, "desc")],
    "age": lambda: [(Elder.birth_date, "desc"), (Elder.id, "asc")],
    "-age": lambda: [(Elder.birth_date, "asc"), (Elder.id, "asc")],
    "risk": lambda: [(Elder.risk_rank, "asc"), (Elder.name_pinyin, "asc"), (Elder.id, "asc")],
}


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def list_elders(
    db: Session,
    ctx: RequestCtx,
    filters: ElderFilters,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[Any]:
    stmt, order = list_statement(ctx, filters, sort=sort)
    # an unfiltered list of a region is one shared statement: its first pages are reused
    shared = ctx.actor.role != Role.volunteer and filters.is_empty()
    return keyset(
        db, stmt, order, limit=limit, cursor=cursor, count=count, scalars=False, shared=shared
    )


def shared_page_sql(
    ctx: RequestCtx,
    filters: ElderFilters,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    dialect: Any,
) -> tuple[str, dict[str, Any], list[int]] | None:
    """The SQL and parameters of a page of a region's unfiltered list (its SQL built and
    compiled once), or None when the request asks for anything else (filters, a volunteer's
    list). The positions say where the sort columns are in a row."""
    if ctx.actor.role == Role.volunteer or not filters.is_empty():
        return None
    stmt, order = list_statement(ctx, filters, sort=sort)
    if not cursor:
        return first_page_sql(stmt, tuple(order), limit, dialect)
    sql, params, positions = next_page_sql(stmt, tuple(order), limit, dialect)
    return sql, {**params, **cursor_params(cursor, order)}, positions


# The columns a list row needs: no JSON documents on the hot path. The table's own
# columns, not the ORM attributes: the result of a statement built for one request (a
# filtered list) maps them by identity to the cached compiled form, where annotated ORM
# columns are compared as SQL expressions (a fifth of a filtered page's Python time).
_columns = Elder.__table__.c
LIST_COLUMNS = (
    _columns.id,
    _columns.name,
    _columns.name_pinyin,
    _columns.sex,
    _columns.birth_date,
    _columns.id_number,
    _columns.phone,
    _columns.village_code,
    _columns.address,
    _columns.living_arrangement,
    _columns.self_care,
    _columns.category_codes,
    _columns.is_left_behind,
    _columns.risk_level,
    _columns.risk_rank,
    _columns.status,
    _columns.version,
)


@functools.lru_cache(maxsize=4096)
def _scoped_list(region_prefix: str) -> Select[*tuple[Any, ...]]:
    """The list's columns of the elders of one region (not merged away), built once: every
    request adds only its own filters and order to it (statements are immutable)."""
    scope = Scope(region_prefix)
    return select(*LIST_COLUMNS).where(
        scope.clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
        Elder.merged_into_id.is_(None),
    )


def list_statement(
    ctx: RequestCtx, filters: ElderFilters, *, sort: str = "name"
) -> tuple[Any, list[tuple[Any, Direction]]]:
    p = ctx.actor
    if p.role == Role.volunteer:
        stmt = select(*LIST_COLUMNS).where(*scope_clauses(ctx))
    else:
        stmt = _scoped_list(p.scope.region_prefix)
    clauses = filter_clauses(filters)
    if clauses:
        stmt = stmt.where(*clauses)
    return stmt, SORTS[sort]()


def scope_clauses(ctx: RequestCtx) -> list[ColumnElement[bool]]:
    """The elders the caller may see, merged records left out (the list's base)."""
    return [elder_scope(ctx), Elder.merged_into_id.is_(None)]


def filter_clauses(filters: ElderFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the register list's filters (the list and its export add them to
    the caller's scope)."""
    f = filters
    where: list[ColumnElement[bool]] = []
    if f.region:
        where.append(
            Scope(f.region).clause_levels(
                Elder.village_code, Elder.township_code, Elder.county_code
            )
        )
    today = local_today()
    if f.status:
        where.append(Elder.status == f.status)
    if f.risk_level:
        where.append(Elder.risk_level == f.risk_level)
    if f.left_behind is not None:
        where.append(Elder.is_left_behind == f.left_behind)
    settings_age = rules.RegisterSettings().advanced_age
    for code in f.category:
        if code == "advanced_age":  # exact on any day, not as of the last recompute
            where.append(Elder.birth_date <= _years_ago(today, settings_age))
        else:
            where.append(Elder.category_codes.contains(f",{code},"))
    if f.age_min is not None:  # age >= n  <=>  born on or before today n years ago
        where.append(Elder.birth_date <= _years_ago(today, f.age_min))
    if f.age_max is not None:  # age <= n  <=>  born after today n+1 years ago
        where.append(Elder.birth_date > _years_ago(today, f.age_max + 1))
    if f.q:
        where.append(search_clause(f.q))
    if f.overdue is not None:
        ids = hooks.overdue(today)
        where.append(Elder.id.in_(ids) if f.overdue else Elder.id.not_in(ids))
    return where


def search_clause(q: str) -> ColumnElement[bool]:
    """Name, full pinyin or initials, the ID number or its last 4-6 characters, the phone.

    Only the clauses that can match the kind of text given are used, so letters are index
    prefix scans on pinyin and initials, and digits look at ID numbers and phones.
    """
    raw = q.strip()
    clauses: list[ColumnElement[bool]] = []
    lowered = raw.lower().replace(" ", "")
    if lowered.isascii() and lowered.isalpha():
        # letters only: no wildcard to escape (an ESCAPE clause would keep SQLite off the index)
        clauses.append(Elder.name_initials.startswith(lowered))
        clauses.append(Elder.name_pinyin.startswith(lowered))
        return or_(*clauses)
    if any("\u3400" <= ch <= "\u9fff" or ch > "\uffff" for ch in raw):
        clauses.append(Elder.name.contains(raw, autoescape=True))
    text = identity.normalise(raw)
    if len(text) in (15, 18) and text[:15].isdigit():
        try:
            clauses.append(Elder.id_number == identity.parse(text).value)
        except identity.IdNumberError:
            clauses.append(Elder.id_number == text)
    elif 4 <= len(text) <= 6 and text[:-1].isdigit() and (text[-1].isdigit() or text[-1] == "X"):
        clauses.append(Elder.id_number_rev.startswith(text[::-1]))
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        clauses.append(Elder.phone == digits)
    elif len(digits) >= 7:
        clauses.append(Elder.phone.contains(digits))
    if not clauses:
        clauses.append(Elder.name.contains(raw, autoescape=True))
    return or_(*clauses)


# ------------------------------------------------------------------------ duplicates and merges


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


def _empty_value(field: str) -> Any:
    """The value a cleared field takes: what a new record has when the field is not given."""
    column = Elder.__table__.c[field]
    if column.nullable:
        return None
    return [] if isinstance(column.type, JSON) else ""


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
        setattr(survivor, field, _empty_value(field))
    moved = list(db.scalars(select(Guardian).where(Guardian.elder_id == other.id)))
    survivor_has_caretaker = _has_caretaker(db, survivor.id)
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
    _finish_update(db, ctx, survivor, before_s, "merge", reason, always=True)
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
    _finish_update(db, ctx, survivor, before_s, "unmerge", "", always=True)
    record_change(
        db, ctx, other.id, "elder", other.id, "unmerge", before_o, elder_snapshot(db, other)
    )
    db.flush()
    return record


def village_names(db: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}


def elder_names(db: Session, ids: set[str]) -> dict[str, str]:
    """Names of the given elders (for other domains' lists; the caller has scoped the ids)."""
    if not ids:
        return {}
    return {i: n for i, n in db.execute(select(Elder.id, Elder.name).where(Elder.id.in_(ids)))}


# ----------------------------------------------------------------------------- as of a date

_DATE_FIELDS = ("birth_date", "status_date", "away_since", "last_contact_date", "agreement_date")


def _dates(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (date.fromisoformat(v) if k in _DATE_FIELDS and isinstance(v, str) else v)
        for k, v in values.items()
    }


def transient_as_of(db: Session, elder: Elder, on: date) -> tuple[Elder, list[Guardian]]:
    """Unsaved copies of the elder and guardians as they were, with facts derived as of ``on``."""
    fields, guardian_rows = as_of(db, elder, on)
    household_values = {k: fields.pop(k, None) for k in HOUSEHOLD_FIELDS}
    past = Elder(id=elder.id, **_dates({k: v for k, v in fields.items() if k in ELDER_FIELDS}))
    past.info_household = household_values  # type: ignore[attr-defined]
    past.name_pinyin, past.name_initials = pinyin(past.name or "")
    past.created_at, past.updated_at, past.version = (
        elder.created_at,
        elder.updated_at,
        elder.version,
    )
    guardians = [
        Guardian(
            id=g["id"],
            elder_id=elder.id,
            version=0,
            **_dates({k: g.get(k) for k in GUARDIAN_FIELDS}),
        )
        for g in guardian_rows
    ]
    settings = county_settings(db, past.village_code[:6])
    derived = rules.derive(
        facts_of(past, guardians, benefits_of(db, elder.id)), settings, on, past.risk_override
    )
    past.is_left_behind = derived.is_left_behind
    past.left_behind_reason = derived.left_behind_reason.as_dict()
    past.categories = derived.categories
    past.risk_level = derived.risk_level
    past.risk_reasons = [r.as_dict() for r in derived.risk_reasons]
    return past, guardians


# ----------------------------------------------------------------------------- register policy


def get_policy(db: Session, ctx: RequestCtx) -> tuple[rules.RegisterSettings, int]:
    county = ctx.actor.region_code[:6]
    row = db.get(RegisterPolicy, county)
    return (
        (rules.RegisterSettings.model_validate(row.settings), row.version)
        if row
        else (rules.RegisterSettings(), 0)
    )


def put_policy(
    db: Session, ctx: RequestCtx, settings: rules.RegisterSettings, expected: int
) -> tuple[rules.RegisterSettings, int]:
    county = ctx.actor.region_code[:6]
    row = db.get(RegisterPolicy, county)
    check_version(row.version if row else 0, expected)
    if row is None:
        row = RegisterPolicy(county_code=county, settings=settings.model_dump())
        db.add(row)
    else:
        row.settings = settings.model_dump()
    db.flush()
    count = recompute_county(db, county)
    audit.record(
        db,
        ctx,
        "update",
        resource="register_policy",
        resource_id=county,
        region_code=county,
        fields=sorted(settings.model_fields_set),
        detail={"elders_recomputed": count},
    )
    return settings, row.version


def recompute_county(db: Session, county: str, today: date | None = None) -> int:
    """Recompute every active elder of a county (after a policy change, and daily)."""

    n = 0
    for elder in db.scalars(
        select(Elder).where(
            Scope(county).clause(Elder.village_code), Elder.merged_into_id.is_(None)
        )
    ):
        recompute(db, elder, today)
        n += 1
    db.flush()
    return n


# ----------------------------------------------------------------------------- staying current


def stale_clause(today: date) -> ColumnElement[bool]:
    """Elders whose derived facts may be stale on ``today`` (or were never derived)."""
    return and_(
        or_(Elder.derived_until.is_(None), Elder.derived_until <= today),
        Elder.merged_into_id.is_(None),
    )


def refresh_stale(db: Session, today: date | None = None, chunk: int = 500) -> int:
    """Recompute the elders whose derived facts went stale by ``today``: those with a
    birthday, a supporter's minimum months away or a benefit boundary since their last
    derivation (a few per thousand a day). Rows are locked while recomputed, so a
    concurrent edit waits instead of failing on the version check."""
    today = today or local_today()
    n = 0
    seen: set[str] = set()
    while True:
        batch = list(
            db.scalars(
                select(Elder)
                .where(stale_clause(today))
                .order_by(Elder.id)
                .limit(chunk)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        if all(e.id in seen for e in batch):  # derive() always moves the day on: a guard
            return n
        for elder in batch:
            recompute(db, elder, today)
            seen.add(elder.id)
        db.flush()
        n += len(batch)
        if len(batch) < chunk:
            return n


def claim_day(db: Session, today: date) -> int | None:
    """Claim ``today``'s refresh for this process and run it; None when another process
    claimed it first. On PostgreSQL the insert of a day claimed by a transaction still
    running waits for it, so a None always means the refresh is done."""
    table: Any = RegisterRefresh.__table__
    values = {"day": today, "started_at": utcnow(), "elders": 0}
    if db.get_bind().dialect.name == "postgresql":
        stmt: Any = pg_insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite_insert(table).values(**values).on_conflict_do_nothing()
    if db.execute(stmt.returning(table.c.day)).first() is None:  # claimed already
        return None
    n = refresh_stale(db, today)
    db.execute(update(table).where(table.c.day == today).values(finished_at=utcnow(), elders=n))
    return n


_current: dict[str, date] = {}  # database URL -> the day this process knows is refreshed


def is_current(today: date | None = None) -> bool:
    """No query: whether this process already knows today's refresh is done."""
    return _current.get(_db_key()) == (today or local_today())


def bring_current(today: date | None = None) -> int | None:
    """Run today's refresh unless this process knows it ran (any process may have): before
    a request is served, and from the server's daily task. Returns the elders recomputed
    (None: nothing to do)."""
    today = today or local_today()
    key = _db_key()
    if _current.get(key) == today:
        return None
    n = write_apart(lambda writer: claim_day(writer, today))
    _current[key] = today
    return n


def _db_key() -> str:
    from eldercare.db import get_engine

    return str(get_engine().url)
