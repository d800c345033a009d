"""Every validation error reads in the caller's language, whichever pydantic type it is."""

from __future__ import annotations

import re
import typing

import pytest
from eldercare.i18n import MESSAGES
from pydantic_core import core_schema
from pydantic_core._pydantic_core import list_all_errors

from tests.factories import VILLAGE, auth, id_number, make_user

PLACEHOLDER = re.compile(r"\{(\w+)\}")
TYPES = sorted(typing.get_args(core_schema.ErrorType))
TEMPLATES = {e["type"]: e["message_template_python"] for e in list_all_errors()}


def test_the_list_of_types_is_pydantic_cores():
    assert set(TYPES) == set(TEMPLATES)


@pytest.mark.parametrize("error_type", TYPES)
def test_every_pydantic_error_type_has_a_zh_and_en_message(error_type):
    assert error_type in MESSAGES, f"add {error_type!r} to eldercare.i18n.MESSAGES"
    zh, en = MESSAGES[error_type]
    assert zh.strip()
    assert en.strip()
    assert re.search(r"[\u4e00-\u9fff]", zh), zh  # Chinese, not a copy of the English
    # a message names only what pydantic puts in the error's context, so it always renders
    given = set(PLACEHOLDER.findall(TEMPLATES[error_type]))
    for text in (zh, en):
        assert set(PLACEHOLDER.findall(text)) <= given, (error_type, text)


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        ("annual_income_per_capita", "abc", "decimal_parsing"),
        ("household_size", 1.5, "int_from_float"),
        ("annual_income_per_capita", "NaN", "finite_number"),
    ],
)
def test_the_reported_types_read_in_chinese(client, db, field, value, error_type):
    worker = make_user(db, "village_worker", VILLAGE)
    body = {
        "id_number": id_number(),
        "name": "王桂英",
        "village_code": VILLAGE,
        "living_arrangement": "alone",
        field: value,
    }
    r = client.post("/api/v1/elders", json=body, headers=auth(worker, "zh-CN"))
    assert r.status_code == 422, r.text
    (error,) = [e for e in r.json()["errors"] if e["loc"] == ["body", field]]
    assert error["code"] == error_type
    assert error["message"] == MESSAGES[error_type][0]
