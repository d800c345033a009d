"""The monthly report (月报表): a region's month as tables, one per heading of the plans.

Each section is a table with a row per child region (townships of a county, villages of a
township) and a total. Sections come from ``SECTIONS``: a section whose figures a month
does not have (kinds of figures added later, kept under their own key) is left out. A
section's columns may depend on the month's figures (the services of the plan then).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, get_args

from eldercare.elders import labels as elder_labels
from eldercare.elders.rules import CATEGORY_CODES
from eldercare.followups import labels as follow_up_labels
from eldercare.followups.rules import HAZARD_KINDS
from eldercare.relief import labels as relief_labels
from eldercare.relief.rules import PROGRAMS
from eldercare.stats.months import FOLLOW_UP_CATEGORIES, RISK_LEVELS
from eldercare.volunteers.schemas import Service

Cell = int | float | None


def _t(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


@dataclass(frozen=True)
class Section:
    key: str
    title: tuple[str, str]
    # (lang, the region's figures) -> (key, title)
    columns: Callable[[str, dict[str, Any]], list[tuple[str, str]]]
    # (a row's figures, the columns' keys) -> cells
    cells: Callable[[dict[str, Any], list[str]], list[Cell]]
    reads: str = ""  # the key of the figures it reads (omitted when a month has none)

    @property
    def figures(self) -> str:
        return self.reads or self.key


def _elder_columns(lang: str, _total: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("elders", _t(("老人总数", "Elders"), lang)),
        ("left_behind", _t(("留守老人", "Left-behind"), lang)),
        *[(f"category.{c}", elder_labels.label(c, lang)) for c in CATEGORY_CODES],
        *[(f"risk.{r}", elder_labels.label(r, lang)) for r in RISK_LEVELS],
    ]


def _elder_cells(f: dict[str, Any], _keys: list[str]) -> list[Cell]:
    return [
        f["elders"],
        f["left_behind"],
        *[f["by_category"].get(c, 0) for c in CATEGORY_CODES],
        *[f["by_risk_level"].get(r, 0) for r in RISK_LEVELS],
    ]


VISIT_COLUMNS = (
    ("special_difficulty", ("特殊困难老人", "Special-difficulty elders")),
    ("special_visited", ("已探访特殊困难老人", "Of them visited")),
    ("monthly_visit_rate", ("特殊困难老人月探访率", "Monthly visit rate (special difficulty)")),
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


def _pairs(
    key: str, title: tuple[str, str], columns: tuple[tuple[str, tuple[str, str]], ...]
) -> Section:
    return Section(
        key,
        title,
        lambda lang, _total: [(k, _t(t, lang)) for k, t in columns],
        lambda f, _keys: [f[key].get(k) for k, _ in columns],
    )


SERVICE_COLUMNS = (
    ("due", ("应服务老人", "due")),
    ("served", ("已服务", "served")),
    ("rate", ("服务率", "service rate")),
)
CONTACT_COLUMNS = (
    ("covered", ("应联系子女老人", "Elders the contact rule covers")),
    ("contacted", ("已按时联系子女", "Children contacted in time")),
    ("contact_rate", ("联系子女率", "Contact rate")),
)
FOLLOW_UP_COLUMNS = (
    ("opened", ("本月发现", "found")),
    ("resolved", ("本月解决", "resolved")),
    ("open_at_end", ("月末未结", "open at month end")),
    ("overdue_at_end", ("月末逾期", "overdue at month end")),
    ("median_days_to_resolve", ("解决用时中位数（天）", "median days to resolve")),
)
TOTAL = ("合计", "all")


def _label(pair: tuple[str, str], lang: str, what: str) -> str:
    return f"{_t(pair, lang)} {what}" if lang == "en" else f"{_t(pair, lang)}{what}"


def _service_order(total: dict[str, Any]) -> list[str]:
    order = list(get_args(Service))
    present = total.get("services", {}).get("by_service", {})
    return sorted(present, key=lambda s: order.index(s) if s in order else len(order))


def _service_columns(lang: str, total: dict[str, Any]) -> list[tuple[str, str]]:
    """Per service of the month's plan: due, served, rate; then all services."""
    sep = " " if lang == "en" else ""
    out = [
        (f"{s}.{k}", f"{elder_labels.label(s, lang)}{sep}{_t(t, lang)}")
        for s in _service_order(total)
        for k, t in SERVICE_COLUMNS
    ]
    out += [(f"total.{k}", _label(TOTAL, lang, _t(t, lang))) for k, t in SERVICE_COLUMNS]
    return out


def _service_cells(f: dict[str, Any], keys: list[str]) -> list[Cell]:
    s = f["services"]
    cells: list[Cell] = []
    for key in keys:
        service, figure = key.split(".", 1)
        source = s if service == "total" else s["by_service"].get(service, {})
        cells.append(source.get(figure, 0 if figure != "rate" else None))
    return cells


