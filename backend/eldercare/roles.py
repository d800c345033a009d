"""Roles, their rank and the region level each is bound to."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    volunteer = "volunteer"
    village_worker = "village_worker"
    township_officer = "township_officer"
    county_officer = "county_officer"
    county_admin = "county_admin"


# Higher may manage lower; a county admin may grant any role up to their own.
ROLE_RANK: dict[Role, int] = {
    Role.volunteer: 0,
    Role.village_worker: 1,
    Role.township_officer: 2,
    Role.county_officer: 3,
    Role.county_admin: 4,
}

# The region level a role is bound to (volunteers may belong to any level of their county).
ROLE_LEVEL: dict[Role, str | None] = {
    Role.volunteer: None,
    Role.village_worker: "village",
    Role.township_officer: "township",
    Role.county_officer: "county",
    Role.county_admin: "county",
}

STAFF = frozenset(
    {Role.village_worker, Role.township_officer, Role.county_officer, Role.county_admin}
)
ALL_ROLES = frozenset(Role)
TOWNSHIP_UP = frozenset({Role.township_officer, Role.county_officer, Role.county_admin})
COUNTY_UP = frozenset({Role.county_officer, Role.county_admin})
ADMINS = frozenset({Role.county_admin})

# Scopes an integration client may hold.
CLIENT_SCOPES = ("registry:read", "registry:write", "import", "changes:read")
