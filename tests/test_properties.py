"""Property-based tests: ID numbers, phones, cursors and keyset order, reader chunk boundaries.

Every test runs a fixed, derandomized set of examples (no example database), so a run in CI
is the same as a run on a laptop; a failure prints the smallest example Hypothesis found.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import re
import string
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from unittest.mock import patch

import pytest
from eldercare import identity, phones
from eldercare.bulk.service import CHUNK_BYTES
from eldercare.elders.models import Elder
from eldercare.elders.service import SORTS
from eldercare.errors import BadRequest
from eldercare.pagination import Kind, decode_cursor, encode_cursor, keyset, order_kinds
from eldercare.sheets import formats
from eldercare.sheets.formats import Reader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import VILLAGE, auth, make_elder, make_user

TODAY = date(2026, 11, 29)

FAST = settings(derandomize=True, database=None, deadline=None, max_examples=200)
# Tests that write to the database: few examples, each in a savepoint of the test's transaction.
DB = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def reference_check_char(first17: str) -> str:
    """The check character as the standard states it (design/domain.md §1)."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


# --- ID numbers ------------------------------------------------------------------------------

address_codes = st.from_regex(r"\A[1-9][0-9]{5}\Z")
births = st.dates(min_value=date(identity.MIN_BIRTH_YEAR, 1, 1), max_value=TODAY)
valid_numbers = st.builds(identity.make, address_codes, births, st.integers(0, 499), st.booleans())
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789xX"}
SEPARATORS = [" ", "\u3000", "-", "_", "\t"]


@st.composite
def as_typed(draw: st.DrawFn, number: str) -> str:
    """``number`` as a person might type it: full-width characters, lowercase x, separators."""
    out = []
    for ch in number:
        if draw(st.booleans()):
            ch = ch.lower()
        if draw(st.booleans()):
            ch = FULL_WIDTH.get(ch, ch)
        out.append(ch)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
    return (
        draw(st.sampled_from(["", " ", "\u3000"])) + "".join(out) + draw(st.sampled_from(["", " "]))
    )


