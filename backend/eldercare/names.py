"""Pinyin of Chinese names for search and sorting ("zxy" finds 张秀英)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

# Surnames read differently from the same character elsewhere.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "乐": "yue",
    "翟": "zhai",
    "缪": "miao",
    "尉": "yu",
    "繁": "po",
    "覃": "qin",
    "种": "chong",
    "员": "yun",
    "召": "shao",
    "折": "she",
    "隗": "wei",
}


def pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lowercase, no spaces: ("zhangxiuying", "zxy")."""
    name = name.strip()
    if not name:
        return "", ""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    if name[0] in SURNAME_READINGS and len(name) > 1:
        syllables[0] = SURNAME_READINGS[name[0]]
    syllables = [p.replace("ü", "v").lower() for s in syllables for p in s.split() if p]
    return "".join(syllables), "".join(s[0] for s in syllables)
