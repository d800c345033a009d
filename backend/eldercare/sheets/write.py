"""Files out, streamed: CSV (UTF-8 with a BOM, as Excel expects), NDJSON and XLSX, from a
header and rows of values. Every user string in a CSV or XLSX cell is made inert (no
formulas, see :mod:`eldercare.sheets.inert`). An unmasked export carries a watermark (who,
when) on its first line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from eldercare.context import RequestCtx
from eldercare.sheets.formats import csv_line
from eldercare.sheets.inert import cell


def with_head(columns: tuple[str, ...], rows: Iterator[bytes], mark: str | None) -> Iterator[bytes]:
    """A CSV file from rows already written as CSV: the BOM, the mark and the header first."""
    yield ("\ufeff" + (f"# {mark}\n" if mark else "") + csv_line(columns)).encode()
    yield from rows


def watermark(ctx: RequestCtx) -> str:
    p = ctx.actor
    at = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    who = " ".join(p.shown_name.split())  # the mark is one line of the file
    return f"明文导出 / unmasked export: {who} ({p.id}), {at}"


def capital(words: str, lang: str) -> str:
    """Words that open a cell: in English with a capital ("staff" -> "Staff"), as the
    dictionary's words inside a sentence are not."""
    return words[:1].upper() + words[1:] if lang == "en" else words


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(map(str, value))
    return value


def as_csv(
    columns: tuple[str, ...], rows: Iterator[list[Any]], mark: str | None
) -> Iterator[bytes]:
    head = "\ufeff" + (f"# {mark}\n" if mark else "") + csv_line(columns)
    yield head.encode()
    buf = io.StringIO()
    writer = csv.writer(buf)
    for n, row in enumerate(rows, start=1):
        writer.writerow([cell(_plain(v)) for v in row])
        if n % 2000 == 0:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode()


def as_ndjson(
    columns: tuple[str, ...], rows: Iterator[list[Any]], mark: str | None
) -> Iterator[bytes]:
    if mark:
        yield (json.dumps({"_watermark": mark}, ensure_ascii=False) + "\n").encode()
    buf: list[str] = []
    for row in rows:
        buf.append(
            json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str)
        )
        if len(buf) >= 1000:
            yield ("\n".join(buf) + "\n").encode()
            buf = []
    if buf:
        yield ("\n".join(buf) + "\n").encode()


def as_xlsx(
    columns: tuple[str, ...], rows: Iterator[list[Any]], mark: str | None
) -> Iterator[bytes]:
    from eldercare.sheets.xlsx import write_rows

    def table() -> Iterator[list[Any]]:
        if mark:
            yield [mark]
        yield list(columns)
        for row in rows:
            yield [_plain(v) for v in row]

    yield from write_rows(table())