class TestIdNumbers:
    @FAST
    @given(address_codes, births, st.integers(0, 499), st.booleans())
    def test_parse_of_make_round_trips(
        self, address: str, birth: date, sequence: int, male: bool
    ) -> None:
        number = identity.make(address, birth, sequence, male)
        parsed = identity.parse(number, today=TODAY)
        assert parsed.value == number
        assert parsed.original is None
        assert parsed.address_code == address
        assert parsed.birth_date == birth
        assert parsed.sex == ("male" if male else "female")

    @FAST
    @given(st.from_regex(r"\A[0-9]{17}\Z"))
    def test_check_char_is_the_standard_one(self, first17: str) -> None:
        assert identity.check_char(first17) == reference_check_char(first17)

    @FAST
    @given(valid_numbers, st.integers(0, 16), st.integers(1, 9))
    def test_any_single_digit_change_fails_the_checksum(
        self, number: str, position: int, shift: int
    ) -> None:
        digit = str((int(number[position]) + shift) % 10)
        changed = number[:position] + digit + number[position + 1 :]
        # MOD 11-2 catches every single-digit error: the same check character never fits
        assert identity.check_char(changed[:17]) != number[17]
        with pytest.raises(identity.IdNumberError):
            identity.parse(changed, today=TODAY)
        # and the changed digits are a valid number only with their own check character,
        # when they still start with a province and hold a real birth date
        fixed = changed[:17] + identity.check_char(changed[:17])
        try:
            birth = date(int(fixed[6:10]), int(fixed[10:12]), int(fixed[12:14]))
            plausible = fixed[0] != "0" and date(identity.MIN_BIRTH_YEAR, 1, 1) <= birth <= TODAY
        except ValueError:
            plausible = False
        if plausible:
            assert identity.parse(fixed, today=TODAY).value == fixed
        else:
            with pytest.raises(identity.IdNumberError):
                identity.parse(fixed, today=TODAY)

    @FAST
    @given(valid_numbers, st.sampled_from("0123456789X"))
    def test_any_other_check_character_fails(self, number: str, check: str) -> None:
        if check == number[17]:
            return
        with pytest.raises(identity.IdNumberError) as exc:
            identity.parse(number[:17] + check, today=TODAY)
        assert exc.value.code == "id_number.checksum"

    @FAST
    @given(valid_numbers.flatmap(lambda n: st.tuples(st.just(n), as_typed(n))))
    def test_typed_forms_parse_to_the_same_number(self, pair: tuple[str, str]) -> None:
        number, typed = pair
        assert identity.normalise(typed) == number
        assert identity.parse(typed, today=TODAY).value == number

    @FAST
    @given(
        st.text(st.sampled_from([*string.digits, *FULL_WIDTH.values(), "x", "X", *SEPARATORS, "a"]))
    )
    def test_normalise_is_idempotent_on_typed_text(self, raw: str) -> None:
        once = identity.normalise(raw)
        assert identity.normalise(once) == once
        assert once.isascii()

    @FAST
    @given(st.text())
    def test_normalise_is_idempotent_on_what_can_be_a_number(self, raw: str) -> None:
        # Non-ASCII results are rejected by parse whatever they are (NFKC composes some
        # characters that upper() decomposed, so those may change again): they do not count.
        once = identity.normalise(raw)
        if once.isascii():
            assert identity.normalise(once) == once

    @FAST
    @given(st.text())
    def test_parse_raises_only_its_own_error(self, raw: str) -> None:
        try:
            parsed = identity.parse(raw, today=TODAY)
        except identity.IdNumberError:
            return
        assert identity.parse(parsed.value, today=TODAY).value == parsed.value
        assert parsed.value.isascii()
        assert len(parsed.value) == 18

    @FAST
    @given(
        address_codes,
        st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
        st.from_regex(r"\A[0-9]{3}\Z"),
        st.data(),
    )
    def test_15_digit_numbers_upgrade_by_the_standard_rule(
        self, address: str, birth: date, sequence: str, data: Any
    ) -> None:
        old = f"{address}{birth:%y%m%d}{sequence}"
        first17 = f"{address}19{birth:%y%m%d}{sequence}"
        parsed = identity.parse(old, today=TODAY)
        assert parsed.value == first17 + reference_check_char(first17)
        assert parsed.original == old
        assert parsed.birth_date == birth
        assert parsed.sex == ("male" if int(sequence[-1]) % 2 else "female")
        # the upgraded number is itself valid, and typed forms of the old one upgrade alike
        assert identity.parse(parsed.value, today=TODAY).value == parsed.value
        assert identity.parse(data.draw(as_typed(old)), today=TODAY) == parsed


# --- Phones ----------------------------------------------------------------------------------

mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
landlines = st.tuples(
    st.one_of(st.from_regex(r"\A0(10|2[0-9])\Z"), st.from_regex(r"\A0[3-9][0-9]{2}\Z")),
    st.from_regex(r"\A[1-9][0-9]{6,7}\Z"),
)
PHONE_SEPARATORS = [" ", "-", "\u3000", "－", "(", ")", "."]


@st.composite
def dressed(draw: st.DrawFn, digits: str, prefixes: list[str]) -> str:
    """Digits as written on a form: a country prefix, separators, full-width digits."""
    out = [draw(st.sampled_from(prefixes))]
    for ch in digits:
        out.append(FULL_WIDTH[ch] if draw(st.booleans()) else ch)
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(PHONE_SEPARATORS)))
    return " " * draw(st.integers(0, 1)) + "".join(out) + " " * draw(st.integers(0, 1))


CANONICAL = r"\A(1[3-9][0-9]{9}|0(10|2[0-9]|[3-9][0-9]{2})-[0-9]{7,8})\Z"


