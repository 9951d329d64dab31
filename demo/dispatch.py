"""The demo's dispatched task (issue 14 point 10): seed 003 as written, drawn once by 秦皇岛's city
bureau and dispatched to the bureau that registered each entity (seed 003 四(一)-(二), 001 art.13).

Seed 003 三(二) names twelve ratio lines; three of them (电子商务平台经营者 100 %, 电动自行车/棉花
30 %, 计量单位 10 %) say the same for enterprises and for 个体工商户, so they are one stratum each,
open to both kinds, and the 0.5 % line for 其它类个体工商户 comes before the 3 % catch-all for 其它类型
企业、农民专业合作社. Every stratum checks 登记事项 and 公示信息 plus the items of its trade; the 3 % and
0.5 % strata only those two (只检查登记事项和公示信息).

Loaded through the use cases, after the other tasks (its new entities must not change their
candidate lists), and idempotent like the rest of the demo.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.names import DEMO_REGIONS, EntityFaker
from inspections import directory, dispatch, draws, plans, results
from inspections.principals import Principal
from schema.enums import DepartmentLevel, EntityKind, EntityType, InspectionMethod
from schema.models import (
    AnnualPlan,
    Department,
    Draw,
    DrawEntry,
    Entity,
    Inspection,
    InspectionItem,
    InspectionResult,
    Task,
    TaskStratum,
)
from workdays import WorkCalendar, add_working_days

CITY, HAIGANG, SHANHAIGUAN = "130300-SCJG", "130302-SCJG", "130303-SCJG"
TASK_NAME = "秦皇岛市市场监管系统2021年内部联合抽查（市局抽取、按登记机关派发）"
DRAWN_ON = date(2021, 5, 6)  # the day the city bureau's notice was issued (seed 003)
SEED = "qinhuangdao-2021-dispatched-demo-seed"
BASE = ("QHD-01", "QHD-02")  # 登记事项检查、公示信息检查


@dataclass(frozen=True)
class DispatchStratum:
    """A stratum of seed 003 三(二) and the items it checks."""

    name: str
    ratio_bp: int
    entity_type: EntityType | None
    industry: str | None
    items: tuple[str, ...]


STRATA = (
    DispatchStratum("取得商务部经营许可的直销企业", 100, EntityType.ENTERPRISE, "直销", (*BASE, "QHD-03")),
    DispatchStratum("电子商务平台经营者（企业、个体工商户）", 10000, None, "电子商务", (*BASE, "QHD-04")),
    DispatchStratum(
        "电动自行车生产销售企业和经营者", 3000, None, "电动自行车销售", (*BASE, "QHD-07", "QHD-08")
    ),
    DispatchStratum("棉花加工销售企业和经营者", 3000, None, "棉花加工", (*BASE, "QHD-07")),
    DispatchStratum(
        "宣传出版、文化教育、市场交易等计量单位（企业、个体工商户）", 1000, None, "计量", (*BASE, "QHD-09")
    ),
    DispatchStratum(
        "自愿性认证获证组织、认证证书在有效期内的企业", 500, EntityType.ENTERPRISE, "认证", (*BASE, "QHD-10")
    ),
    DispatchStratum(
        "机动车、生态环境、工程领域、食品、煤炭等领域检验检测机构",
        3000,
        EntityType.ENTERPRISE,
        "检验检测（重点领域）",
        (*BASE, "QHD-12"),
    ),
    DispatchStratum("其它领域检验检测机构", 1500, EntityType.ENTERPRISE, "检验检测", (*BASE, "QHD-12")),
    DispatchStratum(
        "其它类个体工商户（只检查登记事项和公示信息）", 50, EntityType.INDIVIDUAL_BUSINESS, None, BASE
    ),
    DispatchStratum("其它类型企业、农民专业合作社（只检查登记事项和公示信息）", 300, None, None, BASE),
)


async def _authorities(session: AsyncSession, by: Principal, departments: dict[str, Department]) -> None:
    """Every 秦皇岛 entity gets its 登记机关: the district bureau where the demo has one, else the city's."""
    by_region = {"130302": HAIGANG, "130303": SHANHAIGUAN}
    for entity in list(
        await session.scalars(
            select(Entity).where(
                Entity.region_code.startswith("1303"), Entity.registration_authority_id.is_(None)
            )
        )
    ):
        code = by_region.get(entity.region_code, CITY)
        await dispatch.record_registration_authority(
            session, by=by, entity_id=entity.id, authority_code=departments[code].code
        )


