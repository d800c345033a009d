"""Resident ID numbers (GB 11643-1999): normalisation, checksum, 15-digit upgrade, derived facts.

The checksum is ISO 7064 MOD 11-2: weights 2^(18-i) mod 11 for positions 1-17; the check
character is ``"10X98765432"[sum % 11]``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
MIN_BIRTH_YEAR = 1880


def check_char(first17: str) -> str:
    """The check character of 17 digits.

    The weights are 2^(17-i) mod 11, and 13 = 2 (mod 11), so the weighted sum is, mod 11,
    twice the digits read as a base-13 number: one call into C instead of a loop.
    """
    if len(first17) != len(WEIGHTS) or not (first17.isascii() and first17.isdigit()):
        raise ValueError("17 digits expected")
    return CHECK_CHARS[2 * int(first17, 13) % 11]


def normalise(raw: str) -> str:
    """Full-width digits and letters to ASCII (NFKC), spaces and dashes removed, x to X."""
    if raw.isascii() and raw.isalnum():  # the common case: nothing to normalise
        return raw.upper()
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_").upper()


class IdNumberError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class IdNumber:
    value: str  # the 18-character number
    original: str | None  # the 15-digit number it was upgraded from, if any
    birth_date: date
    sex: str  # "male" or "female"

    @property
    def address_code(self) -> str:
        return self.value[:6]


def parse(raw: str, today: date | None = None) -> IdNumber:
    """Validate and derive; raises :class:`IdNumberError` with a stable code."""
    s = normalise(raw)
    if not s.isascii():  # digits of other scripts (NFKC leaves them) are not ID digits
        raise IdNumberError("id_number.format")
    original = None
    if len(s) == 15:
        if not s.isdigit():
            raise IdNumberError("id_number.format")
        original = s
        first17 = s[:6] + "19" + s[6:15]
        s = first17 + check_char(first17)
    if len(s) != 18:
        raise IdNumberError("id_number.length")
    if not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        raise IdNumberError("id_number.format")
    if s[0] == "0":
        raise IdNumberError("id_number.format")
    try:
        birth = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise IdNumberError("id_number.birth_date") from None
    if birth.year < MIN_BIRTH_YEAR or birth > (today or date.today()):
        raise IdNumberError("id_number.birth_date")
    if check_char(s[:17]) != s[17]:
        raise IdNumberError("id_number.checksum")
    return IdNumber(s, original, birth, "male" if int(s[16]) % 2 else "female")


def age_on(birth: date, on: date) -> int:
    """Age in full years (周岁); 29 February birthdays turn over on 1 March in common years."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def make(address_code: str, birth: date, sequence: int, male: bool) -> str:
    """Build a valid number (test and demo data): ``sequence`` 0-499 picks the 3-digit code."""
    seq = (sequence % 500) * 2 + (1 if male else 0)
    first17 = f"{address_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def mask(value: str | None) -> str | None:
    """``110***********1234``: first 3 and last 4 kept."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
