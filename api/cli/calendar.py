"""``gongshi calendar load``: the State Council's holiday schedule for a year, without a release."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from api.cli.session import open_sessions
from api.settings import Settings
from schema.migrate import upgrade


async def _calendar_load_async(settings: Settings, path: Path, actor: str) -> int:
    from inspections.calendar import load_calendar, store_schedule
    from inspections.deadlines import recompute_provisional
    from inspections.dispatch import recompute_matching_dues
    from inspections.principals import system
    from objections.deadlines import recompute_provisional as recompute_objections
    from workdays import ScheduleError, load_schedule_file

    try:
        schedule = load_schedule_file(path)
    except (ScheduleError, OSError) as exc:
        print(f"无法载入放假安排：{exc}", file=sys.stderr)
        return 2
    async with open_sessions(settings) as sessions, sessions() as session, session.begin():
        await store_schedule(session, by=system(actor), schedule=schedule)
        changed = await recompute_provisional(
            session,
            publication_working_days=settings.publication_working_days,
            builtin_years=settings.calendar_builtin_years,
        )
        calendar = await load_calendar(session, builtin_years=settings.calendar_builtin_years)
        changed += await recompute_objections(session, calendar)
        changed += await recompute_matching_dues(session, calendar)
    print(
        f"已载入{schedule.year}年放假安排（{schedule.source}）：放假{len(schedule.holidays)}天，"
        f"调休上班{len(schedule.workdays)}天；重新计算暂定期限{changed}项"
    )
    return 0


def _calendar_load(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    return asyncio.run(_calendar_load_async(settings, Path(args.file), args.actor))


def register(sub: Any) -> None:
    """Add ``gongshi calendar load``."""
    calendar = sub.add_parser("calendar", help="holiday schedules").add_subparsers(
        dest="action", required=True
    )
    load = calendar.add_parser(
        "load", help="load a year's schedule from JSON or CSV (see workdays/README.md)"
    )
    load.add_argument("file")
    load.add_argument("--actor", default="cli", help="who is loading it (for the audit trail)")
    load.set_defaults(run=_calendar_load)
