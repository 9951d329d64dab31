"""WorkCalendar and YearSchedule: which days are working days, and which years are known."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from workdays_hand_notices import CONSTRUCTED_2027, HAND_2024, HAND_2026, hand_calendar

from workdays import ScheduleError, WorkCalendar, YearSchedule, builtin_coverage

D = date


def test_working_and_rest_days_from_the_2026_notice(cal: WorkCalendar) -> None:
    # Make-up working days (调休上班) on weekends are working days.
    for makeup in (D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 9, 20), D(2026, 10, 10)):
        assert cal.is_working_day(makeup), makeup
        assert not cal.is_rest_day(makeup), makeup
    # Weekday holidays are rest days.
    for holiday in (D(2026, 1, 2), D(2026, 2, 16), D(2026, 4, 6), D(2026, 6, 19), D(2026, 10, 7)):
        assert cal.is_rest_day(holiday), holiday
    # Ordinary weekends and weekdays.
    assert cal.is_rest_day(D(2026, 3, 7))  # Sat
    assert cal.is_rest_day(D(2026, 3, 8))  # Sun
    assert cal.is_working_day(D(2026, 3, 9))  # Mon


def test_unknown_year_counts_monday_to_friday(cal: WorkCalendar) -> None:
    assert not cal.has_schedule(2027)
    assert cal.is_working_day(D(2027, 1, 1))  # Fri: in reality likely 元旦, but unknown yet
    assert cal.is_rest_day(D(2027, 1, 2))  # Sat
    assert cal.is_rest_day(D(2027, 1, 3))  # Sun


def test_builtin_coverage_is_detected_from_the_library() -> None:
    coverage = builtin_coverage()
    # chinese_calendar has started at 2004 in every release; the end depends on the version.
    assert coverage.start == 2004
    assert coverage.stop - 1 >= 2024
    cal = WorkCalendar()
    assert cal.known_years() == frozenset(coverage)
    assert not cal.has_schedule(coverage.start - 1)
    assert not cal.has_schedule(coverage.stop)
    last = cal.schedule(coverage.stop - 1)
    assert last is not None
    assert last.source.startswith("chinese_calendar ")


def test_builtin_years_restricts_the_library_years() -> None:
    cal = WorkCalendar(builtin_years=[2024, 2025])
    assert cal.known_years() == frozenset({2024, 2025})
    # Years the library lacks are ignored, not an error: they simply stay unknown.
    assert WorkCalendar(builtin_years=[2099]).known_years() == frozenset()
    assert WorkCalendar(builtin_years=[]).known_years() == frozenset()


def test_builtin_false_knows_only_given_schedules() -> None:
    assert WorkCalendar(builtin=False).known_years() == frozenset()
    assert hand_calendar().known_years() == frozenset({2024, 2025, 2026})


def test_explicit_schedule_overrides_builtin_year() -> None:
    # A loaded notice wins over the library's copy: add Mon 2026-03-02 as a (fictional) holiday.
    amended = YearSchedule(
        year=2026,
        holidays=HAND_2026.holidays | {D(2026, 3, 2)},
        workdays=HAND_2026.workdays,
        source="test: amended 2026",
    )
    cal = WorkCalendar([amended])
    assert cal.is_rest_day(D(2026, 3, 2))
    assert cal.schedule(2026) is amended
    assert WorkCalendar().is_working_day(D(2026, 3, 2))


def test_with_schedule_returns_a_new_calendar_and_replaces_the_year() -> None:
    base = hand_calendar()
    loaded = base.with_schedule(CONSTRUCTED_2027)
    assert loaded is not base
    assert not base.has_schedule(2027)
    assert loaded.has_schedule(2027)
    assert loaded.known_years() == frozenset({2024, 2025, 2026, 2027})
    replacement = YearSchedule(2027, frozenset({D(2027, 1, 1)}), frozenset(), "test: other 2027")
    assert loaded.with_schedule(replacement).schedule(2027) is replacement
    assert loaded.schedule(2027) is CONSTRUCTED_2027


def test_two_schedules_for_one_year_are_refused() -> None:
    with pytest.raises(ValueError, match="two schedules given for 2024"):
        WorkCalendar([HAND_2024, HAND_2024], builtin=False)


def test_calendar_is_immutable() -> None:
    cal = hand_calendar()
    with pytest.raises(AttributeError):
        cal._schedules = {}


def test_datetime_is_refused_where_a_date_is_expected() -> None:
    # Which date an instant falls on depends on the zone: callers must use to_china_date.
    with pytest.raises(TypeError, match="to_china_date"):
        hand_calendar().is_working_day(datetime(2026, 3, 9, 12, 0))  # noqa: DTZ001


# ---- YearSchedule validation ----


def test_schedule_rejects_date_outside_its_year() -> None:
    with pytest.raises(ScheduleError, match=r"2026-12-31 不在 2027 年内 \(date outside the year"):
        YearSchedule(2027, frozenset({D(2026, 12, 31)}), frozenset(), "test")


def test_schedule_rejects_date_both_holiday_and_workday() -> None:
    with pytest.raises(ScheduleError, match=r"2027-01-02（周六）.*both a holiday and a workday"):
        YearSchedule(2027, frozenset({D(2027, 1, 2)}), frozenset({D(2027, 1, 2)}), "test")


def test_schedule_rejects_weekday_makeup_day() -> None:
    with pytest.raises(ScheduleError, match=r"2027-01-04（周一）.*Saturday or Sunday"):
        YearSchedule(2027, frozenset({D(2027, 1, 1)}), frozenset({D(2027, 1, 4)}), "test")


def test_schedule_rejects_datetime_values_and_empty_source() -> None:
    with pytest.raises(ScheduleError, match=r"not a datetime\.date"):
        YearSchedule(2027, frozenset({datetime(2027, 1, 1)}), frozenset(), "test")  # noqa: DTZ001
    with pytest.raises(ScheduleError, match="source is missing"):
        YearSchedule(2027, frozenset({D(2027, 1, 1)}), frozenset(), "  ")


def test_schedule_is_hashable_and_compares_by_value() -> None:
    a = YearSchedule(2027, frozenset({D(2027, 1, 1)}), frozenset(), "x")
    b = YearSchedule(2027, frozenset({D(2027, 1, 1)}), frozenset(), "x")
    assert a == b
    assert hash(a) == hash(b)
