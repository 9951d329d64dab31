"""``gongshi serve``, ``gongshi migrate`` and ``gongshi demo``."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.cli.session import open_sessions, run_with_session
from api.settings import Settings


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from api.app import create_app
    from api.http.hit_protocol import protocol_for
    from api.http.log_writer import log_config
    from schema.migrate import upgrade_in_child

    upgrade_in_child(settings.database_url)  # once, before any worker starts
    host, port = args.host or settings.host, args.port or settings.port
    logging = log_config(LOGGING_CONFIG, access_log=settings.access_log)
    # uvicorn's httptools protocol with the hit layer's plain hits answered in it (issue 13).
    http = protocol_for() if settings.hit_protocol else "auto"
    if args.workers > 1:
        if not settings.redis_url:
            print(
                "注意：多个工作进程未设置 REDIS_URL，各进程的限流额度与缓存互不共享"
                " (REDIS_URL unset: each worker has its own rate budgets and cache)"
            )
        # Each worker builds its own app from the same environment (settings are read there).
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            workers=args.workers,
            host=host,
            port=port,
            log_level="info",
            log_config=logging,
            access_log=False,  # uvicorn's own: ours (gongshi.access) has the request id and cost
            http=http,
        )
        return 0
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        log_config=logging,
        access_log=False,
        http=http,
    )
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from schema.migrate import upgrade

    upgrade(settings.database_url)
    recomputed = asyncio.run(_migrated_clocks(settings))
    print("数据库已迁移到最新版本 (database at head)")
    if recomputed:
        print(f"重新计算异议暂定期限{recomputed}项")
    return 0


async def _migrated_clocks(settings: Settings) -> int:
    async with open_sessions(settings) as sessions, sessions() as session, session.begin():
        return await recompute_objection_clocks(session, settings)


async def recompute_objection_clocks(session: AsyncSession, settings: Settings) -> int:
    """Provisional objection clocks computed with the calendar in force (a migration may mark
    clocks provisional for this: dadada000011)."""
    from inspections.calendar import load_calendar
    from objections.deadlines import recompute_provisional

    calendar = await load_calendar(session, builtin_years=settings.calendar_builtin_years)
    return await recompute_provisional(session, calendar)


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from demo.dataset import load_demo

    async def work(session: AsyncSession) -> int:
        report = await load_demo(session, publication_working_days=settings.publication_working_days)
        print(report.summary())
        return 0

    return run_with_session(settings, work, migrate=True, transaction=True)


def register(sub: Any) -> None:
    """Add ``gongshi serve``, ``gongshi migrate`` and ``gongshi demo``."""
    serve = sub.add_parser("serve", help="migrate, then serve HTTP")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (several: set REDIS_URL to share budgets)"
    )
    serve.set_defaults(run=_serve)
    sub.add_parser("migrate", help="bring the database to the newest schema").set_defaults(run=_migrate)
    sub.add_parser("demo", help="load the demo dataset (idempotent)").set_defaults(run=_demo)
