"""Chinese phone numbers, mobile (11 digits) or landline (area code + number), made canonical."""

from __future__ import annotations

import re
import unicodedata

MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 02x are three digits with the trunk 0, the rest four.
LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})$")


class PhoneError(ValueError):
    pass


def canonical(raw: str | None) -> str | None:
    """``13812345678`` for mobiles (country code dropped), ``0746-1234567`` for landlines."""
    if raw is None:
        return None
    if len(raw) == 11 and raw.isascii() and raw.isdigit() and raw[0] == "1" and raw[1] > "2":
        return raw  # the common case: a mobile number as stored (what MOBILE matches)
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    digits = re.sub(r"[\s\-().]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not (digits.isascii() and digits.isdigit()):  # NFKC leaves other scripts' digits
        raise PhoneError(raw)
    if MOBILE.match(digits):
        return digits
    match = LANDLINE.match(digits)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    raise PhoneError(raw)


def mask(value: str | None) -> str | None:
    """``138****5678``; landlines keep the area code and the last four digits."""
    if not value:
        return value
    if "-" in value:
        area, number = value.split("-", 1)
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}"
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
