"""The JSON array reader (ijson on yajl): what it refuses as a whole file, what becomes a row
in error, and that a body nested without end costs neither memory nor time to refuse."""

from __future__ import annotations

import json
import resource
from typing import Any

import ijson
import pytest
from eldercare.sheets.formats import MAX_DECODE_DEPTH, MAX_JSON_DEPTH, FormatError, Reader


def rows(body: bytes, size: int = 0) -> list[tuple[int, dict[str, Any]]]:
    chunks = [body[i : i + size] for i in range(0, len(body), size)] if size else [body]
    return list(Reader("json", iter(chunks)))


def refused(body: bytes, size: int = 0) -> str:
    with pytest.raises(FormatError) as caught:
        rows(body, size)
    return caught.value.code


def test_the_c_parser_is_the_one_in_use():
    assert ijson.backend == "yajl2_c"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "import.bad_json"),
        (b" \n ", "import.bad_json"),
        (b', {"a": 1}]', "import.bad_json"),
        (b'{"a": 1}', "import.not_an_array"),
        (b'"text"', "import.not_an_array"),
        (b'[{"a": 1}', "import.bad_json"),  # cut short
        (b'[{"a": 1},]', "import.bad_json"),
        (b'[{"a": 1},, {"b": 2}]', "import.bad_json"),
        (b'[{"a": 1} {"b": 2}]', "import.bad_json"),
        (b'[{"a": 1}] x', "import.bad_json"),  # anything after the array
        (b'[{"a": 1}] [{"b": 2}]', "import.bad_json"),
        (b'[{"a": NaN}]', "import.bad_json"),  # not JSON (RFC 8259), though Python writes it
        (b'[{"a": Infinity}]', "import.bad_json"),
        (b'[{"a": "\x01"}]', "import.bad_json"),  # a control character unescaped
        (b'[{"a": "caf\xe9"}]', "import.bad_encoding"),  # Latin-1, not UTF-8
        (b'[{"a": "\xe5\xbc"}]', "import.bad_encoding"),  # a character cut short
    ],
)
def test_a_body_that_is_not_a_json_array_fails_whole(body: bytes, code: str):
    assert refused(body) == code
    assert refused(body, 1) == code


def test_rows_are_numbered_by_position_and_decoded_as_json_loads_does():
    records: list[Any] = [
        {"姓名": "张秀英", "n": 123456789012345678901234567890, "x": 0.1, "e": 1e300},
        [1, 2],
        {"nested": [1.5, [2.25, {"k": -0.0}]], "dup": 1},
        None,
        {"s": 'quote " backslash \\ brackets [{ }] 𠀀', "t": True, "u": None},
    ]
    body = ("\ufeff" + json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode()
    expected = [
        (i, r if isinstance(r, dict) else {"__error__": "import.not_an_object"})
        for i, r in enumerate(json.loads(body.decode("utf-8-sig")), start=1)
    ]
    assert rows(body) == expected
    assert rows(body, 7) == expected
    got = rows(body)
    assert type(got[0][1]["x"]) is float
    assert type(got[0][1]["n"]) is int
    assert type(got[2][1]["nested"][1][0]) is float
    assert repr(got[2][1]["nested"][1][1]["k"]) == "-0.0"


def test_nul_spelled_in_json_fails_its_row_only():
    body = json.dumps([{"a": "x"}, {"a": "x\u0000y", "b": "z"}, {"k\u0000": "v"}]).encode()
    expected = [
        (1, {"a": "x"}),
        (2, {"b": "z", "__error__": "string.nul", "__error_column__": "a"}),
        (3, {"__error__": "string.nul", "__error_column__": "k"}),
    ]
    assert rows(body) == expected
    # the escape split across the chunk edge
    edge = body.index(b"\\u0000") + 3
    assert list(Reader("json", iter([body[:edge], body[edge:]]))) == expected


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("size", [0, 1, 5])
def test_nesting_is_a_row_error_up_to_the_decode_depth_and_fails_the_file_beyond(size: int):
    deep_row = {"a": json.loads(nested(MAX_JSON_DEPTH))}  # one level too deep for a row
    ok = json.dumps([{"a": 1}, deep_row, json.loads(nested(MAX_DECODE_DEPTH))]).encode()
    assert rows(ok, size) == [
        (1, {"a": 1}),
        (2, {"__error__": "import.bad_json"}),
        (3, {"__error__": "import.not_an_object"}),
    ]
    too_deep = b'[{"a": 1}, ' + nested(MAX_DECODE_DEPTH + 1).encode() + b"]"
    assert refused(too_deep, size) == "import.bad_json"
    # brackets inside strings, escaped quotes and backslashes are not nesting
    text = '\\" [[[{{ \\\\" ' + "[" * (2 * MAX_DECODE_DEPTH)
    for record in ({"a": text, "b": "\\"}, {"b": "\\", "a": text}, {"b": "\\\\", "a": text}):
        body = json.dumps([record, {"c": "x"}]).encode()
        assert rows(body, size) == [(1, record), (2, {"c": "x"})]


def test_a_body_nested_without_end_is_refused_without_building_it():
    """64 MiB of "[" would be tens of millions of nested lists (gigabytes) if built: the
    reader refuses it at the first chunk."""
    read: list[int] = []

    def chunks():
        for i in range(64):
            read.append(i)
            yield b"[" * (1 << 20)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(FormatError) as caught:
        list(Reader("json", chunks()))
    assert caught.value.code == "import.bad_json"
    assert read == [0]
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, grown_mb
