"""``gongshi demo``: a realistic dataset from the seed documents, loaded through the use cases.

Every step looks for what an earlier run made before making it, so loading twice adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from demo import flows
from demo.dispatch import load_dispatched_task
from demo.names import DEMO_REGIONS, EntityFaker, Region
from demo.seeds import DEPARTMENTS, ITEMS, QHD_ITEMS_BY_INDUSTRY, TASKS, TaskSeed
from inspections import directory, draws, items, plans, results, teams
from inspections.calendar import load_calendar
from inspections.principals import system
from inspections.results import STATUS_OF_CATEGORY
from schema.enums import EntityType, InspectionMethod, PlanStatus
from schema.models import (
    AnnualPlan,
    Department,
    Draw,
    Entity,
    Inspection,
    InspectionItem,
    InspectionResult,
    Inspector,
    Task,
)
from workdays import WorkCalendar, add_working_days, china_today

DEMO = system("demo")
HEAD = "主要负责人（演示）"

# The first results walk through every category once; the rest follow a realistic mix.
EVERY_CATEGORY = (
    ["NO_PROBLEM"],
    ["UNDISCLOSED_INFO"],
    ["FALSE_DISCLOSURE"],
    ["UNREACHABLE"],
    ["ORDERED_TO_CORRECT"],
    ["OBSTRUCTED"],
    ["NO_RELEVANT_ACTIVITY"],
    ["PENDING_FOLLOW_UP"],
    ["QUALIFIED"],
    ["UNQUALIFIED", "PENDING_FOLLOW_UP"],
    ["DEREGISTERED"],
    ["REGISTRATION_REVOKED"],
    ["LICENSE_REVOKED"],
    ["MIGRATED"],
    ["UNDISCLOSED_INFO", "ORDERED_TO_CORRECT"],
)
USUAL = (
    (["NO_PROBLEM"], 70),
    (["ORDERED_TO_CORRECT"], 8),
    (["UNDISCLOSED_INFO"], 5),
    (["UNREACHABLE"], 5),
    (["QUALIFIED"], 4),
    (["PENDING_FOLLOW_UP"], 3),
    (["NO_RELEVANT_ACTIVITY"], 3),
    (["UNQUALIFIED"], 2),
)
DESCRIPTIONS = {
    "NO_PROBLEM": "现场检查未发现违法违规问题。",
    "UNDISCLOSED_INFO": "未按规定公示年度报告中的股东出资信息。",
    "FALSE_DISCLOSURE": "公示的从业人数与实际情况不符，隐瞒真实情况。",
    "UNREACHABLE": "通过登记的住所（经营场所）无法联系，已留存现场照片。",
    "ORDERED_TO_CORRECT": "发现经营场所公示信息不全，已当场责令改正。",
    "OBSTRUCTED": "拒不提供检查所需资料，不配合检查情节严重。",
    "NO_RELEVANT_ACTIVITY": "未发现开展本次抽查涉及的经营活动。",
    "PENDING_FOLLOW_UP": "发现涉嫌违法线索，待后续处理。",
    "QUALIFIED": "抽检产品检验结果合格。",
    "UNQUALIFIED": "抽检产品检验结果不合格。",
    "DEREGISTERED": "该市场主体已注销。",
    "REGISTRATION_REVOKED": "该市场主体被撤销设立登记。",
    "LICENSE_REVOKED": "该市场主体被吊销营业执照。",
    "MIGRATED": "该市场主体登记机关已跨区域迁移。",
}

# (region code, industry or None, entity type or None, how many)
POPULATION = (
    ("532325", "二手车交易", None, 30),
    ("532325", None, None, 120),
    ("1303", "直销", EntityType.ENTERPRISE, 8),
    ("1303", "电子商务", EntityType.ENTERPRISE, 12),
    ("1303", "电子商务", EntityType.INDIVIDUAL_BUSINESS, 8),
    ("1303", "电动自行车销售", EntityType.ENTERPRISE, 12),
    ("1303", "棉花加工", EntityType.ENTERPRISE, 6),
    ("1303", "计量", EntityType.ENTERPRISE, 20),
    ("1303", "认证", EntityType.ENTERPRISE, 30),
    ("1303", "检验检测", EntityType.ENTERPRISE, 14),
    ("1303", None, EntityType.ENTERPRISE, 140),
    ("1303", None, EntityType.FARMER_COOPERATIVE, 30),
    ("1303", None, EntityType.INDIVIDUAL_BUSINESS, 400),
)


@dataclass
class DemoReport:
    """What a demo run created, and what it found already there."""

    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, created: bool) -> None:
        """Count one object."""
        target = self.created if created else self.existing
        target[kind] = target.get(kind, 0) + 1

    def summary(self) -> str:
        """One line per kind, in Chinese and English."""
        kinds = sorted(set(self.created) | set(self.existing))
        lines = [f"{k}: 新建 {self.created.get(k, 0)}，已存在 {self.existing.get(k, 0)}" for k in kinds]
        return "演示数据 (demo data)\n" + "\n".join(lines)


def _regions(prefix: str) -> list[Region]:
    return [region for region in DEMO_REGIONS if region.code.startswith(prefix)]


async def _departments(session: AsyncSession, report: DemoReport) -> dict[str, Department]:
    found = {d.code: d for d in await session.scalars(select(Department))}
    for seed in DEPARTMENTS:
        if seed.code in found:
            report.count("departments", created=False)
            continue
        found[seed.code] = await directory.create_department(
            session,
            by=DEMO,
            code=seed.code,
            name=seed.name,
            short_name=seed.short_name,
            level=seed.level,
            region_code=seed.region_code,
            parent_id=found[seed.parent].id if seed.parent else None,
        )
        report.count("departments", created=True)
    return found


async def _entities(session: AsyncSession, rng: random.Random, report: DemoReport) -> None:
    known = set(await session.scalars(select(Entity.credit_code)))
    for prefix, industry, entity_type, how_many in POPULATION:
        faker = EntityFaker(rng, _regions(prefix))
        for _ in range(how_many):
            fake = faker.entity(entity_type=entity_type.value if entity_type else None, industry=industry)
            if fake.credit_code in known:
                report.count("entities", created=False)
                continue
            await directory.register_entity(
                session,
                by=DEMO,
                code=fake.credit_code,
                name=fake.name,
                entity_type=EntityType(fake.entity_type),
                region_code=fake.region_code,
                industry=fake.industry,
                address=fake.address,
                legal_representative=fake.legal_representative,
                registration_date=fake.registration_date,
                former_names=list(fake.former_names),
                phone=fake.contact_phone,
            )
            known.add(fake.credit_code)
            report.count("entities", created=True)


async def _items(
    session: AsyncSession, departments: dict[str, Department], report: DemoReport
) -> dict[str, InspectionItem]:
    found = {i.code: i for i in await session.scalars(select(InspectionItem))}
    for seed in ITEMS:
        if seed.code in found:
            report.count("items", created=False)
            continue
        found[seed.code] = await items.create_item_version(
            session,
            by=DEMO,
            department_id=departments[seed.department].id,
            code=seed.code,
            name=seed.name,
            category=seed.category,
            legal_basis=seed.legal_basis,
            method=InspectionMethod.ON_SITE,
            effective_from=TASKS[0].period_start.replace(month=1, day=1),
            content=seed.content,
        )
        report.count("items", created=True)
    return found


# Enough for a leader and a member per inspection with room for recusals and replacements.
INSPECTORS_PER_DEPARTMENT = 6


async def _inspectors(session: AsyncSession, departments: dict[str, Department], report: DemoReport) -> None:
    """The inspector directory (执法检查人员名录库) of every demo department: never public."""
    rng = random.Random("demo-inspectors")
    faker = EntityFaker(rng)
    registered = set(await session.scalars(select(Inspector.department_id).distinct()))
    for seed in DEPARTMENTS:
        department = departments[seed.code]
        if department.id in registered:
            report.count("inspectors", created=False)
            continue
        for n in range(INSPECTORS_PER_DEPARTMENT):
            await directory.register_inspector(
                session,
                by=DEMO,
                department_id=department.id,
                badge_number=f"{seed.code}-{n + 1:03d}",
                name=faker.person_name(),
            )
            report.count("inspectors", created=True)


async def _teams(session: AsyncSession, seed: TaskSeed, task: Task, report: DemoReport) -> None:
    """Draw the task's inspection teams once (a complete team is needed to submit a result)."""
    draw = await session.scalar(select(Draw).where(Draw.task_id == task.id))
    if draw is not None and draw.inspectors_drawn_at is not None:
        report.count("teams drawn", created=False)
        return
    await teams.draw_inspectors(session, by=DEMO, task_id=task.id, seed=f"demo-inspectors-{seed.seed}")
    report.count("teams drawn", created=True)


