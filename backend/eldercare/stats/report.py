"""The monthly report (月报表): a region's month as tables, one per heading of the plans.

Each section is a table with a row per child region (townships of a county, villages of a
township) and a total. Sections come from ``SECTIONS``: a section whose figures a month
does not have (kinds of figures added later, kept under their own key) is left out.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from eldercare.elders import labels as elder_labels
from eldercare.elders.rules import CATEGORY_CODES
from eldercare.relief import labels as relief_labels
from eldercare.relief.rules import PROGRAMS
from eldercare.stats.months import RISK_LEVELS

Cell = int | float | None


def _t(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


@dataclass(frozen=True)
class Section:
    key: str  # the key of the figures it reads (omitted when a month has none)
    title: tuple[str, str]
    columns: Callable[[str], list[tuple[str, str]]]  # lang -> (key, title)
    cells: Callable[[dict[str, Any]], list[Cell]]


def _elder_columns(lang: str) -> list[tuple[str, str]]:
    return [
        ("elders", _t(("老人总数", "Elders"), lang)),
        ("left_behind", _t(("留守老人", "Left-behind"), lang)),
        *[(f"category.{c}", elder_labels.label(c, lang)) for c in CATEGORY_CODES],
        *[(f"risk.{r}", elder_labels.label(r, lang)) for r in RISK_LEVELS],
    ]


def _elder_cells(f: dict[str, Any]) -> list[Cell]:
    return [
        f["elders"],
        f["left_behind"],
        *[f["by_category"].get(c, 0) for c in CATEGORY_CODES],
        *[f["by_risk_level"].get(r, 0) for r in RISK_LEVELS],
    ]


VISIT_COLUMNS = (
    ("special_difficulty", ("特殊困难老人", "Special-difficulty elders")),
    ("special_visited", ("已探访特殊困难老人", "Of them visited")),
    ("monthly_visit_rate", ("月探访率", "Monthly visit rate")),
    ("elders_visited", ("已探访老人", "Elders visited")),
    ("coverage_rate", ("探访覆盖率", "Visit coverage")),
    ("visits", ("探访次数", "Visits")),
    ("home_visits", ("上门探访次数", "Home visits")),
)
INCIDENT_COLUMNS = (
    ("reported", ("报告事件", "Reported")),
    ("acknowledged_on_time", ("按时受理", "Acknowledged on time")),
    ("resolved", ("已办结", "Resolved")),
    ("resolved_on_time", ("按时办结", "Resolved on time")),
    ("on_time_rate", ("按时办结率", "Resolved on time, share")),
    ("reported_late", ("迟报", "Reported late")),
)
RELIEF_COLUMNS = (
    ("eligible", ("符合条件", "eligible")),
    ("likely_eligible", ("可能符合", "likely eligible")),
    ("receiving", ("已享受", "receiving")),
    ("gaps", ("应享未享", "gaps")),
    ("coverage_rate", ("应保尽保率", "coverage")),
)


def _pairs(key: str, columns: tuple[tuple[str, tuple[str, str]], ...]) -> Section:
    return Section(
        key,
        ("", ""),
        lambda lang: [(k, _t(title, lang)) for k, title in columns],
        lambda f: [f[key].get(k) for k, _ in columns],
    )


def _relief_columns(lang: str) -> list[tuple[str, str]]:
    sep = " " if lang == "en" else ""
    return [
        (f"{p}.{k}", f"{relief_labels.program_label(p, lang)}{sep}{_t(title, lang)}")
        for p in PROGRAMS
        for k, title in RELIEF_COLUMNS
    ]


def _relief_cells(f: dict[str, Any]) -> list[Cell]:
    return [f["relief"][p].get(k) for p in PROGRAMS for k, _ in RELIEF_COLUMNS]


SECTIONS: list[Section] = [
    Section("by_category", ("老人分类统计", "Elders by category"), _elder_columns, _elder_cells),
    Section(
        "visits",
        ("探访与探访率", "Visits and visit rate"),
        _pairs("visits", VISIT_COLUMNS).columns,
        _pairs("visits", VISIT_COLUMNS).cells,
    ),
    Section(
        "incidents",
        ("突发事件处置", "Incidents"),
        _pairs("incidents", INCIDENT_COLUMNS).columns,
        _pairs("incidents", INCIDENT_COLUMNS).cells,
    ),
    Section("relief", ("救助覆盖", "Relief coverage"), _relief_columns, _relief_cells),
]


def build(month: dict[str, Any], names: dict[str, str], lang: str) -> dict[str, Any]:
    """The report of a month (``months.month_of``'s answer) with child regions' names."""
    total_name = _t(("合计", "Total"), lang)
    rows = [(c["code"], names.get(c["code"], c["code"]), c["figures"]) for c in month["children"]]
    rows.append((month["region"], total_name, month["figures"]))
    sections = []
    for s in SECTIONS:
        if s.key not in month["figures"]:
            continue
        columns = s.columns(lang)
        sections.append(
            {
                "key": s.key,
                "title": _t(s.title, lang),
                "columns": [{"key": k, "title": t} for k, t in columns],
                "rows": [
                    {"code": code, "name": name, "cells": s.cells(f)} for code, name, f in rows
                ],
            }
        )
    return {
        "region": month["region"],
        "region_name": month["region_name"],
        "level": month["level"],
        "month": month["month"],
        "partial": month["partial"],
        "as_of": month["as_of"],
        "frozen": month["frozen"],
        "version": month["version"],
        "computed_at": month["computed_at"],
        "computed_by_name": month["computed_by_name"] or _t(("系统", "the system"), lang),
        "sections": sections,
    }


def _rate(value: Any, key: str) -> Any:
    if key.endswith("rate") and isinstance(value, float):
        return f"{value * 100:.1f}%"
    return "" if value is None else value


def xlsx(report: dict[str, Any], lang: str, tz: Any) -> Iterator[bytes]:
    """The report as a workbook: a sheet per section, its title and who produced it when
    above the table, headers in the report's language (Chinese by default)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from eldercare.sheets.inert import inert

    book = Workbook()
    for sheet in list(book.worksheets):  # the empty first sheet
        book.remove(sheet)
    produced = report["computed_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M")
    region = report["region_name"]
    title = _t(("{region}{month}月报表", "{region} monthly report {month}"), lang).format(
        region=region, month=report["month"]
    )
    status = (
        _t(("本月截至今日", "month to date"), lang)
        if report["partial"]
        else _t(("已封存", "frozen"), lang)
        if report["frozen"]
        else _t(("未封存", "not frozen"), lang)
    )
    meta = _t(
        (
            "数据截至 {as_of}（{status}）；生成：{who}，{when}；版本 {version}",
            "Register as of {as_of} ({status}); produced by {who}, {when}; version {version}",
        ),
        lang,
    ).format(
        as_of=report["as_of"].isoformat(),
        status=status,
        who=report["computed_by_name"],
        when=produced,
        version=report["version"],
    )
    region_head = _t(("区域", "Region"), lang)
    for section in report["sections"]:
        sheet = book.create_sheet(section["title"][:31])
        sheet.append([inert(f"{title} · {section['title']}")])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([inert(meta)])
        sheet.append([region_head, *[c["title"] for c in section["columns"]]])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        keys = [c["key"] for c in section["columns"]]
        for row in section["rows"]:
            sheet.append(
                [
                    inert(row["name"]),
                    *[_rate(v, k) for v, k in zip(row["cells"], keys, strict=True)],
                ]
            )
        sheet.column_dimensions["A"].width = 18
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
        while piece := out.read(1 << 16):
            yield piece