async def _entities(session: AsyncSession, by: Principal, count: dict[str, int]) -> None:
    """The 30 % testing bodies, and the entities seed 003 三(一) leaves out of the scope."""
    rng = random.Random("demo-dispatch-entities")
    faker = EntityFaker(rng, [r for r in DEMO_REGIONS if r.code in ("130302", "130303")])
    known = set(await session.scalars(select(Entity.credit_code)))
    # (industry stored, industry for the name, registered, kind, how many)
    wanted = (
        ("检验检测（重点领域）", "检验检测", None, None, 6),
        ("电子商务", "电子商务", date(2021, 3, 15), None, 2),  # registered after 2020-12-31
        ("其他", None, None, EntityKind.ENTERPRISE_GROUP, 1),
        ("其他", None, None, EntityKind.FOREIGN_REPRESENTATIVE_OFFICE, 1),
    )
    for industry, name_industry, registered, kind, how_many in wanted:
        for _ in range(how_many):
            fake = faker.entity(entity_type=EntityType.ENTERPRISE.value, industry=name_industry)
            if fake.credit_code in known:
                continue
            await directory.register_entity(
                session,
                by=by,
                code=fake.credit_code,
                name=fake.name,
                entity_type=EntityType.ENTERPRISE,
                region_code=fake.region_code,
                industry=industry,
                address=fake.address,
                legal_representative=fake.legal_representative,
                registration_date=registered or fake.registration_date,
                kind=kind,
                registration_authority_code=HAIGANG if fake.region_code == "130302" else SHANHAIGUAN,
                phone=fake.contact_phone,
            )
            known.add(fake.credit_code)
            count["entities"] += 1


async def load_dispatched_task(
    session: AsyncSession,
    *,
    by: Principal,
    departments: dict[str, Department],
    found_items: dict[str, InspectionItem],
    calendar: WorkCalendar,
    working_days: int,
    usual: Sequence[tuple[list[str], int]],
    descriptions: Mapping[str, str],
) -> dict[str, int]:
    """Make (or find) the dispatched task and walk it to publication; returns what it counted."""
    count = {"created": 0, "existing": 0, "entities": 0, "results": 0}
    city = departments[CITY]
    task = await session.scalar(
        select(Task).where(Task.initiating_department_id == city.id, Task.name == TASK_NAME)
    )
    if task is None:
        await _entities(session, by, count)
        await _authorities(session, by, departments)
        plan = await session.scalar(
            select(AnnualPlan).where(AnnualPlan.department_id == city.id, AnnualPlan.year == 2021)
        )
        task = await plans.create_task(
            session,
            by=by,
            name=TASK_NAME,
            initiating_department_id=city.id,
            participating_department_ids=[],
            items=[
                plans.TaskItemSpec(found_items[code].id, city.id)
                for code in sorted({c for s in STRATA for c in s.items})
            ],
            strata=[
                plans.StratumSpec(
                    s.name, s.ratio_bp, s.entity_type, s.industry, tuple(found_items[c].id for c in s.items)
                )
                for s in STRATA
            ],
            period_start=date(2021, 5, 8),
            period_end=date(2021, 7, 31),
            level=DepartmentLevel.CITY,
            method=InspectionMethod.ON_SITE,
            region_code="130300",
            scope="全市2020年12月31日（含）前登记注册的企业（不包括企业集团、外国企业常驻代表机构和办事处）、"
            "农民专业合作社、个体工商户；市局抽取后按登记机关派发至县区局实施",
            plan_id=plan.id if plan else None,
            registered_by=date(2020, 12, 31),
            excluded_kinds=(EntityKind.ENTERPRISE_GROUP, EntityKind.FOREIGN_REPRESENTATIVE_OFFICE),
            dispatched=True,
        )
        await draws.draw_entities(
            session,
            by=by,
            task_id=task.id,
            seed=SEED,
            platform_nonce=f"demo-nonce-{SEED}",
            today=DRAWN_ON,
            calendar=calendar,
        )
        count["created"] += 1
    else:
        count["existing"] += 1
    # Seed 003 四(二): each bureau matches its own within 5 working days; the city acts for 山海关.
    for code in (CITY, HAIGANG, SHANHAIGUAN):
        department = departments[code]
        pending = await session.scalar(
            select(Inspection.id).where(
                Inspection.task_id == task.id,
                Inspection.assigned_department_id == department.id,
                Inspection.matched_at.is_(None),
            )
        )
        if pending is not None:
            await dispatch.match_inspectors(
                session, by=by, task_id=task.id, department_id=department.id, seed=f"{SEED}-{code}"
            )
    count["results"] = await _results(
        session, by, task, found_items, calendar, working_days, usual, descriptions
    )
    return count


