"""The columns of each importable resource: field names, Chinese headers, value kinds.

A file may use either the English field name or the Chinese header of a column. Values of
enumerations may be given as their code or their Chinese (or English) label; lists are
separated by commas, semicolons or 、. Validation itself stays in each domain's schemas
and services: this module only turns spreadsheet cells into the values they expect.
"""

from __future__ import annotations

import difflib
import functools
import re
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from eldercare.elders import schemas as elder_schemas
from eldercare.elders.labels import LABELS
from eldercare.labels import ALIASES, ENUMS, flat, label
from eldercare.visits import schemas as visit_schemas
from eldercare.volunteers import schemas as volunteer_schemas

RESOURCES = ("elders", "guardians", "volunteers", "pairings", "visits")

# Labels of codes the register's label table does not carry.
# The import columns' codes beyond the register's, in the one dictionary's words.
EXTRA_LABELS: dict[str, tuple[str, str]] = flat(
    "living",
    "marital",
    "disabilityType",
    "incomeSource",
    "awayScope",
    "volunteerKind",
    "team",
    "method",
    "danger",
    "safety",
    "need",
)


# A supporter's situation (the 特困 rule's words; the SPA's labels): a column's own labels,
# since "extreme_poverty" here is the supporter's, not the elder's category 特困.
SUPPORT_SITUATION_LABELS: tuple[tuple[str, str, str], ...] = tuple(
    (code, zh, en) for code, (zh, en) in ENUMS["supportSituation"].items()
)


def zh_label(code: str, col: Column | None = None) -> str:
    """The Chinese label of an enumeration code (the column's own label first)."""
    for own, zh, _ in col.labels if col else ():
        if own == code:
            return zh
    pair = EXTRA_LABELS.get(code) or LABELS.get(code)
    return pair[0] if pair else code


def _choices(literal: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in typing.get_args(literal))


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    kind: str = "str"  # str, int, decimal, bool, date, datetime, enum, list, code
    choices: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    aliases: tuple[str, ...] = ()
    labels: tuple[tuple[str, str, str], ...] = ()  # (code, zh, en) over the shared labels


@dataclass(frozen=True)
class Spec:
    resource: str
    columns: tuple[Column, ...]
    by_header: dict[str, Column] = field(default_factory=dict)
    # headers as a file writes them -> their column (None: no column), filled as they come
    by_raw_header: dict[str, Column | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for col in self.columns:
            for name in (col.field, col.zh, *col.aliases):
                self.by_header[normalise_header(name)] = col
        for col in self.columns:  # and the headers of an export in English
            self.by_header.setdefault(normalise_header(label("field", col.field, "en")), col)

    def column(self, header: str) -> Column | None:
        """The column a header names (None: none), kept per header as a file writes it."""
        cache = self.by_raw_header
        if header in cache:
            return cache[header]
        col = self.by_header.get(normalise_header(header))
        if len(cache) < 1000:  # a file of ever new headers is not kept
            cache[header] = col
        return col


@functools.lru_cache(maxsize=4096)
def normalise_header(name: str) -> str:
    text = str(name).replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s*＊]", "", text)
    return re.sub(r"[（(].*[）)]$", "", text)


