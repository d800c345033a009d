"""The committed API contract and the frontend's generated types match the app."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from eldercare.openapi import render

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "openapi.json"
TYPES = ROOT / "frontend" / "src" / "api" / "schema.d.ts"


def test_openapi_json_is_current():
    assert SPEC.exists(), "run make openapi"
    committed = json.loads(SPEC.read_text(encoding="utf-8"))
    assert committed == json.loads(render()), (
        "openapi/openapi.json drifted from the app: run make openapi"
    )


def test_frontend_types_were_generated_from_the_current_contract():
    digest = hashlib.sha256(SPEC.read_bytes()).hexdigest()
    first_line = TYPES.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == f"// openapi sha256: {digest}", (
        "frontend types are stale: run make openapi"
    )


def test_every_error_is_documented_as_problem_details():
    from eldercare.authz import PUBLIC
    from eldercare.openapi import RAISES, document

    doc = document()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert {"Problem", "ProblemFieldError"} <= set(doc["components"]["schemas"])
    for (method, path), statuses in RAISES.items():  # no stale entry
        responses = doc["paths"][path][method.lower()]["responses"]
        assert {str(s) for s in statuses} <= set(responses), (method, path)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if path.startswith("/api/") and (method.upper(), path) not in PUBLIC:
                assert "401" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    assert response["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    }, (method, path, status)


def test_an_undocumented_status_is_reported(app):
    from tests.contract import undocumented

    seen = {
        ("GET", "/api/v1/elders/abc"): {200, 404, 418},
        ("POST", "/api/v1/elders/merges"): {201, 409, 500},  # literal segment, not {elder_id}
        ("GET", "/spa/route"): {200},
    }
    assert undocumented(app.openapi(), seen) == [
        "GET /api/v1/elders/{elder_id}: [418] (seen at /api/v1/elders/abc)"
    ]
