from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from eldercare.roles import Role

ClientScope = Literal["registry:read", "registry:write", "import", "changes:read"]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str | None = Field(
        default=None, description="Rotating refresh token (password and refresh grants only)"
    )


class LogoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str | None = Field(
        default=None, description="Also revoke this refresh token and every token rotated from it"
    )


class PasswordChangeIn(BaseModel):
    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class RegionBrief(BaseModel):
    code: str
    name: str
    level: str


class MeOut(BaseModel):
    kind: Literal["user", "client"]
    id: str
    username: str
    display_name: str
    role: Role | None
    region: RegionBrief
    scopes: list[str]
    permissions: list[str] = Field(
        description="Routes this principal may call, as 'METHOD /path' (what they may do)"
    )
    must_change_password: bool = Field(
        default=False,
        description="An administrator reset the password: until it is changed, the token "
        "opens only /auth/me, /auth/password and /auth/logout",
    )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)

    id: str
    username: str
    role: Role
    region: str = Field(validation_alias="region_code")
    display_name: str
    phone: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    must_change_password: bool = Field(
        default=False, description="Reset by an administrator; changed at the next login"
    )
    version: int


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(max_length=200)
    role: Role
    region: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$")
    display_name: str = Field(default="", max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    active: bool = True


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(
        default=None,
        max_length=200,
        description="A new password set by an administrator (a reset): the user must change "
        "it at the next login",
    )
    role: Role | None = None
    region: str | None = Field(default=None, pattern=r"^\d{6}(\d{3}){0,2}$")
    display_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    active: bool | None = None
    version: int | None = Field(default=None, description="Instead of If-Match")


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)

    id: str
    client_id: str
    name: str
    scopes: list[ClientScope]
    region: str = Field(validation_alias="region_code")
    active: bool
    created_at: datetime
    version: int


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; store it now")


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(default="", max_length=100)
    scopes: list[ClientScope] = Field(min_length=1)
    region: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$")
    active: bool = True


class ClientPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    scopes: list[ClientScope] | None = Field(default=None, min_length=1)
    region: str | None = Field(default=None, pattern=r"^\d{6}(\d{3}){0,2}$")
    active: bool | None = None
    version: int | None = Field(default=None, description="Instead of If-Match")
