"""Names of programs, statuses and criteria, and each criterion's explanation, in zh-CN and en."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eldercare.elders import labels as register_labels
from eldercare.relief.rules import NOTICE

PROGRAMS: dict[str, tuple[str, str]] = {
    "minimum_living_allowance": ("最低生活保障（低保）", "Minimum living allowance (dibao)"),
    "extreme_poverty_support": ("特困人员救助供养", "Extreme-poverty support (tekun)"),
    "old_age_allowance": ("高龄津贴", "Advanced-age allowance"),
    "disability_living_subsidy": ("困难残疾人生活补贴", "Living subsidy for disabled people"),
    "disability_care_subsidy": ("重度残疾人护理补贴", "Care subsidy for severely disabled people"),
    "medical_assistance": ("医疗救助", "Medical assistance"),
    "temporary_assistance": ("临时救助", "Temporary assistance"),
    "housing_renovation": ("农村危房改造", "Dangerous-housing renovation"),
    "elderly_care_subsidy": (
        "经济困难的高龄、失能老年人补贴",
        "Subsidy for struggling elders over 80 or disabled",
    ),
}
STATUSES: dict[str, tuple[str, str]] = {
    "eligible": ("预筛查：符合条件", "Pre-screening: meets the criteria"),
    "likely_eligible": ("预筛查：可能符合（需核实）", "Pre-screening: likely eligible (verify)"),
    "not_eligible": ("预筛查：暂不符合", "Pre-screening: does not appear eligible"),
    "unknown": ("预筛查：信息不全，无法判断", "Pre-screening: not enough information"),
}
CRITERIA: dict[str, tuple[str, str]] = {
    "resident": ("在世且户籍未迁出", "Alive and still resident"),
    "income_below_standard": (
        "家庭月人均收入低于低保标准",
        "Household income per person below the dibao standard",
    ),
    "near_poverty_band": (
        "低保边缘家庭（收入低于标准的边缘倍数）",
        "Near-dibao household (income below the factor × standard)",
    ),
    "single_person_group": (
        "单人保对象（重度残疾、重特大疾病等）",
        "May be covered alone (severe disability, major illness...)",
    ),
    "assets_within_limits": ("家庭财产符合规定", "Household assets within the limits"),
    "no_work_capacity": ("无劳动能力", "No capacity to work"),
    "no_means_of_living": ("无生活来源", "No means of living"),
    "no_able_supporter": (
        "无赡养扶养人或赡养扶养人无能力",
        "No supporter, or no supporter able to pay",
    ),
    "age_tier": ("达到高龄津贴年龄", "Reached an allowance age"),
    "financially_struggling": (
        "经济困难（低保、特困或低保边缘）",
        "Financially struggling (dibao, tekun or near-dibao)",
    ),
    "disabled": ("持证残疾人", "Registered disability"),
    "disability_certificate": ("持第二代残疾人证", "Holds a second-generation disability card"),
    "low_income_household": ("低保家庭（或扩展范围）", "Dibao household (or extended group)"),
    "severe_disability": ("一、二级重度残疾（或扩展范围）", "Grade 1-2 disability (or extended)"),
    "medical_assistance_class": ("属于医疗救助对象类别", "In a medical-assistance class"),
    "sudden_hardship": ("遭遇突发性、紧迫性困难", "Sudden, pressing hardship"),
    "housing_target_group": ("属于危房改造对象", "In a housing-renovation target group"),
    "dangerous_house": ("住房鉴定为C级或D级危房（或无房）", "House graded C or D (or no house)"),
    "advanced_age_or_disabled": (
        "80周岁以上高龄，或失能、半失能、失智",
        "Aged 80+, or disabled, partly disabled or with dementia",
    ),
    "elderly_care_group": (
        "特困、低保、低收入或计划生育特殊困难家庭",
        "Tekun, dibao, low-income or family-planning special-hardship household",
    ),
    "no_double_benefit": ("不重复享受", "No double benefits"),
}
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
    "active": ("在册", "on the register"),
    "deceased": ("已去世", "deceased"),
    "moved_out": ("已迁出", "moved out"),
    "birthday": ("自生日当天起", "from the birthday"),
    "birthday_month": ("自生日当月起", "from the birthday month"),
    "next_month": ("自生日次月起", "from the month after the birthday"),
    "intact": ("能力完好", "intact"),
    "mild": ("轻度失能", "mildly impaired"),
    "moderate": ("中度失能", "moderately impaired"),
    "severe": ("重度失能", "severely impaired"),
    "lost": ("完全失能", "ability lost"),
}


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


def _fmt(v: Any, lang: str) -> str:
    if isinstance(v, bool) or v == "likely":
        return BOOL[v][_i(lang)]
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, str):
        words = VALUES.get(v) or register_labels.LABELS.get(v)
        if words is not None:
            return words[_i(lang)]
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
    known = [(k, v) for k, v in items.items() if v is not None and k in KEYS]
    missing = [k for k, v in items.items() if v is None and k in KEYS]
    if isinstance(value, str | int) and not isinstance(value, bool):
        known.append(("value", value))
    parts = [f"{KEYS[k][i] if k in KEYS else ''} {_fmt(v, lang)}".strip() for k, v in known]
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
