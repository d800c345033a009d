"""The elder list's body is built by hand (``present.list_row``, for speed): real responses
hold to the published schema (``openapi/openapi.json``), strictly: every field it names,
no other, each optional one seen both present and absent."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from tests.factories import TOWNSHIP, VILLAGE, auth, make_elder, make_user

SPEC = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text("utf-8")
)


def _closed(schema: Any) -> Any:
    """The schema with every object closed to properties it does not name."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


def _list_validator() -> Any:
    ok = SPEC["paths"]["/api/v1/elders"]["get"]["responses"]["200"]
    page = ok["content"]["application/json"]["schema"]
    root = {"$ref": page["$ref"], "components": _closed(copy.deepcopy(SPEC["components"]))}
    return jsonschema_rs.Draft202012Validator(root)


VALIDATOR = _list_validator()
ITEM = SPEC["components"]["schemas"]["ElderListItem"]
NULLABLE = sorted(
    name for name, prop in ITEM["properties"].items() if {"type": "null"} in prop.get("anyOf", [])
)


def test_the_schema_is_strict_enough_to_fail():
    """The validator refuses what a slip in the hand-built body would give."""
    item = {
        "id": "e1",
        "name": "张秀英",
        "sex": "female",
        "birth_year": 1950,
        "age": 76,
        "id_number": "4311**********0021",
        "phone": None,
        "village_code": VILLAGE,
        "address": "",
        "living_arrangement": None,
        "self_care": None,
        "categories": [],
        "is_left_behind": False,
        "risk_level": "general",
        "status": "active",
        "version": 1,
        "no_one_at_home": False,
    }
    assert VALIDATOR.is_valid({"items": [item], "next_cursor": None, "total": None})
    for slip in (
        {"extra": 1},  # a field the schema does not name
        {"age": "76"},  # a number as text
        {"risk_level": "urgent"},  # outside the enumeration
        {"categories": "alone"},  # a list flattened
        {"address": None},  # null where the schema has none
    ):
        assert not VALIDATOR.is_valid(
            {"items": [{**item, **slip}], "next_cursor": None, "total": None}
        ), slip
    missing = {k: v for k, v in item.items() if k != "version"}
    assert not VALIDATOR.is_valid({"items": [missing], "next_cursor": None})
    assert not VALIDATOR.is_valid({"items": [item]})  # next_cursor is required


@pytest.fixture
def register(db):
    """Elders with every optional field filled, and with none."""
    full = make_elder(
        db,
        name="李建国",
        birth="1940-05-01",
        male=True,
        phone="13812345678",
        address="三组12号",
        living_arrangement="alone",
        self_care="partly_dependent",
    )
    bare = make_elder(db, name="王秀英", birth="1962-01-01")
    moved = make_elder(db, name="赵桂兰", birth="1950-07-07", status="moved_out")
    return full, bare, moved, make_user(db, "township_officer", TOWNSHIP)


def test_list_responses_hold_to_the_schema(client, register):
    full, bare, moved, officer = register
    headers = auth(officer)
    pages: list[dict[str, Any]] = []

    def get(**params: Any) -> dict[str, Any]:
        r = client.get("/api/v1/elders", params=params, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        errors = [f"{e.instance_path}: {e.message}" for e in VALIDATOR.iter_errors(body)]
        assert errors == [], (params, errors)
        pages.append(body)
        return body

    for sort in ("name", "-name", "age", "-age", "risk"):
        first = get(sort=sort, limit=1)
        assert first["next_cursor"] is not None
        assert first["total"] is None
        cursor = first["next_cursor"]
        while cursor:
            cursor = get(sort=sort, limit=1, cursor=cursor)["next_cursor"]
    counted = get(count="true", limit=500)
    assert counted["total"] == len(counted["items"])
    assert counted["next_cursor"] is None
    get(status="moved_out")
    get(q="李建国")
    get(q="nobody-at-all")

    items = [i for p in pages for i in p["items"]]
    by_id = {i["id"]: i for i in items}
    assert {full.id, bare.id, moved.id} <= set(by_id)
    # each optional field was seen filled and empty
    for name in NULLABLE:
        assert {by_id[full.id][name] is None, by_id[bare.id][name] is None} == {True, False}, name
    assert by_id[full.id]["categories"]
    assert by_id[bare.id]["categories"] == []
    assert by_id[moved.id]["status"] == "moved_out"
    assert {p["next_cursor"] is None for p in pages} == {True, False}
    assert {p["total"] is None for p in pages} == {True, False}
    assert any(p["items"] == [] for p in pages)