class TestPhones:
    @FAST
    @given(
        mobiles.flatmap(
            lambda m: st.tuples(st.just(m), dressed(m, ["", "+86", "0086", "86", "＋８６", "+86 "]))
        )
    )
    def test_mobiles_in_any_dress_are_the_plain_number(self, pair: tuple[str, str]) -> None:
        number, written = pair
        assert phones.canonical(number) == number
        assert phones.canonical(written) == number

    @FAST
    @given(landlines.flatmap(lambda t: st.tuples(st.just(t), dressed(t[0] + t[1], [""]))))
    def test_landlines_in_any_dress_keep_area_and_number(
        self, pair: tuple[tuple[str, str], str]
    ) -> None:
        (area, number), written = pair
        assert phones.canonical(written) == f"{area}-{number}"
        assert phones.canonical(f"{area}-{number}") == f"{area}-{number}"

    @FAST
    @given(
        st.one_of(
            st.text(),
            st.text(
                st.characters(categories=["Nd", "Zs", "Pd"]) | st.sampled_from("+()0123456789")
            ),
        )
    )
    def test_canonical_is_idempotent_and_ascii(self, raw: str) -> None:
        try:
            once = phones.canonical(raw)
        except phones.PhoneError:
            return
        if once is None:
            return
        assert re.match(CANONICAL, once), once
        assert phones.canonical(once) == once

    @FAST
    @given(
        st.one_of(mobiles, landlines.map("".join)),
        st.data(),
    )
    def test_digits_of_other_scripts_are_not_phone_digits(self, number: str, data: Any) -> None:
        # NFKC maps full-width digits to ASCII but leaves Arabic-Indic, Devanagari, ... digits
        other = data.draw(
            st.characters(categories=["Nd"]).filter(
                lambda c: not unicodedata.normalize("NFKC", c).isascii()
            )
        )
        at = data.draw(st.integers(2, len(number) - 1))
        with pytest.raises(phones.PhoneError):
            phones.canonical(number[:at] + other + number[at + 1 :])


# --- Cursors ---------------------------------------------------------------------------------

ints = st.integers(-(2**63), 2**63 - 1)
texts = st.text(st.characters(blacklist_characters="\x00"))
aware = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)
VALUES: dict[type, st.SearchStrategy[Any]] = {
    bool: st.booleans(),
    int: ints,
    float: st.floats(allow_nan=False, allow_infinity=False),
    str: texts,
    date: st.dates(),
    datetime: aware,
}


@st.composite
def kinds_and_values(draw: st.DrawFn) -> tuple[list[Kind], list[Any]]:
    kinds = draw(
        st.lists(
            st.builds(Kind, st.sampled_from(list(VALUES)), st.booleans(), st.booleans()),
            min_size=1,
            max_size=4,
        )
    )
    values = []
    for kind in kinds:
        strategy = VALUES[kind.type]
        if kind.type is datetime and not kind.aware:
            strategy = st.one_of(strategy, st.datetimes())
        if kind.nullable:
            strategy = st.none() | strategy
        values.append(draw(strategy))
    return kinds, values


# The kinds of every sort order the application pages by.
def _app_orders() -> list[list[Kind]]:
    from eldercare.audit.models import AuditEvent
    from eldercare.auth.models import IntegrationClient, User
    from eldercare.elders.models import ElderChange, ElderMerge
    from eldercare.incidents.models import Incident
    from eldercare.regions.models import Region
    from eldercare.relief.models import ReliefScreening
    from eldercare.visits.models import ElderSchedule, Visit
    from eldercare.volunteers.models import Pairing, Volunteer

    orders = [sort() for sort in SORTS.values()]
    orders += [
        [(User.username, "asc")],
        [(IntegrationClient.client_id, "asc")],
        [(AuditEvent.id, "desc")],
        [(Region.code, "asc")],
        [(ElderChange.id, "desc")],
        [(ElderMerge.merged_at, "desc"), (ElderMerge.id, "desc")],
        [(Incident.due_at, "asc"), (Incident.id, "asc")],
        [(Incident.reported_at, "desc"), (Incident.id, "desc")],
        [(ReliefScreening.village_code, "asc"), (ReliefScreening.elder_id, "asc")],
        [(Volunteer.name, "asc"), (Volunteer.id, "asc")],
        [(Pairing.start_date, "desc"), (Pairing.id, "asc")],
        [(Visit.visited_at, "desc"), (Visit.id, "desc")],
        [(ElderSchedule.next_due_date, "asc"), (ElderSchedule.elder_id, "asc")],
    ]
    return [order_kinds(order) for order in orders]  # type: ignore[arg-type]


APP_KINDS = _app_orders()


