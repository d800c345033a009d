"""Chinese and English labels for the register's codes, and reason rendering."""

from __future__ import annotations

from typing import Any

LABELS: dict[str, tuple[str, str]] = {
    # categories
    "left_behind": ("留守", "left-behind"),
    "empty_nest": ("空巢", "empty-nest"),
    "living_alone": ("独居", "living alone"),
    "advanced_age": ("高龄", "advanced age"),
    "disabled": ("失能/残疾", "disabled"),
    "severe_disability": ("重度残疾", "severely disabled"),
    "extreme_poverty": ("特困", "extreme poverty"),
    "low_income": ("低保", "low income"),
    "registered_poor": ("建档立卡/监测户", "registered poor or monitored"),
    "family_planning_special": ("计划生育特殊家庭", "family-planning special family"),
    "special_difficulty": ("特殊困难", "special difficulty"),
    # self care
    "independent": ("能自理", "independent"),
    "partly_dependent": ("半失能", "partly dependent"),
    "dependent": ("失能", "dependent"),
    # relations
    "son": ("儿子", "son"),
    "daughter": ("女儿", "daughter"),
    "son_in_law": ("女婿", "son-in-law"),
    "daughter_in_law": ("儿媳", "daughter-in-law"),
    "spouse": ("配偶", "spouse"),
    "grandchild": ("孙子女", "grandchild"),
    "sibling": ("兄弟姐妹", "sibling"),
    "relative": ("其他亲属", "relative"),
    "neighbour": ("邻居", "neighbour"),
    "other": ("其他", "other"),
    # conditions
    "hypertension": ("高血压", "hypertension"),
    "severe_hypertension": ("严重高血压", "severe hypertension"),
    "heart_disease": ("心脏病", "heart disease"),
    "diabetes": ("糖尿病", "diabetes"),
    "stroke": ("中风", "stroke"),
    "dementia": ("失智（阿尔茨海默病等）", "dementia"),
    "cancer": ("癌症", "cancer"),
    "copd": ("慢阻肺", "COPD"),
    "severe_mental_illness": ("严重精神障碍", "severe mental illness"),
    "arthritis": ("关节炎", "arthritis"),
    "vision_hearing_loss": ("视听障碍", "vision or hearing loss"),
    # risk tiers
    "high": ("高风险", "high-risk"),
    "key": ("重点", "key"),
    "general": ("一般", "general"),
    # why a pairing ended (set by the system; people write their own reasons)
    "moved": ("老人迁往他村", "the elder moved to another village"),
    # benefit programs that are categories of the register
    "extreme_poverty_support": ("特困人员供养", "extreme-poverty support"),
    "minimum_living_allowance": ("最低生活保障", "the minimum living allowance"),
    # contacts with the children: how, and what the entry came from
    "phone": ("电话", "phone call"),
    "video": ("视频", "video call"),
    "sms": ("短信", "text message"),
    "wechat": ("微信", "WeChat"),
    "visit_in_person": ("当面", "in person"),
    "manual": ("登记", "logged by hand"),
    "visit": ("探访", "visit"),
    "incident": ("紧急事件", "emergency"),
    # the caretaker agreement (委托照料协议) filter
    "missing": ("未签委托照料协议", "no caretaker agreement"),
    "present": ("已签委托照料协议", "caretaker agreement signed"),
    # services (visits, pairings and the county's service plan)
    "cleaning": ("打扫卫生", "cleaning"),
    "laundry": ("洗衣", "laundry"),
    "cooking_meals": ("做饭送餐", "cooking and meals"),
    "medicine_delivery": ("代购送药", "medicine delivery"),
    "haircut": ("理发", "haircut"),
    "blood_pressure_glucose": ("测量血压血糖", "blood pressure and glucose"),
    "shopping": ("代购", "shopping"),
    "companionship": ("陪伴聊天", "companionship"),
    "legal_aid": ("法律援助", "legal aid"),
    "repairs": ("维修", "repairs"),
    "necessities": ("采购发放生活必需品", "necessities delivered"),
    "health_checkup": ("健康体检", "health check-up"),
    "family_doctor": ("家庭医生随访", "family-doctor follow-up"),
    # scopes
    "county": ("县", "county"),
    "township": ("乡镇", "township"),
}

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
            params[key] = sep.join(label(v, lang) for v in value)
        elif isinstance(value, str):
            params[key] = label(value, lang)
        else:
            params[key] = value
    text = template[1] if lang == "en" else template[0]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
