"""``gongshi draw verify``: re-run a published draw and compare it with the drawn list.

The algorithm is named in every answer (``gongshi-draw-v2`` needs the revealed platform nonce;
``gongshi-draw-v1``, the first draws', has none). Ratios are typed as the API shows them: percent,
``1=10%`` or ``1=10`` by stratum position, or by stratum name when ``--task`` names the task.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from api.cli.ids import TASK, Refusal, parse_cli_id
from api.cli.session import run_with_session
from api.settings import Settings
from inspections import draw_algorithm

V1 = "gongshi-draw-v1"


def parse_ratio(text: str, names: dict[str, int]) -> tuple[int, int]:
    """``KEY=PERCENT`` as (stratum position, basis points); KEY is a position or a stratum name."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip().removesuffix("%").strip()
    if not sep or not key or not value:
        raise Refusal(f"抽查比例“{text}”格式应为 层序号=百分比（如 1=10% 或 二手车=10）")
    if key.isdigit():
        position = int(key)
    elif key in names:
        position = names[key]
    elif names:
        raise Refusal(f"任务中没有名为“{key}”的分层；可用：{'、'.join(names)}")
    else:
        raise Refusal(f"分层“{key}”只能按名称对应到任务的分层：请同时给出 --task，或改用层序号")
    try:
        basis_points = Decimal(value) * 100
    except InvalidOperation:
        raise Refusal(f"抽查比例“{text}”的百分比不是数字") from None
    if basis_points != basis_points.to_integral_value() or not 0 < basis_points <= 10000:
        raise Refusal(f"抽查比例“{text}”应在0%（不含）到100%之间，最多两位小数")
    return position, int(basis_points)


def ratios_for(
    candidates: list[draw_algorithm.Candidate], texts: list[str], names: dict[str, int]
) -> dict[int, int]:
    """One ratio per stratum that the candidate list holds, no more and no fewer."""
    ratios: dict[int, int] = {}
    for text in texts:
        position, basis_points = parse_ratio(text, names)
        if position in ratios:
            raise Refusal(f"第{position}层的抽查比例给了两次")
        ratios[position] = basis_points
    strata = sorted({c.stratum for c in candidates})
    missing = [s for s in strata if s not in ratios]
    if missing:
        raise Refusal(
            f"候选名单有第{'、'.join(map(str, missing))}层，缺少其抽查比例（--ratio 层序号=百分比）"
        )
    extra = sorted(set(ratios) - set(strata))
    if extra:
        raise Refusal(f"候选名单中没有第{'、'.join(map(str, extra))}层")
    return ratios


def _verify_file(args: argparse.Namespace, names: dict[str, int]) -> int:
    if not args.seed:
        raise Refusal("需要揭示后的种子：--seed")
    if not args.platform_nonce and not args.v1:
        raise Refusal(
            f"{draw_algorithm.ALGORITHM} 抽取需要揭示后的平台随机数（--platform-nonce）；"
            f"没有它算出的名单不是这次抽取的结果。仅 {V1} 旧抽取可用 --v1"
        )
    try:
        text = Path(args.candidates).read_text(encoding="utf-8")
        candidates = draw_algorithm.parse_candidate_list(text)
    except OSError as exc:
        raise Refusal(f"无法读取候选名单文件 {args.candidates}：{exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refusal(f"候选名单文件 {args.candidates} 格式有误：{exc}") from None
    ratios = ratios_for(candidates, args.ratio, names)
    nonce = None if args.v1 else args.platform_nonce
    algorithm = V1 if nonce is None else draw_algorithm.ALGORITHM
    print(f"# 算法 {algorithm}", file=sys.stderr)
    listing = draw_algorithm.candidate_list_text(candidates)
    print(f"# 候选名单 sha256 {draw_algorithm.sha256_hex(listing)}", file=sys.stderr)
    print(f"# 种子 sha256     {draw_algorithm.sha256_hex(args.seed)}", file=sys.stderr)
    if nonce is not None:
        print(f"# 平台随机数 sha256 {draw_algorithm.sha256_hex(nonce)}", file=sys.stderr)
    for candidate in draw_algorithm.select(
        draw_algorithm.combined_seed(args.seed, nonce), candidates, ratios
    ):
        print(f"{candidate.stratum}\t{candidate.code}")
    return 0


async def _stratum_names(session: Any, task_id: int) -> dict[str, int]:
    from sqlalchemy import select

    from schema.models import TaskStratum

    rows = await session.execute(
        select(TaskStratum.name, TaskStratum.position).where(TaskStratum.task_id == task_id)
    )
    return {name: position for name, position in rows}


async def _verify_task(session: Any, task_id: int) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from inspections.draws import frozen_candidates
    from schema.models import Draw, DrawEntry, Entity, Task

    draw = await session.scalar(select(Draw).where(Draw.task_id == task_id))
    task = await session.scalar(select(Task).where(Task.id == task_id).options(selectinload(Task.strata)))
    if draw is None or task is None or not draw.locked or draw.seed is None:
        print(f"任务 {task_id} 没有已揭示种子的抽取记录", file=sys.stderr)
        return 2
    candidates = await frozen_candidates(session, draw.id)
    checks = {
        "种子与其公布的哈希一致": draw_algorithm.sha256_hex(draw.seed) == draw.seed_sha256,
        "平台随机数与其公布的哈希一致": draw.platform_nonce is None
        or draw_algorithm.sha256_hex(draw.platform_nonce) == draw.platform_nonce_sha256,
        "候选名单与其公布的哈希一致": (
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
    checks[f"抽中名单与按 {draw.algorithm} 重新抽取的结果一致"] = expected == recorded
    for name, ok in checks.items():
        print(f"{'OK  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


def _verify(settings: Settings, args: argparse.Namespace) -> int:
    try:
        task_id = parse_cli_id(args.task, TASK, "--task") if args.task else None
        if args.candidates:
            if task_id is None:
                return _verify_file(args, {})

            async def with_names(session: Any) -> int:
                return _verify_file(args, await _stratum_names(session, task_id))

            return run_with_session(settings, with_names)
        if task_id is None:
            raise Refusal(
                "需要 --task 任务ID，或 --candidates 文件 --seed 种子 --platform-nonce 随机数 --ratio 1=10%"
            )
    except Refusal as refusal:
        print(f"gongshi draw verify：{refusal}", file=sys.stderr)
        return 2
    return run_with_session(settings, lambda session: _verify_task(session, task_id))


def register(sub: Any) -> None:
    """Add ``gongshi draw verify``."""
    draw = sub.add_parser("draw", help="random draws").add_subparsers(dest="action", required=True)
    verify = draw.add_parser(
        "verify", help=f"re-run a draw ({draw_algorithm.ALGORITHM}, or {V1} for the first draws) and compare"
    )
    verify.add_argument("--task", help="task ID as the API shows it (or its number)")
    verify.add_argument(
        "--candidates", help="a candidate list file (as served at /tasks/N/draw/candidates.txt)"
    )
    verify.add_argument("--seed", help="the revealed seed")
    verify.add_argument("--platform-nonce", help=f"the revealed platform nonce ({draw_algorithm.ALGORITHM})")
    verify.add_argument("--v1", action="store_true", help=f"a {V1} draw, which had no platform nonce")
    verify.add_argument(
        "--ratio",
        action="append",
        default=[],
        help="stratum=percent as the API shows it, e.g. 1=10%% or 二手车=10",
    )
    verify.set_defaults(run=_verify)
