"""The follow-ups' codes by field, in the words of the one dictionary (eldercare.labels)."""

from __future__ import annotations

from eldercare.labels import ENUMS

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    field: ENUMS[group]
    for field, group in (
        ("category", "fuCategory"),
        ("kind", "fuKind"),
        ("severity", "fuSeverity"),
        ("status", "fuStatus"),
        ("owner_type", "fuOwner"),
        ("department", "department"),
        ("level", "followUpLevel"),
        ("found_by_type", "foundBy"),
        ("program", "program"),
    )
}


def label(group: str, code: str | None, lang: str = "zh-CN") -> str:
    if code is None:
        return ""
    pair = LABELS[group].get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]
