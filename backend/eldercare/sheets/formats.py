"""Reading uploaded bodies row by row, in constant memory: JSON array, NDJSON, CSV, XLSX.

CSV may be UTF-8 (with or without BOM) or GB18030/GBK, which Chinese Excel writes; the
encoding is detected from the first bytes. Rows come out as ``(row_number, cells)`` where
``cells`` maps the header as written in the file to the value; the row number is the one a
user sees in a spreadsheet (the header is row 1) or the record's position in JSON.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import accumulate
from typing import IO, Any

import ijson

from eldercare.config import get_settings
from eldercare.sheets.inert import cell, restored

FORMATS = ("json", "ndjson", "csv", "xlsx")
CONTENT_TYPES = {
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/jsonlines": "ndjson",
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# The codes of FormatError: an import that ran inline answers 422 with one of them.
UNREADABLE = frozenset(
    {
        "import.bad_csv",
        "import.bad_encoding",
        "import.bad_json",
        "import.bad_xlsx",
        "import.not_an_array",
        "import.unsupported_format",
    }
)


class FormatError(Exception):
    """The body cannot be read as the declared format (the whole import fails)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def format_of(content_type: str | None) -> str | None:
    media = (content_type or "").split(";")[0].strip().lower()
    return CONTENT_TYPES.get(media)


