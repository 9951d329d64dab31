"""Dates and deadline instants in China's time zone (Asia/Shanghai), whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _china_zone() -> tzinfo:
    """Asia/Shanghai from the tz database, or a fixed UTC+8 where no tz database is installed."""
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:  # pragma: no cover - only on hosts without tzdata
        # China has kept UTC+8 without daylight saving since 1991, so a fixed offset gives the same
        # answer for every date this service handles; failing would stop deadlines altogether.
        return timezone(timedelta(hours=8), "Asia/Shanghai")


CHINA_TZ: tzinfo = _china_zone()


def _require_aware(moment: datetime, name: str) -> None:
    """Refuse naive datetimes: we never guess which zone a wall-clock time was meant in."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{name} is a naive datetime ({moment.isoformat()}); give it a time zone "
            "(无时区的时间无法换算为北京时间)"
        )


def to_china_date(moment: datetime) -> date:
    """The calendar date in China (北京时间) at an aware instant."""
    _require_aware(moment, "moment")
    return moment.astimezone(CHINA_TZ).date()


def china_today(now: datetime | None = None) -> date:
    """Today's date in China (北京时间); `now` (aware) lets callers and tests fix the instant."""
    if now is None:
        now = datetime.now(UTC)
    return to_china_date(now)


def deadline_end(due: date) -> datetime:
    """The instant a deadline runs out: 24:00 China time of `due` (民法典 art.203)."""
    if isinstance(due, datetime) or not isinstance(due, date):
        raise TypeError(f"due must be a datetime.date, got {type(due).__name__}")
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=CHINA_TZ)


def is_past(due: date, now: datetime) -> bool:
    """Whether the deadline `due` has run out at the aware instant `now` (now >= 24:00 of due)."""
    _require_aware(now, "now")
    return now >= deadline_end(due)