async def _task(
    session: AsyncSession,
    seed: TaskSeed,
    departments: dict[str, Department],
    found_items: dict[str, InspectionItem],
    report: DemoReport,
) -> Task:
    initiating = departments[seed.initiating]
    task = await session.scalar(
        select(Task).where(Task.initiating_department_id == initiating.id, Task.name == seed.name)
    )
    if task is not None:
        report.count("tasks", created=False)
        return task
    year = seed.period_start.year
    plan = await session.scalar(
        select(AnnualPlan).where(
            AnnualPlan.department_id == initiating.id, AnnualPlan.title == seed.plan_title
        )
    )
    if plan is None:
        plan = await plans.create_plan(
            session,
            by=DEMO,
            department_id=initiating.id,
            year=year,
            title=seed.plan_title,
            description=seed.scope,
        )
    if plan.status != PlanStatus.PUBLISHED:
        await plans.publish_plan(
            session, by=DEMO, plan_id=plan.id, today=seed.period_start.replace(month=2, day=26)
        )
    task = await plans.create_task(
        session,
        by=DEMO,
        name=seed.name,
        initiating_department_id=initiating.id,
        participating_department_ids=[departments[code].id for code in seed.participating],
        items=[
            plans.TaskItemSpec(found_items[code].id, found_items[code].department_id) for code in seed.items
        ],
        strata=[plans.StratumSpec(s.name, s.ratio_bp, s.entity_type, s.industry) for s in seed.strata],
        period_start=seed.period_start,
        period_end=seed.period_end,
        level=seed.level,
        method=InspectionMethod.ON_SITE,
        region_code=seed.region_code,
        scope=seed.scope,
        plan_id=plan.id,
    )
    # A fixed platform nonce keeps the demo identical from run to run (README examples rely on it).
    await draws.draw_entities(
        session, by=DEMO, task_id=task.id, seed=seed.seed, platform_nonce=f"demo-nonce-{seed.seed}"
    )
    report.count("tasks", created=True)
    return task