def detect_encoding(head: bytes) -> str:
    """utf-8-sig for a BOM, utf-8 when the start decodes as such, else GB18030 (a GBK superset)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _text_chunks(chunks: Iterable[bytes], encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        for chunk in chunks:
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FormatError("import.bad_encoding", encoding=encoding) from None
    if tail:
        yield tail


def _lines(texts: Iterable[str]) -> Iterator[str]:
    pending = ""
    for text in texts:
        pending += text
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


def _peek(chunks: Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    it = iter(chunks)
    head = b""
    for chunk in it:
        head += chunk
        if len(head) >= 65536:
            break

    def again() -> Iterator[bytes]:
        if head:
            yield head
        yield from it

    return head, again()


Row = tuple[int, dict[str, Any]]


class Reader:
    """Rows of one body; ``headers`` and ``encoding`` are known once reading has begun."""

    def __init__(self, fmt: str, chunks: Iterable[bytes]) -> None:
        self.format = fmt
        self.chunks = chunks
        self.headers: list[str] = []
        self.encoding: str | None = None

    def __iter__(self) -> Iterator[Row]:
        rows = self._rows()
        # a JSON array checks its rows for NUL itself, once the body has spelled one
        return rows if self.format == "json" else _without_nul(rows)

    def _rows(self) -> Iterator[Row]:
        if self.format == "csv":
            return self._csv()
        if self.format == "ndjson":
            return self._ndjson()
        if self.format == "json":
            return self._json()
        if self.format == "xlsx":
            return self._xlsx()
        raise FormatError("import.unsupported_format")

    def _csv(self) -> Iterator[Row]:
        head, chunks = _peek(self.chunks)
        self.encoding = detect_encoding(head)
        reader = csv.reader(_lines(_text_chunks(chunks, self.encoding)))
        try:
            header = next(reader, None)
            if header is None:
                return
            self.headers = [restored(h).strip() for h in header]
            for i, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                # an apostrophe our own export put before = + - @ (see eldercare.sheets.inert)
                cells = [restored(c) if c[:1] == "'" else c for c in cells]
                yield i, dict(zip(self.headers, cells, strict=False))
        except csv.Error:
            raise FormatError("import.bad_csv") from None

    def _ndjson(self) -> Iterator[Row]:
        self.encoding = "utf-8"
        seen: dict[str, None] = {}
        for i, line in enumerate(_lines(_text_chunks(self.chunks, "utf-8-sig")), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # (nested too deep to decode)
                yield i, {"__error__": "import.bad_json"}
                continue
            if not isinstance(record, dict):
                yield i, {"__error__": "import.not_an_object"}
                continue
            if _too_deep(record):
                yield i, {"__error__": "import.bad_json"}
                continue
            for key in record:
                if key not in seen:
                    seen[key] = None
                    self.headers.append(key)
            yield i, record

    def _json(self) -> Iterator[Row]:
        """A JSON array of objects, decoded one element at a time by ijson (yajl, in C)."""
        self.encoding = "utf-8"
        body = _JsonBody(self.chunks)
        first = body.first()
        if first != b"[":
            raise FormatError("import.bad_json" if first in (b"", b",") else "import.not_an_array")
        seen: dict[str, None] = {}
        n = 0
        try:
            for record in ijson.items(body, "item"):
                n += 1
                if not isinstance(record, dict):
                    yield n, {"__error__": "import.not_an_object"}
                    continue
                if _too_deep(record):
                    yield n, {"__error__": "import.bad_json"}
                    continue
                for key in record:
                    if key not in seen:
                        seen[key] = None
                        self.headers.append(key)
                yield n, _nul_checked(record) if body.nul else record
        except ijson.JSONError:
            raise FormatError("import.bad_json") from None

    def _xlsx(self) -> Iterator[Row]:
        from openpyxl import load_workbook

        with tempfile.TemporaryFile() as spool:
            for chunk in self.chunks:
                spool.write(chunk)
            spool.seek(0)
            check_inflation(spool)
            spool.seek(0)
            try:
                book = load_workbook(spool, read_only=True, data_only=True)
            except Exception:
                raise FormatError("import.bad_xlsx") from None
            try:
                rows = _sheet_rows(book)
                header = next(rows, None)
                if header is None:
                    return
                # headers are cells too (and go into the report's warnings): the same cap
                self.headers = ["" if h is None else _xlsx_text(str(h), 1).strip() for h in header]
                for i, values in enumerate(rows, start=2):
                    if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                        continue
                    values = tuple(_xlsx_text(v, i) if isinstance(v, str) else v for v in values)
                    yield i, dict(zip(self.headers, values, strict=False))
            finally:
                book.close()


# A record is an object of values, some of them lists: anything nested deeper is not a row
# (and later steps that walk it, such as an error file, would recurse as deep).
MAX_JSON_DEPTH = 8


# An element of a JSON array nested deeper than this is not decoded: the whole import fails
# as bad JSON (a megabyte of "[" would otherwise become a million nested lists in memory).
MAX_DECODE_DEPTH = 64


def _too_deep(record: dict[str, Any]) -> bool:
    """Whether ``record`` nests lists or objects deeper than MAX_JSON_DEPTH (no recursion).

    ijson gives the numbers that are not integers as ``Decimal``; they become ``float`` here,
    as ``json.loads`` (and so the NDJSON reader) gives them."""
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(record, 1)]
    while stack:
        value, depth = stack.pop()
        items = value.values() if type(value) is dict else value
        kinds = set(map(type, items))
        if Decimal in kinds:
            _floats(value)
        if list in kinds or dict in kinds:
            if depth >= MAX_JSON_DEPTH:
                return True
            stack.extend((v, depth + 1) for v in items if type(v) is list or type(v) is dict)
    return False


def _floats(value: dict[str, Any] | list[Any]) -> None:
    if isinstance(value, dict):
        for key, v in value.items():
            if type(v) is Decimal:
                value[key] = float(v)
    else:
        for i, v in enumerate(value):
            if type(v) is Decimal:
                value[i] = float(v)


_WHITESPACE = b" \t\r\n"
# bytes.translate's deletion set that keeps brackets, braces and quotes
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_NESTING = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))


class _JsonBody:
    """A body for ijson (its ``read``), checked on the way in: UTF-8 (else the import fails
    as ``import.bad_encoding``) and nesting at most MAX_DECODE_DEPTH levels inside the array
    (else ``import.bad_json``, before anything that deep is built). A BOM at the start is
    dropped (yajl reads JSON as RFC 8259 has it: no BOM, no NaN or Infinity)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._head = b""
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._depth = 0  # brackets open outside strings
        self._in_string = False
        self._backslash = b""  # a backslash ending the last chunk: it escapes the next byte
        self._tail = b""
        # whether the body read so far spells a NUL character (JSON can only as "\\u0000")
        self.nul = False

    def first(self) -> bytes:
        """The first byte that is not whitespace (b"" if none), still to be read."""
        head = b""
        for chunk in self._chunks:
            head += chunk
            if len(head) >= len(codecs.BOM_UTF8) and head.removeprefix(codecs.BOM_UTF8).lstrip(
                _WHITESPACE
            ):
                break
        self._head = head.removeprefix(codecs.BOM_UTF8)
        return self._head.lstrip(_WHITESPACE)[:1]

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if self._head:
            chunk, self._head = self._head, b""
        else:
            chunk = next((c for c in self._chunks if c), b"")
        self._check(chunk)
        return chunk

    def _check(self, chunk: bytes) -> None:
        pending = self._utf8.getstate()[0]
        if pending or not chunk.isascii():
            try:
                self._utf8.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                raise FormatError("import.bad_encoding", encoding="utf-8-sig") from None
        if not self.nul:
            self.nul = b"\\u0000" in chunk or b"\\u0000" in self._tail + chunk[:5]
            self._tail = chunk[-5:]
        # Brackets count outside strings only. Escaped backslashes and quotes go first (only
        # strings hold backslashes), then all but brackets and quotes, then empty pairs of
        # quotes (a string without brackets, or the gap between two strings): what is left
        # between the few quotes left is strings holding brackets.
        data = self._backslash + chunk
        self._backslash = b""
        if b"\\" in data:
            data = data.replace(b"\\\\", b"")
            if data.endswith(b"\\"):
                self._backslash, data = b"\\", data[:-1]
            data = data.replace(b'\\"', b"")
        pieces = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"").split(b'"')
        brackets = b"".join(pieces[1::2] if self._in_string else pieces[::2])
        self._in_string ^= len(pieces) % 2 == 0
        if brackets:
            depths = list(accumulate(map(_NESTING.__getitem__, brackets), initial=self._depth))
            self._depth = depths[-1]
            # the array itself is one level
            if max(depths) > MAX_DECODE_DEPTH + 1:
                raise FormatError("import.bad_json")