ELDERS = Spec(
    "elders",
    (
        Column(
            "id_number",
            "身份证号",
            "code",
            required=True,
            example="431127195003150282",
            aliases=("身份证号码", "公民身份号码"),
        ),
        Column("name", "姓名", required=True, example="张秀英"),
        Column(
            "village_code",
            "村代码",
            "code",
            required=True,
            example="431127104230",
            aliases=("行政村代码", "村区划代码"),
        ),
        Column("phone", "联系电话", "code", example="13812345678", aliases=("电话", "手机号")),
        Column("address", "现住址", example="南风坳村3组12号", aliases=("住址",)),
        Column("hukou_address", "户籍地址"),
        Column("ethnicity", "民族", example="汉族"),
        Column("marital_status", "婚姻状况", "enum", _choices(elder_schemas.MaritalStatus)),
        Column(
            "living_arrangement",
            "居住状况",
            "enum",
            _choices(elder_schemas.LivingArrangement),
            example="alone",
        ),
        Column(
            "self_care",
            "生活自理能力",
            "enum",
            _choices(elder_schemas.SelfCare),
            example="independent",
        ),
        Column(
            "health_conditions",
            "健康状况",
            "list",
            _choices(elder_schemas.HealthCondition),
            example="hypertension",
        ),
        Column("disability_grade", "残疾等级", "int"),
        Column("disability_type", "残疾类别", "enum", _choices(elder_schemas.DisabilityType)),
        Column(
            "income_sources",
            "收入来源",
            "list",
            _choices(elder_schemas.IncomeSource),
            example="pension",
        ),
        Column("household_size", "家庭人口", "int", example="1"),
        Column("annual_income_per_capita", "家庭人均年收入", "decimal", example="6000"),
        Column("family_doctor_signed", "签约家庭医生", "bool", example="是"),
        Column("care_situation", "照料情况"),
        Column("notes", "备注"),
    ),
)
GUARDIANS = Spec(
    "guardians",
    (
        Column(
            "elder_id_number", "老人身份证号", "code", required=True, example="431127195003150282"
        ),
        Column("name", "姓名", required=True, example="张建国", aliases=("赡养人姓名",)),
        Column(
            "relation",
            "关系",
            "enum",
            _choices(elder_schemas.Relation),
            required=True,
            example="son",
            aliases=("与老人关系",),
        ),
        Column("phone", "联系电话", "code", example="13912345678", aliases=("电话",)),
        Column("alive", "是否健在", "bool"),
        Column("work_location", "务工地", example="广东省东莞市", aliases=("去向",)),
        Column("work_region_code", "务工地区划代码", "code"),
        Column(
            "away_scope",
            "外出范围",
            "enum",
            _choices(elder_schemas.AwayScope),
            example="outside_province",
        ),
        Column("away_since", "外出时间", "date", example="2018-03-01"),
        Column("can_support", "有无赡养能力", "bool", example="是"),
        Column("last_contact_date", "最近联系日期", "date"),
        Column("is_entrusted_caretaker", "委托照料人", "bool", example="否"),
        Column("agreement_date", "委托协议日期", "date"),
        Column("notes", "备注"),
        # the supporter's facts for relief pre-screening (特困: is a supporter able to pay?)
        Column("birth_year", "出生年份", "int", example="1975"),
        Column(
            "support_situation",
            "赡养能力情况",
            "enum",
            _choices(elder_schemas.SupportSituation),
            example="able",
            labels=SUPPORT_SITUATION_LABELS,
        ),
        Column("annual_income", "年收入（元）", "decimal", example="24000"),
        Column("assets_within_limit", "财产是否在限额内", "bool", example="是"),
    ),
)
VOLUNTEERS = Spec(
    "volunteers",
    (
        Column("name", "姓名", required=True, example="李春生"),
        Column(
            "phone",
            "联系电话",
            "code",
            required=True,
            example="13712345678",
            aliases=("电话", "手机号"),
        ),
        Column(
            "kind",
            "类别",
            "enum",
            _choices(volunteer_schemas.Kind),
            required=True,
            example="party_member",
        ),
        Column("team", "服务队", "enum", _choices(volunteer_schemas.Team)),
        Column("region_code", "区划代码", "code", required=True, example="431127104230"),
        Column("max_pairings", "最多结对人数", "int", example="5"),
        Column("active", "是否在岗", "bool", example="是"),
        Column("notes", "备注"),
    ),
)
PAIRINGS = Spec(
    "pairings",
    (
        Column(
            "elder_id_number", "老人身份证号", "code", required=True, example="431127195003150282"
        ),
        Column(
            "volunteer_phone",
            "结对人电话",
            "code",
            required=True,
            example="13712345678",
            aliases=("志愿者电话", "帮扶人电话"),
        ),
        Column("is_primary", "包保责任人", "bool", example="是", aliases=("是否包保责任人",)),
        Column(
            "services",
            "服务内容",
            "list",
            _choices(volunteer_schemas.Service),
            example="companionship",
        ),
        Column("start_date", "结对日期", "date", example="2026-01-05", aliases=("开始日期",)),
        Column("end_date", "结束日期", "date"),
        Column("end_reason", "结束原因"),
    ),
)
VISITS = Spec(
    "visits",
    (
        Column(
            "elder_id_number", "老人身份证号", "code", required=True, example="431127195003150282"
        ),
        Column(
            "visited_at",
            "探访时间",
            "datetime",
            required=True,
            example="2026-03-01 09:30",
            aliases=("探访日期",),
        ),
        Column(
            "method",
            "探访方式",
            "enum",
            _choices(visit_schemas.Method),
            required=True,
            example="home_visit",
        ),
        Column(
            "volunteer_phone",
            "探访人电话",
            "code",
            example="13712345678",
            aliases=("结对人电话", "志愿者电话"),
        ),
        Column("health", "健康状况", example="血压稳定"),
        Column("mental_state", "精神状态", example="良好"),
        Column("living_conditions", "生活状况"),
        Column("family_support", "家庭支持"),
        Column("danger", "危险程度", "enum", _choices(visit_schemas.Danger), example="none"),
        Column("safety_risks", "安全隐患", "list", _choices(visit_schemas.SafetyRisk)),
        Column("needs", "服务需求", "list", _choices(visit_schemas.Need)),
        Column("services", "提供服务", "list", _choices(volunteer_schemas.Service)),
        Column("guardian_contacted", "已联系赡养人", "bool", example="否"),
        Column("follow_up", "后续跟进"),
        Column("notes", "备注"),
    ),
)
SPECS = {s.resource: s for s in (ELDERS, GUARDIANS, VOLUNTEERS, PAIRINGS, VISITS)}

