"""The import templates: Chinese headers, an example row and drop-down lists, as XLSX."""

from __future__ import annotations

import io
from typing import Any

from eldercare.bulk.columns import SPECS, zh_label
from eldercare.sheets.inert import inert


def xlsx_template(resource: str) -> bytes:
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
