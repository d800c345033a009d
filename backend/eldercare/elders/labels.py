"""Chinese and English labels for the register's codes, and reason rendering."""

from __future__ import annotations

from typing import Any

from eldercare.labels import flat
from eldercare.labels import inline as _inline

# The register's codes in one mapping (reasons name them without their enumeration); the
# words are the one dictionary's.
LABELS: dict[str, tuple[str, str]] = flat(
    "category",
    "selfCare",
    "relation",
    "health",
    "risk",
    "pairingEnd",
    "program",
    "contactMethod",
    "contactSource",
    "caretaker",
    "service",
    "scope",
)

REASONS: dict[str, tuple[str, str]] = {
    "lb.too_young": ("未满 {min_age} 周岁（{age} 岁）", "under {min_age} ({age})"),
    "lb.extreme_poverty": ("特困供养人员不计为留守", "extreme-poverty recipients are not counted"),
    "lb.no_children": (
        "无在世子女或其他赡养义务人",
        "no living children or other supporters owing support",
    ),
    "lb.child_nearby": ("有赡养人（{relation}）在本地", "a supporter ({relation}) lives nearby"),
    "lb.child_away_recently": (
        "赡养人（{relation}）外出未满 {months} 个月",
        "a supporter ({relation}) has been away for less than {months} months",
    ),
    "lb.unknown": (
        "{count} 名子女的去向或外出时间不详",
        "where or since when {count} children are away is unknown",
    ),
    "lb.all_away": (
        "{count} 名子女均离开本{scope}满 {months} 个月",
        "all {count} children away from the {scope} for {months}+ months",
    ),
    "cat.lives_alone": ("独居", "lives alone"),
    "cat.lives_with_spouse_only": ("仅与配偶同住", "lives with spouse only"),
    "cat.age": ("{age} 岁（≥{threshold}）", "aged {age} (≥{threshold})"),
    "cat.self_care": ("生活自理能力：{level}", "self-care: {level}"),
    "cat.disability_grade": ("残疾等级 {grade} 级", "disability grade {grade}"),
    "cat.manual": ("人工标记：{note}", "set by hand: {note}"),
    "cat.benefit": ("享受{program}（自 {since} 起）", "receives {program} (since {since})"),
    "cat.special_difficulty": ("属于{groups}", "in {groups}"),
    "risk.old_and_alone": ("{age} 岁且{categories}", "aged {age} and {categories}"),
    "risk.condition": ("患有{condition}", "has {condition}"),
    "risk.category": ("属于{category}", "is {category}"),
    "risk.general": ("无高风险或重点因素", "no high-risk or key factor"),
    "due.never_visited": ("尚未探访（{tier}）", "never visited ({tier})"),
    "due.tier": ("{tier}对象每 {days} 天至少探访一次", "{tier} elders: a visit every {days} days"),
    "due.category": (
        "{category}老年人每 {days} 天至少探访一次",
        "{category} elders: a visit every {days} days",
    ),
    "service.never_done": ("尚未记录过{service}", "{service}: never recorded"),
    "service.every": ("{service}每 {days} 天一次", "{service}: every {days} days"),
    "due.monthly": (
        "特殊困难老年人每月至少探访一次",
        "special-difficulty elders: a visit every month",
    ),
    "due.event": ("发生紧急事件，{hours} 小时内须探访", "an event: a visit within {hours} hours"),
    "due.needs_helper": (
        "迁入本村，原结对帮扶已解除，须安排新的帮扶人",
        "moved here and their pairing ended: a new helper is needed",
    ),
    "risk.override": ("人工调整：{note}", "set by hand: {note}"),
    "risk.no_one_at_home": (
        "患重病或生活不能自理，子女均外出且无委托照料人",
        "seriously ill or unable to look after themselves, with every child away and no "
        "entrusted caretaker",
    ),
    "home.ill_children_away": (
        "患有{condition}，{count} 名赡养人均外出，无委托照料人",
        "has {condition}; all {count} supporters away and no entrusted caretaker",
    ),
    "home.dependent_children_away": (
        "生活自理能力：{level}，{count} 名赡养人均外出，无委托照料人",
        "self-care: {level}; all {count} supporters away and no entrusted caretaker",
    ),
}


def label(code: Any, lang: str) -> str:
    pair = LABELS.get(str(code))
    if pair is None:
        return str(code)
    return pair[1] if lang == "en" else pair[0]


def render(reason: dict[str, Any], lang: str) -> str:
    template = REASONS.get(reason.get("code", ""))
    if template is None:
        return str(reason.get("code", ""))
    params = {}
    sep = ", " if lang == "en" else "、"
    for key, value in (reason.get("params") or {}).items():
        if isinstance(value, list):
            params[key] = sep.join(_inline(label(v, lang), lang) for v in value)
        elif isinstance(value, str):
            params[key] = _inline(label(value, lang), lang)
        else:
            params[key] = value
    text = template[1] if lang == "en" else template[0]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