def _follow_up_columns(lang: str, _total: dict[str, Any]) -> list[tuple[str, str]]:
    """All follow-ups, then each category."""
    out = [(k, _label(TOTAL, lang, _t(t, lang))) for k, t in FOLLOW_UP_COLUMNS]
    for c in FOLLOW_UP_CATEGORIES:
        pair = follow_up_labels.LABELS["category"][c]
        out += [(f"{c}.{k}", _label(pair, lang, _t(t, lang))) for k, t in FOLLOW_UP_COLUMNS]
    return out


def _follow_up_cells(f: dict[str, Any], keys: list[str]) -> list[Cell]:
    fu = f["follow_ups"]
    cells: list[Cell] = []
    for key in keys:
        category, _, figure = key.rpartition(".")
        cells.append((fu["by_category"][category] if category else fu).get(figure))
    return cells


def _hazard_columns(lang: str, _total: dict[str, Any]) -> list[tuple[str, str]]:
    """Per kind of hazard: open and overdue at month end, found and resolved in the month."""
    return [
        (f"{k}.{n}", _label(follow_up_labels.LABELS["kind"][k], lang, _t(t, lang)))
        for k in HAZARD_KINDS
        for n, t in FOLLOW_UP_COLUMNS[:4]
    ]


def _hazard_cells(f: dict[str, Any], keys: list[str]) -> list[Cell]:
    by_kind = f["follow_ups"]["by_kind"]
    return [by_kind.get(k.split(".")[0], {}).get(k.split(".")[1], 0) for k in keys]


def _relief_columns(lang: str, _total: dict[str, Any]) -> list[tuple[str, str]]:
    sep = " " if lang == "en" else ""
    return [
        (f"{p}.{k}", f"{relief_labels.program_label(p, lang)}{sep}{_t(title, lang)}")
        for p in PROGRAMS
        for k, title in RELIEF_COLUMNS
    ]


def _relief_cells(f: dict[str, Any], _keys: list[str]) -> list[Cell]:
    return [f["relief"][p].get(k) for p in PROGRAMS for k, _ in RELIEF_COLUMNS]


SECTIONS: list[Section] = [
    Section("by_category", ("老人分类统计", "Elders by category"), _elder_columns, _elder_cells),
    _pairs("visits", ("探访与探访率", "Visits and visit rate"), VISIT_COLUMNS),
    _pairs("incidents", ("突发事件处置", "Incidents"), INCIDENT_COLUMNS),
    Section("relief", ("救助覆盖", "Relief coverage"), _relief_columns, _relief_cells),
    Section("services", ("上门服务", "Services"), _service_columns, _service_cells),
    _pairs("contacts", ("联系子女", "Contact with the children"), CONTACT_COLUMNS),
    Section("follow_ups", ("跟进事项", "Follow-ups"), _follow_up_columns, _follow_up_cells),
    Section(
        "follow_up_hazards",
        ("安全隐患分类", "Hazards by kind"),
        _hazard_columns,
        _hazard_cells,
        reads="follow_ups",
    ),
]


def _cells(section: Section, f: dict[str, Any], keys: list[str]) -> list[Cell]:
    if f.get(section.figures) is None:  # a row computed before these figures
        return [None] * len(keys)
    return section.cells(f, keys)


def build(month: dict[str, Any], names: dict[str, str], lang: str) -> dict[str, Any]:
    """The report of a month (``months.month_of``'s answer) with child regions' names."""
    total_name = _t(("合计", "Total"), lang)
    rows = [(c["code"], names.get(c["code"], c["code"]), c["figures"]) for c in month["children"]]
    rows.append((month["region"], total_name, month["figures"]))
    sections = []
    for s in SECTIONS:
        if month["figures"].get(s.figures) is None:
            continue
        columns = s.columns(lang, month["figures"])
        keys = [k for k, _ in columns]
        sections.append(
            {
                "key": s.key,
                "title": _t(s.title, lang),
                "columns": [{"key": k, "title": t} for k, t in columns],
                "rows": [
                    {"code": code, "name": name, "cells": _cells(s, f, keys)}
                    for code, name, f in rows
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
    who = report["computed_by_name"] or _t(("系统", "the system"), lang)
    if report["version"]:
        meta = _t(
            (
                "数据截至 {as_of}（{status}）；生成：{who}，{when}；第 {version} 版",
                "Register as of {as_of} ({status}); produced by {who}, {when}; version {version}",
            ),
            lang,
        )
    else:  # computed for this request, not stored: no version yet
        meta = _t(
            (
                "数据截至 {as_of}（{status}）；生成：{who}，{when}（即时计算）",
                "Register as of {as_of} ({status}); produced by {who}, {when} (computed now)",
            ),
            lang,
        )
    meta = meta.format(
        as_of=report["as_of"].isoformat(),
        status=status,
        who=who,
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
