"""The working-day calendar in force: packaged schedules plus those loaded at run time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.principals import Principal
from schema.models import HolidaySchedule
from workdays import WorkCalendar, YearSchedule


async def load_calendar(session: AsyncSession, *, builtin_years: Iterable[int] | None = None) -> WorkCalendar:
    """The packaged calendar overridden by every schedule stored with ``gongshi calendar load``.

    ``builtin_years`` limits which packaged years are trusted (default: all the package has).
    """
    rows = await session.scalars(select(HolidaySchedule).order_by(HolidaySchedule.year))
    return WorkCalendar(
        builtin_years=builtin_years,
        schedules=(
            YearSchedule(
                year=row.year,
                holidays=frozenset(date.fromisoformat(d) for d in row.holidays),
                workdays=frozenset(date.fromisoformat(d) for d in row.workdays),
                source=row.source,
            )
            for row in rows
        ),
    )


async def store_schedule(session: AsyncSession, *, by: Principal, schedule: YearSchedule) -> HolidaySchedule:
    """Store (or replace) a year's schedule so the next notice needs no release."""
    row = await session.get(HolidaySchedule, schedule.year)
    before = None
    if row is None:
        row = HolidaySchedule(year=schedule.year)
        session.add(row)
    else:
        before = {
            "source": row.source,
            "holidays": len(row.holidays),
            "workdays": len(row.workdays),
        }
    row.source = schedule.source
    row.holidays = sorted(d.isoformat() for d in schedule.holidays)
    row.workdays = sorted(d.isoformat() for d in schedule.workdays)
    row.loaded_by = by.actor
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="calendar.load",
        object_type="HolidaySchedule",
        object_id=schedule.year,
        before=before,
        after={
            "source": schedule.source,
            "holidays": len(row.holidays),
            "workdays": len(row.workdays),
        },
    )
    return row
