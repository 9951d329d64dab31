"""Random draws: reproducible from the revealed seed, locked once made (seed 001 art.15, 002 art.8)."""

from __future__ import annotations

import hashlib
import math
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import draw_algorithm, draws, items, plans
from inspections.errors import Conflict, InvalidInput
from schema.enums import DepartmentLevel, EntityType, InspectionMethod
from schema.models import Draw, DrawEntry, Entity
from tests import factories
from tests.conftest import table_counts
from tests.factories import TEST


def independent_redraw(seed: str, nonce: str, candidate_text: str, ratios_bp: dict[int, int]) -> list[str]:
    """The documented procedure, written again from the docstring with hashlib only."""
    seed = hashlib.sha256(f"{seed}\n{nonce}".encode()).hexdigest()
    strata: dict[int, list[str]] = {}
    for line in candidate_text.split("\n"):
        position, code = line.split("\t")
        strata.setdefault(int(position), []).append(code)
    chosen = []
    for stratum in sorted(strata):
        codes = strata[stratum]
        k = max(1, math.ceil(len(codes) * ratios_bp[stratum] / 10000))
        ranked = sorted(codes, key=lambda c: hashlib.sha256(f"{seed}\n{stratum}\n{c}".encode()).hexdigest())
        chosen += ranked[:k]
    return chosen


async def _task(
    session: AsyncSession, industry: str, strata: list[plans.StratumSpec], region: str = "130302"
):
    department = await factories.department(session, "秦皇岛市市场监督管理局", region)
    item = await items.create_item_version(
        session,
        by=TEST,
        department_id=department.id,
        code=f"D-{industry}",
        name="登记事项检查",
        category="登记注册",
        legal_basis="《市场主体登记管理条例》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    return await plans.create_task(
        session,
        by=TEST,
        name="内部联合抽查",
        initiating_department_id=department.id,
        participating_department_ids=[],
        items=[plans.TaskItemSpec(item.id, department.id)],
        strata=strata,
        period_start=date(2021, 5, 8),
        period_end=date(2021, 7, 31),
        level=DepartmentLevel.CITY,
        method=InspectionMethod.ON_SITE,
        region_code="130300",
    )


async def test_draw_is_reproducible_from_the_revealed_seed(session: AsyncSession) -> None:
    industry = "电动自行车销售-draw"
    made = [
        await factories.entity(session, f"秦皇岛宏盛{n}电动车有限公司", region="130302", industry=industry)
        for n in range(23)
    ]
    shops = [
        await factories.entity(
            session,
            f"海港区老王{n}五金商店",
            region="130303",
            industry=industry,
            entity_type=EntityType.INDIVIDUAL_BUSINESS,
        )
        for n in range(9)
    ]
    task = await _task(
        session,
        industry,
        [
            plans.StratumSpec(
                "电动自行车生产销售企业", 3000, EntityType.ENTERPRISE, industry
            ),  # 30% of 23 -> 7
            plans.StratumSpec(
                "其它类个体工商户", 50, EntityType.INDIVIDUAL_BUSINESS, industry
            ),  # 0.5% of 9 -> 1
        ],
    )
    seed = "qinhuangdao-2021-0508-public-seed"
    draw = await draws.draw_entities(session, by=TEST, task_id=task.id, seed=seed)

    # Everyone can rebuild the frozen candidate list from the directory and check its hash.
    lines = sorted([f"1\t{e.credit_code}" for e in made] + [f"2\t{e.credit_code}" for e in shops])
    candidate_text = "\n".join(lines)
    assert draw.candidates_sha256 == hashlib.sha256(candidate_text.encode()).hexdigest()
    assert draw.seed_sha256 == hashlib.sha256(seed.encode()).hexdigest()
    assert draw.candidate_count == 32

    drawn = list(
        await session.scalars(
            select(Entity.credit_code)
            .join(DrawEntry, DrawEntry.entity_id == Entity.id)
            .where(DrawEntry.draw_id == draw.id)
            .order_by(DrawEntry.position)
        )
    )
    assert len(drawn) == 7 + 1
    assert draw.platform_nonce is not None
    assert draw.platform_nonce_sha256 == hashlib.sha256(draw.platform_nonce.encode()).hexdigest()
    assert drawn == independent_redraw(seed, draw.platform_nonce, candidate_text, {1: 3000, 2: 50})


async def test_drawn_list_is_locked(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=2, publish=False)
    before = await table_counts(session)
    with pytest.raises(Conflict) as refused:
        await draws.draw_entities(session, by=TEST, task_id=joint.task.id, seed="another-seed-0123456789")
    assert refused.value.code == "DRAW_LOCKED" and "不得更改" in refused.value.message
    assert await table_counts(session) == before
    assert (
        await session.scalar(select(Draw.seed).where(Draw.task_id == joint.task.id))
        == "test-seed-0123456789abcdef"
    )


@pytest.mark.parametrize(
    ("n", "ratio_bp", "expected"),
    [
        (23, 3000, 7),  # 6.9 rounds up
        (9, 50, 1),  # 0.045 rounds up to at least one
        (10, 1000, 1),  # exactly 10%
        (200, 300, 6),  # 3%
        (5, 10000, 5),  # 100%
        (0, 10000, 0),  # an empty stratum draws nobody
    ],
)
def test_sample_size_rounds_up_with_at_least_one(n: int, ratio_bp: int, expected: int) -> None:
    assert draw_algorithm.sample_size(n, ratio_bp) == expected


async def test_short_seed_and_empty_scope_are_refused(session: AsyncSession) -> None:
    task = await _task(
        session, "没有主体的行业", [plans.StratumSpec("全部", 1000, industry="没有主体的行业")]
    )
    before = await table_counts(session)
    with pytest.raises(InvalidInput) as short:
        await draws.draw_entities(session, by=TEST, task_id=task.id, seed="short")
    assert short.value.code == "SEED_TOO_SHORT"
    with pytest.raises(Conflict) as empty:
        await draws.draw_entities(session, by=TEST, task_id=task.id, seed="long-enough-seed-0001")
    assert empty.value.code == "NO_CANDIDATES"
    assert await table_counts(session) == before


async def test_candidate_list_round_trips() -> None:
    candidates = [
        draw_algorithm.Candidate(2, "B"),
        draw_algorithm.Candidate(1, "C"),
        draw_algorithm.Candidate(1, "A"),
    ]
    text = draw_algorithm.candidate_list_text(candidates)
    assert text == "1\tA\n1\tC\n2\tB"
    assert draw_algorithm.parse_candidate_list(text) == sorted(candidates)
    with pytest.raises(ValueError, match="第1行"):
        draw_algorithm.parse_candidate_list("no tab here")
