"""China's legal working-day calendar (工作日历), built from official holiday schedules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType

from .builtin import builtin_schedules
from .schedule import YearSchedule


class WorkCalendar:
    """Working days (工作日) and rest days (休息日) per year, from loaded and built-in schedules.

    A year with no schedule falls back to Monday–Friday; periods that touch such a year are marked
    provisional by `workdays.periods`, never silently treated as certain.
    """

    __slots__ = ("_schedules",)

    _schedules: Mapping[int, YearSchedule]

    def __init__(
        self,
        schedules: Iterable[YearSchedule] = (),
        *,
        builtin: bool = True,
        builtin_years: Iterable[int] | None = None,
    ) -> None:
        known: dict[int, YearSchedule] = {}
        if builtin:
            library = builtin_schedules()
            wanted = library.keys() if builtin_years is None else set(builtin_years)
            # Years the installed library lacks stay unknown (provisional), so callers can ask for
            # a range without depending on which library version is installed.
            known.update({year: library[year] for year in sorted(wanted) if year in library})
        explicit: dict[int, YearSchedule] = {}
        for schedule in schedules:
            if not isinstance(schedule, YearSchedule):
                raise TypeError(f"expected YearSchedule, got {type(schedule).__name__}")
            if schedule.year in explicit:
                # Two notices for one year given together is ambiguous; with_schedule replaces.
                raise ValueError(
                    f"{schedule.year} 年有两份放假安排 (two schedules given for {schedule.year}): "
                    f"{explicit[schedule.year].source!r} and {schedule.source!r}"
                )
            explicit[schedule.year] = schedule
        # A loaded notice wins over the library's copy of the same year.
        known.update(explicit)
        object.__setattr__(self, "_schedules", MappingProxyType(known))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("WorkCalendar is immutable; use with_schedule()")

    def __repr__(self) -> str:
        years = sorted(self._schedules)
        span = f"{years[0]}–{years[-1]}, {len(years)} years" if years else "no years"
        return f"<WorkCalendar {span}>"

    @classmethod
    def _from_mapping(cls, schedules: Mapping[int, YearSchedule]) -> WorkCalendar:
        """Build a calendar from an already-merged mapping, skipping the builtin lookup."""
        new = cls.__new__(cls)
        object.__setattr__(new, "_schedules", MappingProxyType(dict(schedules)))
        return new

    def with_schedule(self, schedule: YearSchedule) -> WorkCalendar:
        """A new calendar with `schedule` added, replacing any schedule for the same year."""
        if not isinstance(schedule, YearSchedule):
            raise TypeError(f"expected YearSchedule, got {type(schedule).__name__}")
        merged = dict(self._schedules)
        merged[schedule.year] = schedule
        return WorkCalendar._from_mapping(merged)

    def has_schedule(self, year: int) -> bool:
        """Whether the official schedule for `year` is known."""
        return year in self._schedules

    def known_years(self) -> frozenset[int]:
        """The years whose official schedule is known."""
        return frozenset(self._schedules)

    def schedule(self, year: int) -> YearSchedule | None:
        """The schedule in force for `year`, or None if that year is unknown."""
        return self._schedules.get(year)

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day (工作日); an unknown year counts Monday–Friday."""
        require_date(d)
        schedule = self._schedules.get(d.year)
        if schedule is None:
            return d.weekday() < 5
        return schedule.is_working_day(d)

    def is_rest_day(self, d: date) -> bool:
        """Whether `d` is a statutory rest day (法定休假日 or weekend that is not 调休上班)."""
        return not self.is_working_day(d)


def require_date(d: object, name: str = "date") -> None:
    """Reject datetimes: which China date an instant falls on needs to_china_date, not a guess."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(
            f"{name} must be a datetime.date, got {type(d).__name__}; "
            "convert instants with workdays.to_china_date()"
        )
