"""``gongshi objections sweep|collect-evidence`` and ``gongshi reminders send``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli.serve import recompute_objection_clocks
from api.cli.session import run_with_session, run_with_sessions
from api.settings import Settings


def _objections_sweep(settings: Settings, args: argparse.Namespace) -> int:
    from inspections.calendar import load_calendar
    from inspections.dispatch import recompute_matching_dues, sweep_matching
    from inspections.follow_up_sweep import sweep_transfers
    from objections.sweep import sweep
    from workdays import china_today

    if not 0 <= settings.remind_before_workdays <= 20:
        print("GONGSHI_REMIND_BEFORE_WORKDAYS 应在0到20之间", file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> int:
        # Provisional clocks first (a schedule loaded since, or clocks a migration reset),
        # so the sweep judges every clock by the calendar in force.
        recomputed = await recompute_objection_clocks(session, settings)
        calendar = await load_calendar(session, builtin_years=settings.calendar_builtin_years)
        report = await sweep(
            session, today=china_today(), calendar=calendar, remind_before=settings.remind_before_workdays
        )
        transfers = await sweep_transfers(
            session, today=china_today(), calendar=calendar, remind_before=settings.remind_before_workdays
        )
        # Dispatched inspections' 5-working-day matching clocks (seed 003 四(二)), same reminders.
        recomputed += await recompute_matching_dues(session, calendar)
        matching = await sweep_matching(
            session, today=china_today(), calendar=calendar, remind_before=settings.remind_before_workdays
        )
        print(
            f"重新计算暂定期限{recomputed}项；检查异议{report.examined}项，新标记逾期{report.marked}项，"
            f"写入提醒{report.reminders}条（含期限前{settings.remind_before_workdays}个工作日的提前提醒）；"
            f"检查待移送结果{transfers.examined}项，新逾期{transfers.overdue}项，写入移送提醒{transfers.reminders}条；"
            f"派发检查的人员匹配期限：检查{matching.examined}项，写入提醒{matching.reminders}条"
        )
        return 0

    return run_with_session(settings, work, transaction=True)


def _evidence_collect(settings: Settings, args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from objections.storage import LocalDirectoryStorage
    from schema.models import ObjectionEvidence

    referenced: set[str] = set()

    async def read_references(session: AsyncSession) -> int:
        referenced.update(await session.scalars(sa.select(ObjectionEvidence.storage_key)))
        return 0

    if args.grace_hours < 1:
        print("--grace-hours 至少为1：更短会删除尚未提交的异议正在使用的文件", file=sys.stderr)
        return 2
    storage = LocalDirectoryStorage(settings.evidence_dir)
    # The references first, the files second: a file written after this read is younger than
    # the grace period, and one whose filing committed before it is in the set.
    run_with_session(settings, read_references)
    removed = storage.collect(referenced, older_than=args.grace_hours * 3600, dry_run=args.dry_run)
    for key in removed:
        print(key)
    verb = "可删除" if args.dry_run else "已删除"
    print(f"{verb}无异议引用的证明材料文件{len(removed)}个（{settings.evidence_dir}）")
    return 0


def _reminders_send(settings: Settings, args: argparse.Namespace) -> int:
    import httpx

    from api.cli.reminders import send_reminders

    url = settings.reminder_webhook_url
    if not url:
        print("未配置 GONGSHI_REMINDER_WEBHOOK：提醒无处发送，均保留在 reminders 表中", file=sys.stderr)
        return 2

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with httpx.AsyncClient() as client:
            report = await send_reminders(sessions, client, url, limit=args.limit)
        print(f"已发送提醒{report.sent}条，被拒收{report.refused}条")
        if report.stopped:
            print(f"接收方不可用（{report.stopped}），其余提醒留待下次发送", file=sys.stderr)
            return 1
        return 0

    return run_with_sessions(settings, work)


def register(sub: Any) -> None:
    """Add ``gongshi objections sweep|collect-evidence`` and ``gongshi reminders send``."""
    objections = sub.add_parser("objections", help="the objection workflow").add_subparsers(
        dest="action", required=True
    )
    objections.add_parser(
        "sweep", help="mark overdue objections, remind of objection and transfer clocks (run daily)"
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
