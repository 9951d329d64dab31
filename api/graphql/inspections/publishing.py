"""Department mutations that publish: item lists (事项清单), annual plans (年度计划) and tasks (抽查任务)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from api.error_codes import ApiErrorCode as Code
from api.graphql.context import Info
from api.graphql.core.errors import Errors
from api.graphql.core.ids import local_id
from api.graphql.core.transaction import execute
from api.graphql.inspections.common import own_department
from api.graphql.inspections.payloads import (
    PlanRecord,
)
from api.graphql.nodes import DepartmentNode, InspectionItemNode, TaskNode
from api.graphql.nodes.base import EntityKind
from inspections import items, plans, publication_deadlines
from inspections.errors import InvalidInput
from inspections.principals import Principal, Role
from schema import enums, models


def _ratio_bp(percent: Decimal, position: int) -> int:
    try:
        bp = percent * 100
    except InvalidOperation as exc:
        raise InvalidInput("抽查比例应为数字", code=Code.RATIO_OUT_OF_RANGE, field="strata") from exc
    if bp != bp.to_integral_value() or not 0 < bp <= 10000:
        raise InvalidInput(
            f"第{position}个抽查比例应在0%（不含）到100%之间，最多两位小数，收到{percent}%",
            code=Code.RATIO_OUT_OF_RANGE,
            field="strata",
        )
    return int(bp)


@strawberry.input(description="任务中的一个抽查事项及负责检查的部门")
class TaskItemInput:
    """An item and the department that checks it."""

    item_id: relay.GlobalID
    department_id: relay.GlobalID


@strawberry.input(description="抽查比例分层")
class StratumInput:
    """A stratum of the scope with its ratio in percent (e.g. 0.5 for 0.5%)."""

    name: str
    ratio_percent: Decimal
    entity_type: enums.EntityType | None = None
    industry: str | None = None
    item_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None,
        description="本分层只检查的任务事项（须为本任务的事项）；不填则检查全部事项（seed 003 三(二)）",
    )


@strawberry.input(description="新建抽查任务")
class CreateTaskInput:
    """A joint task: who leads (the caller's department), who joins, what, at which ratios."""

    name: str
    participating_department_ids: list[relay.GlobalID]
    items: list[TaskItemInput]
    strata: list[StratumInput]
    period_start: date
    period_end: date
    level: enums.DepartmentLevel
    method: enums.InspectionMethod
    region_code: str
    scope: str = ""
    plan_id: relay.GlobalID | None = None
    registered_by: date | None = strawberry.field(
        default=None, description="登记截止日期：此日（含）前登记注册的市场主体才是候选（seed 003 三(一)）"
    )
    excluded_entity_kinds: list[EntityKind] = strawberry.field(
        default_factory=list, description="不在抽查范围的主体类别（seed 003 三(一)）"
    )
    dispatched: bool = strawberry.field(
        default=False,
        description="一次性抽取后按登记机关派发至承办部门实施"
        "（市、省级任务；seed 003 四(一)、seed 001 art.13）",
    )
    withhold_drawn_list: bool = strawberry.field(
        default=False,
        description="不宜告知（seed 001 art.20(2)、002 art.13(2)）：抽中名单在检查全部结束前不向社会公开，"
        "不发放告知书；抽取承诺照常公开，事后可复核",
    )


ItemPayload: TypeAlias = Annotated[InspectionItemNode | Errors, strawberry.union("InspectionItemPayload")]
PlanPayload: TypeAlias = Annotated[PlanRecord | Errors, strawberry.union("PlanPayload")]
TaskPayload: TypeAlias = Annotated[TaskNode | Errors, strawberry.union("TaskPayload")]
DepartmentPayload: TypeAlias = Annotated[DepartmentNode | Errors, strawberry.union("DepartmentPayload")]


@strawberry.type
class PublishingMutation:
    """Items, plans and tasks; each mutation is audited and answers a union of success and errors."""

    @strawberry.mutation(description="新增抽查事项的一个版本（本部门）")
    async def create_inspection_item(
        self,
        info: Info,
        code: str,
        name: str,
        category: str,
        legal_basis: str,
        method: enums.InspectionMethod,
        effective_from: date,
        subject: str = "",
        content: str = "",
    ) -> ItemPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionItem:
            return await items.create_item_version(
                session,
                by=by,
                department_id=own_department(by, Role.CLERK, Role.ADMIN),
                code=code,
                name=name,
                category=category,
                legal_basis=legal_basis,
                method=method,
                effective_from=effective_from,
                subject=subject,
                content=content,
            )

        return await execute(info, action, InspectionItemNode.from_row)

    @strawberry.mutation(description="停止使用抽查事项的当前版本")
    async def retire_inspection_item(
        self, info: Info, item_id: relay.GlobalID, effective_to: date
    ) -> ItemPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionItem:
            return await items.retire_item(
                session,
                by=by,
                item_id=local_id(item_id, "InspectionItem", "itemId"),
                effective_to=effective_to,
            )

        return await execute(info, action, InspectionItemNode.from_row)

    @strawberry.mutation(description="起草年度抽查计划（本部门）")
    async def create_plan(self, info: Info, year: int, title: str, description: str = "") -> PlanPayload:
        async def action(session: AsyncSession, by: Principal) -> models.AnnualPlan:
            return await plans.create_plan(
                session,
                by=by,
                department_id=own_department(by, Role.CLERK, Role.ADMIN),
                year=year,
                title=title,
                description=description,
            )

        return await execute(info, action, PlanRecord.from_row)

    @strawberry.mutation(description="公布年度抽查计划；超过本辖区截止日期的标记为逾期")
    async def publish_plan(self, info: Info, plan_id: relay.GlobalID) -> PlanPayload:
        settings = info.context.settings

        async def action(session: AsyncSession, by: Principal) -> models.AnnualPlan:
            plan = await session.get(models.AnnualPlan, local_id(plan_id, "AnnualPlan", "planId"))
            deadline = None
            if plan is not None:
                department = await session.get(models.Department, plan.department_id)
                assert department is not None
                deadline = settings.plan_deadline(department.region_code, plan.year)
            return await plans.publish_plan(
                session, by=by, plan_id=plan.id if plan else -1, today=info.context.today(), deadline=deadline
            )

        return await execute(info, action, PlanRecord.from_row)

    @strawberry.mutation(description="新建抽查任务（本部门为发起部门）")
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Task:
            strata = [
                plans.StratumSpec(
                    s.name,
                    _ratio_bp(s.ratio_percent, n),
                    s.entity_type,
                    s.industry,
                    tuple(local_id(i, "InspectionItem", "strata") for i in s.item_ids)
                    if s.item_ids is not None
                    else None,
                )
                for n, s in enumerate(input.strata, start=1)
            ]
            return await plans.create_task(
                session,
                by=by,
                name=input.name,
                initiating_department_id=own_department(by, Role.CLERK, Role.ADMIN),
                participating_department_ids=[
                    local_id(d, "Department", "participatingDepartmentIds")
                    for d in input.participating_department_ids
                ],
                items=[
                    plans.TaskItemSpec(
                        local_id(i.item_id, "InspectionItem", "items"),
                        local_id(i.department_id, "Department", "items"),
                    )
                    for i in input.items
                ],
                strata=strata,
                period_start=input.period_start,
                period_end=input.period_end,
                level=input.level,
                method=input.method,
                region_code=input.region_code,
                scope=input.scope,
                plan_id=local_id(input.plan_id, "AnnualPlan", "planId") if input.plan_id else None,
                registered_by=input.registered_by,
                excluded_kinds=input.excluded_entity_kinds,
                dispatched=input.dispatched,
                withhold_drawn_list=input.withhold_drawn_list,
            )

        return await execute(info, action, TaskNode.from_row)

    @strawberry.mutation(
        description="设置任务的结果公示期限：固定日期（如seed 000的2021年11月30日前）或检查结束后工作日数"
        "（如seed 004的5个工作日），二者择一；都不填则恢复部门或系统默认。未公示结果的应公示日期随之重算"
    )
    async def set_task_publication_deadline(
        self,
        info: Info,
        task_id: relay.GlobalID,
        working_days: int | None = None,
        fixed_date: date | None = None,
    ) -> TaskPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Task:
            return await publication_deadlines.set_task_publication_deadline(
                session,
                by=by,
                task_id=local_id(task_id, "Task", "taskId"),
                working_days=working_days,
                fixed_due=fixed_date,
                calendar=await info.context.calendar(),
                server_working_days=info.context.settings.publication_working_days,
            )

        return await execute(info, action, TaskNode.from_row)

    @strawberry.mutation(
        description="设置本部门发起任务的结果公示期限（检查结束后工作日数；空为系统默认），管理员办理"
    )
    async def set_department_publication_deadline(
        self, info: Info, working_days: int | None = None
    ) -> DepartmentPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Department:
            return await publication_deadlines.set_department_publication_deadline(
                session,
                by=by,
                working_days=working_days,
                calendar=await info.context.calendar(),
                server_working_days=info.context.settings.publication_working_days,
            )

        return await execute(info, action, DepartmentNode.from_row)