async def _results(
    session: AsyncSession,
    by: Principal,
    task: Task,
    found_items: dict[str, InspectionItem],
    calendar: WorkCalendar,
    working_days: int,
    usual: Sequence[tuple[list[str], int]],
    descriptions: Mapping[str, str],
) -> int:
    """Each 承办部门 inspects what it received and publishes its results (谁检查、谁录入、谁公开)."""
    rng = random.Random(f"{SEED}-results")
    items_by_id = {item.id: item for item in found_items.values()}
    made = 0
    rows = await session.execute(
        select(Inspection, Entity)
        .join(Entity, Entity.id == Inspection.entity_id)
        .where(Inspection.task_id == task.id)
        .order_by(Inspection.id)
    )
    strata = {
        s.id: s for s in await session.scalars(select(TaskStratum).where(TaskStratum.task_id == task.id))
    }
    entries = dict(
        (
            await session.execute(
                select(DrawEntry.entity_id, DrawEntry.stratum_id)
                .join(Draw, Draw.id == DrawEntry.draw_id)
                .where(Draw.task_id == task.id)
            )
        ).all()
    )
    for inspection, entity in rows:
        if await session.scalar(
            select(InspectionResult.id).where(InspectionResult.inspection_id == inspection.id).limit(1)
        ):
            continue
        start = date(2021, 5, 17) + timedelta(days=rng.randint(0, 60))
        ended_on = start + timedelta(days=rng.randint(0, 2))
        await draws.record_inspection_dates(
            session, by=by, inspection_id=inspection.id, inspected_on=start, ended_on=ended_on, today=ended_on
        )
        stratum = strata[entries[entity.id]]
        for item_id in stratum.item_ids or []:
            categories = rng.choices([c for c, _ in usual], weights=[w for _, w in usual])[0]
            assert inspection.assigned_department_id is not None
            result = await results.enter_result(
                session,
                by=by,
                inspection_id=inspection.id,
                department_id=inspection.assigned_department_id,
                item_id=items_by_id[item_id].id,
                category_codes=categories,
                description="".join(descriptions[c] for c in categories),
                calendar=calendar,
                publication_working_days=working_days,
            )
            await results.submit_result(session, by=by, result_id=result.id)
            published_on = add_working_days(calendar, ended_on, rng.randint(2, 18)).due
            await results.approve_result(session, by=by, result_id=result.id, today=published_on)
            made += 1
    return made
