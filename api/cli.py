"""The ``gongshi`` command: serve, migrate, demo, calendar load, schema export."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from api import cli_search
from api.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

SDL_PATH = Path(__file__).parent / "schema.graphql"


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.migrations import upgrade

    upgrade(settings.database_url)
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level="info",
        access_log=False,
    )
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from api.migrations import upgrade

    upgrade(settings.database_url)
    recomputed = asyncio.run(_migrated_clocks(settings))
    print("数据库已迁移到最新版本 (database at head)")
    if recomputed:
        print(f"重新计算异议暂定期限{recomputed}项")
    return 0


async def _migrated_clocks(settings: Settings) -> int:
    from schema.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await _recompute_objection_clocks(session, settings)
    finally:
        await engine.dispose()


async def _recompute_objection_clocks(session: AsyncSession, settings: Settings) -> int:
    """Provisional objection clocks computed with the calendar in force (a migration may mark
    clocks provisional for this: dadada000011)."""
    from inspections.calendar import load_calendar
    from objections.deadlines import recompute_provisional

    calendar = await load_calendar(session, builtin_years=settings.calendar_builtin_years)
    return await recompute_provisional(session, calendar)


async def _demo_async(settings: Settings) -> int:
    from inspections.demo.dataset import load_demo
    from schema.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            report = await load_demo(session, publication_working_days=settings.publication_working_days)
    finally:
        await engine.dispose()
    print(report.summary())
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from api.migrations import upgrade

    upgrade(settings.database_url)
    return asyncio.run(_demo_async(settings))


async def _calendar_load_async(settings: Settings, path: Path, actor: str) -> int:
    from inspections.calendar import store_schedule
    from inspections.principals import system
    from schema.db import make_engine, make_sessionmaker
    from workdays import ScheduleError, load_schedule_file

    try:
        schedule = load_schedule_file(path)
    except (ScheduleError, OSError) as exc:
        print(f"无法载入放假安排：{exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await store_schedule(session, by=system(actor), schedule=schedule)
            from inspections.calendar import load_calendar
            from inspections.deadlines import recompute_provisional
            from objections.deadlines import recompute_provisional as recompute_objections

            changed = await recompute_provisional(
                session,
                publication_working_days=settings.publication_working_days,
                builtin_years=settings.calendar_builtin_years,
            )
            calendar = await load_calendar(session, builtin_years=settings.calendar_builtin_years)
            changed += await recompute_objections(session, calendar)
    finally:
        await engine.dispose()
    print(
        f"已载入{schedule.year}年放假安排（{schedule.source}）：放假{len(schedule.holidays)}天，"
        f"调休上班{len(schedule.workdays)}天；重新计算暂定期限{changed}项"
    )
    return 0


def _calendar_load(settings: Settings, args: argparse.Namespace) -> int:
    from api.migrations import upgrade

    upgrade(settings.database_url)
    return asyncio.run(_calendar_load_async(settings, Path(args.file), args.actor))


def _schema_export(settings: Settings, args: argparse.Namespace) -> int:
    from api.graphql import build_schema

    sdl = build_schema().as_str() + "\n"
    if args.check:
        if not SDL_PATH.exists() or SDL_PATH.read_text(encoding="utf-8") != sdl:
            print(f"{SDL_PATH} 与代码不一致：运行 gongshi schema export", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(sdl, encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


def _objections_sweep(settings: Settings, args: argparse.Namespace) -> int:
    from objections.sweep import sweep
    from schema.db import make_engine, make_sessionmaker
    from workdays import china_today

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                # Provisional clocks first (a schedule loaded since, or clocks a migration reset),
                # so the sweep judges every clock by the calendar in force.
                recomputed = await _recompute_objection_clocks(session, settings)
                report = await sweep(session, today=china_today())
        finally:
            await engine.dispose()
        print(
            f"重新计算暂定期限{recomputed}项；检查{report.examined}项，新标记逾期{report.marked}项，"
            f"写入提醒{report.reminders}条"
        )
        return 0

    return asyncio.run(run())


def _evidence_collect(settings: Settings, args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from objections.storage import LocalDirectoryStorage
    from schema.db import make_engine, make_sessionmaker
    from schema.models import ObjectionEvidence

    async def referenced() -> set[str]:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return set(await session.scalars(sa.select(ObjectionEvidence.storage_key)))
        finally:
            await engine.dispose()

    if args.grace_hours < 1:
        print("--grace-hours 至少为1：更短会删除尚未提交的异议正在使用的文件", file=sys.stderr)
        return 2
    storage = LocalDirectoryStorage(settings.evidence_dir)
    # The references first, the files second: a file written after this read is younger than
    # the grace period, and one whose filing committed before it is in the set.
    removed = storage.collect(
        asyncio.run(referenced()), older_than=args.grace_hours * 3600, dry_run=args.dry_run
    )
    for key in removed:
        print(key)
    verb = "可删除" if args.dry_run else "已删除"
    print(f"{verb}无异议引用的证明材料文件{len(removed)}个（{settings.evidence_dir}）")
    return 0


def _reminders_send(settings: Settings, args: argparse.Namespace) -> int:
    import httpx

    from api.reminders import send_reminders
    from schema.db import make_engine, make_sessionmaker

    url = settings.reminder_webhook_url
    if not url:
        print("未配置 GONGSHI_REMINDER_WEBHOOK：提醒无处发送，均保留在 reminders 表中", file=sys.stderr)
        return 2

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            async with httpx.AsyncClient() as client:
                report = await send_reminders(make_sessionmaker(engine), client, url, limit=args.limit)
        finally:
            await engine.dispose()
        print(f"已发送提醒{report.sent}条，被拒收{report.refused}条")
        if report.stopped:
            print(f"接收方不可用（{report.stopped}），其余提醒留待下次发送", file=sys.stderr)
            return 1
        return 0

    return asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="gongshi", description="Gongshi (公示) service")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then serve HTTP")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)
    sub.add_parser("migrate", help="bring the database to the newest schema").set_defaults(run=_migrate)
    sub.add_parser("demo", help="load the demo dataset (idempotent)").set_defaults(run=_demo)
    calendar = sub.add_parser("calendar", help="holiday schedules").add_subparsers(
        dest="action", required=True
    )
    load = calendar.add_parser(
        "load", help="load a year's schedule from JSON or CSV (see workdays/README.md)"
    )
    load.add_argument("file")
    load.add_argument("--actor", default="cli", help="who is loading it (for the audit trail)")
    load.set_defaults(run=_calendar_load)
    schema_cmd = sub.add_parser("schema", help="the GraphQL contract").add_subparsers(
        dest="action", required=True
    )
    export = schema_cmd.add_parser("export", help="write api/schema.graphql")
    export.add_argument("--check", action="store_true", help="fail if the file differs from the code")
    export.set_defaults(run=_schema_export)
    cli_search.register(sub)  # gongshi reindex, gongshi search drain-outbox|status
    __import__("api.cli_log").cli_log.register(sub)  # gongshi log keygen|key|sign|verify (issue 18)
    objections = sub.add_parser("objections", help="the objection workflow").add_subparsers(
        dest="action", required=True
    )
    objections.add_parser(
        "sweep", help="mark overdue objections and write reminders (run daily)"
    ).set_defaults(run=_objections_sweep)
    collect = objections.add_parser(
        "collect-evidence",
        help="delete evidence files no objection references (left by rolled-back filings)",
    )
    collect.add_argument("--grace-hours", type=float, default=24, help="spare files younger than this")
    collect.add_argument("--dry-run", action="store_true", help="list them, delete nothing")
    collect.set_defaults(run=_evidence_collect)
    reminders = sub.add_parser("reminders", help="the reminders outbox").add_subparsers(
        dest="action", required=True
    )
    send = reminders.add_parser(
        "send", help="POST unsent reminders to GONGSHI_REMINDER_WEBHOOK (run after the sweep)"
    )
    send.add_argument("--limit", type=int, default=500, help="most reminders sent in one run")
    send.set_defaults(run=_reminders_send)
    from api.cli_accounts import register as register_accounts

    register_accounts(sub)
    __import__("api.cli_data").cli_data.register(sub)  # gongshi import, gongshi export (issue 6)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gongshi`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.run(Settings.from_env(), args))


if __name__ == "__main__":
    raise SystemExit(main())
