"""Contact with the children (联系子女): each guardian's contact log, the county's rule
(plan 十一: "每月与…子女…进行一次电话、短信或网络交流"), and the elders whose children have not
been contacted within it.

An entry is typed in, written by a visit that reached a child, or by an emergency's
notification of the children (plan 八 (三): "及时通知并督促其子女"). Each entry moves the
guardian's ``last_contact_date`` forward (never back) through the register's write path:
the change is in the elder's history, the audit log and the change feed like any other
guardian edit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from eldercare import versioned
from eldercare.audit import service as audit
from eldercare.clock import aware, now
from eldercare.clock import today as local_today
from eldercare.config import get_settings
from eldercare.context import RequestCtx
from eldercare.elders.access import elder_scope, get_elder
from eldercare.elders.history import GUARDIAN_FIELDS, record_change, snapshot
from eldercare.elders.models import ContactPolicyVersion, Elder, Guardian, GuardianContact
from eldercare.elders.rules import CATEGORY_CODES, CHILD_RELATIONS
from eldercare.errors import FieldError, ValidationFailed
from eldercare.pagination import Page, keyset
from eldercare.scope import Scope

ContactMethod = Literal["phone", "video", "sms", "wechat", "visit_in_person", "other"]
CONTACT_METHODS: tuple[str, ...] = ("phone", "video", "sms", "wechat", "visit_in_person", "other")
ContactSource = Literal["manual", "visit", "incident"]
Category = Literal[CATEGORY_CODES]  # type: ignore[valid-type]
ContactRelation = Literal["son", "daughter", "son_in_law", "daughter_in_law", "grandchild"]
DEFAULT_RELATIONS: tuple[ContactRelation, ...] = (
    "son",
    "daughter",
    "son_in_law",
    "daughter_in_law",
    "grandchild",
)
CLOCK_SKEW = timedelta(minutes=5)


class ContactPolicy(BaseModel):
    """A county's rule for contact with the children; the defaults follow plan 十一."""

    interval_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="The children are contacted at least this often (days): the elder is "
        "listed once the latest contact is older",
    )
    categories: list[Category] = Field(
        default_factory=lambda: ["left_behind"],
        min_length=1,
        description="The rule covers every active elder of any of these categories",
    )
    relations: list[ContactRelation] = Field(
        default_factory=lambda: list(DEFAULT_RELATIONS),
        min_length=1,
        description="A contact with a living guardian of one of these relations counts",
    )


# --------------------------------------------------------------------------- the policy


def policy_for(
    db: Session, county: str, on: date | None = None
) -> tuple[ContactPolicy, date | None]:
    """The version in force on ``on`` (default today), else the defaults."""
    return versioned.in_force(db, ContactPolicyVersion, ContactPolicy, county, on)


def put_policy(db: Session, ctx: RequestCtx, policy: ContactPolicy, effective: date) -> None:
    """A new version from ``effective`` on (one on the same day is replaced)."""
    county = ctx.actor.region_code[:6]
    versioned.store(db, ContactPolicyVersion, county, effective, policy, ctx.actor.id)
    audit.record(
        db,
        ctx,
        "update",
        resource="contact_policy",
        resource_id=f"{county}@{effective}",
        region_code=county,
        fields=sorted(policy.model_fields_set),
    )


# --------------------------------------------------------------------------- the log


def default_guardian(db: Session, elder_id: str) -> Guardian | None:
    """The child a visit's "guardian contacted" most likely means: the first living son or
    daughter with a phone, else the first living guardian with a phone, else the first
    living guardian (in the order they were registered)."""
    living = list(
        db.scalars(
            select(Guardian)
            .where(Guardian.elder_id == elder_id, Guardian.alive.is_(True))
            .order_by(Guardian.created_at, Guardian.id)
        )
    )
    for candidates in (
        [g for g in living if g.relation in CHILD_RELATIONS and g.phone],
        [g for g in living if g.phone],
        living,
    ):
        if candidates:
            return candidates[0]
    return None


