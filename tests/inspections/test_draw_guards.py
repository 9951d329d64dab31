"""The guards a draw shows before it is committed: seed 001 art.10 and seed 002 art.20."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import draws, items, plans, results
from inspections.errors import Conflict, InvalidInput
from schema.enums import DepartmentLevel, InspectionMethod
from schema.models import Department, Draw, Inspection, InspectionItem, Task
from tests import factories
from tests.conftest import table_counts
from tests.factories import CALENDAR, TEST


async def _joint(
    session: AsyncSession,
    a: Department,
    b: Department,
    item_a: InspectionItem,
    industry: str,
    year: int,
    name: str,
) -> Task:
    return await plans.create_task(
        session,
        by=TEST,
        name=name,
        initiating_department_id=a.id,
        participating_department_ids=[b.id],
        items=[plans.TaskItemSpec(item_a.id, a.id)],
        strata=[plans.StratumSpec("全部", 10000, industry=industry)],
        period_start=date(year, 3, 1),
        period_end=date(year, 3, 31),
        level=DepartmentLevel.COUNTY,
        method=InspectionMethod.ON_SITE,
        region_code="532325",
    )


async def test_third_joint_inspection_in_a_year_is_refused_and_same_item_flagged(
    session: AsyncSession,
) -> None:
    a = await factories.department(session, "姚安县工业信息化商务科技局")
    b = await factories.department(session, "姚安县公安局")
    industry = "二手车交易-guards"
    twice = await factories.entity(session, "姚安县鑫达二手车交易有限公司", industry=industry)
    fresh = await factories.entity(session, "姚安县恒通二手车交易有限公司", industry=industry)
    item_a = await items.create_item_version(
        session,
        by=TEST,
        department_id=a.id,
        code="G-1",
        name="二手车经营备案检查",
        category="二手车流通",
        legal_basis="《二手车流通管理办法》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    first = await _joint(session, a, b, item_a, industry, 2021, "第一次联合抽查")
    await draws.draw_entities(session, by=TEST, task_id=first.id, seed="first-seed-0123456789")
    # The first task's result on G-1 for both entities: the earlier result a later draw must name.
    for inspection in await session.scalars(select(Inspection).where(Inspection.task_id == first.id)):
        await draws.record_inspection_dates(
            session,
            by=TEST,
            inspection_id=inspection.id,
            inspected_on=date(2021, 3, 10),
            ended_on=date(2021, 3, 10),
            today=date(2021, 3, 10),
        )
        await results.enter_result(
            session,
            by=TEST,
            inspection_id=inspection.id,
            department_id=a.id,
            item_id=item_a.id,
            category_codes=["NO_PROBLEM"],
            description="",
            calendar=CALENDAR,
            publication_working_days=20,
        )
    # Drawn at 100%, both entities are now in two joint inspections of 2021.
    second = await _joint(session, a, b, item_a, industry, 2021, "第二次联合抽查")
    await draws.draw_entities(session, by=TEST, task_id=second.id, seed="second-seed-0123456789")

    third = await _joint(session, a, b, item_a, industry, 2021, "第三次联合抽查")
    preview = await draws.preview_draw(session, by=TEST, task_id=third.id)
    # A third joint inspection this year is refused for both, with the two tasks named.
    assert {e["creditCode"] for e in preview.excluded} == {twice.credit_code, fresh.credit_code}
    assert all(set(e["jointTasks"]) == {"第一次联合抽查", "第二次联合抽查"} for e in preview.excluded)
    before = await table_counts(session)
    with pytest.raises(Conflict) as refused:
        await draws.commit_draw(session, by=TEST, task_id=third.id, seed_sha256="a" * 64)
    assert refused.value.code == "NO_CANDIDATES"
    assert await table_counts(session) == before

    # Next year the count starts again, and the same-item inspection of 2021 does not apply.
    next_year = await _joint(session, a, b, item_a, industry, 2022, "次年联合抽查")
    assert (await draws.preview_draw(session, by=TEST, task_id=next_year.id)).excluded == []

    # A task of the same year that is not joint (no participant) is not refused, but the entities
    # inspected on G-1 in a joint inspection this year are flagged with the earlier result named.
    solo = await plans.create_task(
        session,
        by=TEST,
        name="本部门单独抽查",
        initiating_department_id=a.id,
        participating_department_ids=[],
        items=[plans.TaskItemSpec(item_a.id, a.id)],
        strata=[plans.StratumSpec("全部", 10000, industry=industry)],
        period_start=date(2021, 6, 1),
        period_end=date(2021, 6, 30),
        level=DepartmentLevel.COUNTY,
        method=InspectionMethod.ON_SITE,
        region_code="532325",
    )
    preview = await draws.preview_draw(session, by=TEST, task_id=solo.id)
    assert preview.excluded == []
    flagged = {e["creditCode"]: e["results"] for e in preview.flagged}
    assert set(flagged) == {twice.credit_code, fresh.credit_code}
    assert [r["task"] for r in flagged[twice.credit_code]] == ["第一次联合抽查"]
    assert flagged[twice.credit_code][0]["item"] == "二手车经营备案检查"
    draw = await draws.commit_draw(session, by=TEST, task_id=solo.id, seed_sha256="b" * 64)
    assert draw.guard_report["flagged"] == preview.flagged and draw.locked is False


async def test_reveal_checks_the_commitment(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False)
    other = await plans.create_task(
        session,
        by=TEST,
        name="第二个任务",
        initiating_department_id=joint.initiating.id,
        participating_department_ids=[],
        items=[plans.TaskItemSpec(joint.items[0].id, joint.initiating.id)],
        strata=[plans.StratumSpec("全部", 10000)],
        period_start=date(2022, 1, 1),
        period_end=date(2022, 1, 31),
        level=DepartmentLevel.COUNTY,
        method=InspectionMethod.ON_SITE,
        region_code="532325",
    )
    with pytest.raises(Conflict) as not_committed:
        await draws.reveal_draw(session, by=TEST, task_id=other.id, seed="some-seed-0123456789")
    assert not_committed.value.code == "DRAW_NOT_COMMITTED"
    await draws.commit_draw(
        session, by=TEST, task_id=other.id, seed_sha256=hashlib.sha256(b"right-seed-0123456789").hexdigest()
    )
    with pytest.raises(Conflict) as twice:
        await draws.commit_draw(session, by=TEST, task_id=other.id, seed_sha256="c" * 64)
    assert twice.value.code == "DRAW_COMMITTED"
    with pytest.raises(InvalidInput) as wrong:
        await draws.reveal_draw(session, by=TEST, task_id=other.id, seed="wrong-seed-0123456789")
    assert wrong.value.code == "SEED_MISMATCH"
    draw = await draws.reveal_draw(session, by=TEST, task_id=other.id, seed="right-seed-0123456789")
    assert draw.locked and draw.seed == "right-seed-0123456789"
    assert await session.scalar(select(Draw.locked).where(Draw.task_id == other.id)) is True


async def test_a_task_takes_the_item_version_in_force_for_its_whole_period(session: AsyncSession) -> None:
    """Seed 002 art.5 (动态管理): a revised item supersedes its previous version from a date."""
    department = await factories.department(session, "姚安县市场监督管理局")
    first = await items.create_item_version(
        session,
        by=factories.TEST,
        department_id=department.id,
        code="ITEM-REVISED",
        name="食品经营许可检查",
        category="食品",
        legal_basis="《食品安全法》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2022, 1, 1),
    )
    # Revised from 2022-07-01: the first version ends on 2022-06-30.
    second = await items.create_item_version(
        session,
        by=factories.TEST,
        department_id=department.id,
        code="ITEM-REVISED",
        name="食品经营许可检查",
        category="食品",
        legal_basis="《食品安全法》（2021年修正）",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2022, 7, 1),
    )

    async def task(item_id: int, start: date, end: date) -> object:
        return await plans.create_task(
            session,
            by=factories.TEST,
            name="食品经营专项抽查",
            initiating_department_id=department.id,
            participating_department_ids=[],
            items=[plans.TaskItemSpec(item_id, department.id)],
            strata=[plans.StratumSpec("全部", 500)],
            period_start=start,
            period_end=end,
            level=DepartmentLevel.COUNTY,
            method=InspectionMethod.ON_SITE,
            region_code="532325",
        )

    await task(first.id, date(2022, 3, 1), date(2022, 6, 30))
    await task(second.id, date(2022, 7, 1), date(2022, 9, 30))
    for item_id, start, end in (
        (first.id, date(2022, 6, 1), date(2022, 7, 31)),  # superseded on 2022-07-01
        (second.id, date(2022, 6, 1), date(2022, 7, 31)),  # not yet in force on 2022-06-01
        (first.id, date(2021, 12, 1), date(2022, 1, 31)),  # not yet in force on 2021-12-01
    ):
        with pytest.raises(InvalidInput) as refused:
            await task(item_id, start, end)
        assert refused.value.code == "ITEM_NOT_IN_FORCE"
