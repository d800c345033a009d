"""Labels of the sweeps' codes (the app carries the same in ``frontend/src/i18n``)."""

from __future__ import annotations

PERIODS: dict[str, tuple[str, str]] = {
    "spring": ("春季摸底排查（3月）", "spring sweep (March)"),
    "autumn": ("秋季摸底排查（9月）", "autumn sweep (September)"),
    "special": ("专项排查", "special sweep"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "open": ("进行中", "open"),
    "closed": ("已结束", "closed"),
}
CHECKLIST: dict[str, tuple[str, str]] = {
    "living_here": ("仍在本村居住", "still living here"),
    "contacts_right": ("联系方式准确", "contacts right"),
    "children_right": ("子女外出情况准确", "children's whereabouts right"),
    "categories_right": ("类别准确", "categories right"),
}


def label(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    pair = table.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]
