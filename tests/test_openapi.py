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
