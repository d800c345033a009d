"""An elder's derived facts (left-behind status, categories, risk) from its current rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from eldercare.clock import today as local_today
from eldercare.elders import hooks, rows, rules
from eldercare.elders.models import (
    Elder,
    Guardian,
)

county_settings = rows.county_settings


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
                g.relation,
                g.alive,
                g.away_since,
                g.away_scope,
                g.work_region_code,
                g.can_support,
                bool(g.is_entrusted_caretaker),
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
    elder.no_one_at_home = derived.no_one_at_home is not None
    elder.no_one_at_home_reason = derived.no_one_at_home.as_dict() if derived.no_one_at_home else {}
    elder.derived_until = derived.valid_until
