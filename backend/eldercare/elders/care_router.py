"""Routes of the care lists: contacts with the children (the log per elder, the county's
rule, the elders not contacted within it) and the township's lists as files (no one at
home, no caretaker agreement, children not contacted)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import ConfigDict, Field

from eldercare import phones
from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.clock import today
from eldercare.db import DbSession
from eldercare.elders import care_lists, contacts
from eldercare.elders.access import village_names
from eldercare.elders.contacts import ContactPolicy
from eldercare.elders.filters import RegionPrefix
from eldercare.elders.schemas import ContactIn, ContactOut, ContactOverdueItem
from eldercare.pagination import PageOut, Paging
from eldercare.regions import service as regions
from eldercare.routing import Router
from eldercare.sheets import write as sheets
from eldercare.sheets.formats import MEDIA_TYPES

router = Router(tags=["care"], dependencies=[Depends(auth_ctx)])


class ContactPolicyIn(ContactPolicy):
    """The rule from ``effective_date`` (default today) on."""

    model_config = ConfigDict(extra="forbid")

    effective_date: date | None = None


class ContactPolicyOut(ContactPolicy):
    effective_date: date | None = Field(description="null: the defaults, never changed")


def _region(db: DbSession, ctx: AuthCtx, region: str | None) -> str:
    """The region asked for (default the caller's), in scope (404 otherwise)."""
    return regions.get_in_scope(db, ctx.actor.scope, region or ctx.actor.region_code).code


@router.get(
    "/elders/{elder_id}/contacts",
    response_model=PageOut[ContactOut],
    summary="The elder's contacts with their guardians (联系子女), newest first",
)
def list_contacts(
    db: DbSession,
    ctx: AuthCtx,
    elder_id: str,
    paging: Paging,
    guardian_id: Annotated[
        str | None, Query(max_length=32, description="Only this guardian's log")
    ] = None,
) -> PageOut[ContactOut]:
    page = contacts.list_contacts(
        db,
        ctx,
        elder_id,
        guardian_id=guardian_id,
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    return PageOut(
        items=[ContactOut.model_validate(c) for c in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.post(
    "/elders/{elder_id}/contacts",
    response_model=ContactOut,
    status_code=201,
    summary="Log a contact with one of the elder's guardians; moves their last contact date on",
)
def add_contact(db: DbSession, ctx: AuthCtx, elder_id: str, body: ContactIn) -> ContactOut:
    entry = contacts.add_contact(
        db,
        ctx,
        elder_id,
        body.guardian_id,
        contacted_at=body.contacted_at,
        method=body.method,
        note=body.note,
    )
    return ContactOut.model_validate(entry)


@router.get(
    "/policies/contacts",
    response_model=ContactPolicyOut,
    summary="The county's rule for contact with the children in force",
)
def get_policy(
    db: DbSession,
    ctx: AuthCtx,
    on: Annotated[date | None, Query(description="The version in force on this day")] = None,
) -> ContactPolicyOut:
    policy, effective = contacts.policy_for(db, ctx.actor.region_code[:6], on)
    return ContactPolicyOut(**policy.model_dump(), effective_date=effective)


@router.put(
    "/policies/contacts",
    response_model=ContactPolicyOut,
    summary="A new version of the rule for contact with the children from a date",
)
def put_policy(db: DbSession, ctx: AuthCtx, body: ContactPolicyIn) -> ContactPolicyOut:
    policy = ContactPolicy.model_validate(body.model_dump(exclude={"effective_date"}))
    effective = body.effective_date or today()
    contacts.put_policy(db, ctx, policy, effective)
    return ContactPolicyOut(**policy.model_dump(), effective_date=effective)


@router.get(
    "/care/contacts-overdue",
    response_model=PageOut[ContactOverdueItem],
    summary="Elders the county's rule covers whose children have not been contacted within it",
    description="By default every active left-behind elder, a contact with a son, daughter, "
    "son- or daughter-in-law or grandchild at least every 30 days (plan 十一); see "
    "`/policies/contacts`. Sorted by name.",
)
def contacts_overdue(
    db: DbSession, ctx: AuthCtx, paging: Paging, region: RegionPrefix = None
) -> PageOut[ContactOverdueItem]:
    code = _region(db, ctx, region)
    page, _policy, on = contacts.overdue_page(
        db, ctx, code, limit=paging.limit, cursor=paging.cursor, count=paging.count
    )
    names = village_names(db, {r.village_code for r in page.items})
    return PageOut(
        items=[
            ContactOverdueItem(
                elder_id=r.id,
                name=r.name,
                village_code=r.village_code,
                village_name=names.get(r.village_code, ""),
                address=r.address,
                phone=phones.mask(r.phone),
                risk_level=r.risk_level,
                categories=[c for c in (r.category_codes or "").split(",") if c],
                no_one_at_home=bool(r.no_one_at_home),
                last_contact_date=r.last_contact_date,
                days_since_contact=(
                    (on - r.last_contact_date).days if r.last_contact_date else None
                ),
            )
            for r in page.items
        ],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get(
    "/care/export",
    summary="A care list as a file in words in the caller's language (ID numbers, phones masked)",
    description="`kind`: `contacts_overdue`: the elders of `/care/contacts-overdue`; "
    "`no_one_at_home`: `/elders?no_one_at_home=true`; `caretaker_missing`: "
    "`/elders?left_behind=true&caretaker_agreement=missing`.",
    response_class=StreamingResponse,
)
def export_list(
    db: DbSession,
    ctx: AuthCtx,
    kind: Literal["contacts_overdue", "no_one_at_home", "caretaker_missing"],
    format: Annotated[
        Literal["xlsx", "csv"], Query(description="XLSX, or CSV (UTF-8 with BOM)")
    ] = "xlsx",
    region: RegionPrefix = None,
) -> StreamingResponse:
    code = _region(db, ctx, region)
    rows = care_lists.rows(ctx, kind, code)
    writer = {"csv": sheets.as_csv, "xlsx": sheets.as_xlsx}[format]
    name = f"{kind.replace('_', '-')}-{today().isoformat()}.{format}"
    return StreamingResponse(
        writer(care_lists.header(ctx.lang), rows, None),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