@st.composite
def app_kinds_and_values(draw: st.DrawFn) -> tuple[list[Kind], list[Any]]:
    kinds = draw(st.sampled_from(APP_KINDS))
    values = []
    for kind in kinds:
        strategy = VALUES[kind.type]
        values.append(draw(st.none() | strategy if kind.nullable else strategy))
    return kinds, values


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["d", "dt", "x", ""]) | st.text(), inner, max_size=3)
    ),
    max_leaves=12,
)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class TestCursors:
    @FAST
    @given(app_kinds_and_values())
    def test_round_trip_for_every_order_the_app_pages_by(
        self, pair: tuple[list[Kind], list[Any]]
    ) -> None:
        kinds, values = pair
        assert {k.type for ks in APP_KINDS for k in ks} >= {str, int, date, datetime}
        decoded = decode_cursor(encode_cursor(values), kinds)
        assert decoded == values
        assert [type(v) for v in decoded] == [type(v) for v in values]

    @FAST
    @given(kinds_and_values())
    def test_round_trip_for_every_kind(self, pair: tuple[list[Kind], list[Any]]) -> None:
        kinds, values = pair
        decoded = decode_cursor(encode_cursor(values), kinds)
        assert decoded == values
        assert [type(v) for v in decoded] == [type(v) for v in values]
        # an aware datetime keeps its offset, not only its instant
        for a, b in zip(decoded, values, strict=True):
            if isinstance(b, datetime):
                assert a.utcoffset() == b.utcoffset()

    @FAST
    @given(
        st.one_of(
            st.text(),
            st.text(string.ascii_letters + string.digits + "-_="),
            st.binary().map(b64),
            json_values.map(lambda v: b64(json.dumps(v).encode())),
            st.lists(json_values, max_size=4).map(lambda v: b64(json.dumps(v).encode())),
        ),
        st.sampled_from(APP_KINDS) | st.integers(0, 3),
    )
    def test_decoding_anything_is_a_value_or_bad_cursor(
        self, cursor: str, kinds: list[Kind] | int
    ) -> None:
        try:
            values = decode_cursor(cursor, kinds)
        except BadRequest as exc:
            code = exc.code
        else:
            code = None
        if code is not None:
            assert code == "bad_cursor"
            return
        assert len(values) == (kinds if isinstance(kinds, int) else len(kinds))
        if not isinstance(kinds, int):
            for kind, value in zip(kinds, values, strict=True):
                kind.check(value)


# --- Keyset order ----------------------------------------------------------------------------

# 张伟 and 章伟 read alike (zhangwei): ties in the pinyin order, not only equal names.
NAMES = ["张伟", "章伟", "王芳", "李秀英", "张秀英"]
BIRTHS = ["1940-02-29", "1950-03-15", "1950-03-16", "1962-11-01"]


@st.composite
def register(draw: st.DrawFn) -> list[tuple[str, str, bool]]:
    return draw(
        st.lists(
            st.tuples(st.sampled_from(NAMES), st.sampled_from(BIRTHS), st.booleans()),
            min_size=0,
            max_size=12,
        )
    )


class TestKeysetOrder:
    @DB
    @given(register(), st.sampled_from(sorted(SORTS)), st.lists(st.integers(1, 5), min_size=1))
    def test_paging_the_list_yields_the_ordered_query(
        self, db: Session, client, people, sort: str, sizes: list[int]
    ) -> None:
        with db.begin_nested() as savepoint:
            user = make_user(db, "village_worker", VILLAGE)
            for name, birth, male in people:
                make_elder(db, name=name, birth=birth, male=male)
            order = SORTS[sort]()
            expected = list(
                db.scalars(
                    select(Elder.id)
                    .where(Elder.village_code == VILLAGE, Elder.merged_into_id.is_(None))
                    .order_by(*[c.asc() if d == "asc" else c.desc() for c, d in order])
                )
            )
            headers = auth(user)
            seen: list[str] = []
            cursor = None
            for i in range(len(expected) + 2):
                params: dict[str, Any] = {"sort": sort, "limit": sizes[i % len(sizes)]}
                if cursor:
                    params["cursor"] = cursor
                r = client.get("/api/v1/elders", params=params, headers=headers)
                assert r.status_code == 200, r.text
                page = r.json()
                seen += [item["id"] for item in page["items"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            assert seen == expected
            savepoint.rollback()

    @DB
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(NAMES),
                st.sampled_from(
                    [
                        datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                        datetime(2025, 1, 1, 8, tzinfo=UTC),
                        datetime(2025, 1, 1, 8, 0, 0, 1, tzinfo=UTC),
                    ]
                ),
                st.integers(0, 3),
            ),
            max_size=12,
        ),
        st.sampled_from(["asc", "desc"]),
        st.sampled_from(["asc", "desc"]),
        st.lists(st.integers(1, 4), min_size=1),
    )
    def test_keyset_by_datetime_and_int_with_ties(
        self, db: Session, people, first: str, second: str, sizes: list[int]
    ) -> None:
        """Mixed and equal directions, an aware datetime, an int and a string key."""
        with db.begin_nested() as savepoint:
            for name, created, grade in people:
                make_elder(db, name=name, created_at=created, risk_rank=grade)
            order: list[Any] = [
                (Elder.created_at, first),
                (Elder.risk_rank, second),
                (Elder.name_pinyin, first),
                (Elder.id, second),
            ]
            stmt = select(Elder.id, Elder.created_at, Elder.risk_rank, Elder.name_pinyin).where(
                Elder.village_code == VILLAGE
            )
            expected = [
                row.id
                for row in db.execute(
                    stmt.order_by(*[c.asc() if d == "asc" else c.desc() for c, d in order])
                )
            ]
            seen: list[str] = []
            cursor = None
            for i in range(len(expected) + 2):
                page = keyset(
                    db, stmt, order, limit=sizes[i % len(sizes)], cursor=cursor, scalars=False
                )
                seen += [row.id for row in page.items]
                cursor = page.next_cursor
                if not cursor:
                    break
            assert seen == expected
            savepoint.rollback()


