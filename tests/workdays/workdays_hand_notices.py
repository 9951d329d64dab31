"""The State Council holiday notices for 2024–2026, typed in by hand from the notices themselves.

These are the reference data for every literal deadline in the workdays tests; they must never be
generated from chinese_calendar or from the code under test.
"""

from __future__ import annotations

from datetime import date, timedelta

from workdays import WorkCalendar, YearSchedule


def span(first: date, last: date) -> frozenset[date]:
    """Every date from first to last inclusive (a holiday block)."""
    return frozenset(first + timedelta(days=i) for i in range((last - first).days + 1))


# 国办发明电〔2023〕7号: 关于2024年部分节假日安排的通知
HAND_2024 = YearSchedule(
    year=2024,
    holidays=frozenset(
        {date(2024, 1, 1)}  # 元旦
        | span(date(2024, 2, 10), date(2024, 2, 17))  # 春节
        | span(date(2024, 4, 4), date(2024, 4, 6))  # 清明节
        | span(date(2024, 5, 1), date(2024, 5, 5))  # 劳动节
        | {date(2024, 6, 10)}  # 端午节
        | span(date(2024, 9, 15), date(2024, 9, 17))  # 中秋节
        | span(date(2024, 10, 1), date(2024, 10, 7))  # 国庆节
    ),
    workdays=frozenset(
        {
            date(2024, 2, 4),  # 春节 调休上班 (Sun)
            date(2024, 2, 18),  # 春节 调休上班 (Sun)
            date(2024, 4, 7),  # 清明节 调休上班 (Sun)
            date(2024, 4, 28),  # 劳动节 调休上班 (Sun)
            date(2024, 5, 11),  # 劳动节 调休上班 (Sat)
            date(2024, 9, 14),  # 中秋节 调休上班 (Sat)
            date(2024, 9, 29),  # 国庆节 调休上班 (Sun)
            date(2024, 10, 12),  # 国庆节 调休上班 (Sat)
        }
    ),
    source="国办发明电〔2023〕7号",
)

# 国办发明电〔2024〕12号: 关于2025年部分节假日安排的通知
HAND_2025 = YearSchedule(
    year=2025,
    holidays=frozenset(
        {date(2025, 1, 1)}  # 元旦
        | span(date(2025, 1, 28), date(2025, 2, 4))  # 春节
        | span(date(2025, 4, 4), date(2025, 4, 6))  # 清明节
        | span(date(2025, 5, 1), date(2025, 5, 5))  # 劳动节
        | span(date(2025, 5, 31), date(2025, 6, 2))  # 端午节
        | span(date(2025, 10, 1), date(2025, 10, 8))  # 国庆节、中秋节
    ),
    workdays=frozenset(
        {
            date(2025, 1, 26),  # 春节 调休上班 (Sun)
            date(2025, 2, 8),  # 春节 调休上班 (Sat)
            date(2025, 4, 27),  # 劳动节 调休上班 (Sun)
            date(2025, 9, 28),  # 国庆节 调休上班 (Sun)
            date(2025, 10, 11),  # 国庆节 调休上班 (Sat)
        }
    ),
    source="国办发明电〔2024〕12号",
)

# 国办发明电〔2025〕7号: 关于2026年部分节假日安排的通知
HAND_2026 = YearSchedule(
    year=2026,
    holidays=frozenset(
        span(date(2026, 1, 1), date(2026, 1, 3))  # 元旦
        | span(date(2026, 2, 15), date(2026, 2, 23))  # 春节
        | span(date(2026, 4, 4), date(2026, 4, 6))  # 清明节
        | span(date(2026, 5, 1), date(2026, 5, 5))  # 劳动节
        | span(date(2026, 6, 19), date(2026, 6, 21))  # 端午节
        | span(date(2026, 9, 25), date(2026, 9, 27))  # 中秋节
        | span(date(2026, 10, 1), date(2026, 10, 7))  # 国庆节
    ),
    workdays=frozenset(
        {
            date(2026, 1, 4),  # 元旦 调休上班 (Sun)
            date(2026, 2, 14),  # 春节 调休上班 (Sat)
            date(2026, 2, 28),  # 春节 调休上班 (Sat)
            date(2026, 5, 9),  # 劳动节 调休上班 (Sat)
            date(2026, 9, 20),  # 国庆节 调休上班 (Sun)
            date(2026, 10, 10),  # 国庆节 调休上班 (Sat)
        }
    ),
    source="国办发明电〔2025〕7号",
)

HAND_SCHEDULES = (HAND_2024, HAND_2025, HAND_2026)
HAND_YEARS = frozenset(s.year for s in HAND_SCHEDULES)


def hand_calendar() -> WorkCalendar:
    """2024–2026 from the hand-typed notices only; every other year is unknown."""
    return WorkCalendar(HAND_SCHEDULES, builtin=False)


# NOT the real 2027 notice (unknown when this was written): a schedule made up for the tests, with
# 元旦 on Fri 2027-01-01 to Sun 01-03 so that it changes deadlines counted from late December 2026,
# and Fri 2027-12-31 off so that a period ending then rolls over into (unknown) 2028.
CONSTRUCTED_2027 = YearSchedule(
    year=2027,
    holidays=span(date(2027, 1, 1), date(2027, 1, 3)) | {date(2027, 12, 31)},
    workdays=frozenset(),
    source="test fixture: constructed 2027 schedule, not a real notice",
)
