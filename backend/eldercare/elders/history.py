"""The register's history: snapshots, one change entry per write, and an elder as of a date."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.elders import rows, rules
from eldercare.elders.access import get_elder
from eldercare.elders.facts import benefits_of, county_settings, facts_of, guardians_of
from eldercare.elders.models import (
    Elder,
    ElderChange,
    Guardian,
    Household,
)
from eldercare.errors import NotFound
from eldercare.names import pinyin
from eldercare.pagination import (
    Page,
    keyset,
)

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
            actor_name=ctx.actor.shown_name,
            reason=reason,
        )
    )
    return list(changes)


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
    past.no_one_at_home = derived.no_one_at_home is not None
    past.no_one_at_home_reason = derived.no_one_at_home.as_dict() if derived.no_one_at_home else {}
    return past, guardians
