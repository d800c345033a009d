from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    role: str | None
    actor_region: str | None
    region_code: str | None
    action: str
    resource: str | None
    resource_id: str | None
    fields: list[str] | None
    outcome: str
    ip: str | None
    request_id: str | None
    detail: dict[str, Any] | None
    object_label: str | None = Field(
        None, description="The object in words: the elder's or the user's name, else its kind"
    )
    action_label: str = ""
    resource_label: str | None = None
    outcome_label: str = ""
    field_labels: list[str] | None = None

    @field_serializer("id")
    def _opaque_id(self, value: int) -> str:
        return str(value)
