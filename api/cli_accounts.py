"""``gongshi token issue|revoke`` and ``gongshi draw verify``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from api.settings import Settings


async def _with_session(settings: Settings, work: Any) -> int:
    from schema.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            result: int = await work(session)
            return result
    finally:
        await engine.dispose()


def _issue(settings: Settings, args: argparse.Namespace) -> int:
    from api.tokens import issue_token
    from inspections.errors import DomainError
    from inspections.principals import Role

    async def work(session: Any) -> int:
        try:
            issued = await issue_token(
                session,
                actor=f"cli:{args.actor}",
                holder_name=args.name,
                department_code=args.department,
                role=Role(args.role) if args.role else None,
                entity_credit_code=args.entity,
                valid_days=args.days or None,
            )
        except DomainError as exc:
            print(f"无法签发令牌：{exc.message} ({exc.code})", file=sys.stderr)
            return 2
        expiry = issued.row.expires_at.date().isoformat() if issued.row.expires_at else "永不过期"
        print(issued.secret)
        print(
            f"# 前缀 {issued.row.prefix}，持有人 {issued.row.holder_name}，有效期至 {expiry}；只显示这一次",
            file=sys.stderr,
        )
        return 0

    from api.migrations import upgrade

    upgrade(settings.database_url)
    return asyncio.run(_with_session(settings, work))


def _revoke(settings: Settings, args: argparse.Namespace) -> int:
    from api.tokens import revoke_token
    from inspections.errors import DomainError

    async def work(session: Any) -> int:
        try:
            row = await revoke_token(session, actor=f"cli:{args.actor}", prefix=args.prefix)
        except DomainError as exc:
            print(f"无法吊销令牌：{exc.message} ({exc.code})", file=sys.stderr)
            return 2
        print(f"已吊销令牌 {row.prefix}（{row.holder_name}）")
        return 0

    return asyncio.run(_with_session(settings, work))


def _verify(settings: Settings, args: argparse.Namespace) -> int:
    from inspections import draw_algorithm

    if args.candidates:
        candidates = draw_algorithm.parse_candidate_list(Path(args.candidates).read_text(encoding="utf-8"))
        ratios = dict((int(k), int(v)) for k, v in (r.split("=") for r in args.ratio))
        text = draw_algorithm.candidate_list_text(candidates)
        print(f"# candidates sha256 {draw_algorithm.sha256_hex(text)}", file=sys.stderr)
        print(f"# seed sha256       {draw_algorithm.sha256_hex(args.seed)}", file=sys.stderr)
        seed = draw_algorithm.combined_seed(args.seed, args.platform_nonce)
        for candidate in draw_algorithm.select(seed, candidates, ratios):
            print(f"{candidate.stratum}\t{candidate.code}")
        return 0
    if args.task is None:
        print("需要 --task ID，或 --candidates FILE --seed SEED --ratio N=BP ...", file=sys.stderr)
        return 2
    return asyncio.run(_with_session(settings, lambda session: _verify_task(session, args.task)))


async def _verify_task(session: Any, task_id: int) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from inspections import draw_algorithm
    from inspections.draws import frozen_candidates
    from schema.models import Draw, DrawEntry, Entity, Task

    draw = await session.scalar(select(Draw).where(Draw.task_id == task_id))
    task = await session.scalar(select(Task).where(Task.id == task_id).options(selectinload(Task.strata)))
    if draw is None or task is None or not draw.locked or draw.seed is None:
        print(f"任务 {task_id} 没有已揭示种子的抽取记录", file=sys.stderr)
        return 2
    candidates = await frozen_candidates(session, draw.id)
    checks = {
        "seed matches its published hash": draw_algorithm.sha256_hex(draw.seed) == draw.seed_sha256,
        "platform nonce matches its published hash": draw.platform_nonce is None
        or draw_algorithm.sha256_hex(draw.platform_nonce) == draw.platform_nonce_sha256,
        "candidate list matches its published hash": (
            draw_algorithm.sha256_hex(draw_algorithm.candidate_list_text(candidates))
            == draw.candidates_sha256
        ),
    }
    expected = [
        c.code
        for c in draw_algorithm.select(
            draw_algorithm.combined_seed(draw.seed, draw.platform_nonce),
            candidates,
            {s.position: s.ratio_bp for s in task.strata},
        )
    ]
    recorded = list(
        await session.scalars(
            select(Entity.credit_code)
            .join(DrawEntry, DrawEntry.entity_id == Entity.id)
            .where(DrawEntry.draw_id == draw.id)
            .order_by(DrawEntry.position)
        )
    )
    checks["drawn list equals a re-run of gongshi-draw-v1"] = expected == recorded
    for name, ok in checks.items():
        print(f"{'OK  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


def register(sub: Any) -> None:
    """Add the account and draw commands to ``gongshi``."""
    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    issue = token.add_parser("issue", help="issue a token (printed once)")
    who = issue.add_mutually_exclusive_group(required=True)
    who.add_argument("--department", help="department code, e.g. 532325-GXSK")
    who.add_argument("--entity", help="统一社会信用代码 of an inspected entity")
    issue.add_argument("--role", choices=["clerk", "reviewer", "head", "admin"], help="department users only")
    issue.add_argument("--name", required=True, help="holder's name, recorded in the audit trail")
    issue.add_argument("--days", type=int, default=365, help="validity in days (0: never expires)")
    issue.add_argument("--actor", default="cli", help="who issues it")
    issue.set_defaults(run=_issue)
    revoke = token.add_parser("revoke", help="revoke a token by its prefix")
    revoke.add_argument("prefix")
    revoke.add_argument("--actor", default="cli")
    revoke.set_defaults(run=_revoke)
    draw = sub.add_parser("draw", help="random draws").add_subparsers(dest="action", required=True)
    verify = draw.add_parser("verify", help="re-run a draw (gongshi-draw-v1) and compare")
    verify.add_argument("--task", type=int, help="task id: check the stored draw end to end")
    verify.add_argument(
        "--candidates", help="a candidate list file (as served at /tasks/ID/draw/candidates.txt)"
    )
    verify.add_argument("--seed", help="the revealed seed")
    verify.add_argument("--platform-nonce", help="the revealed platform nonce (gongshi-draw-v2)")
    verify.add_argument("--ratio", action="append", default=[], help="stratum=basis points, e.g. 1=3000")
    verify.set_defaults(run=_verify)