def guardian_of(db: Session, elder: Elder, guardian_id: str, loc: list[str | int]) -> Guardian:
    """The elder's guardian ``guardian_id``; 422 at ``loc`` when it is not one of theirs."""
    guardian = db.get(Guardian, guardian_id)
    if guardian is None or guardian.elder_id != elder.id:
        raise ValidationFailed(errors=[FieldError(loc, "contact.guardian_not_of_elder")])
    return guardian


def check_time(contacted_at: datetime, loc: list[str | int]) -> None:
    if contacted_at > now() + CLOCK_SKEW:
        raise ValidationFailed(errors=[FieldError(loc, "contact.future")])
    if contacted_at.year < 1900:
        raise ValidationFailed(errors=[FieldError(loc, "contact.too_early")])


def log_contact(
    db: Session,
    ctx: RequestCtx,
    elder: Elder,
    guardian: Guardian,
    *,
    contacted_at: datetime,
    method: str,
    note: str = "",
    source: str = "manual",
    source_id: str | None = None,
    volunteer_id: str | None = None,
    contacted_by: str | None = None,
) -> GuardianContact:
    """One entry in ``guardian``'s log (the caller holds the elder's row lock), and the
    guardian's ``last_contact_date`` moved forward to its local date."""
    p = ctx.actor
    entry = GuardianContact(
        elder_id=elder.id,
        guardian_id=guardian.id,
        guardian_name=guardian.name,
        guardian_relation=guardian.relation,
        contacted_at=contacted_at,
        method=method,
        user_id=p.id if p.kind == "user" and volunteer_id is None else None,
        volunteer_id=volunteer_id,
        contacted_by=contacted_by if contacted_by is not None else (p.display_name or p.name),
        note=note,
        source=source,
        source_id=source_id,
        author_id=p.id,
    )
    db.add(entry)
    db.flush()
    day = contacted_at.astimezone(get_settings().tz).date()
    if guardian.last_contact_date is None or day > guardian.last_contact_date:
        before = snapshot(guardian, GUARDIAN_FIELDS)
        guardian.last_contact_date = day
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
        audit.record(
            db,
            ctx,
            "update",
            resource="guardian",
            resource_id=guardian.id,
            region_code=elder.village_code,
            fields=changed,
        )
    audit.record(
        db,
        ctx,
        "create",
        resource="guardian_contact",
        resource_id=entry.id,
        region_code=elder.village_code,
        detail={"source": source, "source_id": source_id},
    )
    return entry


def add_contact(
    db: Session,
    ctx: RequestCtx,
    elder_id: str,
    guardian_id: str,
    *,
    contacted_at: datetime | None,
    method: str,
    note: str,
) -> GuardianContact:
    """A contact typed in by a worker or officer (out of scope: 404)."""
    elder = get_elder(db, ctx, elder_id, lock=True)
    guardian = guardian_of(db, elder, guardian_id, ["body", "guardian_id"])
    at = aware(contacted_at) or now()
    check_time(at, ["body", "contacted_at"])
    return log_contact(
        db, ctx, elder, guardian, contacted_at=at, method=method, note=note, source="manual"
    )


