"""The authorization matrix covers every route, and the app obeys it for every role."""

from __future__ import annotations

import re

import pytest
from eldercare.authz import MATRIX, PUBLIC
from eldercare.roles import CLIENT_SCOPES, Role

from tests.factories import COUNTY, TOWNSHIP, VILLAGE, auth, make_client, make_user

ROLE_REGION = {
    Role.volunteer: VILLAGE,
    Role.village_worker: VILLAGE,
    Role.township_officer: TOWNSHIP,
    Role.county_officer: COUNTY,
    Role.county_admin: COUNTY,
}
FRAMEWORK_ROUTES = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect")}


def app_operations(app) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    }


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "000000000000", path)


def call(client, method: str, path: str, headers: dict[str, str]):
    kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.request(method, concrete(path), headers=headers, **kwargs)


def test_every_route_is_public_or_in_the_matrix(app):
    operations = app_operations(app)
    missing = operations - set(MATRIX) - PUBLIC
    assert not missing, f"routes without an authorization rule: {sorted(missing)}"


def test_matrix_names_no_route_that_does_not_exist(app):
    stale = (set(MATRIX) | PUBLIC) - app_operations(app)
    assert not stale, f"matrix entries for routes that do not exist: {sorted(stale)}"


def test_only_framework_routes_stay_out_of_the_openapi_document(app):
    from starlette.routing import Route

    plain = {
        (m, r.path)
        for r in app.routes
        if isinstance(r, Route)
        for m in r.methods or ()
        if m != "HEAD"
    }
    assert plain <= FRAMEWORK_ROUTES


def test_every_protected_route_declares_bearer_security(app):
    doc = app.openapi()
    assert doc["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token from POST /api/v1/auth/token",
    }
    for method, path in MATRIX:
        op = doc["paths"][path][method.lower()]
        assert {"HTTPBearer": []} in op.get("security", []), (
            f"{method} {path} lacks bearer security"
        )


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_protected_routes_refuse_anonymous_callers(client, method, path):
    r = call(client, method, path, {})
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "auth.not_authenticated"


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_each_role_is_allowed_exactly_what_the_matrix_says(client, db, method, path):
    rule = MATRIX[(method, path)]
    for role, region in ROLE_REGION.items():
        user = make_user(db, role.value, region)
        r = call(client, method, path, auth(user))
        if role in rule.roles:
            assert r.status_code not in (401, 403), f"{role} refused on {method} {path}: {r.text}"
        else:
            assert r.status_code == 403, f"{role} allowed on {method} {path}: {r.status_code}"
            assert r.json()["code"] == "auth.role_required"


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_integration_clients_need_a_listed_scope(client, db, method, path):
    rule = MATRIX[(method, path)]
    for scope in CLIENT_SCOPES:
        c = make_client(db, COUNTY, [scope])
        r = call(client, method, path, auth(c))
        if scope in rule.client_scopes:
            assert r.status_code not in (401, 403), f"{scope} refused on {method} {path}: {r.text}"
        else:
            assert r.status_code == 403, f"{scope} allowed on {method} {path}"
            body = r.json()
            if rule.client_scopes:  # names the scopes that would do
                assert body["code"] == "auth.scope_required", body
                assert all(s in body["detail"] for s in rule.client_scopes), body
            else:  # no scope would: says that no integration client may call it
                assert body["code"] == "auth.client_not_allowed", body
