"""The import templates, as XLSX: a data sheet of Chinese headers and drop-down lists only,
and the instructions and an example row on a sheet of their own (never imported)."""

from __future__ import annotations

import io
from typing import Any

from eldercare.bulk.columns import SPECS, zh_label
from eldercare.sheets.inert import inert

INSTRUCTIONS = (
    "填写说明 / How to fill in",
    "1. 在“导入数据”工作表中从第 2 行起逐行填写，每行一人（一条记录）；不要修改表头。",
    "2. 黄色表头为必填列；带下拉箭头的列请从下拉列表中选择，多个值用顿号“、”分隔。",
    "3. 下方是一行示例，仅供参考：本工作表不会被导入。",
    "Fill in the sheet 导入数据 from row 2, one record a row; yellow headers are required. "
    "The example below is never imported.",
)


def xlsx_template(resource: str) -> bytes:
    """The data sheet (first, the one an import reads): Chinese headers and drop-down lists
    for every enumeration, no rows; the instructions sheet: how to fill it in, and the
    headers again over an example row, which an import never reads."""
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
    guide = book.create_sheet("填写说明")
    for r, line in enumerate(INSTRUCTIONS, start=1):
        guide.cell(row=r, column=1, value=line)
    head_row = len(INSTRUCTIONS) + 2
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
        guide.cell(row=head_row, column=i, value=col.zh).font = bold
        if isinstance(example, str) and example:
            guide.cell(row=head_row + 1, column=i, value=inert(example)).data_type = "s"
        else:
            guide.cell(row=head_row + 1, column=i, value=example or None)
        guide.column_dimensions[letter].width = max(12, len(col.zh) * 2 + 4)
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
