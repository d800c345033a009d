from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query

from eldercare.auth.deps import AuthCtx, auth_ctx
from eldercare.db import DbSession
from eldercare.pagination import PageOut, Paging
from eldercare.regions import service
from eldercare.regions.schemas import RegionDetail, RegionOut, RegionRef
from eldercare.routing import Router

router = Router(prefix="/regions", tags=["regions"], dependencies=[Depends(auth_ctx)])


@router.get("", response_model=PageOut[RegionOut], summary="List regions in scope")
def list_regions(
    db: DbSession,
    ctx: AuthCtx,
    paging: Paging,
    parent: Annotated[str | None, Query(description="Children of this region")] = None,
    level: Annotated[
        Literal["county", "township", "village"] | None, Query(description="Only this level")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=50, description="Name contains, or code prefix")
    ] = None,
) -> PageOut[RegionOut]:
    page = service.list_regions(
        db,
        ctx.actor.scope,
        parent=parent,
        level=level,
        q=q,
        limit=paging.limit,
        cursor=paging.cursor,
        count=paging.count,
    )
    return PageOut(
        items=[RegionOut.model_validate(r) for r in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get("/{code}", response_model=RegionDetail, summary="One region with its breadcrumbs")
def get_region(db: DbSession, ctx: AuthCtx, code: str) -> RegionDetail:
    region = service.get_in_scope(db, ctx.actor.scope, code)
    return RegionDetail(
        code=region.code,
        name=region.name,
        level=region.level,
        parent_code=region.parent_code,
        ancestors=[
            RegionRef(code=a.code, name=a.name, level=a.level)
            for a in service.ancestors(db, region)
        ],
        children_count=service.children_count(db, region.code),
    )
