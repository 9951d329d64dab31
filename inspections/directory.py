"""Departments and the two directories (两库): entities and inspectors."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.access import require_department, require_own_department
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inspections.jurisdiction import covers, require_within
from inspections.principals import Principal, PrincipalKind, Role
from schema import credit_code
from schema.enums import DepartmentLevel, EntityKind, EntityStatus, EntityType
from schema.models import Department, Entity, EntityContact, EntityStatusChange, Inspector


def check_region_code(region_code: str) -> str:
    """A 6-digit administrative division code (行政区划代码), or a clear refusal."""
    if len(region_code) != 6 or not region_code.isdigit():
        raise InvalidInput(
            f"行政区划代码应为6位数字，收到“{region_code}”",
            code=Code.REGION_CODE_INVALID,
            field="regionCode",
        )
    return region_code


async def create_department(
    session: AsyncSession,
    *,
    by: Principal,
    code: str,
    name: str,
    short_name: str,
    level: DepartmentLevel,
    region_code: str,
    parent_id: int | None = None,
) -> Department:
    """Register a department (部门): a maintenance step, not open to API callers."""
    if by.kind != PrincipalKind.SYSTEM:
        raise PermissionDenied("部门由系统维护", code=Code.SYSTEM_ONLY)
    if await session.scalar(select(Department.id).where(Department.code == code)) is not None:
        raise Conflict(f"部门代码“{code}”已存在", code=Code.DEPARTMENT_EXISTS, field="code")
    department = Department(
        code=code,
        name=name,
        short_name=short_name,
        level=level,
        region_code=check_region_code(region_code),
        parent_id=parent_id,
    )
    session.add(department)
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="department.create",
        object_type="Department",
        object_id=department.id,
        after={"code": code, "name": name},
    )
    return department


async def department_by_code(session: AsyncSession, code: str) -> Department:
    """The department with this code, or NotFound."""
    department = await session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"未找到代码为“{code}”的部门", code=Code.DEPARTMENT_NOT_FOUND)
    return department


async def entity_by_code(session: AsyncSession, code: str) -> Entity | None:
    """The entity with this (already validated) 统一社会信用代码, if it is in the directory."""
    return await session.scalar(select(Entity).where(Entity.credit_code == code))


async def entity_in_directory(session: AsyncSession, raw_code: str, *, field: str | None = None) -> Entity:
    """The entity a caller names by a 统一社会信用代码 it typed: checked, then looked up, or refused."""
    try:
        code = credit_code.validate(raw_code)
    except credit_code.InvalidCreditCode as exc:
        raise InvalidInput(exc.message, code=exc.code, field=field) from exc
    entity = await entity_by_code(session, code)
    if entity is None:
        raise NotFound(f"名录库中没有统一社会信用代码为“{code}”的市场主体", code=Code.ENTITY_NOT_FOUND)
    return entity


async def registration_authority(
    session: AsyncSession, code: str | None, region_code: str
) -> Department | None:
    """The 登记机关 a department code names, whose area holds ``region_code``; None for no code."""
    if not code or not code.strip():
        return None
    department = await session.scalar(select(Department).where(Department.code == code.strip()))
    if department is None:
        raise NotFound(
            f"未找到代码为“{code.strip()}”的登记机关",
            code=Code.DEPARTMENT_NOT_FOUND,
            field="registrationAuthority",
        )
    if not covers(department, region_code):
        raise InvalidInput(
            f"登记机关“{department.name}”的辖区不含行政区划“{region_code}”",
            code=Code.REGISTRATION_AUTHORITY_OUTSIDE,
            field="registrationAuthority",
        )
    return department


async def register_entity(
    session: AsyncSession,
    *,
    by: Principal,
    code: str,
    name: str,
    entity_type: EntityType,
    region_code: str,
    industry: str = "",
    address: str = "",
    legal_representative: str = "",
    registration_date: date | None = None,
    former_names: list[str] | None = None,
    status: EntityStatus = EntityStatus.ACTIVE,
    phone: str = "",
    kind: EntityKind | None = None,
    registration_authority_code: str | None = None,
) -> Entity:
    """Add an entity to the directory (检查对象名录库); its 统一社会信用代码 must be valid.

    ``registration_authority_code`` names its 登记机关 by department code (seed 003 四(一): a
    superior's draw is dispatched to it); the entity must lie within that department's area.
    """
    require_department(by, Role.CLERK, Role.ADMIN)
    try:
        normalized = credit_code.validate(code)
    except credit_code.InvalidCreditCode as exc:
        raise InvalidInput(exc.message, code=exc.code, field="creditCode") from exc
    if not name.strip():
        raise InvalidInput("市场主体名称不能为空", code=Code.ENTITY_NAME_EMPTY, field="name")
    existing = await session.scalar(select(Entity.id).where(Entity.credit_code == normalized))
    if existing is not None:
        raise Conflict(
            f"统一社会信用代码“{normalized}”已在名录库中",
            code=Code.ENTITY_EXISTS,
            field="creditCode",
        )
    await require_within(session, by, check_region_code(region_code))
    authority = await registration_authority(session, registration_authority_code, region_code)
    entity = Entity(
        credit_code=normalized,
        name=name.strip(),
        former_names=list(former_names or []),
        entity_type=entity_type,
        industry=industry,
        region_code=check_region_code(region_code),
        address=address,
        legal_representative=legal_representative,
        registration_date=registration_date,
        status=status,
        kind=kind,
        registration_authority_id=authority.id if authority else None,
    )
    session.add(entity)
    await session.flush()
    session.add(EntityContact(entity_id=entity.id, phone=phone))
    await audit.record(
        session,
        actor=by.actor,
        action="entity.register",
        object_type="Entity",
        object_id=entity.id,
        after={"creditCode": normalized, "name": entity.name},
    )
    return entity


async def register_inspector(
    session: AsyncSession, *, by: Principal, department_id: int, badge_number: str, name: str
) -> Inspector:
    """Add an inspector to the directory (执法检查人员名录库) of the caller's own department."""
    require_own_department(by, department_id, Role.ADMIN)
    taken = await session.scalar(select(Inspector.id).where(Inspector.badge_number == badge_number))
    if taken is not None:
        raise Conflict(f"执法证号“{badge_number}”已存在", code=Code.INSPECTOR_EXISTS)
    inspector = Inspector(department_id=department_id, badge_number=badge_number, name=name)
    session.add(inspector)
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="inspector.register",
        object_type="Inspector",
        object_id=inspector.id,
        after={"departmentId": department_id},
    )
    return inspector


