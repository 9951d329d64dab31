"""Jurisdiction and need-to-know (issue 14 point 7; seed 001 art.3, art.13, art.25).

A department acts within its area (a county its own code, a city its four digits, a province its
two), a superior's area holding its subordinates'; contact details leave only within the area, and
every export of non-public data is audited.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import directory, items, plans
from inspections.errors import PermissionDenied
from inspections.principals import Role, department_user
from inspections.spreadsheets import exporting
from schema.enums import DepartmentLevel, EntityStatus, EntityType, InspectionMethod
from schema.models import AuditEvent, Department, EntityContact
from tests import factories
from tests.conftest import table_counts
from tests.factories import TEST


async def _city(session: AsyncSession) -> Department:
    return await directory.create_department(
        session,
        by=TEST,
        code="T-QHD-SCJG",
        name="秦皇岛市市场监督管理局",
        short_name="秦皇岛市市场监管局",
        level=DepartmentLevel.CITY,
        region_code="130300",
    )


async def test_entities_are_registered_within_the_area_a_superior_holding_its_counties(
    session: AsyncSession,
) -> None:
    county = await factories.department(session, "姚安县市场监督管理局", region="532325")
    city = await _city(session)
    haigang = factories.unique_code("130302")
    before = await table_counts(session)
    with pytest.raises(PermissionDenied) as refused:
        await directory.register_entity(
            session,
            by=department_user(county.id, Role.CLERK, "姚安录入员"),
            code=haigang,
            name="秦皇岛鑫达建材有限公司",
            entity_type=EntityType.ENTERPRISE,
            region_code="130302",
        )
    assert (refused.value.code, refused.value.field) == ("OUTSIDE_JURISDICTION", "regionCode")
    assert refused.value.message == "行政区划“130302”不在本部门的管辖范围（532325）内"
    assert await table_counts(session) == before
    # 秦皇岛市 (1303) holds 海港区 (130302).
    entity = await directory.register_entity(
        session,
        by=department_user(city.id, Role.CLERK, "秦皇岛录入员"),
        code=haigang,
        name="秦皇岛鑫达建材有限公司",
        entity_type=EntityType.ENTERPRISE,
        region_code="130302",
    )
    assert entity.region_code == "130302"
    with pytest.raises(PermissionDenied) as status:
        await directory.change_entity_status(
            session,
            by=department_user(county.id, Role.CLERK, "姚安录入员"),
            entity_id=entity.id,
            status=EntityStatus.DEREGISTERED,
            changed_on=date(2022, 3, 1),
            source="注销公告",
            today=date(2022, 3, 2),
        )
    assert status.value.code == "OUTSIDE_JURISDICTION"


async def test_a_task_is_set_within_the_initiating_departments_area(session: AsyncSession) -> None:
    county = await factories.department(session, "姚安县市场监督管理局", region="532325")
    item = await items.create_item_version(
        session,
        by=TEST,
        department_id=county.id,
        code="J-01",
        name="登记事项检查",
        category="登记注册",
        legal_basis="《市场主体登记管理条例》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )

    async def create(region: str) -> None:
        await plans.create_task(
            session,
            by=department_user(county.id, Role.CLERK, "姚安录入员"),
            name="登记事项专项抽查",
            initiating_department_id=county.id,
            participating_department_ids=[],
            items=[plans.TaskItemSpec(item.id, county.id)],
            strata=[plans.StratumSpec("全部", 500)],
            period_start=date(2022, 5, 1),
            period_end=date(2022, 5, 31),
            level=DepartmentLevel.COUNTY,
            method=InspectionMethod.ON_SITE,
            region_code=region,
        )

    before = await table_counts(session)
    with pytest.raises(PermissionDenied) as refused:
        await create("130302")
    assert refused.value.code == "OUTSIDE_JURISDICTION"
    assert await table_counts(session) == before
    await create("532325")


async def test_contacts_leave_only_within_the_area_and_every_export_is_audited(session: AsyncSession) -> None:
    city = await _city(session)
    yaoan = await factories.entity(session, "姚安县李氏二手车经营部")  # 532325, with a phone
    for entity_region in ("532325", "130302"):
        await directory.register_entity(
            session,
            by=TEST,
            code=factories.unique_code(entity_region),
            name=f"{entity_region}联系测试有限公司",
            entity_type=EntityType.ENTERPRISE,
            region_code=entity_region,
            phone="0878-5721234",
        )
    by_city = department_user(city.id, Role.CLERK, "秦皇岛录入员")
    table = await exporting.entities_table(session, by=by_city, region_code="53")
    phones = {row[0]: row[-1] for row in table.rows}
    assert table.rows and set(phones.values()) == {""}  # 云南 is outside 秦皇岛's area
    own = await exporting.entities_table(session, by=by_city, region_code="13")
    assert [row[-1] for row in own.rows] == ["0878-5721234"]
    events = list(
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export.entities").order_by(AuditEvent.id)
        )
    )
    assert [(e.actor, e.object_id, e.after) for e in events] == [
        (by_city.actor, "53", {"rows": len(table.rows), "withContacts": 0}),
        (by_city.actor, "13", {"rows": 1, "withContacts": 1}),
    ]
    # The 姚安 shop's phone is on file (the factory gives 13800000000), yet its row left without it.
    on_file = await session.scalar(select(EntityContact.phone).where(EntityContact.entity_id == yaoan.id))
    assert (on_file, phones[yaoan.credit_code]) == ("13800000000", "")
