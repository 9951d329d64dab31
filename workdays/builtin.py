"""Holiday schedules (放假安排) shipped by the chinese_calendar package."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib import metadata
from types import MappingProxyType

from chinese_calendar import constants as _cc_constants

from .schedule import YearSchedule


def _library_source() -> str:
    """Name the data source with the installed version, so a deadline can be traced to its data."""
    try:
        return f"chinese_calendar {metadata.version('chinesecalendar')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - vendored or renamed install
        return "chinese_calendar"


@cache
def builtin_schedules() -> Mapping[int, YearSchedule]:
    """Every year the installed chinese_calendar covers, as YearSchedules keyed by year."""
    holidays: dict[int, set[date]] = defaultdict(set)
    workdays: dict[int, set[date]] = defaultdict(set)
    for d in _cc_constants.holidays:
        holidays[d.year].add(_as_date(d))
    for d in _cc_constants.workdays:
        workdays[d.year].add(_as_date(d))
    if not holidays:  # pragma: no cover - only with a broken install
        return MappingProxyType({})
    source = _library_source()
    # The library itself treats [min year, max year] of its holiday table as supported, so we
    # detect coverage the same way rather than hard-coding a version's range.
    first, last = min(holidays), max(holidays)
    # Read-only view: the result is cached and shared by every WorkCalendar.
    return MappingProxyType(
        {
            year: YearSchedule(
                year=year,
                holidays=frozenset(holidays[year]),
                workdays=frozenset(workdays[year]),
                source=source,
            )
            for year in range(first, last + 1)
        }
    )


def builtin_coverage() -> range:
    """The years the installed chinese_calendar has schedules for, e.g. range(2004, 2027)."""
    years = builtin_schedules()
    if not years:  # pragma: no cover - only with a broken install
        return range(0)
    return range(min(years), max(years) + 1)


def _as_date(value: object) -> date:
    """Normalise the library's keys to plain dates (guards against datetime keys)."""
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    raise TypeError(f"chinese_calendar returned a non-date key: {value!r}")