# Excel's own limit on the text of a cell.
MAX_CELL_CHARS = 32_767
# Parts smaller than this are not held to the compression ratio (tiny XML compresses well).
RATIO_FLOOR_BYTES = 1 << 20


def check_inflation(spool: IO[bytes]) -> None:
    """Refuse an XLSX whose parts would inflate beyond the configured size or ratio.

    The sizes are those the archive declares; reading never inflates a part beyond its
    declared size (``zipfile`` stops there, and the CRC then fails), so checking them is
    enough to bound the memory and time an upload can cost.
    """
    settings = get_settings()
    max_total = settings.import_xlsx_max_inflated_mb * 1024 * 1024
    try:
        with zipfile.ZipFile(spool) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FormatError("import.bad_xlsx") from None
    total = 0
    for part in parts:
        total += part.file_size
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_FLOOR_BYTES and ratio > settings.import_xlsx_max_ratio:
            raise FormatError(
                "import.bad_xlsx", reason="compression_ratio", limit=settings.import_xlsx_max_ratio
            )
    if total > max_total:
        raise FormatError(
            "import.bad_xlsx", reason="inflated_size", limit_mb=settings.import_xlsx_max_inflated_mb
        )


def _sheet_rows(book: Any) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows; a part that cannot be parsed is a bad file, not a crash."""
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            yield row
    except FormatError:
        raise
    except Exception:
        raise FormatError("import.bad_xlsx") from None


def _xlsx_text(value: str, row: int) -> str:
    if len(value) > MAX_CELL_CHARS:
        raise FormatError("import.bad_xlsx", reason="cell_too_long", row=row, limit=MAX_CELL_CHARS)
    return restored(value)


def _has_nul(value: Any) -> bool:
    """Whether a cell (a string, or lists of them, however deep: no recursion) holds NUL."""
    stack = [value]
    while stack:
        v = stack.pop()
        if type(v) is str:
            if "\x00" in v:
                return True
        elif isinstance(v, list):
            stack.extend(v)
    return False


# A row that failed while being read: its error code, and the column it is in (if one).
ERROR = "__error__"
ERROR_COLUMN = "__error_column__"


def _without_nul(rows: Iterator[Row]) -> Iterator[Row]:
    for row, cells in rows:
        yield row, _nul_checked(cells)


def _nul_checked(cells: dict[str, Any]) -> dict[str, Any]:
    """A row holding a NUL character (which no database text can store) fails with
    ``string.nul`` in the first column holding one (named as the file's header, without
    the NUL); its other cells stay, for the error file."""
    # first at C speed: no key holds NUL, nor any value as str() shows it (a list shows
    # its strings escaped, hence "\\x00" too, which a backslash before "x00" also gives)
    shown = "".join(map(str, cells.values()))
    if "\x00" not in shown and "\\x00" not in shown and "\x00" not in "".join(cells):
        return cells
    if any(_has_nul(v) for v in cells.values()) or any(_has_nul(k) for k in cells):
        clean = {k: v for k, v in cells.items() if not _has_nul(k) and not _has_nul(v)}
        if ERROR in cells:
            return {**clean, ERROR: cells[ERROR]}
        column = next(k for k, v in cells.items() if _has_nul(k) or _has_nul(v))
        return {**clean, ERROR: "string.nul", ERROR_COLUMN: column.replace("\x00", "")}
    return cells


def csv_line(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(["" if v is None else cell(v) for v in values])
    return out.getvalue()