TRUE = {"1", "true", "yes", "y", "是", "有", "√", "t"}
FALSE = {"0", "false", "no", "n", "否", "无", "×", "f"}
_SPLIT = re.compile(r"[,，;；、|/]")


@functools.lru_cache(maxsize=256)
def _enum_maps(
    choices: tuple[str, ...], own: tuple[tuple[str, str, str], ...] = ()
) -> tuple[dict[str, str], dict[str, str]]:
    """Codes by code or Chinese label, and by lower-case English label (first code wins):
    the column's own labels, then the shared ones."""
    exact: dict[str, str] = {c: c for c in choices}
    by_label: dict[str, str] = {}
    lowered: dict[str, str] = {}
    for code, zh, en in own:
        by_label.setdefault(zh, code)
        lowered.setdefault(en.lower(), code)
    for code in choices:
        pair = EXTRA_LABELS.get(code) or LABELS.get(code)
        if pair:
            by_label.setdefault(pair[0], code)
            lowered.setdefault(pair[1].lower(), code)
    for code in choices:  # words used before the options were unified
        for old in ALIASES.get(code, ()):
            by_label.setdefault(old, code)
    for words, code in by_label.items():
        exact.setdefault(words, code)
    return exact, lowered


def _enum_value(text: str, col: Column) -> str:
    exact, lowered = _enum_maps(col.choices, col.labels)
    found = exact.get(text)
    if found is None:
        found = lowered.get(text.lower())
    return text if found is None else found  # the schema reports a bad one, with the choices


_NOT_DATA = ("", "errors", "错误", "_errors")


def unknown_headers(spec: Spec, headers: list[str]) -> list[str]:
    """Headers of a file that name no column of the resource (their values are ignored)."""
    return [
        h
        for h in headers
        if h not in _NOT_DATA
        and not h.startswith("__")
        and spec.by_header.get(normalise_header(h)) is None
    ]


@functools.lru_cache(maxsize=64)
def _hints(resource: str, headers: tuple[str, ...]) -> dict[str, str]:
    spec = SPECS[resource]
    unknown = unknown_headers(spec, list(headers))
    if not unknown:
        return {}
    out: dict[str, str] = {}
    for col in spec.columns:
        names = [normalise_header(n) for n in (col.field, col.zh, *col.aliases)]
        best, best_score = None, 0.0
        for header in unknown:
            text = normalise_header(header)
            if not text:
                continue
            for name in names:
                score = difflib.SequenceMatcher(None, text, name).ratio()
                if text in name or name in text:
                    score = max(score, 0.6)
                if score > best_score:
                    best, best_score = header, score
        if best is not None and best_score >= 0.5:
            out[col.field] = best
    return out


def hints(spec: Spec, headers: list[str]) -> dict[str, str]:
    """For each column, the unknown header of the file most like it (if any is alike):
    a missing required field then says which column of the file was probably meant."""
    return _hints(spec.resource, tuple(headers))


def convert(spec: Spec, cells: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Cells keyed by header to values keyed by field; unknown headers are listed."""
    out: dict[str, Any] = {}
    unknown: list[str] = []
    column = spec.column
    for header, raw in cells.items():
        col = column(header) if header.__class__ is str and header else None
        if col is None:
            if raw not in (None, "") and header not in _NOT_DATA:
                unknown.append(header)
            continue
        if raw.__class__ is str and (col.kind == "str" or col.kind == "code"):
            value = raw.strip() or None  # the common case (CSV: always), inline
        else:
            value = _cell(raw, col)
        if value is not None:
            out[col.field] = value
    return out, unknown


def _cell(raw: Any, col: Column) -> Any:
    if type(raw) is str:  # the common case (CSV: always), first
        text = raw.strip()
        if text == "":
            return None
        if col.kind == "str" or col.kind == "code":
            return text
        return _text_cell(text, col)
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, datetime):
        return raw.date().isoformat() if col.kind == "date" else raw.isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, list):
        return [_enum_value(str(v).strip(), col) for v in raw] if col.kind == "list" else raw
    if isinstance(raw, float) and raw.is_integer() and col.kind in ("int", "code", "str"):
        raw = int(raw)
    if isinstance(raw, int | float | Decimal) and col.kind in ("int", "decimal"):
        return raw
    text = str(raw).strip()
    if text == "":
        return None
    return _text_cell(text, col)


def _text_cell(text: str, col: Column) -> Any:
    if col.kind == "bool":
        low = text.lower()
        return True if low in TRUE else False if low in FALSE else text
    if col.kind == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if col.kind == "decimal":
        try:
            return Decimal(text)
        except InvalidOperation:
            return text
    if col.kind in ("date", "datetime"):
        return text.replace("/", "-")  # 2026/03/01, as Chinese spreadsheets often write
    if col.kind == "enum":
        return _enum_value(text, col)
    if col.kind == "list":
        return [_enum_value(p.strip(), col) for p in _SPLIT.split(text) if p.strip()]
    return text
