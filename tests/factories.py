"""Build realistic objects through the use cases (never raw SQL), for tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import directory, draws, items, plans, results, teams
from inspections.principals import entity_user, system
from objections import workflow
from objections.storage import EvidenceFile, EvidencePolicy, LocalDirectoryStorage
from schema import credit_code
from schema.enums import DepartmentLevel, EntityType, InspectionMethod
from schema.models import Department, Entity, Inspection, InspectionItem, InspectionResult, Objection, Task
from workdays import CHINA_TZ, WorkCalendar

_serial = itertools.count(1)
_badges = itertools.count(1)  # its own counter, so names and codes made from _serial stay as they were
TEST = system("test")
CALENDAR = WorkCalendar()


def unique_code(region: str = "532325", category: str = "1") -> str:
    """A valid, never-repeated 统一社会信用代码."""
    n = next(_serial)
    body = f"T{n:07d}"
    return credit_code.make_code("9", category, region, body)


@dataclass
class JointTask:
    """A joint task of two departments with drawn entities and, optionally, published results."""

    initiating: Department
    participating: Department
    task: Task
    items: list[InspectionItem]
    entities: list[Entity]
    results: list[InspectionResult] = field(default_factory=list)


async def department(session: AsyncSession, name: str, region: str = "532325") -> Department:
    """A county department with a unique code."""
    return await directory.create_department(
        session,
        by=TEST,
        code=f"T-{next(_serial)}",
        name=name,
        short_name=name[:6],
        level=DepartmentLevel.COUNTY,
        region_code=region,
    )


async def entity(
    session: AsyncSession,
    name: str,
    *,
    region: str = "532325",
    industry: str = "二手车交易",
    entity_type: EntityType = EntityType.ENTERPRISE,
) -> Entity:
    """A registered entity."""
    return await directory.register_entity(
        session,
        by=TEST,
        code=unique_code(region),
        name=name,
        entity_type=entity_type,
        region_code=region,
        industry=industry,
        address="姚安县栋川镇",
        legal_representative="张伟",
        registration_date=date(2015, 3, 2),
        phone="13800000000",
    )


async def joint_task(
    session: AsyncSession,
    *,
    entities: int = 3,
    region: str = "532325",
    publish: bool = True,
    industry: str | None = None,
    categories: tuple[str, ...] = ("NO_PROBLEM", "ORDERED_TO_CORRECT"),
    ended_on: date = date(2021, 11, 16),
    published_on: date = date(2021, 12, 1),
    names: Sequence[str] = (),
    place: str = "姚安县",
    teams_drawn: bool = True,
) -> JointTask:
    """A joint task over ``entities`` fresh entities, drawn at 100%, each with one result per item.

    ``names``: the entities' names (their count replaces ``entities``); ``place``: what the
    departments' names start with; ``teams_drawn``: two inspectors per department registered and the
    teams drawn (a complete team is needed to submit, seed 002 art.13).
    """
    industry = industry or f"测试行业{next(_serial)}"
    initiating = await department(session, f"{place}工业信息化商务科技局", region)
    participating = await department(session, f"{place}市场监督管理局", region)
    names = names or [f"姚安县鑫达{n}号二手车交易有限公司" for n in range(entities)]
    made = [await entity(session, name, region=region, industry=industry) for name in names]
    item_a = await items.create_item_version(
        session,
        by=TEST,
        department_id=initiating.id,
        code=f"I-{next(_serial)}",
        name="二手车经营备案检查",
        category="二手车流通",
        legal_basis="《二手车流通管理办法》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    item_b = await items.create_item_version(
        session,
        by=TEST,
        department_id=participating.id,
        code=f"I-{next(_serial)}",
        name="二手车销售合同行为检查",
        category="合同行政监管",
        legal_basis="《合同行政监督管理办法》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    # The task's period holds the inspection (its dates must fall within it) in the plan's year.
    year = ended_on.year
    period_start = max(date(year, 1, 1), ended_on - timedelta(days=15))
    period_end = min(date(year, 12, 31), ended_on + timedelta(days=14))
    plan = await plans.create_plan(
        session,
        by=TEST,
        department_id=initiating.id,
        year=year,
        title=f"{year}年度计划{next(_serial)}",
    )
    await plans.publish_plan(session, by=TEST, plan_id=plan.id, today=date(year, 2, 26))
    task = await plans.create_task(
        session,
        by=TEST,
        name=f"{year}年度二手车市场监管联合抽查",
        initiating_department_id=initiating.id,
        participating_department_ids=[participating.id],
        items=[
            plans.TaskItemSpec(item_a.id, initiating.id),
            plans.TaskItemSpec(item_b.id, participating.id),
        ],
        strata=[plans.StratumSpec("二手车经营主体", 10000, industry=industry)],
        period_start=period_start,
        period_end=period_end,
        level=DepartmentLevel.COUNTY,
        method=InspectionMethod.ON_SITE,
        region_code=region,
        plan_id=plan.id,
    )
    await draws.draw_entities(session, by=TEST, task_id=task.id, seed="test-seed-0123456789abcdef")
    if teams_drawn:
        await inspection_teams(session, task.id, initiating, participating)
    joint = JointTask(initiating, participating, task, [item_a, item_b], made)
    inspections = list(await session.scalars(select(Inspection).where(Inspection.task_id == task.id)))
    for n, inspection in enumerate(inspections):
        await draws.record_inspection_dates(
            session,
            by=TEST,
            inspection_id=inspection.id,
            inspected_on=max(period_start, ended_on - timedelta(days=1)),
            ended_on=ended_on,
            today=ended_on,
        )
        for item in (item_a, item_b):
            result = await results.enter_result(
                session,
                by=TEST,
                inspection_id=inspection.id,
                department_id=item.department_id,
                item_id=item.id,
                category_codes=[categories[n % len(categories)]],
                description="现场检查情况",
                calendar=CALENDAR,
                publication_working_days=20,
            )
            if publish:
                await results.submit_result(session, by=TEST, result_id=result.id)
                await results.approve_result(session, by=TEST, result_id=result.id, today=published_on)
            joint.results.append(result)
    return joint


async def inspection_teams(session: AsyncSession, task_id: int, *departments: Department) -> None:
    """Two inspectors per department, then the task's teams drawn (a complete team per inspection)."""
    for department_ in departments:
        for n in range(2):
            await directory.register_inspector(
                session,
                by=TEST,
                department_id=department_.id,
                badge_number=f"T{next(_badges):07d}",
                name=f"检查员{department_.id}-{n}",
            )
    await teams.draw_inspectors(session, by=TEST, task_id=task_id, seed="test-inspector-seed-0123456789")


async def objection(
    session: AsyncSession,
    result: InspectionResult,
    key: str,
    *,
    storage_dir: Path,
    evidence: Sequence[EvidenceFile] = (),
    now: datetime = datetime(2021, 12, 5, 9, tzinfo=CHINA_TZ),
) -> Objection:
    """The result's entity objects to it (on Sun 2021-12-05 by default), with ``evidence``."""
    return await workflow.file_objection(
        session,
        by=entity_user(result.entity_id, "经办人"),
        result_id=result.id,
        grounds="住所可以联系",
        evidence=list(evidence),
        idempotency_key=key,
        now=now,
        calendar=CALENDAR,
        storage=LocalDirectoryStorage(storage_dir),
        policy=EvidencePolicy(("application/pdf",), 1024 * 1024, 3),
    )
