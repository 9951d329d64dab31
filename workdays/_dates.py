"""Date parsing and checks shared by the JSON and CSV schedule formats."""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol

from .schedule import ScheduleError, describe_date


class Fail(Protocol):
    """An error factory bound to a file name: fail(message, line) -> ScheduleError."""

    def __call__(self, message: str, line: int | None = None) -> ScheduleError: ...


# date.fromisoformat also takes '20270101' and '2027-W01-1'; schedule files use one spelling only.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(value: object) -> date | None:
    """A YYYY-MM-DD string as a date, or None if it is not one (wrong shape or no such day)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def bad_date_message(value: object) -> str:
    """The message for a value that is not a valid YYYY-MM-DD date."""
    return f"日期无效: {value!r}，应为 YYYY-MM-DD 格式的真实日期 (invalid date, want YYYY-MM-DD)"


def outside_year_message(d: date, year: int) -> str:
    """The message for a date that is not in the schedule's year."""
    return f"日期 {d.isoformat()} 不在 {year} 年内 (date outside the year {year})"


def weekday_workday_message(d: date) -> str:
    """The message for a make-up working day that falls Monday–Friday."""
    return (
        f"调休上班日 {describe_date(d)} 是工作日，调休上班日必须是周六或周日 "
        "(a make-up working day must be a Saturday or Sunday)"
    )


def both_kinds_message(d: date, holiday_at: str, workday_at: str) -> str:
    """The message for a date listed both as a holiday and as a make-up working day."""
    return (
        f"日期 {describe_date(d)} 既是放假日（{holiday_at}）又是调休上班日（{workday_at}）"
        "(date is both a holiday and a workday)"
    )
