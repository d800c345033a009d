"""XLSX writing: streamed, in write-only workbooks, every string stored as text."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from eldercare.sheets.inert import inert

PIECE = 1 << 16


def write_rows(rows: Iterable[list[Any]], title: str = "data") -> Iterator[bytes]:
    """A one-sheet workbook of ``rows``, built in constant memory, then sent in pieces."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
        while piece := out.read(PIECE):
            yield piece


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, list | dict):
        value = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    if isinstance(value, str):
        return text_cell(sheet, value)
    return value


def text_cell(sheet: Any, value: str) -> Any:
    """A string for a row of the write-only ``sheet``, stored as text: never a formula.

    The string is made inert first, so ``=`` no longer leads. openpyxl then types every
    string as text except the error literals (``#N/A``, ``#REF!``...): those (and anything
    still starting with ``=``) go as a cell explicitly typed as text. Other strings go as
    they are: a cell object for every string would make an export half as slow again.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    value = inert(value)
    if value[:1] != "=" and value not in ERROR_CODES:
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell
