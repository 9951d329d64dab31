"""N个工作日 deadlines (seed 001 art.20, seed 002 art.17), counted by hand from the notices.

Each expected date was worked out on paper from the State Council notices (see
workdays_hand_notices.py); the comment above it shows the count: the start day is not counted,
"Sun*"/"Sat*" marks a make-up working day (调休上班), [a–b off] a holiday block that is skipped.
"""

from __future__ import annotations

from datetime import date

import pytest
from workdays_hand_notices import CONSTRUCTED_2027, hand_calendar

from workdays import WorkCalendar, add_working_days, working_days_between

D = date

CASES = [
    # ---- 2024 春节: Feb 10–17 off, Sun Feb 4 and Sun Feb 18 are make-up working days ----
    # from Thu Feb 1: Fri 2 (1), Sun* 4 (2), 5 (3), 6 (4), 7 (5), 8 (6), 9 (7), [10–17 off],
    # Sun* 18 (8), 19 (9), 20 (10), 21 (11), 22 (12), 23 (13), 26 (14), 27 (15), 28 (16),
    # 29 (17), Mar 1 (18), Mar 4 (19), Mar 5 (20)
    pytest.param(D(2024, 2, 1), 20, D(2024, 3, 5), id="2024-spring-20"),
    # from Wed Feb 7: 8 (1), 9 (2), [10–17 off], Sun* 18 (3), 19 (4), 20 (5)
    pytest.param(D(2024, 2, 7), 5, D(2024, 2, 20), id="2024-spring-5"),
    # from Fri Feb 9: [10–17 off], Sun* 18 (1), 19 (2), 20 (3), 21 (4), 22 (5), 23 (6), 26 (7),
    # 27 (8), 28 (9), 29 (10), Mar 1 (11), 4 (12), 5 (13), 6 (14), 7 (15)
    pytest.param(D(2024, 2, 9), 15, D(2024, 3, 7), id="2024-spring-15"),
    # ---- 2024 中秋/国庆: Sep 15–17 off, Sat Sep 14 work; Oct 1–7 off, Sun Sep 29, Sat Oct 12 work
    # from Fri Sep 27: Sun* 29 (1), 30 (2), [Oct 1–7 off], 8 (3), 9 (4), 10 (5), 11 (6),
    # Sat* 12 (7), 14 (8), 15 (9), 16 (10), 17 (11), 18 (12), 21 (13), 22 (14), 23 (15), 24 (16),
    # 25 (17), 28 (18), 29 (19), 30 (20)
    pytest.param(D(2024, 9, 27), 20, D(2024, 10, 30), id="2024-national-20"),
    # from Mon Sep 30: [Oct 1–7 off], 8 (1), 9 (2), 10 (3), 11 (4), Sat* 12 (5): on a make-up Sat
    pytest.param(D(2024, 9, 30), 5, D(2024, 10, 12), id="2024-national-5-lands-on-makeup-sat"),
    # from Fri Sep 13: Sat* 14 (1), [15–17 off], 18 (2), 19 (3), 20 (4), 23 (5), 24 (6), 25 (7),
    # 26 (8), 27 (9), Sun* 29 (10), 30 (11), [Oct 1–7 off], 8 (12), 9 (13), 10 (14), 11 (15)
    pytest.param(D(2024, 9, 13), 15, D(2024, 10, 11), id="2024-national-15"),
    # ---- 2025 春节: Jan 28–Feb 4 off, Sun Jan 26 and Sat Feb 8 are make-up working days ----
    # from Fri Jan 24: Sun* 26 (1), 27 (2), [Jan 28–Feb 4 off], 5 (3), 6 (4), 7 (5), Sat* 8 (6),
    # 10 (7), 11 (8), 12 (9), 13 (10), 14 (11), 17 (12), 18 (13), 19 (14), 20 (15), 21 (16),
    # 24 (17), 25 (18), 26 (19), 27 (20)
    pytest.param(D(2025, 1, 24), 20, D(2025, 2, 27), id="2025-spring-20"),
    # from Mon Jan 27: [Jan 28–Feb 4 off], 5 (1), 6 (2), 7 (3), Sat* 8 (4), 10 (5)
    pytest.param(D(2025, 1, 27), 5, D(2025, 2, 10), id="2025-spring-5"),
    # from Wed Jan 22: 23 (1), 24 (2), Sun* 26 (3), 27 (4), [off], Feb 5 (5), 6 (6), 7 (7),
    # Sat* 8 (8), 10 (9), 11 (10), 12 (11), 13 (12), 14 (13), 17 (14), 18 (15)
    pytest.param(D(2025, 1, 22), 15, D(2025, 2, 18), id="2025-spring-15"),
    # ---- 2025 国庆中秋: Oct 1–8 off, Sun Sep 28 and Sat Oct 11 are make-up working days ----
    # from Fri Sep 26: Sun* 28 (1), 29 (2), 30 (3), [Oct 1–8 off], 9 (4), 10 (5), Sat* 11 (6),
    # 13 (7), 14 (8), 15 (9), 16 (10), 17 (11), 20 (12), 21 (13), 22 (14), 23 (15), 24 (16),
    # 27 (17), 28 (18), 29 (19), 30 (20)
    pytest.param(D(2025, 9, 26), 20, D(2025, 10, 30), id="2025-national-20"),
    # from Tue Sep 30: [Oct 1–8 off], 9 (1), 10 (2), Sat* 11 (3), 13 (4), 14 (5)
    pytest.param(D(2025, 9, 30), 5, D(2025, 10, 14), id="2025-national-5"),
    # from Thu Sep 25: 26 (1), Sun* 28 (2), 29 (3), 30 (4), [off], Oct 9 (5), 10 (6), Sat* 11 (7),
    # 13 (8), 14 (9), 15 (10), 16 (11), 17 (12), 20 (13), 21 (14), 22 (15)
    pytest.param(D(2025, 9, 25), 15, D(2025, 10, 22), id="2025-national-15"),
    # ---- 2026 春节: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 are make-up working days ----
    # from Thu Feb 12: 13 (1), Sat* 14 (2), [15–23 off], 24 (3), 25 (4), 26 (5), 27 (6),
    # Sat* 28 (7), Mar 2 (8), 3 (9), 4 (10), 5 (11), 6 (12), 9 (13), 10 (14), 11 (15), 12 (16),
    # 13 (17), 16 (18), 17 (19), 18 (20)
    pytest.param(D(2026, 2, 12), 20, D(2026, 3, 18), id="2026-spring-20"),
    # from Fri Feb 13: Sat* 14 (1), [15–23 off], 24 (2), 25 (3), 26 (4), 27 (5)
    pytest.param(D(2026, 2, 13), 5, D(2026, 2, 27), id="2026-spring-5"),
    # from Mon Feb 9: 10 (1), 11 (2), 12 (3), 13 (4), Sat* 14 (5), [15–23 off], 24 (6), 25 (7),
    # 26 (8), 27 (9), Sat* 28 (10), Mar 2 (11), 3 (12), 4 (13), 5 (14), 6 (15)
    pytest.param(D(2026, 2, 9), 15, D(2026, 3, 6), id="2026-spring-15"),
    # ---- 2026 中秋/国庆: Sep 25–27 off; Oct 1–7 off, Sun Sep 20 and Sat Oct 10 work ----
    # from Fri Sep 18: Sun* 20 (1), 21 (2), 22 (3), 23 (4), 24 (5), [25–27 off], 28 (6), 29 (7),
    # 30 (8), [Oct 1–7 off], 8 (9), 9 (10), Sat* 10 (11), 12 (12), 13 (13), 14 (14), 15 (15),
    # 16 (16), 19 (17), 20 (18), 21 (19), 22 (20)
    pytest.param(D(2026, 9, 18), 20, D(2026, 10, 22), id="2026-national-20"),
    # from Wed Sep 30: [Oct 1–7 off], 8 (1), 9 (2), Sat* 10 (3), 12 (4), 13 (5)
    pytest.param(D(2026, 9, 30), 5, D(2026, 10, 13), id="2026-national-5"),
    # from Thu Sep 24: [25–27 off], 28 (1), 29 (2), 30 (3), [Oct 1–7 off], 8 (4), 9 (5),
    # Sat* 10 (6), 12 (7), 13 (8), 14 (9), 15 (10), 16 (11), 19 (12), 20 (13), 21 (14), 22 (15)
    pytest.param(D(2026, 9, 24), 15, D(2026, 10, 22), id="2026-national-15"),
    # ---- landing exactly on a make-up day (it is a working day, so it counts) ----
    # from Fri 2024-02-02: Sat 3 is a rest day, Sun* 4 (1)
    pytest.param(D(2024, 2, 2), 1, D(2024, 2, 4), id="lands-on-makeup-sunday-2024-02-04"),
    # from Wed 2024-02-07: 8 (1), 9 (2), [10–17 off], Sun* 18 (3)
    pytest.param(D(2024, 2, 7), 3, D(2024, 2, 18), id="lands-on-makeup-sunday-2024-02-18"),
    # from Fri 2026-02-27: Sat* 28 (1)
    pytest.param(D(2026, 2, 27), 1, D(2026, 2, 28), id="lands-on-makeup-saturday-2026-02-28"),
    # from Thu 2026-01-01 (holiday): [2–3 off], Sun* 4 (1)
    pytest.param(D(2026, 1, 1), 1, D(2026, 1, 4), id="lands-on-makeup-sunday-2026-01-04"),
    # ---- the start day is not counted ----
    # from Fri 2026-03-06: Sat 7, Sun 8 rest, Mon 9 (1)
    pytest.param(D(2026, 3, 6), 1, D(2026, 3, 9), id="start-excluded-friday-to-monday"),
    # from Mon 2026-03-09 (a working day, still not counted): Tue 10 (1)
    pytest.param(D(2026, 3, 9), 1, D(2026, 3, 10), id="start-excluded-monday-to-tuesday"),
    # from Sat 2026-03-07 (rest day): Sun 8 rest, Mon 9 (1)
    pytest.param(D(2026, 3, 7), 1, D(2026, 3, 9), id="start-on-weekend"),
    # ---- 7 working days to transfer a violation (seed 001 art.20(3)) across 劳动节 2026 ----
    # from Wed Apr 29: 30 (1), [May 1–5 off], 6 (2), 7 (3), 8 (4), Sat* 9 (5), 11 (6), 12 (7)
    pytest.param(D(2026, 4, 29), 7, D(2026, 5, 12), id="2026-labour-7"),
]


@pytest.mark.parametrize(("start", "n", "expected"), CASES)
def test_add_working_days_hand_counted(cal: WorkCalendar, start: date, n: int, expected: date) -> None:
    result = add_working_days(cal, start, n)
    assert result.due == expected
    assert result.provisional is False


@pytest.mark.parametrize(("start", "n", "expected"), CASES)
def test_working_days_between_inverts_hand_counted_cases(
    cal: WorkCalendar, start: date, n: int, expected: date
) -> None:
    assert working_days_between(cal, start, expected) == n
    assert working_days_between(cal, expected, start) == -n


@pytest.mark.parametrize("n", [0, -1, -20])
def test_n_must_be_positive(n: int) -> None:
    with pytest.raises(ValueError, match=">= 1"):
        add_working_days(hand_calendar(), D(2026, 3, 6), n)


def test_year_end_is_provisional_until_next_notice_is_loaded(cal: WorkCalendar) -> None:
    # 2027 not loaded. From Mon 2026-12-28, 5 working days on weekdays only:
    # Tue 29 (1), Wed 30 (2), Thu 31 (3), Fri 2027-01-01 (4, assumed working), Mon 2027-01-04 (5)
    assert not cal.has_schedule(2027)
    provisional = add_working_days(cal, D(2026, 12, 28), 5)
    assert provisional.due == D(2027, 1, 4)
    assert provisional.provisional is True

    # With the (constructed) 2027 schedule, Jan 1–3 are off:
    # Tue 29 (1), Wed 30 (2), Thu 31 (3), [Jan 1–3 off], Mon 4 (4), Tue 5 (5)
    loaded = cal.with_schedule(CONSTRUCTED_2027)
    final = add_working_days(loaded, D(2026, 12, 28), 5)
    assert final.due == D(2027, 1, 5)
    assert final.provisional is False
    # The original calendar is unchanged (with_schedule returns a new one).
    assert add_working_days(cal, D(2026, 12, 28), 5) == provisional


def test_year_end_with_builtin_years_excluding_2027() -> None:
    # Same count as above through the builtin data, 2027 excluded whatever the library version.
    cal = WorkCalendar(builtin_years=range(2004, 2027))
    if not cal.has_schedule(2026):
        pytest.skip("installed chinese_calendar lacks 2026")
    assert add_working_days(cal, D(2026, 12, 28), 5).due == D(2027, 1, 4)
    assert add_working_days(cal, D(2026, 12, 28), 5).provisional is True
    final = add_working_days(cal.with_schedule(CONSTRUCTED_2027), D(2026, 12, 28), 5)
    assert (final.due, final.provisional) == (D(2027, 1, 5), False)


def test_period_ending_before_unknown_year_is_not_provisional(cal: WorkCalendar) -> None:
    # From Mon 2026-12-28: Tue 29 (1), Wed 30 (2), Thu 31 (3): never enters 2027
    result = add_working_days(cal, D(2026, 12, 28), 3)
    assert (result.due, result.provisional) == (D(2026, 12, 31), False)


def test_start_in_unknown_year_does_not_make_it_provisional(cal: WorkCalendar) -> None:
    # From Sun 2023-12-31 (2023 unknown here, but the start day is not counted):
    # [Mon 2024-01-01 元旦 off], Tue 2 (1)
    result = add_working_days(cal, D(2023, 12, 31), 1)
    assert (result.due, result.provisional) == (D(2024, 1, 2), False)


def test_far_future_year_is_provisional_even_with_builtin_data() -> None:
    # 2099: no notice exists. From Mon 2099-03-02: Tue 3 (1), Wed 4 (2), Thu 5 (3), Fri 6 (4),
    # Mon 9 (5)
    result = add_working_days(WorkCalendar(), D(2099, 3, 2), 5)
    assert (result.due, result.provisional) == (D(2099, 3, 9), True)


def test_remaining_and_overdue_working_days(cal: WorkCalendar) -> None:
    # Remaining: today Mon 2026-02-09, due Fri 02-13: Tue 10, Wed 11, Thu 12, Fri 13 = 4
    assert working_days_between(cal, D(2026, 2, 9), D(2026, 2, 13)) == 4
    # On the due day itself nothing remains.
    assert working_days_between(cal, D(2026, 2, 13), D(2026, 2, 13)) == 0
    # Across 春节 2026: (Fri 13, Tue 24] = Sat* 14, [15–23 off], Tue 24 = 2
    assert working_days_between(cal, D(2026, 2, 13), D(2026, 2, 24)) == 2
    # Overdue: due Thu 2026-10-22, today Mon 10-26: (22, 26] = Fri 23, Mon 26 -> overdue by 2
    assert working_days_between(cal, D(2026, 10, 26), D(2026, 10, 22)) == -2
    # The whole 国庆 2025 week has no working day: (Tue 2025-09-30, Wed 10-08] = 0
    assert working_days_between(cal, D(2025, 9, 30), D(2025, 10, 8)) == 0
