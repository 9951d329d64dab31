"""Properties of period counting that must hold for every start date and length."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from workdays_hand_notices import hand_calendar

from workdays import (
    add_calendar_days,
    add_working_days,
    deadline_end,
    is_past,
    to_china_date,
    working_days_between,
)

# 2024–2026 from the notices; 2023 and 2027 unknown, so both exact and provisional paths are hit.
CAL = hand_calendar()
STARTS = st.dates(min_value=date(2023, 11, 1), max_value=date(2027, 3, 31))
# database=None: keep hypothesis from writing an example database into the work tree.
PROPERTY = settings(max_examples=300, database=None, deadline=None)


def _years_touched(first: date, last: date) -> set[int]:
    return set(range(first.year, last.year + 1))


@PROPERTY
@given(start=STARTS, n=st.integers(min_value=1, max_value=80))
def test_add_working_days_lands_on_the_nth_working_day(start: date, n: int) -> None:
    result = add_working_days(CAL, start, n)
    assert result.due > start
    assert CAL.is_working_day(result.due)
    assert working_days_between(CAL, start, result.due) == n
    # It is the first day reaching n: the day before has only n - 1 working days.
    assert working_days_between(CAL, start, result.due - timedelta(days=1)) == n - 1
    unknown = any(not CAL.has_schedule(y) for y in _years_touched(start + timedelta(1), result.due))
    assert result.provisional is unknown


@PROPERTY
@given(start=STARTS, n=st.integers(min_value=1, max_value=120))
def test_add_calendar_days_is_first_working_day_from_start_plus_n(start: date, n: int) -> None:
    result = add_calendar_days(CAL, start, n)
    last = start + timedelta(days=n)
    assert result.due >= last
    assert CAL.is_working_day(result.due)
    day = last
    while day < result.due:
        assert CAL.is_rest_day(day)
        day += timedelta(days=1)
    unknown = any(not CAL.has_schedule(y) for y in _years_touched(last, result.due))
    assert result.provisional is unknown


@PROPERTY
@given(a=STARTS, b=STARTS)
def test_working_days_between_is_antisymmetric_and_additive(a: date, b: date) -> None:
    assert working_days_between(CAL, a, b) == -working_days_between(CAL, b, a)
    middle = min(a, b) + (max(a, b) - min(a, b)) / 2
    middle = date.fromordinal(middle.toordinal())
    assert working_days_between(CAL, a, b) == (
        working_days_between(CAL, a, middle) + working_days_between(CAL, middle, b)
    )


@PROPERTY
@given(
    moment=st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2100, 1, 1)),  # noqa: DTZ001
    offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_china_date_is_utc_plus_8(moment: datetime, offset_minutes: int) -> None:
    # China has used UTC+8 without daylight saving since 1991.
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    expected = (aware.astimezone(UTC) + timedelta(hours=8)).date()
    assert to_china_date(aware) == expected


@PROPERTY
@given(due=st.dates(min_value=date(1995, 1, 1), max_value=date(2100, 1, 1)))
def test_is_past_switches_exactly_at_deadline_end(due: date) -> None:
    end = deadline_end(due)
    assert not is_past(due, end - timedelta(microseconds=1))
    assert is_past(due, end)
    assert to_china_date(end) == due + timedelta(days=1)
    assert to_china_date(end - timedelta(microseconds=1)) == due
