"""The one dictionary of labels: every enumeration value of the API has words in zh-CN and
en, and the app's copy is the server's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eldercare import labels

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "openapi.json"
GENERATED = ROOT / "frontend" / "src" / "i18n" / "labels.generated.ts"


def _enums(node: Any, name: str | None, out: list[tuple[str | None, tuple[str, ...]]]) -> None:
    """Every enum of the document, with the field or parameter that holds it."""
    if isinstance(node, dict):
        if "enum" in node:
            out.append((name, tuple(str(v) for v in node["enum"])))
        for key, value in node.items():
            if key == "parameters" and isinstance(value, list):
                for param in value:
                    _enums(param.get("schema", {}), param.get("name"), out)
            elif key in ("properties", "schemas") and isinstance(value, dict):
                for field, sub in value.items():
                    _enums(sub, field, out)
            else:
                _enums(value, name, out)
    elif isinstance(node, list):
        for value in node:
            _enums(value, name, out)


def test_every_enum_value_of_the_api_has_words_in_both_languages():
    found: list[tuple[str | None, tuple[str, ...]]] = []
    _enums(json.loads(SPEC.read_text(encoding="utf-8")), None, found)
    assert len(found) > 50
    missing = []
    for name, values in found:
        if name in labels.NOT_SHOWN:
            continue
        groups = labels.FIELDS.get(name or "", ())
        covering = [g for g in groups if set(values) <= set(labels.ENUMS[g])]
        if not covering:
            missing.append(
                (name, [v for v in values if not any(v in labels.ENUMS[g] for g in groups)])
            )
    assert not missing, f"enum values without labels (add them to eldercare/labels.py): {missing}"


def test_every_label_has_both_languages_and_no_raw_code():
    for group, codes in labels.ENUMS.items():
        assert codes, group
        for code, (zh, en) in codes.items():
            assert zh.strip(), (group, code)
            assert en.strip(), (group, code)
            assert zh != code, (group, code)  # a code shown as itself is not a word
            assert not zh.isascii() or code in labels.ENUMS["housingGrade"], (group, code, zh)


def test_the_allowlist_gives_a_reason_and_is_used():
    found: list[tuple[str | None, tuple[str, ...]]] = []
    _enums(json.loads(SPEC.read_text(encoding="utf-8")), None, found)
    names = {name for name, _ in found}
    for name, reason in labels.NOT_SHOWN.items():
        assert len(reason) > 10, name
        assert name in names, name
    for field, groups in labels.FIELDS.items():
        assert set(groups) <= set(labels.ENUMS), field


def test_options_agree_between_the_form_the_template_and_the_detail():
    from eldercare.bulk.columns import ELDERS, zh_label
    from eldercare.elders.labels import label as register_label

    col = next(c for c in ELDERS.columns if c.field == "health_conditions")
    for code, words in (("stroke", "脑卒中"), ("cancer", "恶性肿瘤")):
        assert labels.label("health", code) == words
        assert zh_label(code, col) == words
        assert register_label(code, "zh-CN") == words
    col = next(c for c in ELDERS.columns if c.field == "self_care")
    assert zh_label("partly_dependent", col) == labels.label("selfCare", "partly_dependent")
    assert register_label("partly_dependent", "zh-CN") == "半失能"


def test_the_apps_copy_is_generated_from_the_dictionary():
    assert GENERATED.read_text(encoding="utf-8") == labels.typescript(), (
        "frontend/src/i18n/labels.generated.ts drifted: run make openapi"
    )


def test_the_cli_writes_the_apps_copy(tmp_path):
    from eldercare.cli import main

    out = tmp_path / "labels.ts"
    assert main(["labels", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert '"partly_dependent": "半失能"' in text
    assert '"partly_dependent": "Partly dependent"' in text


def test_every_exported_column_has_a_header_in_both_languages():
    """The register's exports name their columns from the dictionary's field words: a column
    added to an import/export spec without its words would show its key as a header."""
    from eldercare.bulk import export
    from eldercare.bulk.columns import ELDERS, GUARDIANS, VOLUNTEERS

    fields = {c.field for spec in (ELDERS, GUARDIANS, VOLUNTEERS) for c in spec.columns}
    fields |= {"id", "status", "version", "updated_at", "township", "village", "risk_level"}
    missing = sorted(f for f in fields if f not in labels.ENUMS["field"])
    assert not missing, f"columns without a header in eldercare/labels.py: {missing}"
    assert export.header("village", "zh-CN") == "村（社区）"
    assert export.header("village", "en") == "Village"


def test_an_export_heading_comes_from_the_columns_then_the_fields():
    assert labels.heading("name", "zh-CN") == labels.ENUMS["field"]["name"][0]
    assert labels.heading("name", "en") == labels.ENUMS["field"]["name"][1]
    assert labels.headings(("name", "village"), "en") == ("Name", "Village")
    for key, (zh, en) in labels.COLUMNS.items():
        assert zh not in ("", key), key
        assert en not in ("", key), key


def test_no_heading_or_label_is_written_twice():
    """A key written twice in a dictionary literal silently keeps the last words."""
    import ast

    tree = ast.parse((ROOT / "backend" / "eldercare" / "labels.py").read_text("utf-8"))
    twice = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            twice += sorted({k for k in keys if keys.count(k) > 1})
    assert not twice, twice


def test_stored_category_lists_read_as_words():
    assert labels.value_words("category_codes", ",left_behind,empty_nest,") == "留守、空巢"
    assert labels.value_words("manual_categories", "left_behind", "en") == "Left-behind"
    assert labels.value_words("category_codes", ["empty_nest"], "en") == "Empty nest"
