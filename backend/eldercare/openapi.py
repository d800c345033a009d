"""The OpenAPI document as committed in ``openapi/openapi.json``."""

from __future__ import annotations

import json
from typing import Any


def document() -> dict[str, Any]:
    from eldercare.main import create_app

    return create_app().openapi()


def render() -> str:
    return json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
