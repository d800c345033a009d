"""The OpenAPI document as committed in ``openapi/openapi.json``, with every error it sends.

FastAPI documents only its own 422 ``HTTPValidationError``; the API answers every error as
RFC 9457 problem details (:class:`eldercare.errors.Problem`). :func:`describe_errors` puts
that schema in the document and, per operation, the statuses it can return:

* 400 for lists that take a ``cursor`` (a forged or stale cursor) and for bodies that
  cannot be read;
* 401 for every operation behind a token;
* 403 where the authorization matrix leaves out a role or a client scope;
* 404 for operations on one resource (a path id), in scope or not, and for a ``region``
  (or ``parent``) outside the caller's;
* 412 and 428 for writes checked against a version (``If-Match``);
* 413 for every operation: the body limit (``ELDERCARE_MAX_UPLOAD_MB``) applies to every
  request, whatever its method, even one whose operation takes no body;
* 422 for operations with parameters or a body;
* what :data:`RAISES` adds: the statuses services raise beyond these (409, 429, ...);
* whatever a route declares with ``responses=``.

A test in the suite records every status the app really sends and fails when one is not
documented here; Schemathesis checks the same against generated requests.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic.json_schema import models_json_schema

from eldercare.authz import ANY_CLIENT, MATRIX, PUBLIC
from eldercare.errors import PROBLEM_JSON, TITLES, Problem
from eldercare.roles import ALL_ROLES

if TYPE_CHECKING:
    from fastapi import FastAPI

REF = "#/components/schemas/{model}"
METHODS = ("get", "put", "post", "delete", "patch")

WHY = {
    400: "A bad request: a forged `cursor`, a body that cannot be read",
    401: "No valid access token",
    403: "Your role (or client scope) may not do this",
    404: "No such resource, or not in your region (the same answer either way)",
    409: "Conflicts with existing data",
    410: "The resource is gone",
    412: "The version in `If-Match` is not the current one",
    413: "The request body is larger than the server accepts",
    422: "Some fields are invalid (`errors` lists them)",
    428: "`If-Match` (or `version` in the body) is required",
    429: "Too many attempts; see `Retry-After`",
}


CONFLICTS = {409}
# What services raise beyond the rules above, per operation: conflicts with stored data,
# ids in the body that must be in scope, throttled logins, bad request shapes.
RAISES: dict[tuple[str, str], set[int]] = {
    ("POST", "/api/v1/auth/token"): {400, 429},
    ("POST", "/api/v1/auth/password"): {429},
    ("POST", "/api/v1/users"): {404, 409},
    ("PATCH", "/api/v1/users/{user_id}"): {409},
    ("POST", "/api/v1/clients"): {404, 409},
    ("POST", "/api/v1/elders"): {404, 409},
    ("PATCH", "/api/v1/elders/{elder_id}"): CONFLICTS,
    ("POST", "/api/v1/elders/{elder_id}/status"): CONFLICTS,
    ("POST", "/api/v1/elders/{elder_id}/move"): CONFLICTS,
    ("PUT", "/api/v1/elders/{elder_id}/risk-override"): CONFLICTS,
    ("GET", "/api/v1/elders/duplicates/id-numbers"): {404},  # both records in scope
    ("POST", "/api/v1/elders/merges"): {404, 409},
    ("POST", "/api/v1/elders/merges/{merge_id}/undo"): CONFLICTS,
    ("POST", "/api/v1/elders/{elder_id}/guardians"): CONFLICTS,
    ("PATCH", "/api/v1/guardians/{guardian_id}"): CONFLICTS,
    ("POST", "/api/v1/volunteers"): {404, 409},
    ("PATCH", "/api/v1/volunteers/{volunteer_id}"): CONFLICTS,
    ("POST", "/api/v1/pairings"): {404, 409},
    ("PATCH", "/api/v1/pairings/{pairing_id}"): CONFLICTS,
    ("POST", "/api/v1/visits"): {404, 409},
    ("POST", "/api/v1/elders/{elder_id}/events"): CONFLICTS,
    ("POST", "/api/v1/elders/{elder_id}/benefits"): CONFLICTS,
    ("PATCH", "/api/v1/benefits/{benefit_id}"): CONFLICTS,
    ("POST", "/api/v1/benefits/{benefit_id}/end"): CONFLICTS,
    ("POST", "/api/v1/incidents"): {404, 409},
    ("PATCH", "/api/v1/incidents/{incident_id}"): CONFLICTS,
    ("POST", "/api/v1/incidents/{incident_id}/transitions"): CONFLICTS,
    ("PATCH", "/api/v1/follow-ups/{follow_up_id}"): CONFLICTS,
    ("POST", "/api/v1/follow-ups/{follow_up_id}/transitions"): CONFLICTS,
    ("POST", "/api/v1/follow-ups/assign"): {404, 409},
    ("POST", "/api/v1/imports/{resource}"): {400, 409},  # unknown format; a reused key
    ("GET", "/api/v1/exports/{resource}"): {400},  # elder filters on another resource
    ("GET", "/api/v1/changes"): {400},  # `since` is a cursor
    ("POST", "/api/v1/sweeps"): {404},  # a region outside the caller's
    ("GET", "/api/v1/follow-ups/owners"): {404},  # a village outside the caller's
    ("POST", "/api/v1/sweeps/{sweep_id}/close"): CONFLICTS,
    ("POST", "/api/v1/sweeps/{sweep_id}/elders/{elder_id}/confirm"): CONFLICTS,
    ("POST", "/api/v1/rosters"): {400},  # neither CSV nor XLSX
    ("POST", "/api/v1/rosters/discrepancies/{discrepancy_id}/resolve"): {409, 412},
}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the document with its errors described."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def documented_statuses(doc: dict[str, Any], method: str, path: str) -> set[int]:
    """The statuses an operation of ``doc`` documents (``2XX``-style ranges not used)."""
    responses = doc["paths"][path][method.lower()]["responses"]
    return {int(status) for status in responses if status.isdigit()}


def describe_errors(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    _, defs = models_json_schema([(Problem, "serialization")], ref_template=REF)
    schemas.update(defs.get("$defs", {}))
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                _describe(operation, method.upper(), path)
    # Nothing may still point at the schemas just removed.
    assert "HTTPValidationError" not in json.dumps(doc)
    return doc


def _describe(operation: dict[str, Any], method: str, path: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    params = operation.get("parameters", [])
    statuses = {int(s) for s in responses if s.isdigit() and 400 <= int(s) < 500}
    statuses.discard(422)
    statuses |= RAISES.get((method, path), set())
    if params or "requestBody" in operation:
        statuses.add(422)
    statuses.add(413)  # the body limit holds for every request (a GET with a body too)
    if "requestBody" in operation:
        statuses.add(400)
    if any(p["in"] == "query" and p["name"] == "cursor" for p in params):
        statuses.add(400)
    if any(p["in"] == "path" or p["name"] in ("region", "parent") for p in params):
        statuses.add(404)
    if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in params):
        statuses |= {412, 428}
    if (method, path) not in PUBLIC:
        statuses.add(401)
        rule = MATRIX.get((method, path))
        if rule is not None and (rule.roles != ALL_ROLES or rule.client_scopes != ANY_CLIENT):
            statuses.add(403)
    for status in sorted(statuses):
        declared = responses.get(str(status), {}).get("description")
        if declared in (None, "Validation Error", TITLES[status]):
            declared = None
        description = declared or WHY.get(status) or TITLES[status]
        responses[str(status)] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}},
        }
    operation["responses"] = dict(sorted(responses.items()))


def document() -> dict[str, Any]:
    from eldercare.main import create_app

    return create_app().openapi()


def render() -> str:
    return json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
