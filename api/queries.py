"""Public queries: what a citizen's page asks. No login; only published data."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
import strawberry
from strawberry import relay

from api.context import Info
from api.data_queries import DataQuery
from api.department_queries import DepartmentQuery
from api.errors import BadRequest
from api.graphql_log import LogQuery
from api.loaders import load_all
from api.objections import ObjectionQuery
from api.pagination import Page, SortKey, paginate
from api.search import SearchQuery
from api.search_page import load_page, parts_shown, selected_paths
from api.types import (
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
)
from schema import credit_code as codes
from schema import enums, models

PUBLISHED_PLANS = sa.select(models.AnnualPlan.id).where(
    models.AnnualPlan.status == enums.PlanStatus.PUBLISHED
)


def _wants_total(info: Info) -> bool:
    return any(
        getattr(sel, "name", None) == "totalCount"
        for field in info.selected_fields
        for sel in field.selections
    )


async def _total(info: Info, stmt: sa.Select[Any]) -> int:
    if not _wants_total(info):
        return 0
    count = await info.context.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    return int(count or 0)


ConnectionT = TypeVar("ConnectionT")


def _connection(cls: type[ConnectionT], node_cls: Any, page: Page, total: int) -> ConnectionT:
    build: Any = cls
    return build(
        edges=[
            relay.Edge(node=node_cls.from_row(row), cursor=cursor)
            for row, cursor in zip(page.rows, page.cursors, strict=True)
        ],
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=total,
    )


def _local_id(value: relay.GlobalID | None, expected: str, field: str) -> int | None:
    if value is None:
        return None
    if value.type_name != expected or not value.node_id.isdigit():
        raise BadRequest(f"{field} 应为 {expected} 的ID", code="ID_INVALID", field=field)
    return int(value.node_id)


def _region_prefix(region_code: str | None) -> str | None:
    if region_code is None:
        return None
    if len(region_code) not in (2, 4, 6) or not region_code.isdigit():
        raise BadRequest(
            "行政区划代码应为2、4或6位数字（省、市、县）",
            code="REGION_CODE_INVALID",
            field="regionCode",
        )
    return region_code


def _year(year: int | None) -> int | None:
    if year is not None and not 2000 <= year <= 2100:
        raise BadRequest(f"年度“{year}”不在有效范围内", code="YEAR_INVALID", field="year")
    return year


async def published_results(
    info: Info,
    *,
    first: int | None,
    after: str | None,
    entity_id: int | None = None,
    department_id: int | None = None,
    region_code: str | None = None,
    year: int | None = None,
    category_code: str | None = None,
    task_id: int | None = None,
    entity_type: enums.EntityType | None = None,
) -> ResultConnection:
    """Published results, newest publication first, stable by id."""
    result = models.InspectionResult
    stmt = sa.select(result).where(result.status == enums.ResultStatus.PUBLISHED)
    if entity_id is not None:
        stmt = stmt.where(result.entity_id == entity_id)
    if department_id is not None:
        stmt = stmt.where(result.department_id == department_id)
    if year is not None:
        stmt = stmt.where(result.year == year)
    if task_id is not None:
        stmt = stmt.where(result.task_id == task_id)
    if category_code is not None:
        stmt = stmt.where(
            result.id.in_(
                sa.select(models.ResultCategoryCode.result_id).where(
                    models.ResultCategoryCode.code == category_code
                )
            )
        )
    if region_code is not None or entity_type is not None:
        entities = sa.select(models.Entity.id)
        if region_code is not None:
            entities = entities.where(models.Entity.region_code.startswith(region_code))
        if entity_type is not None:
            entities = entities.where(models.Entity.entity_type == entity_type)
        stmt = stmt.where(result.entity_id.in_(entities))
    keys = [SortKey(result.published_on, descending=True), SortKey(result.id, descending=True)]
    page = await paginate(info.context.session, stmt, keys, first=first, after=after)
    # The page's entities, departments, items, tasks and categories in one statement, the
    # loaders primed with them, as a search page is: the nodes' resolvers then answer at once
    # instead of awaiting a batch per kind (the Read API benchmark's page: 15.3 -> 11.2 ms in process).
    paths = selected_paths(sel for field in info.selected_fields for sel in field.selections)
    parts = parts_shown(paths)
    ids = [row.id for row in page.rows]
    loaders = info.context.loaders
    if parts and ids:
        await load_page(info.context.session, loaders, ids, parts)
    if ids and ({"edges.node.history", "edges.node.description"} & paths):
        # Every version of the page's results, and the categories their history shows, loaded
        # here by the loaders' own batches: the history resolvers then answer at once.
        versions = await load_all(loaders.result_versions, ids)
        if "edges.node.history.categories" in paths:
            shown = sorted({code for rows in versions for row in rows for code in row.category_codes})
            await load_all(loaders.categories_by_code, shown)
    return _connection(ResultConnection, InspectionResultNode, page, await _total(info, stmt))


@strawberry.type
class Query(SearchQuery, DepartmentQuery, ObjectionQuery, DataQuery, LogQuery):
    """Everything a citizen can read, without login."""

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
        prefix = _region_prefix(region_code)
        if prefix:
            stmt = stmt.where(models.Department.region_code.startswith(prefix))
        keys = [SortKey(models.Department.code), SortKey(models.Department.id)]
        page = await paginate(info.context.session, stmt, keys, first=first, after=after)
        return _connection(DepartmentConnection, DepartmentNode, page, await _total(info, stmt))

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
        department = _local_id(department_id, "Department", "departmentId")
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
        page = await paginate(info.context.session, stmt, keys, first=first, after=after)
        return _connection(InspectionItemConnection, InspectionItemNode, page, await _total(info, stmt))

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
        if _year(year) is not None:
            stmt = stmt.where(plan.year == year)
        department = _local_id(department_id, "Department", "departmentId")
        if department is not None:
            stmt = stmt.where(plan.department_id == department)
        keys = [SortKey(plan.year, descending=True), SortKey(plan.id, descending=True)]
        page = await paginate(info.context.session, stmt, keys, first=first, after=after)
        return _connection(PlanConnection, AnnualPlanNode, page, await _total(info, stmt))

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
        department = _local_id(department_id, "Department", "departmentId")
        if department is not None:
            stmt = stmt.where(
                task.id.in_(
                    sa.select(models.TaskDepartment.task_id).where(
                        models.TaskDepartment.department_id == department
                    )
                )
            )
        if _year(year) is not None:
            stmt = stmt.where(task.year == year)
        if status is not None:
            stmt = stmt.where(task.status == status)
        prefix = _region_prefix(region_code)
        if prefix:
            stmt = stmt.where(task.region_code.startswith(prefix))
        keys = [SortKey(task.period_start, descending=True), SortKey(task.id, descending=True)]
        page = await paginate(info.context.session, stmt, keys, first=first, after=after)
        return _connection(TaskConnection, TaskNode, page, await _total(info, stmt))

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
        local = _local_id(id, "InspectionResult", "id")
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
                    code="CATEGORY_UNKNOWN",
                    field="categoryCode",
                )
        return await published_results(
            info,
            first=first,
            after=after,
            department_id=_local_id(department_id, "Department", "departmentId"),
            region_code=_region_prefix(region_code),
            year=_year(year),
            category_code=category_code,
            task_id=_local_id(task_id, "Task", "taskId"),
            entity_type=entity_type,
        )

    @strawberry.field(description="检查结果类型字典（当前有效版本）")
    async def result_categories(self, info: Info) -> list[ResultCategoryType]:
        category = models.ResultCategory
        rows = await info.context.session.scalars(
            sa.select(category).where(category.effective_to.is_(None)).order_by(category.sort_order)
        )
        return [ResultCategoryType.from_row(row) for row in rows]
