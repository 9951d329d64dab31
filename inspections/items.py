"""Inspection item lists (抽查事项清单), versioned: "动态管理" (seed 002 art.5, seed 001 art.6)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.access import require_own_department
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, InvalidInput, NotFound
from inspections.principals import Principal, Role
from schema.enums import InspectionMethod
from schema.models import InspectionItem


async def create_item_version(
    session: AsyncSession,
    *,
    by: Principal,
    department_id: int,
    code: str,
    name: str,
    category: str,
    legal_basis: str,
    method: InspectionMethod,
    effective_from: date,
    subject: str = "",
    content: str = "",
) -> InspectionItem:
    """Publish a new version of an item; the previous version ends the day before it starts."""
    require_own_department(by, department_id, Role.CLERK, Role.ADMIN)
    if not name.strip() or not legal_basis.strip():
        raise InvalidInput("抽查事项名称和检查依据不能为空", code=Code.ITEM_FIELDS_EMPTY)
    previous = await session.scalar(
        select(InspectionItem)
        .where(InspectionItem.department_id == department_id, InspectionItem.code == code)
        .order_by(InspectionItem.version.desc())
        .limit(1)
    )
    version = 1
    if previous is not None:
        if effective_from <= previous.effective_from:
            raise InvalidInput(
                f"新版本生效日期应晚于上一版本（{previous.effective_from.isoformat()}）",
                code=Code.ITEM_DATES_ORDER,
                field="effectiveFrom",
            )
        version = previous.version + 1
        previous.effective_to = effective_from - timedelta(days=1)
    item = InspectionItem(
        department_id=department_id,
        code=code,
        version=version,
        name=name.strip(),
        category=category,
        subject=subject,
        content=content,
        legal_basis=legal_basis,
        method=method,
        effective_from=effective_from,
        effective_to=None,
    )
    session.add(item)
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="item.version",
        object_type="InspectionItem",
        object_id=item.id,
        after={"code": code, "version": version, "name": item.name},
    )
    return item


async def retire_item(
    session: AsyncSession, *, by: Principal, item_id: int, effective_to: date
) -> InspectionItem:
    """Take an item off the list from a date on (its versions stay, for the results that used them)."""
    item = await session.get(InspectionItem, item_id)
    if item is None:
        raise NotFound("未找到该抽查事项", code=Code.ITEM_NOT_FOUND)
    require_own_department(by, item.department_id, Role.CLERK, Role.ADMIN)
    if item.effective_to is not None:
        raise Conflict("该抽查事项版本已停止使用", code=Code.ITEM_RETIRED)
    if effective_to < item.effective_from:
        raise InvalidInput("停止日期不能早于生效日期", code=Code.ITEM_DATES_ORDER, field="effectiveTo")
    item.effective_to = effective_to
    await audit.record(
        session,
        actor=by.actor,
        action="item.retire",
        object_type="InspectionItem",
        object_id=item.id,
        before={"effectiveTo": None},
        after={"effectiveTo": effective_to.isoformat()},
    )
    return item