async def change_entity_status(
    session: AsyncSession,
    *,
    by: Principal,
    entity_id: int,
    status: EntityStatus,
    changed_on: date,
    source: str,
    today: date,
) -> EntityStatusChange:
    """Record a change of registration status (登记状态) with its date and source, keeping history.

    Seed 001 art.11, 004 三(一): the directory is kept current before every draw; an entity no longer
    active is no longer drawn, and only an entity recorded so may get 已注销 and the like as a
    result (seed 002 art.15).
    """
    require_department(by, Role.CLERK, Role.ADMIN)
    entity = await session.get(Entity, entity_id)
    if entity is None:
        raise NotFound("未找到该市场主体", code=Code.ENTITY_NOT_FOUND)
    await require_within(session, by, entity.region_code)
    if status == entity.status:
        raise Conflict("登记状态未改变", code=Code.ENTITY_STATUS_UNCHANGED, field="status")
    if changed_on > today:
        raise InvalidInput("状态变更日期不能晚于今天", code=Code.DATE_IN_FUTURE, field="changedOn")
    if not source.strip():
        raise InvalidInput(
            "请说明状态变更的来源（如登记机关的公告）", code=Code.SOURCE_REQUIRED, field="source"
        )
    if len(source.strip()) > 200:
        raise InvalidInput("来源说明不能超过200个字符", code=Code.TOO_LONG, field="source")
    change = EntityStatusChange(
        entity_id=entity.id,
        status_before=entity.status,
        status=status,
        changed_on=changed_on,
        source=source.strip(),
        recorded_by=by.actor,
    )
    session.add(change)
    before = entity.status
    entity.status = status
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="entity.status",
        object_type="Entity",
        object_id=entity.id,
        before={"status": before.value},
        after={"status": status.value, "changedOn": changed_on.isoformat(), "source": source.strip()},
    )
    return change


async def set_inspector_active(
    session: AsyncSession, *, by: Principal, inspector_id: int, active: bool, reason: str
) -> Inspector:
    """Take an inspector out of the draw (离岗、调离) or back in; the directory keeps the row.

    Seed 001 art.11 and 004 三(一): the inspector directory is kept current before every draw; an
    inactive inspector is neither drawn nor appointed as a replacement. Only the inspector's own
    department's admin may; to anyone else the inspector does not exist.
    """
    inspector = await session.get(Inspector, inspector_id)
    if inspector is None or (by.kind != PrincipalKind.SYSTEM and by.department_id != inspector.department_id):
        raise NotFound("未找到该执法检查人员", code=Code.INSPECTOR_NOT_FOUND)
    require_own_department(by, inspector.department_id, Role.ADMIN)
    if not reason.strip():
        raise InvalidInput("请说明原因", code=Code.REASON_REQUIRED, field="reason")
    if len(reason.strip()) > 200:
        raise InvalidInput("原因不能超过200个字符", code=Code.TOO_LONG, field="reason")
    if inspector.active == active:
        raise Conflict("该执法检查人员已是此状态", code=Code.INSPECTOR_STATUS_UNCHANGED, field="active")
    inspector.active = active
    await audit.record(
        session,
        actor=by.actor,
        action="inspector.activate" if active else "inspector.deactivate",
        object_type="Inspector",
        object_id=inspector.id,
        before={"active": not active},
        after={"active": active, "reason": reason.strip()},
    )
    return inspector


async def active_inspectors(session: AsyncSession, *, by: Principal) -> list[Inspector]:
    """The caller's own department's inspectors who may be appointed (a replacement), by badge.

    Inspectors are known to their own department only (seed 001 art.11); the roles that replace a
    team member (clerk, admin) read them.
    """
    own = require_department(by, Role.CLERK, Role.ADMIN)
    if own is None:
        return []
    rows = await session.scalars(
        select(Inspector)
        .where(Inspector.department_id == own, Inspector.active.is_(True))
        .order_by(Inspector.badge_number)
    )
    return list(rows)
