from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RegionRef(BaseModel):
    code: str
    name: str
    level: str


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None


class RegionDetail(RegionOut):
    # Breadcrumbs from the province down to the parent; names only, even above one's scope.
    ancestors: list[RegionRef]
    children_count: int