def _items_for(seed: TaskSeed, entity: Entity) -> list[str]:
    if seed.initiating != "130300-SCJG":
        return list(seed.items)
    extra = QHD_ITEMS_BY_INDUSTRY.get(entity.industry)
    return ["QHD-01", "QHD-02", *([extra] if extra else [])]


async def _results(
    session: AsyncSession,
    seed: TaskSeed,
    task: Task,
    found_items: dict[str, InspectionItem],
    calendar: WorkCalendar,
    rng: random.Random,
    working_days: int,
    report: DemoReport,
) -> None:
    rows = await session.execute(
        select(Inspection, Entity)
        .join(Entity, Entity.id == Inspection.entity_id)
        .where(Inspection.task_id == task.id)
        .order_by(Inspection.id)
    )
    span = (seed.period_end - seed.period_start).days
    counter = 0
    for inspection, entity in rows:
        done = await session.scalar(
            select(InspectionResult.id).where(InspectionResult.inspection_id == inspection.id).limit(1)
        )
        if done is not None:
            report.count("inspections with results", created=False)
            continue
        start = seed.period_start + timedelta(days=rng.randint(0, max(span - 3, 0)))
        ended_on = start + timedelta(days=rng.randint(0, 2))
        await draws.record_inspection_dates(
            session,
            by=DEMO,
            inspection_id=inspection.id,
            inspected_on=start,
            ended_on=ended_on,
            today=ended_on,
        )
        assert inspection.ended_on is not None
        # 已注销 and its kind are facts about the entity: every item of its inspection gets the same,
        # and the directory records the status first (a department learns it from the registry).
        registration: list[str] | None = None
        for position, code in enumerate(_items_for(seed, entity)):
            item = found_items[code]
            walking = counter < len(EVERY_CATEGORY)
            # The walk through every category is published, so each category is seen once.
            covering = walking or registration is not None
            if registration is not None:
                categories = registration
            elif walking and not (position > 0 and EVERY_CATEGORY[counter][0] in STATUS_OF_CATEGORY):
                categories = EVERY_CATEGORY[counter]
                counter += 1
            else:
                categories = rng.choices([c for c, _ in USUAL], weights=[w for _, w in USUAL])[0]
                if not walking:
                    counter += 1  # a walk held back for the next inspection resumes where it stopped
            if registration is None and categories[0] in STATUS_OF_CATEGORY:
                registration = categories
                await directory.change_entity_status(
                    session,
                    by=DEMO,
                    entity_id=entity.id,
                    status=STATUS_OF_CATEGORY[categories[0]],
                    changed_on=start - timedelta(days=30),
                    source="登记机关公告（演示数据）",
                    today=start,
                )
            result = await results.enter_result(
                session,
                by=DEMO,
                inspection_id=inspection.id,
                department_id=item.department_id,
                item_id=item.id,
                category_codes=categories,
                description="".join(DESCRIPTIONS[c] for c in categories),
                calendar=calendar,
                publication_working_days=working_days,
            )
            report.count("results", created=True)
            fate = rng.random()
            if covering:
                fate = max(fate, 0.08)  # returned and revised at most: never left unpublished
            if fate < 0.04:
                continue  # still a draft: not public
            await results.submit_result(session, by=DEMO, result_id=result.id)
            if fate < 0.08:
                continue  # under review: not public
            if fate < 0.12:
                await results.return_result(
                    session,
                    by=DEMO,
                    result_id=result.id,
                    reason="检查记录表缺少当事人签字，请补充后重新上报",
                )
                await results.submit_result(session, by=DEMO, result_id=result.id)
            # Most are published on time; about one in ten is late (seed 001 art.29).
            delay = rng.randint(21, 26) if rng.random() < 0.1 else rng.randint(2, 18)
            published_on = add_working_days(calendar, inspection.ended_on, delay).due
            await results.approve_result(session, by=DEMO, result_id=result.id, today=published_on)
            if (rng.random() < 0.05 and not covering) or counter == 2:
                corrected = ["NO_PROBLEM"] if categories != ["NO_PROBLEM"] else ["ORDERED_TO_CORRECT"]
                await results.correct_result(
                    session,
                    by=DEMO,
                    result_id=result.id,
                    category_codes=corrected,
                    description="".join(DESCRIPTIONS[c] for c in corrected),
                    reason="经复查，原检查结果录入有误，予以更正",
                    approved_by=HEAD,
                    today=published_on + timedelta(days=rng.randint(7, 40)),
                )
                report.count("corrections", created=True)


