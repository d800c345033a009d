"""Chinese and English labels of the roster kinds and discrepancy kinds (the app's and the
API's words for them; ``frontend/src/i18n`` carries the same)."""

from __future__ import annotations

KINDS: dict[str, tuple[str, str]] = {
    "deaths": ("死亡人员名单（殡葬/公安）", "deaths (funeral services, police)"),
    "hukou_out": ("户口迁出名单（公安）", "hukou moved out (police)"),
    "dibao": ("低保对象名单", "minimum living allowance (低保) recipients"),
    "tekun": ("特困供养人员名单", "extreme-poverty support (特困) recipients"),
    "disability": (
        "残疾人证名单（残联）",
        "disability certificates (disabled persons' federation)",
    ),
}

DISCREPANCIES: dict[str, tuple[str, str]] = {
    "deceased_but_active": ("名单显示已死亡，本系统仍在册", "deceased per the roster, active here"),
    "paid_but_deceased": ("已死亡仍在发放待遇", "deceased, still paid here"),
    "moved_but_active": (
        "名单显示户口已迁出，本系统仍在册",
        "moved out per the roster, active here",
    ),
    "paid_not_on_roster": ("本系统在发放，名单中没有", "paid here, not on the recipient roster"),
    "on_roster_no_benefit": (
        "名单中有，本系统未记录待遇",
        "on the roster, no benefit recorded here",
    ),
    "grade_differs": ("残疾等级与证件不一致", "disability grade differs from the certificate"),
}

STATUSES: dict[str, tuple[str, str]] = {
    "open": ("待处理", "open"),
    "applied": ("已更正", "applied"),
    "dismissed": ("已忽略", "dismissed"),
}


def label(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    pair = table.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]
