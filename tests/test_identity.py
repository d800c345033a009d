"""ID numbers, phones and pinyin: the register's identity rules."""

from __future__ import annotations

from datetime import date

import pytest
from eldercare import identity, phones
from eldercare.names import pinyin

TODAY = date(2026, 11, 29)


class TestIdNumber:
    @pytest.mark.parametrize(
        ("raw", "value", "birth", "sex"),
        [
            ("11010519491231002X", "11010519491231002X", date(1949, 12, 31), "female"),
            ("440524188001010014", "440524188001010014", date(1880, 1, 1), "male"),
            ("34052419800101001X", "34052419800101001X", date(1980, 1, 1), "male"),
            (
                "11010519491231002x",
                "11010519491231002X",
                date(1949, 12, 31),
                "female",
            ),  # lowercase x
            (
                "１１０１０５１９４９１２３１００２Ｘ",
                "11010519491231002X",
                date(1949, 12, 31),
                "female",
            ),  # full width
            (
                " 110105 19491231 002X ",
                "11010519491231002X",
                date(1949, 12, 31),
                "female",
            ),  # spaces
            (
                "632123820927051",
                "632123198209270518",
                date(1982, 9, 27),
                "male",
            ),  # 15-digit upgrade
        ],
    )
    def test_valid_numbers_are_normalised_and_derived(self, raw, value, birth, sex):
        parsed = identity.parse(raw, TODAY)
        assert parsed.value == value
        assert parsed.birth_date == birth
        assert parsed.sex == sex

    def test_fifteen_digit_original_is_kept(self):
        assert identity.parse("632123820927051", TODAY).original == "632123820927051"

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("110105194912310021", "id_number.checksum"),
            ("110105194902300028", "id_number.birth_date"),  # 30 February
            ("110105203001010011", "id_number.birth_date"),  # in the future
            ("110105187001010011", "id_number.birth_date"),  # before 1880
            ("1101051949123100", "id_number.length"),
            ("11010519491231002Y", "id_number.format"),
            ("X10105194912310021", "id_number.format"),
            ("01010519491231002X", "id_number.format"),
            ("11010519491231002\u0661", "id_number.format"),  # an Arabic-Indic digit
            ("\u0661" * 15, "id_number.format"),
        ],
    )
    def test_invalid_numbers_have_stable_codes(self, raw, code):
        with pytest.raises(identity.IdNumberError) as err:
            identity.parse(raw, TODAY)
        assert err.value.code == code

    def test_check_character_equals_the_weighted_sum_for_every_digit_and_position(self):
        weights = [2 ** (17 - i) % 11 for i in range(17)]
        base = "43112719500315014"
        for i in range(17):
            for digit in "0123456789":
                first17 = base[:i] + digit + base[i + 1 :]
                total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
                assert identity.check_char(first17) == "10X98765432"[total % 11]

    def test_generated_numbers_agree_with_python_stdnum_style_checksum(self):
        number = identity.make("431127", date(1950, 3, 15), 7, male=True)
        first17 = number[:17]
        expected = "10X98765432"[
            sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17)) % 11
        ]
        assert number[17] == expected
        assert identity.parse(number, TODAY).sex == "male"

    @pytest.mark.parametrize(
        ("birth", "on", "age"),
        [
            (date(1946, 11, 29), TODAY, 80),
            (date(1946, 11, 30), TODAY, 79),
            (date(1948, 2, 29), date(2027, 2, 28), 78),
            (date(1948, 2, 29), date(2027, 3, 1), 79),
            (date(1948, 2, 29), date(2028, 2, 29), 80),
        ],
    )
    def test_age_in_full_years(self, birth, on, age):
        assert identity.age_on(birth, on) == age

    def test_mask(self):
        assert identity.mask("11010519491231002X") == "110***********002X"


class TestPhones:
    @pytest.mark.parametrize(
        ("raw", "canonical"),
        [
            ("13812345678", "13812345678"),
            ("+86 138-1234-5678", "13812345678"),
            ("0086 13812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("19912345678", "19912345678"),
            ("17012345678", "17012345678"),
            ("0746-1234567", "0746-1234567"),
            ("074612345678", "0746-12345678"),
            ("010 12345678", "010-12345678"),
            ("", None),
            (None, None),
        ],
    )
    def test_canonical(self, raw, canonical):
        assert phones.canonical(raw) == canonical

    @pytest.mark.parametrize("raw", ["12345678901", "1381234567", "phone", "0746-123"])
    def test_invalid(self, raw):
        with pytest.raises(phones.PhoneError):
            phones.canonical(raw)

    def test_mask(self):
        assert phones.mask("13812345678") == "138****5678"
        assert phones.mask("0746-1234567") == "0746-***4567"


class TestPinyin:
    @pytest.mark.parametrize(
        ("name", "full", "initials"),
        [
            ("张秀英", "zhangxiuying", "zxy"),
            ("欧阳秀珍", "ouyangxiuzhen", "oyxz"),
            ("单桂兰", "shanguilan", "sgl"),
            ("曾德明", "zengdeming", "zdm"),
            ("吕建国", "lvjianguo", "ljg"),
        ],
    )
    def test_full_and_initials(self, name, full, initials):
        assert pinyin(name) == (full, initials)
