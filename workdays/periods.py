"""Counting periods (期间计算) in working days and calendar days, as a court would count them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .work_calendar import WorkCalendar, require_date

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    """The last day of a period (期限届满日) and whether it may still move."""

    due: date
    # True if counting touched a date in a year whose schedule is not loaded: the date was computed
    # on Monday–Friday and must be recomputed once that year's notice (放假安排) is loaded.
    provisional: bool


def _check_count(n: int) -> None:
    """Periods in the seeds are always a positive number of days; anything else is a caller bug."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")


def add_working_days(cal: WorkCalendar, start: date, n: int) -> Deadline:
    """The N-th working day after `start` ("N个工作日"): the start day itself is not counted.

    E.g. 20 working days from the end of an inspection (seed 001 art.20(4)) or 20 working days
    from receiving an objection (seed 002 art.17).
    """
    require_date(start, "start")
    _check_count(n)
    provisional = False
    day = start
    remaining = n
    while remaining:
        day += _ONE_DAY
        provisional = provisional or not cal.has_schedule(day.year)
        if cal.is_working_day(day):
            remaining -= 1
    return Deadline(due=day, provisional=provisional)


def add_calendar_days(cal: WorkCalendar, start: date, n: int) -> Deadline:
    """The last day of an N-day period ("N日内") starting the day after `start`.

    The start day is not counted (民法典 art.201), so the last day is start + n; if that is a rest
    day (a weekend day that is not 调休上班, or a public holiday) the period ends on the first
    working day after it (民法典 art.203). E.g. the 60-day objection window (seed 002 art.17).
    """
    require_date(start, "start")
    _check_count(n)
    day = start + timedelta(days=n)
    # Only the last day and the roll-over days decide the result, so only they can make it unsure.
    provisional = not cal.has_schedule(day.year)
    while cal.is_rest_day(day):
        day += _ONE_DAY
        provisional = provisional or not cal.has_schedule(day.year)
    return Deadline(due=day, provisional=provisional)


def working_days_between(cal: WorkCalendar, start: date, end: date) -> int:
    """Working days in (start, end]; negative (minus those in (end, start]) if end is before start.

    With start = today and end = a due date this is the number of working days left (0 on the due
    day itself); once overdue it is minus the number of working days since the due day, e.g. -2
    means "overdue by 2 working days". working_days_between(s, add_working_days(s, n).due) == n.
    Years without a schedule count Monday–Friday, as in add_working_days.
    """
    require_date(start, "start")
    require_date(end, "end")
    if end < start:
        return -working_days_between(cal, end, start)
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        if cal.is_working_day(day):
            count += 1
        day += _ONE_DAY
    return count
