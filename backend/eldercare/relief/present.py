"""Relief's answers as the API shows them: rows, versions and results turned into response
schemas, with the labels of the caller's language."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from eldercare.clock import today
from eldercare.elders import service as elders
from eldercare.pagination import Page
from eldercare.relief import exports, labels, lists, rules, screening
from eldercare.relief.facts import household_members
from eldercare.relief.inputs import PolicyInForce, supporters_of
from eldercare.relief.models import Benefit, ReliefFacts, ReliefPolicyVersion
from eldercare.relief.schemas import (
    BenefitOut,
    CoverageOut,
    CoverageRow,
    CriterionOut,
    EligibilityOut,
    HouseholdMember,
    ListProgram,
    MilestoneItem,
    ProgramOut,
    ReliefFactsIn,
    ReliefFactsOut,
    ReliefPolicyOut,
    ReliefPolicyVersionOut,
    ReliefPolicyVersionsOut,
    ScreeningItem,
    SupporterOut,
)

CENT = Decimal("0.01")

# ----------------------------------------------------------------------------- policy


def policy_out(county: str, p: PolicyInForce) -> ReliefPolicyOut:
    return ReliefPolicyOut(
        **p.policy.model_dump(),
        county_code=county,
        effective_date=p.effective_date,
        version_id=p.version_id,
        next_effective_date=p.next_date,
    )


def policy_versions_out(
    county: str, latest: int | None, versions: list[ReliefPolicyVersion]
) -> ReliefPolicyVersionsOut:
    return ReliefPolicyVersionsOut(
        county_code=county,
        latest_version_id=latest,
        items=[
            ReliefPolicyVersionOut(
                version_id=v.id,
                county_code=v.county_code,
                effective_date=v.effective_date,
                note=v.note,
                created_at=v.created_at,
                created_by=v.created_by,
                settings=rules.ReliefPolicy.model_validate(v.settings),
            )
            for v in versions
        ],
    )


# ----------------------------------------------------------------------------- relief facts


FACT_KEYS = frozenset(ReliefFactsIn.model_fields) - {"effective_date", "source", "version"}


def supporters_out(db: Session, elder_id: str) -> list[SupporterOut]:
    return [
        SupporterOut(
            guardian_id=g.id,
            name=g.name,
            relation=g.relation,
            birth_year=g.birth_year,
            situation=g.support_situation,
            annual_income=g.annual_income,
            assets_within_limit=g.assets_within_limit,
            guardian_version=g.version,
        )
        for g in supporters_of(db, elder_id)
    ]


def household_out(db: Session, elder: Any) -> list[HouseholdMember]:
    return [HouseholdMember(elder_id=e.id, name=e.name) for e in household_members(db, elder)]


def facts_out(
    elder_id: str,
    row: ReliefFacts | None,
    supporters: list[SupporterOut] | None = None,
    household: list[HouseholdMember] | None = None,
) -> ReliefFactsOut:
    if row is None:
        return ReliefFactsOut(
            elder_id=elder_id,
            revision=0,
            created_at=None,
            created_by=None,
            supporters=supporters or [],
            household_members=household or [],
        )
    # earlier versions may hold keys no longer taken (the supporters typed in before they
    # came from the guardians): kept as history, not shown
    data = {k: v for k, v in row.data.items() if k in FACT_KEYS}
    return ReliefFactsOut(
        **data,
        supporters=supporters or [],
        household_members=household or [],
        elder_id=elder_id,
        effective_date=row.effective_date,
        source=row.source,
        revision=row.revision,
        version=row.revision,
        created_at=row.created_at,
        created_by=row.created_by,
    )


# ----------------------------------------------------------------------------- eligibility


def eligibility_out(elder_id: str, ev: screening.Evaluation, lang: str) -> EligibilityOut:
    programs = [
        ProgramOut(
            program=r.program,
            label=labels.program_label(r.program, lang),
            status=r.status,
            status_label=labels.status_label(r.status, lang),
            criteria=[
                CriterionOut(
                    code=c.code,
                    label=labels.criterion_label(c.code, lang),
                    passed=c.passed,
                    detail=labels.detail(c.code, c.passed, c.value, c.params, lang),
                    value=_plain({**c.params, "value": c.value} if c.params else c.value),
                    source=c.source,
                    as_of=c.as_of,
                )
                for c in r.criteria
            ],
            receiving=r.program in ev.receiving,
            amount=r.amount,
            amount_period=r.amount_period if r.amount is not None else None,
            extra=_plain(r.extra),
        )
        for r in ev.results
    ]
    return EligibilityOut(
        elder_id=elder_id,
        as_of=ev.on,
        notice=labels.notice(lang),
        policy_effective_date=ev.policy.effective_date,
        policy_version_id=ev.policy.version_id,
        facts_effective_date=ev.facts.effective_date if ev.facts else None,
        programs=programs,
    )


def _plain(value: Any) -> Any:
    """JSON-friendly values for the free-form ``value`` and ``extra`` fields."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


