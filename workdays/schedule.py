"""One year's official holiday schedule (放假安排) and the error raised for a bad one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

WEEKDAY_NAMES_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class ScheduleError(ValueError):
    """A malformed holiday schedule (放假安排); the message says what is wrong and where."""

    def __init__(self, message: str, *, filename: str | None = None, line: int | None = None):
        self.problem = message
        self.filename = filename
        self.line = line
        # Prefix with where the problem is, so `gongshi calendar load` can print str(err) as is.
        where = ""
        if filename is not None and line is not None:
            where = f"{filename} 第{line}行 (line {line}): "
        elif filename is not None:
            where = f"{filename}: "
        elif line is not None:
            where = f"第{line}行 (line {line}): "
        super().__init__(where + message)


def describe_date(d: date) -> str:
    """Render a date with its weekday, e.g. '2027-01-04（周一）', for error messages."""
    return f"{d.isoformat()}（{WEEKDAY_NAMES_ZH[d.weekday()]}）"


@dataclass(frozen=True)
class YearSchedule:
    """One year's State Council holiday schedule (国务院办公厅 放假安排通知)."""

    year: int
    # Every day off in the holiday blocks (放假日), including the weekend days inside a block.
    holidays: frozenset[date]
    # Make-up working days (调休上班): weekend days that are working days.
    workdays: frozenset[date]
    # Where the data comes from, e.g. "国办发明电〔2025〕7号" or "chinese_calendar 1.11.0".
    source: str

    def __post_init__(self) -> None:
        # Accept any iterable from hand-written code, but store frozensets so the value is hashable
        # and truly immutable.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise ScheduleError(f"年份必须是整数: {self.year!r} (year must be an integer)")
        if not 1900 <= self.year <= 9998:
            raise ScheduleError(f"年份不合理: {self.year} (year out of range 1900–9998)")
        if not isinstance(self.source, str) or not self.source.strip():
            raise ScheduleError("缺少来源（通知文号）(source is missing or empty)")
        _check_dates(self.year, self.holidays, "放假日 (holiday)")
        _check_dates(self.year, self.workdays, "调休上班日 (make-up working day)")
        both = sorted(self.holidays & self.workdays)
        if both:
            listed = ", ".join(describe_date(d) for d in both)
            raise ScheduleError(
                f"日期既是放假日又是调休上班日: {listed} (date is both a holiday and a workday)"
            )
        weekday_workdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekday_workdays:
            listed = ", ".join(describe_date(d) for d in weekday_workdays)
            raise ScheduleError(
                f"调休上班日必须是周六或周日: {listed} (a make-up working day must be a Saturday or Sunday)"
            )

    def is_working_day(self, d: date) -> bool:
        """Whether `d` (which must be in this year) is a working day under this schedule."""
        if d.year != self.year:
            raise ValueError(f"{d.isoformat()} is not in {self.year}")
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays


def _check_dates(year: int, dates: Iterable[object], what: str) -> None:
    """Reject non-date values and dates outside `year`."""
    for d in dates:
        # datetime is a subclass of date but never equals one, so it would silently never match.
        if not isinstance(d, date) or type(d) is not date:
            raise ScheduleError(f"{what} 不是日期: {d!r} (not a datetime.date)")
        if d.year != year:
            raise ScheduleError(f"{what} {d.isoformat()} 不在 {year} 年内 (date outside the year {year})")
