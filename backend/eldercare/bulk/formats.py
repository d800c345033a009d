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
from collections.abc import Iterable, Iterator
from typing import Any

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
        return _without_nul(self._rows())

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
            self.headers = [h.strip() for h in header]
            for i, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
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
            except ValueError:
                yield i, {"__error__": "import.bad_json"}
                continue
            if not isinstance(record, dict):
                yield i, {"__error__": "import.not_an_object"}
                continue
            for key in record:
                if key not in seen:
                    seen[key] = None
                    self.headers.append(key)
            yield i, record

    def _json(self) -> Iterator[Row]:
        """A JSON array of objects, decoded one element at a time."""
        self.encoding = "utf-8"
        decoder = json.JSONDecoder()
        texts = _text_chunks(self.chunks, "utf-8-sig")
        buf = ""
        pos = 0
        started = False
        n = 0
        seen: dict[str, None] = {}

        def more() -> bool:
            nonlocal buf, pos
            chunk = next(texts, None)
            if chunk is None:
                return False
            buf = buf[pos:] + chunk
            pos = 0
            return True

        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                if buf[pos] == "," and not started:
                    raise FormatError("import.bad_json")
                pos += 1
            if pos >= len(buf):
                if not more():
                    raise FormatError("import.bad_json")
                continue
            if not started:
                if buf[pos] != "[":
                    raise FormatError("import.not_an_array")
                started = True
                pos += 1
                continue
            if buf[pos] == "]":
                return
            try:
                record, end = decoder.raw_decode(buf, pos)
            except ValueError:
                if more():
                    continue
                raise FormatError("import.bad_json") from None
            # a number at the end of the buffer may continue in the next chunk
            if end == len(buf) and not isinstance(record, dict | list) and more():
                continue
            pos = end
            n += 1
            if not isinstance(record, dict):
                yield n, {"__error__": "import.not_an_object"}
                continue
            for key in record:
                if key not in seen:
                    seen[key] = None
                    self.headers.append(key)
            yield n, record

    def _xlsx(self) -> Iterator[Row]:
        from openpyxl import load_workbook

        with tempfile.TemporaryFile() as spool:
            for chunk in self.chunks:
                spool.write(chunk)
            spool.seek(0)
            try:
                book = load_workbook(spool, read_only=True, data_only=True)
            except Exception:
                raise FormatError("import.bad_xlsx") from None
            try:
                sheet = book.worksheets[0]
                rows = sheet.iter_rows(values_only=True)
                header = next(rows, None)
                if header is None:
                    return
                self.headers = ["" if h is None else str(h).strip() for h in header]
                for i, values in enumerate(rows, start=2):
                    if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                        continue
                    yield i, dict(zip(self.headers, values, strict=False))
            finally:
                book.close()


def _has_nul(value: Any) -> bool:
    if type(value) is str:
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _without_nul(rows: Iterator[Row]) -> Iterator[Row]:
    """A row holding a NUL character (which no database text can store) fails with
    ``string.nul``; its other cells stay, for the error file."""
    for row, cells in rows:
        if any(_has_nul(v) for v in cells.values()) or any(_has_nul(k) for k in cells):
            clean = {k: v for k, v in cells.items() if not _has_nul(k) and not _has_nul(v)}
            cells = {**clean, "__error__": cells.get("__error__", "string.nul")}
        yield row, cells


def csv_line(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(["" if v is None else v for v in values])
    return out.getvalue()
