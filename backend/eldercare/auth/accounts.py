"""County admins manage the users and integration clients of their own county."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from eldercare.audit import service as audit
from eldercare.auth.models import IntegrationClient, User
from eldercare.auth.schemas import ClientCreate, ClientPatch, UserCreate, UserPatch
from eldercare.auth.security import hash_password, new_secret
from eldercare.auth.service import check_password, revoke_all_for_user, revoke_client_tokens
from eldercare.concurrency import check_version
from eldercare.context import RequestCtx
from eldercare.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from eldercare.pagination import Page, keyset
from eldercare.regions.service import region_level
from eldercare.roles import ROLE_LEVEL, ROLE_RANK, Role

LEVEL_NAMES = {
    "village": ("村", "village"),
    "township": ("乡镇", "township"),
    "county": ("县", "county"),
}


def _check_region(db: Session, ctx: RequestCtx, region: str, role: Role | None) -> None:
    """The region must exist inside the admin's county and fit the role's level."""
    if not ctx.actor.scope.covers(region):
        raise Forbidden("user.region_out_of_scope")
    level = region_level(db, region)
    if level is None:
        raise ValidationFailed(errors=[FieldError(["body", "region"], "region.unknown")])
    want = ROLE_LEVEL.get(role) if role else None
    if want and level != want:
        zh, en = LEVEL_NAMES[want]
        raise ValidationFailed(
            errors=[
                FieldError(
                    ["body", "region"],
                    "user.region_level_mismatch",
                    role=role.value if role else "",
                    level=zh if ctx.lang != "en" else en,
                )
            ]
        )


def _check_role(ctx: RequestCtx, role: Role) -> None:
    actor_role = ctx.actor.role
    if actor_role is None or ROLE_RANK[role] > ROLE_RANK[actor_role]:
        raise Forbidden("user.role_above_own")


# ----------------------------------------------------------------------------- users


def list_users(
    db: Session,
    ctx: RequestCtx,
    *,
    region: str | None,
    role: Role | None,
    active: bool | None,
    q: str | None,
    limit: int,
    cursor: str | None,
    count: bool,
) -> Page[User]:
    stmt = select(User).where(ctx.actor.scope.clause(User.region_code))
    if region:
        stmt = stmt.where(User.region_code.startswith(region))
    if role:
        stmt = stmt.where(User.role == role.value)
    if active is not None:
        stmt = stmt.where(User.active == active)
    if q:
        stmt = stmt.where(
            or_(
                User.username.contains(q, autoescape=True),
                User.display_name.contains(q, autoescape=True),
                User.id == q,  # the audit log links to a user by id
            )
        )
    return keyset(db, stmt, [(User.username, "asc")], limit=limit, cursor=cursor, count=count)


def get_user(db: Session, ctx: RequestCtx, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None or not ctx.actor.scope.covers(user.region_code):
        raise NotFound()
    return user


def create_user(db: Session, ctx: RequestCtx, data: UserCreate) -> User:
    _check_role(ctx, data.role)
    _check_region(db, ctx, data.region, data.role)
    check_password(data.password, data.username)
    if db.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict("user.username_taken")
    user = User(
        username=data.username,
        password_hash=hash_password(data.password),
        role=data.role.value,
        region_code=data.region,
        display_name=data.display_name,
        phone=data.phone,
        active=data.active,
    )
    db.add(user)
    db.flush()
    audit.record(
        db,
        ctx,
        "create",
        resource="user",
        resource_id=user.id,
        region_code=user.region_code,
        fields=[k for k in data.model_fields_set if k != "password"] + ["password"],
    )
    return user


def update_user(db: Session, ctx: RequestCtx, user_id: str, data: UserPatch, expected: int) -> User:
    user = get_user(db, ctx, user_id)
    check_version(user.version, expected)
    _check_role(ctx, Role(user.role))  # may not touch an account above one's own
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version"})
    is_self = user.id == ctx.actor.id
    new_role = Role(changes["role"]) if changes.get("role") else Role(user.role)
    new_region = changes.get("region") or user.region_code
    if is_self and (new_role.value != user.role or new_region != user.region_code):
        raise Forbidden("user.cannot_demote_self")
    if is_self and changes.get("active") is False:
        raise Forbidden("user.cannot_deactivate_self")
    if "role" in changes or "region" in changes:
        _check_role(ctx, new_role)
        _check_region(db, ctx, new_region, new_role)
    changed: list[str] = []
    if changes.get("password") is not None:
        check_password(changes["password"], user.username)
        user.password_hash = hash_password(changes["password"])
        changed.append("password")
        if not is_self:  # a reset: the user chooses their own at the next login
            user.must_change_password = True
    for field, attr in (
        ("role", "role"),
        ("region", "region_code"),
        ("display_name", "display_name"),
        ("phone", "phone"),
        ("active", "active"),
    ):
        if field not in changes or (changes[field] is None and field != "phone"):
            continue  # only the phone may be cleared
        value = changes[field].value if isinstance(changes[field], Role) else changes[field]
        if getattr(user, attr) != value:
            setattr(user, attr, value)
            changed.append(field)
    if not changed:
        return user
    if {"password", "active", "role", "region"} & set(changed):
        revoke_all_for_user(db, user.id)  # sessions end; live access tokens fail on next use
    db.flush()
    audit.record(
        db,
        ctx,
        "update",
        resource="user",
        resource_id=user.id,
        region_code=user.region_code,
        fields=changed,
    )
    return user


# ----------------------------------------------------------------------------- clients


def list_clients(
    db: Session, ctx: RequestCtx, *, limit: int, cursor: str | None, count: bool
) -> Page[IntegrationClient]:
    stmt = select(IntegrationClient).where(ctx.actor.scope.clause(IntegrationClient.region_code))
    return keyset(
        db, stmt, [(IntegrationClient.client_id, "asc")], limit=limit, cursor=cursor, count=count
    )


def get_client(db: Session, ctx: RequestCtx, pk: str) -> IntegrationClient:
    client = db.get(IntegrationClient, pk)
    if client is None or not ctx.actor.scope.covers(client.region_code):
        raise NotFound()
    return client


def create_client(
    db: Session, ctx: RequestCtx, data: ClientCreate
) -> tuple[IntegrationClient, str]:
    _check_region(db, ctx, data.region, None)
    if db.scalar(select(IntegrationClient.id).where(IntegrationClient.client_id == data.client_id)):
        raise Conflict("client.id_taken")
    secret = new_secret(32)
    client = IntegrationClient(
        client_id=data.client_id,
        secret_hash=hash_password(secret),
        name=data.name,
        scopes=sorted(set(data.scopes)),
        region_code=data.region,
        active=data.active,
    )
    db.add(client)
    db.flush()
    audit.record(
        db,
        ctx,
        "create",
        resource="client",
        resource_id=client.id,
        region_code=client.region_code,
        fields=sorted(data.model_fields_set),
    )
    return client, secret


def update_client(
    db: Session, ctx: RequestCtx, pk: str, data: ClientPatch, expected: int
) -> IntegrationClient:
    client = get_client(db, ctx, pk)
    check_version(client.version, expected)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("region"):
        _check_region(db, ctx, changes["region"], None)
    changed = []
    for field, attr in (
        ("name", "name"),
        ("scopes", "scopes"),
        ("region", "region_code"),
        ("active", "active"),
    ):
        value = changes.get(field)
        if value is None:
            continue
        if field == "scopes":
            value = sorted(set(value))
        if getattr(client, attr) != value:
            setattr(client, attr, value)
            changed.append(field)
    if changed:
        db.flush()
        if {"active", "scopes", "region"} & set(changed):
            revoke_client_tokens(db, client.id)
        audit.record(
            db,
            ctx,
            "update",
            resource="client",
            resource_id=client.id,
            region_code=client.region_code,
            fields=changed,
        )
    return client


def rotate_client_secret(db: Session, ctx: RequestCtx, pk: str) -> tuple[IntegrationClient, str]:
    client = get_client(db, ctx, pk)
    secret = new_secret(32)
    client.secret_hash = hash_password(secret)
    db.flush()
    revoke_client_tokens(db, client.id)
    audit.record(
        db,
        ctx,
        "rotate_secret",
        resource="client",
        resource_id=client.id,
        region_code=client.region_code,
        fields=["secret"],
    )
    return client, secret