# --- Readers over chunks ---------------------------------------------------------------------

# Text a reader must carry through any split: CJK (3 bytes in UTF-8, 2 in GB18030), a
# character outside the BMP (4 bytes in both), quotes, commas, newlines, JSON escapes.
cell_text = st.text(
    st.sampled_from(["a", "1", " ", ",", '"', "\n", "\r", "张", "秀", "𠀀", "é", "\\", "\t", "'"]),
    max_size=12,
)
HEADERS = ["姓名", "备注", "phone"]
# Text that looks like nesting to a reader that does not skip strings properly.
json_text = st.text(st.sampled_from(list('[]{}"\\,: a张𠀀\n')), max_size=12)


def split(body: bytes, cuts: list[int], start: int = 0) -> list[bytes]:
    """``body`` in pieces cut at ``cuts`` (offsets from ``start``; the first piece ends after
    ``start`` at the earliest, so a reader's peek at the start does not join them back)."""
    points = sorted({start + c for c in cuts if 0 < start + c < len(body)})
    edges = [0, *points, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(edges)]


def read(fmt: str, chunks: list[bytes]) -> tuple[list[Any], list[str], str | None]:
    reader = Reader(fmt, iter(chunks))
    rows = list(reader)
    return rows, reader.headers, reader.encoding


