"""The CSV holiday schedule (放假安排) format; see workdays/README.md."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date

from ._dates import (
    Fail,
    bad_date_message,
    both_kinds_message,
    outside_year_message,
    parse_iso_date,
    weekday_workday_message,
)
from .schedule import ScheduleError, YearSchedule

HOLIDAY = "holiday"
WORKDAY = "workday"
# Spreadsheets made in China often mark days with 休 (rest) and 班 (work), as printed calendars do.
_KINDS = {"holiday": HOLIDAY, "休": HOLIDAY, "workday": WORKDAY, "班": WORKDAY}
_HEADERS = (("date", "kind", "name"), ("date", "kind"))
# "# source: 国办发明电〔2026〕N号" and "# year: 2027"; a full-width colon is accepted too.
_META = re.compile(r"#\s*(source|year|来源|年份)\s*[:：]\s*(.*)", re.IGNORECASE)
_META_KEYS = {"source": "source", "来源": "source", "year": "year", "年份": "year"}


@dataclass
class _Row:
    line: int
    day: date
    kind: str


def parse_csv_schedule(text: str, filename: str) -> YearSchedule:
    """Parse a CSV schedule; errors name the line number of the offending row."""

    def fail(message: str, line: int | None = None) -> ScheduleError:
        return ScheduleError(message, filename=filename, line=line)

    meta: dict[str, tuple[int, str]] = {}
    header: tuple[str, ...] | None = None
    rows: list[_Row] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        stripped = raw_line.strip()
        if stripped.startswith("#"):
            _read_meta(stripped, number, meta, fail)
            continue
        # One physical line per record keeps error line numbers exact; names never need newlines.
        fields = [field.strip() for field in next(csv.reader([raw_line]), [])]
        if not any(fields):
            continue  # blank line, or ",," left by a spreadsheet
        if header is None:
            header = tuple(field.lower() for field in fields)
            if header not in _HEADERS:
                raise fail(
                    f"第一行应为表头 date,kind,name，实际为 {raw_line.strip()!r} "
                    "(missing or wrong header, expected date,kind,name)",
                    number,
                )
            continue
        rows.append(_read_row(fields, len(header), number, fail))

    if header is None:
        raise fail("文件没有表头和数据 (no header and no rows)")
    if not rows:
        raise fail("文件只有表头，没有任何日期 (no date rows)")
    year = _decide_year(meta, rows, fail)
    if "source" not in meta:
        raise fail(
            "缺少来源: 请在文件开头加一行 '# source: 国办发明电〔…〕…号' (missing '# source:' comment line)"
        )
    return _build(year, meta["source"][1], rows, fail)


def _read_meta(line: str, number: int, meta: dict[str, tuple[int, str]], fail: Fail) -> None:
    """Record a '# source:' or '# year:' line; any other '#' line is a plain comment."""
    match = _META.fullmatch(line)
    if match is None:
        return
    key = _META_KEYS[match.group(1).lower()]
    value = match.group(2).strip()
    if key in meta:
        raise fail(f"'# {key}:' 出现了两次 (duplicate '# {key}:' line)", number)
    if not value:
        raise fail(f"'# {key}:' 的值为空 (empty '# {key}:' value)", number)
    meta[key] = (number, value)


def _read_row(fields: list[str], width: int, number: int, fail: Fail) -> _Row:
    """One data row: a date and its kind; the name column is informational."""
    # Trailing empty cells come from spreadsheets; real extra values mean a shifted column.
    while len(fields) > width and not fields[-1]:
        fields.pop()
    if len(fields) > width or len(fields) < 2:
        raise fail(f"列数不对: 应为 {width} 列，实际 {len(fields)} 列 (wrong number of columns)", number)
    day = parse_iso_date(fields[0])
    if day is None:
        raise fail(bad_date_message(fields[0]), number)
    kind = _KINDS.get(fields[1].lower())
    if kind is None:
        raise fail(
            f"未知类型 {fields[1]!r}，应为 holiday/休 或 workday/班 "
            "(unknown kind, expected holiday, workday, 休 or 班)",
            number,
        )
    if kind == WORKDAY and day.weekday() < 5:
        raise fail(weekday_workday_message(day), number)
    return _Row(line=number, day=day, kind=kind)


def _decide_year(meta: dict[str, tuple[int, str]], rows: list[_Row], fail: Fail) -> int:
    """The '# year:' value if given (every date must be in it), else the one year of all dates."""
    if "year" in meta:
        line, text = meta["year"]
        if not re.fullmatch(r"\d{4}", text):
            raise fail(f"'# year:' 应为四位年份，实际为 {text!r} (year must be 4 digits)", line)
        year = int(text)
        for row in rows:
            if row.day.year != year:
                raise fail(outside_year_message(row.day, year), row.line)
        return year
    first = rows[0]
    for row in rows:
        if row.day.year != first.day.year:
            raise fail(
                f"文件混合了多个年份: {first.day.year}（第{first.line}行）和 {row.day.year}"
                f"（第{row.line}行），一个文件只能有一年 (mixed years in one file)",
                row.line,
            )
    return first.day.year


def _build(year: int, source: str, rows: list[_Row], fail: Fail) -> YearSchedule:
    """Check holiday/workday conflicts and build the schedule."""
    first_line: dict[date, _Row] = {}
    for row in rows:
        seen = first_line.setdefault(row.day, row)
        if seen.kind != row.kind:
            holiday, workday = (seen, row) if seen.kind == HOLIDAY else (row, seen)
            raise fail(
                both_kinds_message(row.day, f"第{holiday.line}行", f"第{workday.line}行"),
                row.line,
            )
    holidays = frozenset(row.day for row in rows if row.kind == HOLIDAY)
    if not holidays:
        raise fail("没有任何放假日 (no holiday rows; a schedule always has holidays)")
    try:
        return YearSchedule(
            year=year,
            holidays=holidays,
            workdays=frozenset(row.day for row in rows if row.kind == WORKDAY),
            source=source,
        )
    except ScheduleError as exc:
        raise fail(exc.problem) from None
