"""N日 (calendar-day) periods: 民法典 art.201 (start day not counted) and art.203 (roll-over).

The objection window is 60 days from publication (seed 002 art.17). Expected dates are counted by
hand: "day k = date" shows the k-th day after the start; a rest-day last day then rolls forward.
"""

from __future__ import annotations

from datetime import date

import pytest
from workdays_hand_notices import CONSTRUCTED_2027, HAND_2026, hand_calendar

from workdays import WorkCalendar, add_calendar_days

D = date

CASES = [
    # From Tue 2026-01-13: Jan 31 is day 18, Feb 28 day 46, Mar 14 day 60 = Sat -> Sun 15 rest
    # -> Mon 2026-03-16
    pytest.param(D(2026, 1, 13), 60, D(2026, 3, 16), id="60-days-ends-saturday-to-monday"),
    # From Wed 2026-01-14: day 60 = Sun 2026-03-15 -> Mon 2026-03-16
    pytest.param(D(2026, 1, 14), 60, D(2026, 3, 16), id="60-days-ends-sunday-to-monday"),
    # From Tue 2026-08-04: Aug 31 is day 27, Sep 30 day 57, Oct 3 day 60 = Sat in 国庆 (Oct 1–7
    # off) -> Oct 4..7 off -> Thu 2026-10-08
    pytest.param(D(2026, 8, 4), 60, D(2026, 10, 8), id="60-days-ends-in-national-day-week"),
    # From Sun 2024-12-01: Dec 31 is day 30, Jan 30 2025 day 60 = Thu in 春节 (Jan 28–Feb 4 off)
    # -> Jan 31..Feb 4 off -> Wed 2025-02-05
    pytest.param(D(2024, 12, 1), 60, D(2025, 2, 5), id="60-days-ends-in-spring-festival"),
    # From Wed 2025-07-30: Jul 31 day 1, Aug 31 day 32, Sep 28 day 60 = Sun, a make-up working
    # day (国庆 调休上班) -> it stays
    pytest.param(D(2025, 7, 30), 60, D(2025, 9, 28), id="60-days-ends-on-makeup-sunday"),
    # From Wed 2025-11-05: Nov 30 day 25, Dec 31 day 56, Jan 4 2026 day 60 = Sun, make-up working
    # day (元旦 调休上班) -> it stays
    pytest.param(D(2025, 11, 5), 60, D(2026, 1, 4), id="60-days-ends-on-makeup-sunday-new-year"),
    # From Tue 2025-12-30: Dec 31 day 1, Jan 31 day 32, Feb 28 2026 day 60 = Sat, make-up working
    # day (春节 调休上班) -> it stays
    pytest.param(D(2025, 12, 30), 60, D(2026, 2, 28), id="60-days-ends-on-makeup-saturday"),
    # From Sun 2025-11-02: Nov 30 day 28, Dec 31 day 59, Jan 1 2026 day 60 = Thu 元旦 (Jan 1–3 off)
    # -> Jan 2, 3 off -> Sun Jan 4 is a make-up working day -> 2026-01-04
    pytest.param(D(2025, 11, 2), 60, D(2026, 1, 4), id="60-days-rolls-onto-makeup-sunday"),
    # From Fri 2026-03-06: day 1 = Sat 7 -> Sun 8 rest -> Mon 2026-03-09
    pytest.param(D(2026, 3, 6), 1, D(2026, 3, 9), id="1-day-from-friday"),
    # From Mon 2026-03-09: day 10 = Thu 2026-03-19, a working day
    pytest.param(D(2026, 3, 9), 10, D(2026, 3, 19), id="10-days-plain"),
]


@pytest.mark.parametrize(("start", "n", "expected"), CASES)
def test_add_calendar_days_hand_counted(cal: WorkCalendar, start: date, n: int, expected: date) -> None:
    result = add_calendar_days(cal, start, n)
    assert result.due == expected
    assert result.provisional is False


@pytest.mark.parametrize("n", [0, -5])
def test_n_must_be_positive(n: int) -> None:
    with pytest.raises(ValueError, match=">= 1"):
        add_calendar_days(hand_calendar(), D(2026, 3, 6), n)


def test_year_end_provisional_then_exact(cal: WorkCalendar) -> None:
    # From Mon 2026-11-02: Nov 30 day 28, Dec 31 day 59, day 60 = Fri 2027-01-01.
    # 2027 unknown: a Friday counts as a working day -> 2027-01-01, provisional.
    result = add_calendar_days(cal, D(2026, 11, 2), 60)
    assert (result.due, result.provisional) == (D(2027, 1, 1), True)
    # Constructed 2027 schedule has Jan 1–3 off -> Mon 2027-01-04, exact.
    result = add_calendar_days(cal.with_schedule(CONSTRUCTED_2027), D(2026, 11, 2), 60)
    assert (result.due, result.provisional) == (D(2027, 1, 4), False)


def test_rolling_over_into_unknown_year_is_provisional() -> None:
    # Constructed 2027 schedule puts Fri 2027-12-31 off; 2028 unknown.
    # From Mon 2027-11-01: Nov 30 day 29, Dec 31 day 60 = holiday -> Sat 2028-01-01, Sun 01-02
    # (weekend, provisional) -> Mon 2028-01-03.
    cal = WorkCalendar([CONSTRUCTED_2027], builtin=False)
    result = add_calendar_days(cal, D(2027, 11, 1), 60)
    assert (result.due, result.provisional) == (D(2028, 1, 3), True)


def test_last_day_known_and_working_is_exact_even_if_start_year_unknown() -> None:
    # Only 2026 known. From Mon 2025-12-22 (2025 unknown here): Dec 31 day 9, day 24 = Fri
    # 2026-01-15, an ordinary working day: only the last day (and roll-over) matter.
    cal = WorkCalendar([HAND_2026], builtin=False)
    result = add_calendar_days(cal, D(2025, 12, 22), 24)
    assert (result.due, result.provisional) == (D(2026, 1, 15), False)


def test_far_future_year_is_provisional_with_builtin_on() -> None:
    # From Mon 2099-03-02: day 5 = Sat 2099-03-07 -> Sun 8 -> Mon 2099-03-09 (weekdays only)
    result = add_calendar_days(WorkCalendar(), D(2099, 3, 2), 5)
    assert (result.due, result.provisional) == (D(2099, 3, 9), True)
