"""Seed 003's scope rules and dispatch, refused and clocked in the domain (issue 14 point 10).

Dates from the State Council's notices: 国务院办公厅关于2021年部分节假日安排的通知（国办发明电〔2020〕27号）
for 2021 and 国务院办公厅关于2022年部分节假日安排的通知（国办发明电〔2021〕11号）: 元旦 2022年1月1日至3日放假.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import directory, dispatch, draws, items, plans
from inspections.errors import Conflict, InvalidInput, NotFound
from schema.enums import DepartmentLevel, EntityType, InspectionMethod
from schema.models import Department, Inspection, Reminder, Task
from tests.conftest import table_counts
from tests.factories import TEST, unique_code
from workdays import WorkCalendar


async def _city(session: AsyncSession) -> tuple[Department, Department]:
    city = await directory.create_department(
        session,
        by=TEST,
        code="D-1303",
        name="秦皇岛市市场监督管理局",
        short_name="市局",
        level=DepartmentLevel.CITY,
        region_code="130300",
    )
    county = await directory.create_department(
        session,
        by=TEST,
        code="D-130302",
        name="海港区市场监督管理局",
        short_name="海港",
        level=DepartmentLevel.COUNTY,
        region_code="130302",
    )
    return city, county


async def _task(session: AsyncSession, city: Department, **extra: object) -> Task:
    item = await items.create_item_version(
        session,
        by=TEST,
        department_id=city.id,
        code=f"D-{unique_code()[-6:]}",
        name="登记事项检查",
        category="登记",
        legal_basis="《市场主体登记管理条例》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    arguments: dict[str, object] = {
        "name": "派发任务",
        "initiating_department_id": city.id,
        "participating_department_ids": [],
        "items": [plans.TaskItemSpec(item.id, city.id)],
        "strata": [plans.StratumSpec("全部企业", 10000, EntityType.ENTERPRISE)],
        "period_start": date(2021, 5, 8),
        "period_end": date(2021, 12, 31),
        "level": DepartmentLevel.CITY,
        "method": InspectionMethod.ON_SITE,
        "region_code": "130300",
        "registered_by": date(2020, 12, 31),
        "dispatched": True,
        **extra,
    }
    return await plans.create_task(session, by=TEST, **arguments)  # type: ignore[arg-type]


async def _entity(session: AsyncSession, authority: str | None, region: str = "130302") -> None:
    await directory.register_entity(
        session,
        by=TEST,
        code=unique_code(region),
        name=f"秦皇岛{unique_code()[-5:]}有限公司",
        entity_type=EntityType.ENTERPRISE,
        region_code=region,
        registration_date=date(2019, 1, 1),
        registration_authority_code=authority,
    )


async def test_a_dispatched_draw_is_refused_while_a_candidate_has_no_registration_authority(
    session: AsyncSession,
) -> None:
    city, county = await _city(session)
    await _entity(session, county.code)
    await _entity(session, None)
    task = await _task(session, city)
    before = await table_counts(session)
    with pytest.raises(Conflict) as refused:
        await draws.draw_entities(session, by=TEST, task_id=task.id, seed="dispatch-0123456789abcdef")
    assert refused.value.code == "REGISTRATION_AUTHORITY_MISSING"
    assert refused.value.message.startswith("1个候选市场主体在名录库中没有本部门辖区内的登记机关，无法派发")
    assert await table_counts(session) == before


async def test_scope_rules_are_checked_when_the_task_is_made(session: AsyncSession) -> None:
    city, county = await _city(session)
    with pytest.raises(InvalidInput) as late_cutoff:
        await _task(session, city, registered_by=date(2021, 6, 1))
    assert (late_cutoff.value.code, late_cutoff.value.field) == ("CUTOFF_INVALID", "registeredBy")
    with pytest.raises(InvalidInput) as county_level:
        await _task(session, county, level=DepartmentLevel.COUNTY, region_code="130302")
    assert county_level.value.code == "TASK_NOT_DISPATCHED"
    with pytest.raises(InvalidInput) as foreign_item:
        await _task(
            session, city, strata=[plans.StratumSpec("其它企业", 300, EntityType.ENTERPRISE, None, (10**8,))]
        )
    assert foreign_item.value.code == "STRATUM_ITEM_NOT_IN_TASK"


async def test_the_registration_authority_must_cover_the_entity(session: AsyncSession) -> None:
    _, county = await _city(session)
    with pytest.raises(InvalidInput) as outside:
        await _entity(session, county.code, region="130303")  # 山海关, not 海港's area
    assert (outside.value.code, outside.value.field) == (
        "REGISTRATION_AUTHORITY_OUTSIDE",
        "registrationAuthority",
    )
    with pytest.raises(NotFound) as unknown:
        await _entity(session, "NO-SUCH-DEPT")
    assert unknown.value.code == "DEPARTMENT_NOT_FOUND"


async def test_a_matching_clock_into_an_unknown_year_is_provisional_then_recomputed(
    session: AsyncSession,
) -> None:
    city, county = await _city(session)
    await _entity(session, county.code)
    task = await _task(session, city)
    # Dispatched Tuesday 2021-12-28 with 2022's schedule unknown: 12/29, 12/30, 12/31, then weekdays
    # 1/3 and 1/4 -> 2022-01-04, provisional.
    only_2021 = WorkCalendar(builtin_years=[2021])
    await draws.draw_entities(
        session,
        by=TEST,
        task_id=task.id,
        seed="dispatch-0123456789abcdef",
        today=date(2021, 12, 28),
        calendar=only_2021,
    )
    inspection = await session.scalar(select(Inspection).where(Inspection.task_id == task.id))
    assert inspection is not None
    assert (inspection.assigned_department_id, inspection.dispatched_on) == (county.id, date(2021, 12, 28))
    assert (inspection.matching_due, inspection.matching_due_provisional) == (date(2022, 1, 4), True)
    # With the 2022 notice (元旦 1月1日至3日): 12/29, 12/30, 12/31, 1/4, 1/5 -> 2022-01-05, exact.
    assert await dispatch.recompute_matching_dues(session, WorkCalendar()) == 1
    assert (inspection.matching_due, inspection.matching_due_provisional) == (date(2022, 1, 5), False)
    # Advance reminder: on 2021-12-29, 4 working days ahead reach 1/5 (12/30, 12/31, 1/4, 1/5).
    report = await dispatch.sweep_matching(
        session, today=date(2021, 12, 29), calendar=WorkCalendar(), remind_before=4
    )
    assert (report.examined, report.reminders) == (1, 1)
    reminder = await session.scalar(select(Reminder).where(Reminder.inspection_id == inspection.id))
    assert reminder is not None
    assert (reminder.kind, reminder.department_id, reminder.payload) == (
        "dispatch_matching_due_soon",
        county.id,
        {
            "message": f"派发的检查（编号{inspection.id}）须在2022-01-05前完成执法检查人员匹配，还剩4个工作日",
            "clock": "matching",
            "due": "2022-01-05",
            "provisional": False,
        },
    )
