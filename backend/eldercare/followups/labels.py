"""Chinese and English labels for the follow-ups' codes (exports; the app has the same
words in its dictionary)."""

from __future__ import annotations

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "category": {
        "hazard": ("安全隐患", "hazard"),
        "need": ("需求", "need"),
        "general": ("其他跟进", "other follow-up"),
    },
    "kind": {
        "fall_risk": ("跌倒风险", "fall risk"),
        "fire_gas": ("用火用气", "fire/gas"),
        "electrical": ("用电", "electrical"),
        "housing": ("住房", "housing"),
        "water": ("饮水", "water"),
        "heating": ("取暖", "heating"),
        "wandering": ("走失风险", "wandering"),
        "neglect": ("照料缺失", "neglect"),
        "abuse": ("疑似受侵害", "suspected abuse"),
        "other_hazard": ("其他隐患", "other hazard"),
        "daily_care": ("生活照料", "daily care"),
        "rehabilitation": ("康复", "rehabilitation"),
        "emotional_support": ("精神慰藉", "emotional support"),
        "home_modification": ("适老化改造", "home modification"),
        "medical": ("医疗", "medical"),
        "financial": ("经济困难", "financial"),
        "legal": ("法律援助", "legal aid"),
        "relief": ("社会救助", "social assistance"),
        "assistive_device": ("辅具", "assistive device"),
        "other_need": ("其他需求", "other need"),
        "general": ("其他跟进", "other follow-up"),
    },
    "severity": {
        "high": ("紧急", "urgent"),
        "medium": ("一般", "normal"),
        "low": ("较低", "low"),
    },
    "status": {
        "open": ("待处理", "open"),
        "in_progress": ("处理中", "in progress"),
        "resolved": ("已解决", "resolved"),
        "referred": ("已转介", "referred"),
        "cannot_resolve": ("无法解决", "cannot be resolved"),
    },
    "owner_type": {
        "village_worker": ("村（社区）工作人员", "village worker"),
        "volunteer": ("志愿者", "volunteer"),
        "township": ("乡镇", "township"),
        "department": ("职能部门", "department"),
    },
    "department": {
        "housing": ("住建部门", "housing"),
        "health": ("卫健部门", "health"),
        "civil_affairs": ("民政部门", "civil affairs"),
        "emergency_management": ("应急管理部门", "emergency management"),
        "public_security": ("公安部门", "public security"),
        "water_resources": ("水利部门", "water resources"),
        "power_supply": ("供电部门", "power supply"),
        "disabled_persons": ("残联", "disabled persons' federation"),
        "justice": ("司法部门", "justice"),
        "human_resources": ("人社部门", "human resources and social security"),
    },
    "level": {
        "village": ("村级", "village"),
        "township": ("已升级至乡镇", "escalated to the township"),
    },
    "found_by_type": {
        "user": ("工作人员", "staff"),
        "volunteer": ("志愿者", "volunteer"),
    },
}


def label(group: str, code: str | None, lang: str = "zh-CN") -> str:
    if code is None:
        return ""
    pair = LABELS[group].get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]
