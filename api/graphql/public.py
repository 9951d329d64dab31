"""Public queries: what a citizen's page asks. No login; only published data."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import strawberry
from strawberry import relay

from api.error_codes import ApiErrorCode as Code
from api.graphql.context import Info
from api.graphql.core.errors import BadRequest
from api.graphql.core.ids import checked_year, optional_local_id, region_prefix
from api.graphql.core.pagination import SortKey
from api.graphql.nodes import (
    AnnualPlanNode,
    DepartmentConnection,
    DepartmentNode,
    EntityNode,
    EntityType,
    InspectionItemConnection,
    InspectionItemNode,
    InspectionResultNode,
    PlanConnection,
    ResultCategoryType,
    ResultConnection,
    TaskConnection,
    TaskNode,
    TaskStatus,
    published_results,
)
from api.graphql.nodes.base import connection, public_page
from schema import credit_code as codes
from schema import enums, models

PUBLISHED_PLANS = sa.select(models.AnnualPlan.id).where(
    models.AnnualPlan.status == enums.PlanStatus.PUBLISHED
)


@strawberry.type
class PublicQuery:
    """Everything a citizen can read, without login (the other root fields are merged beside it)."""

    node: relay.Node | None = relay.node(description="按全局ID获取任一对象")

    @strawberry.field(description="部门")
    async def departments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        region_code: str | None = None,
    ) -> DepartmentConnection:
        stmt = sa.select(models.Department)
        prefix = region_prefix(region_code)
        if prefix:
            stmt = stmt.where(models.Department.region_code.startswith(prefix))
        keys = [SortKey(models.Department.code), SortKey(models.Department.id)]
        page, total = await public_page(info, stmt, keys, first=first, after=after)
        return connection(DepartmentConnection, DepartmentNode, page, total)

    @strawberry.field(description="抽查事项清单；activeOn 给出某日有效的版本")
    async def inspection_items(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        department_id: relay.GlobalID | None = None,
        active_on: date | None = None,
    ) -> InspectionItemConnection:
        item = models.InspectionItem
        stmt = sa.select(item)
        department = optional_local_id(department_id, "Department", "departmentId")
        if department is not None:
            stmt = stmt.where(item.department_id == department)
        if active_on is not None:
            stmt = stmt.where(
                item.effective_from <= active_on,
                sa.or_(item.effective_to.is_(None), item.effective_to >= active_on),
            )
        keys = [
            SortKey(item.department_id),
            SortKey(item.code),
            SortKey(item.version),
            SortKey(item.id),
        ]
        page, total = await public_page(info, stmt, keys, first=first, after=after)
        return connection(InspectionItemConnection, InspectionItemNode, page, total)

    @strawberry.field(description="已公布的年度抽查计划")
    async def plans(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        year: int | None = None,
        department_id: relay.GlobalID | None = None,
    ) -> PlanConnection:
        plan = models.AnnualPlan
        stmt = sa.select(plan).where(plan.status == enums.PlanStatus.PUBLISHED)
        if checked_year(year) is not None:
            stmt = stmt.where(plan.year == year)
        department = optional_local_id(department_id, "Department", "departmentId")
        if department is not None:
            stmt = stmt.where(plan.department_id == department)
        keys = [SortKey(plan.year, descending=True), SortKey(plan.id, descending=True)]
        page, total = await public_page(info, stmt, keys, first=first, after=after)
        return connection(PlanConnection, AnnualPlanNode, page, total)

    @strawberry.field(description="抽查任务；departmentId 包括发起和参与的任务")
    async def tasks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        department_id: relay.GlobalID | None = None,
        year: int | None = None,
        status: TaskStatus | None = None,
        region_code: str | None = None,
    ) -> TaskConnection:
        task = models.Task
        # A task of a plan still in draft is not public yet (its plan would leak through it).
        stmt = sa.select(task).where(sa.or_(task.plan_id.is_(None), task.plan_id.in_(PUBLISHED_PLANS)))
        department = optional_local_id(department_id, "Department", "departmentId")
        if department is not None:
            stmt = stmt.where(
                task.id.in_(
                    sa.select(models.TaskDepartment.task_id).where(
                        models.TaskDepartment.department_id == department
                    )
                )
            )
        if checked_year(year) is not None:
            stmt = stmt.where(task.year == year)
        if status is not None:
            stmt = stmt.where(task.status == status)
        prefix = region_prefix(region_code)
        if prefix:
            stmt = stmt.where(task.region_code.startswith(prefix))
        keys = [SortKey(task.period_start, descending=True), SortKey(task.id, descending=True)]
        page, total = await public_page(info, stmt, keys, first=first, after=after)
        return connection(TaskConnection, TaskNode, page, total)

    @strawberry.field(description="按统一社会信用代码查询市场主体及其已公示结果")
    async def entity(self, info: Info, credit_code: str) -> EntityNode | None:
        try:
            code = codes.validate(credit_code)
        except codes.InvalidCreditCode as exc:
            raise BadRequest(exc.message, code=exc.code, field="creditCode") from exc
        row = await info.context.session.scalar(
            sa.select(models.Entity).where(models.Entity.credit_code == code)
        )
        return EntityNode.from_row(row) if row is not None else None

    @strawberry.field(description="一条已公示的检查结果及其全部版本")
    async def result(self, info: Info, id: relay.GlobalID) -> InspectionResultNode | None:
        local = optional_local_id(id, "InspectionResult", "id")
        assert local is not None
        row = await info.context.loaders.result.load(local)
        if row is None or not InspectionResultNode.is_public(row):
            return None
        return InspectionResultNode.from_row(row)

    @strawberry.field(description="已公示的检查结果；按公示日期从新到旧")
    async def results(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        department_id: relay.GlobalID | None = None,
        region_code: str | None = None,
        year: int | None = None,
        category_code: str | None = None,
        task_id: relay.GlobalID | None = None,
        entity_type: EntityType | None = None,
    ) -> ResultConnection:
        if category_code is not None:
            known = await info.context.loaders.categories_by_code.load(category_code)
            if known is None:
                raise BadRequest(
                    f"未知的检查结果类型“{category_code}”",
                    code=Code.CATEGORY_UNKNOWN,
                    field="categoryCode",
                )
        return await published_results(
            info,
            first=first,
            after=after,
            department_id=optional_local_id(department_id, "Department", "departmentId"),
            region_code=region_prefix(region_code),
            year=checked_year(year),
            category_code=category_code,
            task_id=optional_local_id(task_id, "Task", "taskId"),
            entity_type=entity_type,
        )

    @strawberry.field(description="检查结果类型字典（当前有效版本）")
    async def result_categories(self, info: Info) -> list[ResultCategoryType]:
        category = models.ResultCategory
        rows = await info.context.session.scalars(
            sa.select(category).where(category.effective_to.is_(None)).order_by(category.sort_order)
        )
        return [ResultCategoryType.from_row(row) for row in rows]