def csv_body(rows: list[list[str]], encoding: str, filler: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    # a first row long enough that the reader's 64 KiB peek ends before the rows under test
    writer.writerow(["王芳", "x" * filler, "13800000000"])
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


PEEK = 65536
cuts = st.lists(st.integers(0, 2000), max_size=40)


class TestReaderChunks:
    @FAST
    @given(
        st.lists(st.lists(cell_text, min_size=3, max_size=3), max_size=8),
        st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
        cuts,
    )
    def test_csv_rows_do_not_depend_on_chunk_edges(
        self, rows: list[list[str]], encoding: str, at: list[int]
    ) -> None:
        body = csv_body(rows, encoding, PEEK)
        whole = read("csv", [body])
        assert read("csv", split(body, at, start=PEEK + 16)) == whole
        assert read("csv", split(body, list(range(1, 4000)), start=PEEK + 16)) == whole
        assert whole[2] == encoding

    @FAST
    @given(
        st.lists(st.dictionaries(st.sampled_from(HEADERS), cell_text | st.integers()), max_size=6),
        st.booleans(),
        cuts,
    )
    def test_ndjson_rows_do_not_depend_on_chunk_edges(
        self, records: list[dict[str, Any]], bom: bool, at: list[int]
    ) -> None:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        body = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
        whole = read("ndjson", [body])
        assert [r for _, r in whole[0]] == records
        assert read("ndjson", split(body, at)) == whole
        assert read("ndjson", [body[i : i + 1] for i in range(len(body))]) == whole

    @FAST
    @given(
        st.lists(
            st.dictionaries(
                st.sampled_from(HEADERS),
                # (NaN and Infinity are not JSON: the array reader refuses them)
                cell_text
                | st.integers()
                | st.floats(allow_nan=False, allow_infinity=False)
                | st.booleans(),
            )
            # elements that are not objects are rows in error, and must end where they end
            | st.integers()
            | st.floats(allow_nan=False, allow_infinity=False)
            | cell_text
            | st.none(),
            max_size=6,
        ),
        st.sampled_from(["", " ", "\n  "]),
        cuts,
    )
    def test_json_array_rows_do_not_depend_on_chunk_edges(
        self, records: list[Any], indent: str, at: list[int]
    ) -> None:
        body = (
            "["
            + indent
            + ("," + indent).join(json.dumps(r, ensure_ascii=False) for r in records)
            + indent
            + "]"
        ).encode()
        whole = read("json", [body])
        assert [r for _, r in whole[0]] == [
            r if isinstance(r, dict) else {"__error__": "import.not_an_object"} for r in records
        ]
        assert read("json", split(body, at)) == whole
        assert read("json", [body[i : i + 1] for i in range(len(body))]) == whole

    @FAST
    @given(
        st.lists(
            st.dictionaries(
                st.sampled_from(HEADERS),
                st.recursive(
                    json_text | st.integers() | st.floats(allow_nan=False, allow_infinity=False),
                    lambda inner: st.lists(inner, max_size=3),
                    max_leaves=8,
                ),
            ),
            max_size=5,
        ),
        st.booleans(),
        cuts,
    )
    def test_json_array_strings_are_not_nesting_across_any_edge(
        self, records: list[dict[str, Any]], ascii_only: bool, at: list[int]
    ) -> None:
        """Brackets, quotes and backslashes in strings (escaped as JSON does, or as \\uXXXX)
        split anywhere: every row as ``json.loads`` reads it, or the file refused as nested
        too deep, with the decode depth lowered to 3 so that a string's brackets counted as
        nesting would show."""
        body = json.dumps(records, ensure_ascii=ascii_only).encode()
        expected = list(enumerate(json.loads(body), start=1))
        refused = max(map(_depth, records), default=0) > 3
        with patch.object(formats, "MAX_DECODE_DEPTH", 3):
            for chunks in ([body], split(body, at), [body[i : i + 1] for i in range(len(body))]):
                if refused:
                    with pytest.raises(formats.FormatError):
                        read("json", chunks)
                else:
                    assert read("json", chunks)[0] == expected


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _record_bytes(fmt: str, record: dict[str, str]) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerow(list(record.values()))
        return out.getvalue().encode()
    return (json.dumps(record, ensure_ascii=False) + ("\n" if fmt == "ndjson" else ",")).encode()


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "json"])
def test_a_record_split_across_the_stored_chunk_edge(fmt: str) -> None:
    """The body as it is stored and read back, in pieces of CHUNK_BYTES (1 MiB): a record
    with a quoted newline straddles the edge, which falls inside a four-byte character."""
    record = {"姓名": "张秀英", "备注": 'line one\n"𠀀" line two', "phone": "13812345678"}
    line = _record_bytes(fmt, record)
    head = {"csv": "姓名,备注,phone\n", "ndjson": "", "json": "["}[fmt].encode()
    pad = _record_bytes(fmt, {"姓名": "王芳", "备注": "x" * 1000, "phone": "13800000000"})
    # padding records, the last one cut to size, until the edge is two bytes into the
    # four-byte character of the record under test
    want = CHUNK_BYTES - line.index("𠀀".encode()) - 2
    count, rest = divmod(want - len(head), len(pad))
    last = _record_bytes(fmt, {"姓名": "王芳", "备注": "x" * (1000 + rest), "phone": "13800000000"})
    before = head + pad * (count - 1) + last
    assert len(before) == want
    body = before + line * 3
    body = body[:-1] + b"]" if fmt == "json" else body
    stored = [body[i : i + CHUNK_BYTES] for i in range(0, len(body), CHUNK_BYTES)]
    assert len(stored) == 2
    with pytest.raises(UnicodeDecodeError):
        stored[0].decode()  # the edge splits a character
    whole = read(fmt, [body])
    assert read(fmt, stored) == whole
    assert [r["备注"] for _, r in whole[0][count:]] == [record["备注"]] * 3
