"""XLSX writing: streamed (write-only workbooks) and the import templates."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from eldercare.bulk.columns import SPECS, zh_label
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


def template(resource: str) -> bytes:
    """Chinese headers, an example row, and drop-down lists for every enumeration."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = SPECS[resource]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "导入数据"
    options = book.create_sheet("选项")
    options.sheet_state = "hidden"
    bold = Font(bold=True)
    required = PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        cell = sheet.cell(row=1, column=i, value=col.zh)
        cell.font = bold
        cell.comment = Comment(f"{col.field}{'（必填）' if col.required else ''}", "ElderCare")
        if col.required:
            cell.fill = required
        example: Any = col.example
        if col.kind in ("enum", "list") and example:
            example = zh_label(example, col)
        if col.kind in ("int", "decimal") and example:
            example = int(example) if col.kind == "int" else float(example)
        if isinstance(example, str) and example:
            sheet.cell(row=2, column=i, value=inert(example)).data_type = "s"
        else:
            sheet.cell(row=2, column=i, value=example or None)
        sheet.column_dimensions[letter].width = max(12, len(col.zh) * 2 + 4)
        if col.kind in ("enum", "list", "bool"):
            labels = ["是", "否"] if col.kind == "bool" else [zh_label(c, col) for c in col.choices]
            for r, label in enumerate(labels, start=1):
                options.cell(row=r, column=i, value=label)
            validation = DataValidation(
                type="list",
                formula1=f"'选项'!${letter}$1:${letter}${len(labels)}",
                allow_blank=True,
                showErrorMessage=col.kind != "list",  # lists may hold several values
            )
            validation.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
