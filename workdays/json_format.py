"""The JSON holiday schedule (放假安排) format; see workdays/README.md."""

from __future__ import annotations

import json
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

_TOP_KEYS = frozenset({"year", "source", "holidays", "workdays"})
_HOLIDAY_KEYS = frozenset({"name", "dates"})


def parse_json_schedule(text: str, filename: str) -> YearSchedule:
    """Parse a JSON schedule; errors name the JSON path of the offending value."""

    def fail(message: str, line: int | None = None) -> ScheduleError:
        return ScheduleError(message, filename=filename, line=line)

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"JSON 格式错误: {exc.msg} (invalid JSON)", exc.lineno) from None
    if not isinstance(data, dict):
        raise fail("JSON 顶层必须是对象 {...} (top level must be an object)")
    # Unknown keys are refused: a typo such as "workday" would otherwise drop make-up days silently.
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise fail(f"未知字段: {', '.join(unknown)} (unknown keys; allowed: {sorted(_TOP_KEYS)})")
    for key in ("year", "source", "holidays", "workdays"):
        if key not in data:
            raise fail(f"缺少字段 {key!r} (missing key {key!r})")

    year = data["year"]
    if isinstance(year, bool) or not isinstance(year, int):
        raise fail(f"year 必须是整数，例如 2027: {year!r} (year must be an integer)")
    source = data["source"]
    if not isinstance(source, str) or not source.strip():
        raise fail("source 必须是非空字符串，例如 通知文号 (source must be a non-empty string)")

    holidays = _parse_holidays(data["holidays"], year, fail)
    workdays = _parse_workdays(data["workdays"], year, fail)
    for d, workday_at in sorted(workdays.items()):
        if d in holidays:
            raise fail(both_kinds_message(d, holidays[d], workday_at))
    try:
        return YearSchedule(
            year=year,
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            source=source.strip(),
        )
    except ScheduleError as exc:
        raise fail(exc.problem) from None


def _parse_holidays(value: object, year: int, fail: Fail) -> dict[date, str]:
    """Holiday sets as {date: JSON path of its first mention}."""
    if not isinstance(value, list) or not value:
        raise fail("holidays 必须是非空列表 (holidays must be a non-empty list)")
    found: dict[date, str] = {}
    for index, entry in enumerate(value):
        where = f"holidays[{index}]"
        if not isinstance(entry, dict):
            raise fail(f"{where} 必须是对象 {{name, dates}} (must be an object)")
        unknown = sorted(set(entry) - _HOLIDAY_KEYS)
        if unknown:
            raise fail(f"{where} 有未知字段: {', '.join(unknown)} (unknown keys)")
        name = entry.get("name")
        if name is not None and not isinstance(name, str):
            raise fail(f"{where}.name 必须是字符串 (name must be a string)")
        if name:
            where = f"{where}（{name}）"
        dates = entry.get("dates")
        if not isinstance(dates, list) or not dates:
            raise fail(f"{where} 没有任何日期: dates 必须是非空列表 (holiday set has no dates)")
        for position, raw in enumerate(dates):
            found.setdefault(_parse_one(raw, year, f"{where}.dates[{position}]", fail), where)
    return found


def _parse_workdays(value: object, year: int, fail: Fail) -> dict[date, str]:
    """Make-up working days (调休上班) as {date: JSON path}."""
    if not isinstance(value, list):
        raise fail("workdays 必须是列表，可以为空 [] (workdays must be a list, possibly empty)")
    found: dict[date, str] = {}
    for position, raw in enumerate(value):
        where = f"workdays[{position}]"
        d = _parse_one(raw, year, where, fail)
        if d.weekday() < 5:
            raise fail(f"{where}: {weekday_workday_message(d)}")
        found.setdefault(d, where)
    return found


def _parse_one(raw: object, year: int, where: str, fail: Fail) -> date:
    """One date string at JSON path `where`, checked to be in `year`."""
    d = parse_iso_date(raw)
    if d is None:
        raise fail(f"{where}: {bad_date_message(raw)}")
    if d.year != year:
        raise fail(f"{where}: {outside_year_message(d, year)}")
    return d