def list_contacts(
    db: Session,
    ctx: RequestCtx,
    elder_id: str,
    *,
    guardian_id: str | None,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[GuardianContact]:
    """The elder's contacts with their guardians, newest first (out of scope: 404)."""
    elder = get_elder(db, ctx, elder_id)
    stmt = select(GuardianContact).where(GuardianContact.elder_id == elder.id)
    if guardian_id:
        stmt = stmt.where(GuardianContact.guardian_id == guardian_id)
    return keyset(
        db,
        stmt,
        [(GuardianContact.contacted_at, "desc"), (GuardianContact.id, "desc")],
        limit=limit,
        cursor=cursor,
        count=count,
    )


def contacts_from(db: Session, source: str, source_id: str) -> list[GuardianContact]:
    """The entries written by one visit or incident, oldest first."""
    return list(
        db.scalars(
            select(GuardianContact)
            .where(GuardianContact.source_id == source_id, GuardianContact.source == source)
            .order_by(GuardianContact.contacted_at, GuardianContact.id)
        )
    )


# --------------------------------------------------------------------------- the rule


def last_contact(policy: ContactPolicy) -> Any:
    """The elder's latest contact with a guardian the rule counts (a correlated subquery)."""
    g = aliased(Guardian)
    return (
        select(func.max(g.last_contact_date))
        .where(g.elder_id == Elder.id, g.alive.is_(True), g.relation.in_(policy.relations))
        .correlate(Elder)
        .scalar_subquery()
    )


def covered(policy: ContactPolicy) -> ColumnElement[bool]:
    """Active elders the rule covers (any of its categories)."""
    return and_(
        Elder.status == "active",
        Elder.merged_into_id.is_(None),
        or_(*[Elder.category_codes.contains(f",{c},") for c in policy.categories]),
    )


def contacted_since(policy: ContactPolicy, cutoff: date) -> ColumnElement[bool]:
    """A counted guardian was contacted on or after ``cutoff``."""
    g = aliased(Guardian)
    return (
        select(g.id)
        .where(
            g.elder_id == Elder.id,
            g.alive.is_(True),
            g.relation.in_(policy.relations),
            g.last_contact_date >= cutoff,
        )
        .correlate(Elder)
        .exists()
    )


def cutoff_of(policy: ContactPolicy, today: date) -> date:
    """The earliest contact date still within the rule on ``today``."""
    return today - timedelta(days=policy.interval_days)


def overdue_statement(
    db: Session, ctx: RequestCtx, region: str
) -> tuple[Select[Any], ContactPolicy, date]:
    """Elders of ``region`` (in the caller's scope) the rule covers whose children have not
    been contacted within it: the statement (id, name, pinyin, village, address, phone,
    risk, categories, the latest contact), the rule and today."""
    county = region[:6]
    policy = policy_for(db, county)[0]
    today = local_today()
    latest = last_contact(policy).label("last_contact_date")
    scope = Scope(region)
    stmt = select(
        Elder.id,
        Elder.name,
        Elder.name_pinyin,
        Elder.village_code,
        Elder.address,
        Elder.phone,
        Elder.risk_level,
        Elder.category_codes,
        Elder.no_one_at_home,
        latest,
    ).where(
        scope.clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
        elder_scope(ctx),
        covered(policy),
        ~contacted_since(policy, cutoff_of(policy, today)),
    )
    return stmt, policy, today


def overdue_page(
    db: Session,
    ctx: RequestCtx,
    region: str,
    *,
    limit: int,
    cursor: str | None,
    count: bool,
) -> tuple[Page[Any], ContactPolicy, date]:
    stmt, policy, today = overdue_statement(db, ctx, region)
    page = keyset(
        db,
        stmt,
        [(Elder.name_pinyin, "asc"), (Elder.id, "asc")],
        limit=limit,
        cursor=cursor,
        count=count,
        scalars=False,
    )
    return page, policy, today


def counts_by_child(db: Session, county: str, child_length: int) -> dict[str, tuple[int, int]]:
    """Per child region of ``county`` (code length ``child_length``): the elders the rule
    covers, and of them those contacted within it (one grouped query)."""
    policy = policy_for(db, county)[0]
    today = local_today()
    child = func.substr(Elder.village_code, 1, child_length).label("child")
    ok = contacted_since(policy, cutoff_of(policy, today))
    stmt = (
        select(child, func.count(), func.sum(case((ok, 1), else_=0)))
        .where(
            Scope(county).clause_levels(Elder.village_code, Elder.township_code, Elder.county_code),
            covered(policy),
        )
        .group_by(child)
    )
    return {code: (n, int(done or 0)) for code, n, done in db.execute(stmt)}
