from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class RowErrorOut(BaseModel):
    row: int = Field(description="Row number as the user sees it (header = row 1; JSON: 1-based)")
    field: str | None
    field_label: str | None = Field(
        None, description="The field in words: the template's header (zh-CN) or its name (en)"
    )
    code: str
    message: str


class ImportWarning(BaseModel):
    code: str
    message: str
    columns: list[str] = Field(description="The columns concerned, as the file names them")


class ImportReport(BaseModel):
    id: str
    resource: str
    status: Literal["queued", "running", "succeeded", "failed", "interrupted"]
    mode: Literal["atomic", "per_row"]
    dry_run: bool
    written: bool = Field(description="Whether anything was written to the register")
    format: str
    encoding: str | None
    rows: int = Field(description="Rows processed so far")
    created: int
    updated: int
    unchanged: int
    failed: int
    errors: list[RowErrorOut] = Field(description="Failed rows, at most 1,000 (see error_file)")
    errors_truncated: bool
    warnings: list[ImportWarning] = Field(
        description="About the whole file: columns that name no field (their values are ignored)",
    )
    error_file: str | None = Field(description="The uploaded sheet with an error column added")
    error: dict[str, Any] | None = Field(description="Why the whole import failed, if it did")
    attempts: int
    replayed: bool = Field(description="A replay of an earlier request with the same key")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ChangeItem(BaseModel):
    resource: str
    id: str
    action: Literal["create", "update", "delete"]
    version: int | None
    parent_id: str | None = Field(description="The elder of a guardian, pairing or visit")
    changed_at: datetime


class ChangesPage(BaseModel):
    items: list[ChangeItem]
    next_cursor: str = Field(description="Resume from here (also when there is nothing new)")
    has_more: bool
