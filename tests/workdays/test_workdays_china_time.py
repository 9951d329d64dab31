"""Dates in Asia/Shanghai whatever the server's zone; a deadline ends at 24:00 (民法典 art.203)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from workdays import china_today, deadline_end, is_past, to_china_date

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def test_late_evening_utc_is_next_day_in_china() -> None:
    # 23:30 UTC = 07:30 next morning in Beijing (UTC+8)
    assert to_china_date(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == date(2026, 11, 23)


def test_china_midnight_boundary_in_utc() -> None:
    # 2026-11-22T16:00Z = 2026-11-23 00:00 Beijing; one second earlier is still the 22nd
    assert to_china_date(datetime(2026, 11, 22, 16, 0, tzinfo=UTC)) == date(2026, 11, 23)
    assert to_china_date(datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC)) == date(2026, 11, 22)


def test_other_server_zones_give_the_china_date() -> None:
    # 2026-11-22 11:30 in New York (EST, UTC-5) = 16:30 UTC = 2026-11-23 00:30 Beijing
    assert to_china_date(datetime(2026, 11, 22, 11, 30, tzinfo=NEW_YORK)) == date(2026, 11, 23)
    # +08:00 fixed offset is Beijing time itself
    plus8 = timezone(timedelta(hours=8))
    assert to_china_date(datetime(2026, 11, 22, 23, 59, tzinfo=plus8)) == date(2026, 11, 22)


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_china_date(datetime(2026, 11, 22, 23, 30))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        china_today(datetime(2026, 11, 22, 23, 30))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        is_past(date(2026, 11, 23), datetime(2026, 11, 24))  # noqa: DTZ001


def test_china_today() -> None:
    assert china_today(datetime(2026, 11, 22, 16, 0, tzinfo=UTC)) == date(2026, 11, 23)
    before = to_china_date(datetime.now(UTC))
    today = china_today()
    after = to_china_date(datetime.now(UTC))
    assert today in (before, after)


def test_deadline_end_is_next_midnight_in_china() -> None:
    end = deadline_end(date(2026, 11, 23))
    assert end == datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI)
    assert end == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert end.utcoffset() == timedelta(hours=8)


def test_is_past_at_the_end_of_the_due_day() -> None:
    due = date(2026, 11, 23)
    assert not is_past(due, datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI))
    assert not is_past(due, datetime(2026, 11, 23, 23, 59, 59, tzinfo=SHANGHAI))
    assert not is_past(due, datetime(2026, 11, 23, 23, 59, 59, 999999, tzinfo=SHANGHAI))
    # 24:00 of the due day = 00:00 of the next day
    assert is_past(due, datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI))
    # Same instants seen from UTC
    assert not is_past(due, datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC))
    assert is_past(due, datetime(2026, 11, 23, 16, 0, tzinfo=UTC))


def test_deadline_end_refuses_datetimes() -> None:
    with pytest.raises(TypeError):
        deadline_end(datetime(2026, 11, 23, tzinfo=UTC))
