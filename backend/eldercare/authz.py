"""The authorization matrix: which roles and which client scopes may call each route.

This is data. Every route of the app is either public (listed in ``PUBLIC``) or has a rule
here; the ``authorize`` dependency looks the route up at request time and refuses what is
not listed (deny by default). A test fails when a route is missing from this table.

The matrix says who may call a route at all; *which rows* they see is decided by
:mod:`eldercare.scope`, and out-of-scope rows answer 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.routing import compile_path

from eldercare.context import Principal
from eldercare.roles import ADMINS, ALL_ROLES, CLIENT_SCOPES, COUNTY_UP, STAFF, TOWNSHIP_UP, Role


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role]
    # An integration client may call the route when it holds any one of these scopes.
    client_scopes: frozenset[str] = frozenset()

    def allows(self, principal: Principal) -> bool:
        return self.permits(principal.kind, principal.role, principal.scopes)

    def permits(self, kind: str, role: Role | None, scopes: frozenset[str]) -> bool:
        if kind == "user":
            return role in self.roles
        return bool(self.client_scopes & scopes)


ANY_CLIENT = frozenset(CLIENT_SCOPES)
REG_READ = frozenset({"registry:read", "registry:write"})
REG_WRITE = frozenset({"registry:write"})
NO_CLIENT: frozenset[str] = frozenset()
IMPORT = frozenset({"import"})
CHANGES = frozenset({"changes:read"})

PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("POST", "/api/v1/auth/token"),
    }
)

MATRIX: dict[tuple[str, str], Rule] = {
    # auth
    ("GET", "/api/v1/auth/me"): Rule(ALL_ROLES, ANY_CLIENT),
    ("POST", "/api/v1/auth/logout"): Rule(ALL_ROLES, ANY_CLIENT),
    ("POST", "/api/v1/auth/password"): Rule(ALL_ROLES, NO_CLIENT),
    # regions
    ("GET", "/api/v1/regions"): Rule(ALL_ROLES, ANY_CLIENT),
    ("GET", "/api/v1/regions/{code}"): Rule(ALL_ROLES, ANY_CLIENT),
    # users and integration clients (county admins)
    ("GET", "/api/v1/users"): Rule(ADMINS),
    ("GET", "/api/v1/users/export"): Rule(ADMINS),
    ("POST", "/api/v1/users"): Rule(ADMINS),
    ("GET", "/api/v1/users/{user_id}"): Rule(ADMINS),
    ("PATCH", "/api/v1/users/{user_id}"): Rule(ADMINS),
    ("GET", "/api/v1/clients"): Rule(ADMINS),
    ("POST", "/api/v1/clients"): Rule(ADMINS),
    ("GET", "/api/v1/clients/{client_pk}"): Rule(ADMINS),
    ("PATCH", "/api/v1/clients/{client_pk}"): Rule(ADMINS),
    ("POST", "/api/v1/clients/{client_pk}/secret"): Rule(ADMINS),
    # audit
    ("GET", "/api/v1/audit"): Rule(ADMINS),
    ("GET", "/api/v1/audit/export"): Rule(ADMINS),
    # the register
    ("GET", "/api/v1/elders"): Rule(ALL_ROLES, REG_READ),
    ("POST", "/api/v1/elders"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/elders/duplicates"): Rule(TOWNSHIP_UP),
    ("GET", "/api/v1/elders/duplicates/export"): Rule(TOWNSHIP_UP),
    ("GET", "/api/v1/elders/duplicates/id-numbers"): Rule(TOWNSHIP_UP),
    ("GET", "/api/v1/elders/merges"): Rule(TOWNSHIP_UP),
    ("POST", "/api/v1/elders/merges"): Rule(TOWNSHIP_UP),
    ("POST", "/api/v1/elders/merges/{merge_id}/undo"): Rule(TOWNSHIP_UP),
    ("GET", "/api/v1/elders/{elder_id}"): Rule(ALL_ROLES, REG_READ),
    ("PATCH", "/api/v1/elders/{elder_id}"): Rule(STAFF, REG_WRITE),
    ("POST", "/api/v1/elders/{elder_id}/status"): Rule(STAFF, REG_WRITE),
    ("POST", "/api/v1/elders/{elder_id}/move"): Rule(STAFF, REG_WRITE),
    ("PUT", "/api/v1/elders/{elder_id}/risk-override"): Rule(STAFF),
    ("GET", "/api/v1/elders/{elder_id}/history"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/elders/{elder_id}/guardians"): Rule(ALL_ROLES, REG_READ),
    ("POST", "/api/v1/elders/{elder_id}/guardians"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/guardians/{guardian_id}"): Rule(ALL_ROLES, REG_READ),
    ("PATCH", "/api/v1/guardians/{guardian_id}"): Rule(STAFF, REG_WRITE),
    ("DELETE", "/api/v1/guardians/{guardian_id}"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/elders/{elder_id}/contacts"): Rule(ALL_ROLES, REG_READ),
    ("POST", "/api/v1/elders/{elder_id}/contacts"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/policies/contacts"): Rule(STAFF, REG_READ),
    ("PUT", "/api/v1/policies/contacts"): Rule(COUNTY_UP),
    ("GET", "/api/v1/care/contacts-overdue"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/care/export"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/policies/register"): Rule(STAFF, REG_READ),
    ("PUT", "/api/v1/policies/register"): Rule(COUNTY_UP),
    # volunteers and pairings (township officers manage volunteers)
    ("GET", "/api/v1/volunteers"): Rule(ALL_ROLES, REG_READ),
    ("GET", "/api/v1/volunteers/export"): Rule(STAFF, REG_READ),
    ("POST", "/api/v1/volunteers"): Rule(TOWNSHIP_UP, REG_WRITE),
    ("GET", "/api/v1/volunteers/{volunteer_id}"): Rule(ALL_ROLES, REG_READ),
    ("PATCH", "/api/v1/volunteers/{volunteer_id}"): Rule(TOWNSHIP_UP, REG_WRITE),
    ("GET", "/api/v1/pairings"): Rule(ALL_ROLES, REG_READ),
    ("GET", "/api/v1/pairings/export"): Rule(STAFF, REG_READ),
    ("POST", "/api/v1/pairings"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/pairings/{pairing_id}"): Rule(ALL_ROLES, REG_READ),
    ("PATCH", "/api/v1/pairings/{pairing_id}"): Rule(STAFF, REG_WRITE),
    # visits (volunteers log for their paired elders)
    ("GET", "/api/v1/visits"): Rule(ALL_ROLES, REG_READ),
    ("POST", "/api/v1/visits"): Rule(ALL_ROLES, REG_WRITE),
    ("GET", "/api/v1/visits/{visit_id}"): Rule(ALL_ROLES, REG_READ),
    ("GET", "/api/v1/visits/{visit_id}/history"): Rule(ALL_ROLES, REG_READ),
    ("PATCH", "/api/v1/visits/{visit_id}"): Rule(ALL_ROLES, REG_WRITE),
    ("GET", "/api/v1/elders/{elder_id}/visits"): Rule(ALL_ROLES, REG_READ),
    ("POST", "/api/v1/elders/{elder_id}/events"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/worklist"): Rule(ALL_ROLES, REG_READ),
    ("GET", "/api/v1/worklist/services"): Rule(ALL_ROLES, REG_READ),
    ("GET", "/api/v1/worklist/export"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/elders/{elder_id}/services"): Rule(ALL_ROLES, REG_READ),
    ("GET", "/api/v1/visit-rates"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/service-rates"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/policies/visits"): Rule(STAFF, REG_READ),
    ("PUT", "/api/v1/policies/visits"): Rule(COUNTY_UP),
    # relief pre-screening and benefits (staff only: income and health are sensitive)
    ("GET", "/api/v1/policies/relief"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/policies/relief/versions"): Rule(STAFF, REG_READ),
    ("PUT", "/api/v1/policies/relief"): Rule(COUNTY_UP),
    ("GET", "/api/v1/elders/{elder_id}/relief-facts"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/elders/{elder_id}/relief-facts/versions"): Rule(STAFF, REG_READ),
    ("PUT", "/api/v1/elders/{elder_id}/relief-facts"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/elders/{elder_id}/eligibility"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/elders/{elder_id}/benefits"): Rule(STAFF, REG_READ),
    ("POST", "/api/v1/elders/{elder_id}/benefits"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/benefits/{benefit_id}"): Rule(STAFF, REG_READ),
    ("PATCH", "/api/v1/benefits/{benefit_id}"): Rule(STAFF, REG_WRITE),
    ("POST", "/api/v1/benefits/{benefit_id}/end"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/eligibility/gaps"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/eligibility/payments-to-check"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/eligibility/age-milestones"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/eligibility/coverage"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/eligibility/gaps/export"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/eligibility/payments-to-check/export"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/eligibility/age-milestones/export"): Rule(STAFF, REG_READ),
    # follow-ups (跟进事项): staff and a volunteer who holds one move them on (checked by
    # the service); a township hands several at once; departments only from the township up
    ("GET", "/api/v1/follow-ups"): Rule(ALL_ROLES, REG_READ),
    ("GET", "/api/v1/follow-ups/export"): Rule(STAFF, REG_READ),
    ("POST", "/api/v1/follow-ups/assign"): Rule(TOWNSHIP_UP),
    ("GET", "/api/v1/follow-ups/owners"): Rule(TOWNSHIP_UP, REG_READ),
    ("GET", "/api/v1/follow-ups/{follow_up_id}"): Rule(ALL_ROLES, REG_READ),
    ("PATCH", "/api/v1/follow-ups/{follow_up_id}"): Rule(STAFF),
    ("POST", "/api/v1/follow-ups/{follow_up_id}/transitions"): Rule(ALL_ROLES),
    ("GET", "/api/v1/elders/{elder_id}/follow-ups"): Rule(ALL_ROLES, REG_READ),
    ("GET", "/api/v1/policies/follow-ups"): Rule(STAFF, REG_READ),
    ("PUT", "/api/v1/policies/follow-ups"): Rule(COUNTY_UP),
    # emergencies: a village reports and updates; the holder (township, or county once
    # escalated) moves them on; which transition a role may make is checked by the service.
    # A volunteer reports for a paired elder (老老互助, plan 十一) and follows their reports.
    ("GET", "/api/v1/incidents"): Rule(ALL_ROLES, REG_READ),
    ("POST", "/api/v1/incidents"): Rule(ALL_ROLES, REG_WRITE),
    ("GET", "/api/v1/incidents/export"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/incidents/{incident_id}"): Rule(ALL_ROLES, REG_READ),
    ("PATCH", "/api/v1/incidents/{incident_id}"): Rule(STAFF, REG_WRITE),
    ("POST", "/api/v1/incidents/{incident_id}/transitions"): Rule(STAFF),
    ("POST", "/api/v1/incidents/{incident_id}/notifications"): Rule(STAFF, REG_WRITE),
    ("GET", "/api/v1/policies/incidents"): Rule(STAFF, REG_READ),
    ("PUT", "/api/v1/policies/incidents"): Rule(COUNTY_UP),
    # statistics (for any region in scope, with its child regions)
    ("GET", "/api/v1/stats/summary"): Rule(STAFF, REG_READ),
    # notifications (the bell and the menu badges): people only
    ("GET", "/api/v1/notifications"): Rule(ALL_ROLES),
    ("POST", "/api/v1/notifications/seen"): Rule(ALL_ROLES),
    ("GET", "/api/v1/stats/months/{month}"): Rule(STAFF, REG_READ),
    ("POST", "/api/v1/stats/months/{month}/recompute"): Rule(COUNTY_UP),
    ("GET", "/api/v1/stats/monthly-report"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/stats/monthly-report.xlsx"): Rule(STAFF, REG_READ),
    # bulk data: imports (a caller sees only their own jobs), exports, the change feed
    ("POST", "/api/v1/imports/{resource}"): Rule(STAFF, IMPORT),
    ("GET", "/api/v1/imports/{resource}/template"): Rule(STAFF, IMPORT),
    ("GET", "/api/v1/imports/{job_id}"): Rule(STAFF, IMPORT),
    ("GET", "/api/v1/imports/{job_id}/error-file"): Rule(STAFF, IMPORT),
    ("GET", "/api/v1/exports/{resource}"): Rule(STAFF, REG_READ),
    ("GET", "/api/v1/changes"): Rule(STAFF, CHANGES),
    # sweeps (摸底排查): opened by a township or county, every worker confirms elders
    ("POST", "/api/v1/sweeps"): Rule(TOWNSHIP_UP),
    ("GET", "/api/v1/sweeps"): Rule(STAFF),
    ("GET", "/api/v1/sweeps/{sweep_id}"): Rule(STAFF),
    ("POST", "/api/v1/sweeps/{sweep_id}/close"): Rule(TOWNSHIP_UP),
    ("GET", "/api/v1/sweeps/{sweep_id}/pending"): Rule(STAFF),
    ("POST", "/api/v1/sweeps/{sweep_id}/elders/{elder_id}/confirm"): Rule(STAFF),
    # reconciliation with other offices' rosters (a county's)
    ("POST", "/api/v1/rosters"): Rule(COUNTY_UP),
    ("GET", "/api/v1/rosters"): Rule(COUNTY_UP),
    ("GET", "/api/v1/rosters/{roster_id}"): Rule(COUNTY_UP),
    ("GET", "/api/v1/rosters/{roster_id}/discrepancies"): Rule(COUNTY_UP),
    ("GET", "/api/v1/rosters/{roster_id}/error-file"): Rule(COUNTY_UP),
    ("POST", "/api/v1/rosters/discrepancies/{discrepancy_id}/resolve"): Rule(COUNTY_UP),
}


def _compile() -> dict[str, list[tuple[re.Pattern[str], str, Rule]]]:
    """Per method, the path templates as regexes, literal segments before parameters."""
    table: dict[str, list[tuple[re.Pattern[str], str, Rule]]] = {}
    for (method, path), rule in MATRIX.items():
        regex, _, _ = compile_path(path)
        table.setdefault(method, []).append((regex, path, rule))
    for entries in table.values():
        entries.sort(key=lambda e: (e[1].count("{"), -len(e[1])))
    return table


_COMPILED = _compile()


def rule_for(method: str, path: str) -> tuple[str, Rule] | None:
    """The matrix entry (template and rule) for a concrete request path, if any."""
    for regex, template, rule in _COMPILED.get(method, ()):
        if regex.match(path):
            return template, rule
    return None


__all__ = ["ANY_CLIENT", "MATRIX", "NO_CLIENT", "PUBLIC", "STAFF", "Rule", "rule_for"]
