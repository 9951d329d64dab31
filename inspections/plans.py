"""Annual plans (年度抽查计划) and tasks (抽查任务) with their departments, items and strata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import tlog
from inspections import audit
from inspections.access import require_department, require_own_department
from inspections.directory import check_region_code
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inspections.jurisdiction import require_within
from inspections.principals import Principal, PrincipalKind, Role
from schema.enums import (
    DepartmentLevel,
    EntityKind,
    EntityType,
    InspectionMethod,
    PlanStatus,
    TaskDepartmentRole,
)
from schema.models import (
    AnnualPlan,
    Department,
    InspectionItem,
    Task,
    TaskDepartment,
    TaskItem,
    TaskStratum,
)


@dataclass(frozen=True)
class StratumSpec:
    """A stratum of the scope and its ratio in basis points (0.5% = 50, 100% = 10000)."""

    name: str
    ratio_bp: int
    entity_type: EntityType | None = None
    industry: str | None = None
    # The task items (ids) this stratum checks; None for all (seed 003 三(二): 只检查登记事项和公示信息).
    item_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class TaskItemSpec:
    """An item of the task and the department that checks it (谁检查、谁录入)."""

    item_id: int
    department_id: int


async def create_plan(
    session: AsyncSession,
    *,
    by: Principal,
    department_id: int,
    year: int,
    title: str,
    description: str = "",
) -> AnnualPlan:
    """Draft an annual plan for an initiating department."""
    require_own_department(by, department_id, Role.CLERK, Role.ADMIN)
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"年度“{year}”不在有效范围内", code=Code.YEAR_INVALID, field="year")
    plan = AnnualPlan(department_id=department_id, year=year, title=title, description=description)
    session.add(plan)
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="plan.create",
        object_type="AnnualPlan",
        object_id=plan.id,
        after={"year": year, "title": title},
    )
    return plan


async def publish_plan(
    session: AsyncSession, *, by: Principal, plan_id: int, today: date, deadline: date | None = None
) -> AnnualPlan:
    """Make a plan public (seed 001 art.7, 002 art.6); past the jurisdiction's deadline it is flagged late."""
    plan = await session.get(AnnualPlan, plan_id)
    own = by.department_id if by.kind == PrincipalKind.DEPARTMENT else None
    # A draft is known only to its own department: anyone else gets what a missing plan gets.
    visible = plan is not None and (
        by.kind == PrincipalKind.SYSTEM or plan.status == PlanStatus.PUBLISHED or own == plan.department_id
    )
    if plan is None or not visible:
        raise NotFound("未找到该年度抽查计划", code=Code.PLAN_NOT_FOUND)
    require_department(by, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    if own is not None and own != plan.department_id:
        raise PermissionDenied("部门只能公布本部门的计划", code=Code.OTHER_DEPARTMENT)
    if plan.status == PlanStatus.PUBLISHED:
        raise Conflict("该年度抽查计划已公布", code=Code.PLAN_ALREADY_PUBLISHED)
    plan.status = PlanStatus.PUBLISHED
    plan.published_on = today
    plan.publication_deadline = deadline
    plan.published_late = deadline is not None and today > deadline
    await tlog.log_plan_published(session, plan)
    await audit.record(
        session,
        actor=by.actor,
        action="plan.publish",
        object_type="AnnualPlan",
        object_id=plan.id,
        before={"status": "draft"},
        after={"status": "published", "publishedOn": today.isoformat()},
    )
    return plan


async def create_task(
    session: AsyncSession,
    *,
    by: Principal,
    name: str,
    initiating_department_id: int,
    participating_department_ids: list[int],
    items: list[TaskItemSpec],
    strata: list[StratumSpec],
    period_start: date,
    period_end: date,
    level: DepartmentLevel,
    method: InspectionMethod,
    region_code: str,
    scope: str = "",
    plan_id: int | None = None,
    registered_by: date | None = None,
    excluded_kinds: Sequence[EntityKind] = (),
    dispatched: bool = False,
    withhold_drawn_list: bool = False,
) -> Task:
    """Set up a joint task (seed 002 art.7): who leads, who joins, what is checked, at what ratio.

    Seed 003 三(一)-(二) and 四(一): the scope may stop at a registration date (2020年12月31日（含）前
    登记注册) and leave out kinds of entity (企业集团、外国企业常驻代表机构); a stratum may check only
    some of the task's items; a superior may draw once and dispatch each entity to its 登记机关.
    ``withhold_drawn_list``: 不宜告知 (seed 001 art.20(2), 002 art.13(2)), see inspections/withholding.py.
    """
    require_own_department(by, initiating_department_id, Role.CLERK, Role.ADMIN)
    if period_end < period_start:
        raise InvalidInput("检查结束日期不能早于开始日期", code=Code.PERIOD_ORDER, field="periodEnd")
    check_region_code(region_code)
    await require_within(session, by, region_code)
    if not strata:
        raise InvalidInput("至少需要设置一个抽查比例", code=Code.STRATA_EMPTY, field="strata")
    for stratum in strata:
        if not 0 < stratum.ratio_bp <= 10000:
            raise InvalidInput(
                f"抽查比例应在0%（不含）到100%之间，收到{stratum.ratio_bp / 100:g}%",
                code=Code.RATIO_OUT_OF_RANGE,
                field="strata",
            )
    if not items:
        raise InvalidInput("至少需要一个抽查事项", code=Code.ITEMS_EMPTY, field="items")
    task_item_ids = {spec.item_id for spec in items}
    for stratum in strata:
        if stratum.item_ids is not None and (
            not stratum.item_ids or not set(stratum.item_ids) <= task_item_ids
        ):
            raise InvalidInput(
                f"抽查比例分层“{stratum.name}”检查的事项须为本任务的抽查事项（至少一项）",
                code=Code.STRATUM_ITEM_NOT_IN_TASK,
                field="strata",
            )
    if registered_by is not None and registered_by > period_start:
        raise InvalidInput(
            "登记截止日期不能晚于抽查开始日期（名单须在抽查前确定）",
            code=Code.CUTOFF_INVALID,
            field="registeredBy",
        )
    if dispatched and level == DepartmentLevel.COUNTY:
        raise InvalidInput(
            "县级任务没有下级部门可派发；派发须由市级或省级部门一次性抽取（seed 001 art.13）",
            code=Code.TASK_NOT_DISPATCHED,
            field="dispatched",
        )
    departments = {initiating_department_id, *participating_department_ids}
    if initiating_department_id in participating_department_ids:
        raise InvalidInput("发起部门不能同时作为参与部门", code=Code.DEPARTMENT_ROLE_DUPLICATE)
    found = set(await session.scalars(select(Department.id).where(Department.id.in_(departments))))
    if found != departments:
        raise NotFound("部门不存在", code=Code.DEPARTMENT_NOT_FOUND)
    item_rows = {
        row.id: row
        for row in await session.scalars(
            select(InspectionItem).where(InspectionItem.id.in_([i.item_id for i in items]))
        )
    }
    for spec in items:
        item = item_rows.get(spec.item_id)
        if item is None:
            raise NotFound("抽查事项不存在", code=Code.ITEM_NOT_FOUND, field="items")
        if spec.department_id not in departments:
            raise InvalidInput(
                f"负责检查“{item.name}”的部门须参加本任务",
                code=Code.ITEM_DEPARTMENT_MISMATCH,
                field="items",
            )
        # A task inspects against the list as it stands for the whole period (动态管理, seed 002
        # art.5): a version that starts late or is superseded before the end is the wrong one.
        if item.effective_from > period_start or (
            item.effective_to is not None and item.effective_to < period_end
        ):
            until = item.effective_to.isoformat() if item.effective_to else "今"
            raise InvalidInput(
                f"抽查事项“{item.name}”（第{item.version}版）的有效期为{item.effective_from.isoformat()}至{until}，"
                f"未覆盖任务期间{period_start.isoformat()}至{period_end.isoformat()}，请选用该期间有效的版本",
                code=Code.ITEM_NOT_IN_FORCE,
                field="items",
            )
    if plan_id is not None:
        plan = await session.get(AnnualPlan, plan_id)
        if plan is None or plan.department_id != initiating_department_id:
            raise NotFound("未找到该年度抽查计划", code=Code.PLAN_NOT_FOUND)
        # An annual plan covers its own year (seed 001 art.7): a task of another year is not in it.
        if period_start.year != plan.year or period_end.year != plan.year:
            raise InvalidInput(
                f"任务期间{period_start.isoformat()}至{period_end.isoformat()}不在{plan.year}年度抽查计划的年度内",
                code=Code.PLAN_YEAR_MISMATCH,
                field="planId",
            )
    task = Task(
        plan_id=plan_id,
        initiating_department_id=initiating_department_id,
        name=name,
        year=period_start.year,
        level=level,
        method=method,
        region_code=region_code,
        scope=scope,
        period_start=period_start,
        period_end=period_end,
        registered_by=registered_by,
        excluded_kinds=sorted({kind.value for kind in excluded_kinds}),
        dispatched=dispatched,
        withhold_drawn_list=withhold_drawn_list,
    )
    session.add(task)
    await session.flush()
    session.add(
        TaskDepartment(
            task_id=task.id,
            department_id=initiating_department_id,
            role=TaskDepartmentRole.INITIATING,
        )
    )
    for department_id in participating_department_ids:
        session.add(
            TaskDepartment(
                task_id=task.id, department_id=department_id, role=TaskDepartmentRole.PARTICIPATING
            )
        )
    for position, spec in enumerate(items, start=1):
        session.add(
            TaskItem(
                task_id=task.id,
                item_id=spec.item_id,
                department_id=spec.department_id,
                position=position,
            )
        )
    for position, stratum in enumerate(strata, start=1):
        session.add(
            TaskStratum(
                task_id=task.id,
                position=position,
                name=stratum.name,
                entity_type=stratum.entity_type.value if stratum.entity_type else None,
                industry=stratum.industry,
                ratio_bp=stratum.ratio_bp,
                item_ids=sorted(set(stratum.item_ids)) if stratum.item_ids is not None else None,
            )
        )
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="task.create",
        object_type="Task",
        object_id=task.id,
        after={
            "name": name,
            "departments": sorted(departments),
            "strata": len(strata),
            "registeredBy": registered_by.isoformat() if registered_by else None,
            "excludedKinds": task.excluded_kinds,
            "dispatched": dispatched,
            "withholdDrawnList": withhold_drawn_list,
        },
    )
    return task