# ----------------------------------------------------------------------------- benefits


def benefit_out(b: Benefit, lang: str) -> BenefitOut:
    on = today()
    return BenefitOut(
        id=b.id,
        elder_id=b.elder_id,
        program=b.program,
        label=labels.program_label(b.program, lang),
        start_date=b.start_date,
        end_date=b.end_date,
        active=b.start_date <= on and (b.end_date is None or b.end_date >= on),
        monthly_amount=None if b.monthly_amount is None else b.monthly_amount.quantize(CENT),
        source=b.source,
        reference=b.reference,
        end_reason=b.end_reason,
        notes=b.notes,
        created_at=b.created_at,
        updated_at=b.updated_at,
        version=b.version,
    )


# ----------------------------------------------------------------------------- lists


def screening_items(db: Session, page: Page[Any], lang: str, check: bool) -> list[ScreeningItem]:
    names = elders.village_names(db, {r.village_code for r in page.items})
    on = today()
    member_names = exports.member_names(db, page.items)
    out = []
    for r in page.items:
        progs = []
        for p in rules.PROGRAMS:
            if not r.mask & rules.BIT[p]:
                continue
            short, amount, reasons = r.detail.get(p, ["N", None, []])
            progs.append(
                ListProgram(
                    program=p,
                    label=labels.program_label(p, lang),
                    status=screening.LONG.get(short),
                    amount=amount,
                    receiving=bool(r.receiving_mask & rules.BIT[p]),
                    reasons=reasons if check else [],
                    note=exports.note(r, p, lang),
                )
            )
        out.append(
            ScreeningItem(
                elder_id=r.elder_id,
                name=r.name,
                sex=r.sex,
                age=lists.age_of(r.birth_date, on),
                village_code=r.village_code,
                village_name=names.get(r.village_code, r.village_code),
                address=r.address,
                status=r.status,
                status_date=r.status_date,
                programs=progs,
                household_members=exports.household_members(r, member_names),
            )
        )
    return out


def milestone_items(db: Session, milestones: list[lists.Milestone]) -> list[MilestoneItem]:
    names = elders.village_names(db, {m.village_code for m in milestones})
    return [
        MilestoneItem(
            elder_id=m.elder_id,
            name=m.name,
            village_code=m.village_code,
            village_name=names.get(m.village_code, m.village_code),
            turning=m.age,
            birthday=m.birthday,
            allowance_start_date=m.start_date,
            monthly_amount=m.monthly_amount,
            receiving_old_age_allowance=m.receiving,
        )
        for m in milestones
    ]


def coverage_out(region: str, data: dict[str, lists.Coverage], lang: str) -> CoverageOut:
    return CoverageOut(
        region=region,
        as_of=today(),
        notice=labels.notice(lang),
        programs=[
            CoverageRow(
                program=p,
                label=labels.program_label(p, lang),
                **asdict(c),
            )
            for p, c in data.items()
        ],
    )