async def load_demo(
    session: AsyncSession, *, publication_working_days: int = 20, seed: int = 2021, today: date | None = None
) -> DemoReport:
    """Load (or complete) the demo dataset in ``session``; the caller commits.

    ``today`` (China's date by default) dates the recent flows (demo/flows.py).
    """
    report = DemoReport()
    rng = random.Random(seed)
    departments = await _departments(session, report)
    await _entities(session, rng, report)
    found_items = await _items(session, departments, report)
    await _inspectors(session, departments, report)
    calendar = await load_calendar(session)
    for task_seed in TASKS:
        task = await _task(session, task_seed, departments, found_items, report)
        await _teams(session, task_seed, task, report)
        await _results(
            session,
            task_seed,
            task,
            found_items,
            calendar,
            random.Random(f"{seed}-{task_seed.seed}"),
            publication_working_days,
            report,
        )
    # Seed 003 drawn by the city bureau and dispatched (issue 14 point 10): after the other tasks,
    # whose candidate lists its new entities must not change.
    found = await load_dispatched_task(
        session,
        by=DEMO,
        departments=departments,
        found_items=found_items,
        calendar=calendar,
        working_days=publication_working_days,
        usual=USUAL,
        descriptions=DESCRIPTIONS,
    )
    for kind, made in (("task", "created"), ("entities", "entities"), ("results", "results")):
        if found[made]:
            report.created[f"dispatched {kind}"] = found[made]
    if found["existing"]:
        report.existing["dispatched task"] = found["existing"]
    await _recent_flows(session, departments, found_items, calendar, today or china_today(), report)
    await session.flush()
    return report


async def _recent_flows(
    session: AsyncSession,
    departments: dict[str, Department],
    found_items: dict[str, InspectionItem],
    calendar: WorkCalendar,
    today: date,
    report: DemoReport,
) -> None:
    """Issue 14 point 6: recent results to object to, every objection state, a 不宜告知 task."""

    def count(kind: str, created: bool) -> None:
        report.count(kind, created=created)

    task = await flows.recent_joint_task(
        session, departments=departments, found_items=found_items, calendar=calendar, today=today, count=count
    )
    if task is not None:
        await flows.objections_in_every_state(session, task=task, calendar=calendar, today=today, count=count)
    await flows.withheld_task(
        session, departments=departments, found_items=found_items, today=today, count=count
    )
