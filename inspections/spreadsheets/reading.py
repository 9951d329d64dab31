"""Reading an uploaded XLSX or CSV file into rows of text cells, with their spreadsheet row numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from inspections.error_codes import InspectionErrorCode as Code
from schema.errors import CodedError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
DATA_SHEET = "数据"


class FileUnreadable(CodedError, ValueError):
    """The file as a whole cannot be read: a stable code and a Chinese reason."""

    def __init__(self, code: StrEnum, message: str) -> None:
        super().__init__(message, code=code)


@dataclass
class Sheet:
    """The header row and the non-empty data rows, each with its 1-based row number."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: dates ISO, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet(table: list[tuple[int, list[str]]]) -> Sheet:
    if not table:
        raise FileUnreadable(Code.FILE_EMPTY, "文件中没有表头行")
    (_, headers), *rest = table
    rows = [(number, cells) for number, cells in rest if any(cells)]
    if len(rows) > MAX_ROWS:
        raise FileUnreadable(Code.FILE_TOO_LARGE, f"一次最多导入{MAX_ROWS}行，文件有{len(rows)}行")
    return Sheet([h.strip() for h in headers], rows)


def _xlsx(data: bytes) -> Sheet:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileUnreadable(Code.FILE_UNREADABLE, "无法读取该XLSX文件，请用模板另存为.xlsx") from exc
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        table = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise FileUnreadable(Code.FILE_TOO_LARGE, f"一次最多导入{MAX_ROWS}行")
            table.append((number, [cell_text(v) for v in values]))
    finally:
        book.close()
    return _sheet(table)


def _csv(data: bytes) -> Sheet:
    # Excel in China saves CSV as GB18030 (GBK); everything else, and our templates, as UTF-8 with BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise FileUnreadable(Code.FILE_ENCODING, "无法识别CSV文件的编码，请保存为UTF-8")
    if "\x00" in text:
        raise FileUnreadable(Code.FILE_UNREADABLE, "文件不是CSV文本")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        table = [(reader.line_num, [cell.strip() for cell in row]) for row in reader]
    except csv.Error as exc:
        raise FileUnreadable(Code.FILE_UNREADABLE, f"CSV格式有误：{exc}") from exc
    return _sheet(table)


def read_table(data: bytes, filename: str) -> Sheet:
    """The rows of an XLSX (by content) or CSV file; refuses what it cannot read."""
    if len(data) > MAX_BYTES:
        raise FileUnreadable(Code.FILE_TOO_LARGE, f"文件不能超过{MAX_BYTES // 1024 // 1024}MB")
    if not data.strip():
        raise FileUnreadable(Code.FILE_EMPTY, "文件是空的")
    if data[:4] == b"PK\x03\x04":
        return _xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileUnreadable(Code.FILE_UNREADABLE, "无法读取该XLSX文件，请用模板另存为.xlsx")
    return _csv(data)
