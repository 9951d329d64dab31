"""Writing tables to XLSX (openpyxl) and CSV (UTF-8 with BOM, so Excel shows the Chinese)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from inspections.spreadsheets.columns import Template
from inspections.spreadsheets.reading import DATA_SHEET

FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass
class Table:
    """A sheet: a title (the sheet's name), Chinese headers, rows of plain values."""

    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def to_csv(table: Table) -> bytes:
    """One table as CSV; several tables need XLSX (one sheet each)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_text(v) for v in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """Each table as a sheet, headers bold and frozen; every cell written as text."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(title=table.title[:31])
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            # Text, not numbers: credit codes, phone numbers and IDs must keep every character.
            sheet.append(
                [v if isinstance(v, int | float) and not isinstance(v, bool) else _text(v) for v in row]
            )
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers, start=1):
            width = max([len(header) * 2 + 2, *(len(_text(r[index - 1])) + 2 for r in table.rows[:200])])
            sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = min(width, 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(tables: Sequence[Table], fmt: str) -> bytes:
    """XLSX of every table, or CSV of the first."""
    return to_xlsx(tables) if fmt == "xlsx" else to_csv(tables[0])


def template_tables(template: Template) -> list[Table]:
    """The downloadable template: an empty data sheet, then 填写说明 (instructions and examples)."""
    data = Table(DATA_SHEET, [c.header for c in template.columns])
    help_rows = [[c.header, "必填" if c.required else "选填", c.help, c.example] for c in template.columns]
    notes = Table("填写说明", ["列名", "是否必填", "填写要求", "示例"], help_rows)
    notes.rows.append(["", "", f"可导入的角色：{template.roles}", ""])
    notes.rows.append(["", "", "第1行为表头，从第2行起每行一条；任何一行有误，整个文件都不导入", ""])
    return [data, notes]


def template_file(template: Template, fmt: str) -> bytes:
    """The template as XLSX (with its instructions sheet) or CSV (the header row only)."""
    return render(template_tables(template), fmt)
