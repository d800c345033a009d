"""Names of programs, statuses and criteria, and each criterion's explanation, in zh-CN and en."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eldercare.elders import labels as register_labels
from eldercare.labels import ENUMS, inline
from eldercare.relief.rules import NOTICE

PROGRAMS: dict[str, tuple[str, str]] = ENUMS["program"]
STATUSES: dict[str, tuple[str, str]] = ENUMS["programStatus"]
CRITERIA: dict[str, tuple[str, str]] = ENUMS["criterion"]
VERDICT = {
    True: ("符合", "met"),
    False: ("不符合", "not met"),
    None: ("信息不全", "not enough information"),
}
KEYS: dict[str, tuple[str, str]] = {
    "income_per_capita": ("月人均收入", "income per person per month"),
    "income_at_least": ("月人均收入至少", "income per person at least"),
    "standard": ("低保标准", "dibao standard"),
    "factor": ("边缘倍数", "factor"),
    "deposits_per_capita": ("人均存款", "deposits per person"),
    "deposit_limit": ("存款限额", "deposit limit"),
    "owns_vehicle": ("拥有车辆", "owns a vehicle"),
    "houses": ("住房套数", "houses"),
    "age": ("年龄", "age"),
    "tier": ("津贴档次（岁）", "tier (age)"),
    "min_age": ("年龄门槛", "age threshold"),
    "disability_grade": ("残疾等级", "disability grade"),
    "grade": ("残疾等级", "disability grade"),
    "type": ("残疾类别", "disability type"),
    "disability_type": ("残疾类别", "disability type"),
    "major_illness": ("重特大疾病", "major illness"),
    "clergy_apart": ("宗教教职人员", "clergy"),
    "ability_level": ("能力评估等级", "ability level"),
    "minimum_living": ("低保", "dibao"),
    "extreme_poverty": ("特困", "tekun"),
    "near_poverty": ("低保边缘", "near-dibao"),
    "near": ("低保边缘", "near-dibao"),
    "monitoring": ("防返贫监测", "poverty monitoring"),
    "dispersed": ("分散供养", "cared for at home (not in an institution)"),
    "enrolled": ("已纳入医疗救助", "enrolled in medical assistance"),
    "self_care": ("生活自理能力", "self-care"),
    "dementia": ("失智", "dementia"),
    "family_planning_special": ("计划生育特殊困难家庭", "family-planning special hardship"),
    "poverty_monitoring": ("防返贫监测", "poverty monitoring"),
    "class": ("救助类别", "class"),
    "costs_12m": ("12个月自付医疗费用", "12-month out-of-pocket costs"),
    "threshold": ("因病致贫门槛", "threshold"),
    "date": ("日期", "date"),
    "hardship": ("困难类型", "kind of hardship"),
    "start_date": ("起始日期", "start date"),
    "start_rule": ("起始规则", "start rule"),
    "register_hint": (
        "户籍登记的家庭人均月收入（仅供参考，不作判断依据）",
        "the register's household income per person per month (a hint, not used)",
    ),
}
DOUBLE_BENEFIT = (
    "已享受{programs}，与本项目可能不得重复享受；国家规定尚不明确，按从严理解提示核实"
    "（通常择高享受其一）",
    "already receives {programs}, which may not be combined with this program; the national "
    "rule is unclear, so it is read strictly and flagged for checking (usually the higher one "
    "is kept)",
)
PRECEDENCE = (
    "{other}{status}；一人只享受一项基本生活救助，特困优先",
    "{other}: {status}; one basic-living program per person, tekun first",
)
BASIC_PAIR = {
    "minimum_living_allowance": "extreme_poverty_support",
    "extreme_poverty_support": "minimum_living_allowance",
}
BOOL = {True: ("是", "yes"), False: ("否", "no"), "likely": ("可能", "likely")}
# Coded values a criterion may show (its inputs), in words; the register's own codes (e.g.
# self-care) come from its labels.
VALUES: dict[str, tuple[str, str]] = {
    **ENUMS["criterionValue"],
    **ENUMS["oldAgeStart"],
    **ENUMS["abilityLevel"],
}
# A criterion's input whose codes are their own enumeration's ("none" is 非监测对象 for the
# monitoring, 无 for a hardship).
KEY_GROUPS: dict[str, str] = {
    "monitoring": "povertyMonitoring",
    "poverty_monitoring": "povertyMonitoring",
    "hardship": "hardship",
    "housing_grade": "housingGrade",
    "ability_level": "abilityLevel",
    "self_care": "selfCare",
    "type": "disabilityType",
    "disability_type": "disabilityType",
}


# A key whose meaning depends on the criterion: "type" is the kind of hardship (not a
# disability type) in the sudden-hardship criterion.
CRITERION_KEYS: dict[str, dict[str, str]] = {"sudden_hardship": {"type": "hardship"}}


def _i(lang: str) -> int:
    return 1 if lang == "en" else 0


def program_label(code: str, lang: str) -> str:
    return PROGRAMS.get(code, (code, code))[_i(lang)]


def status_label(code: str, lang: str) -> str:
    return STATUSES[code][_i(lang)]


def notice(lang: str) -> str:
    return NOTICE[_i(lang)]


def criterion_label(code: str, lang: str) -> str:
    return CRITERIA.get(code, (code, code))[_i(lang)]


def _fmt(v: Any, lang: str, key: str = "") -> str:
    group = ENUMS.get(KEY_GROUPS.get(key, ""), {})
    if isinstance(v, str) and v in group:
        return inline(group[v][_i(lang)], lang)
    if isinstance(v, bool) or v == "likely":
        return BOOL[v][_i(lang)]
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, str):
        words = VALUES.get(v) or register_labels.LABELS.get(v)
        if words is not None:
            return inline(words[_i(lang)], lang)
    return str(v)


def detail(code: str, passed: bool | None, value: Any, params: dict[str, Any], lang: str) -> str:
    """``<label>: met (income per person per month 420.00; dibao standard 560.00)``; for an
    open criterion, the inputs that are missing."""
    i = _i(lang)
    if code == "no_double_benefit" and isinstance(value, dict):
        names = ("、" if i == 0 else ", ").join(
            program_label(p, lang) for p in value.get("receiving", [])
        )
        sentence = DOUBLE_BENEFIT[i].format(programs=names)
        return f"{criterion_label(code, lang)}{'：' if i == 0 else ': '}{sentence}"
    text = f"{criterion_label(code, lang)}{'：' if i == 0 else ': '}{VERDICT[passed][i]}"
    items = dict(value) if isinstance(value, dict) else ({"value": value} if value else {})
    items.update({k: v for k, v in params.items() if k in KEYS})
    renamed = CRITERION_KEYS.get(code, {})
    items = {renamed.get(k, k): v for k, v in items.items()}
    known = [(k, v) for k, v in items.items() if v is not None and k in KEYS]
    missing = [k for k, v in items.items() if v is None and k in KEYS]
    if isinstance(value, str | int) and not isinstance(value, bool):
        known.append(("value", value))
    parts = [f"{KEYS[k][i] if k in KEYS else ''} {_fmt(v, lang, k)}".strip() for k, v in known]
    if passed is None and missing:
        label = "缺少" if i == 0 else "missing"
        parts.append(f"{label}: {', '.join(KEYS[k][i] for k in missing)}")
    if parts:
        sep = "；" if i == 0 else "; "
        text += ("（" if i == 0 else " (") + sep.join(parts) + ("）" if i == 0 else ")")
    return text


def basic_living_note(program: str, other_status: str | None, lang: str) -> str:
    """For 低保 or 特困 in a list: the other program's pre-screening status."""
    other = BASIC_PAIR.get(program)
    if other is None or other_status is None:
        return ""
    i = _i(lang)
    status = STATUSES[other_status][i]
    if i == 0:
        status = status.removeprefix("预筛查：")
        return PRECEDENCE[0].format(other=program_label(other, lang) + "：", status=status)
    status = status.removeprefix("Pre-screening: ")
    return PRECEDENCE[1].format(other=program_label(other, lang), status=status)
