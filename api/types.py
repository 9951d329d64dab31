"""Public GraphQL types: only what the public may see, and nothing else exists on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from api import graphql_log
from api.context import Info
from api.loaders import load_all
from schema import enums, models

# Registered on the domain's own classes, so annotations stay plain Python enums.
strawberry.enum(enums.DepartmentLevel, description="部门层级：省/市/县")
strawberry.enum(enums.EntityType, description="市场主体类型")
strawberry.enum(enums.EntityStatus, description="登记状态")
strawberry.enum(enums.InspectionMethod, description="检查方式")
strawberry.enum(enums.TaskStatus, description="抽查任务状态")
DepartmentLevel = enums.DepartmentLevel
EntityType = enums.EntityType
EntityStatus = enums.EntityStatus
InspectionMethod = enums.InspectionMethod
TaskStatus = enums.TaskStatus

LEVEL_LABELS = {"province": "省级", "city": "市级", "county": "县级"}
ENTITY_TYPE_LABELS = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "farmer_cooperative": "农民专业合作社",
    "other": "其他",
}
METHOD_LABELS = {
    "on_site": "现场检查",
    "written": "书面检查",
    "online_monitoring": "网络监测",
    "third_party": "委托第三方",
}


def _cached(loader: Any, key: Any, make: Any) -> Any:
    # A primed or already loaded key: the value now, no coroutine (graphql-core schedules a task
    # for every awaitable field); otherwise an awaitable graphql-core awaits.
    future = loader.load(key)
    if future.done():
        return make(future.result())

    async def later() -> Any:
        return make(await future)

    return later()


def _cached_many(loader: Any, keys: Sequence[Any], make: Any) -> Any:
    # As _cached, for several keys of one loader (a version's category codes).
    futures = [loader.load(key) for key in keys]
    if all(future.done() for future in futures):
        return make([future.result() for future in futures])

    async def later() -> Any:
        return make([await future for future in futures])

    return later()


async def _nodes(cls: Any, loader: Any, node_ids: Iterable[str]) -> list[Any]:
    # A malformed or unknown id is "not found", never a 500.
    ids = [int(i) if str(i).isdigit() else -1 for i in node_ids]
    rows = await load_all(loader, ids)
    return [cls.from_row(row) if row is not None and cls.is_public(row) else None for row in rows]


@strawberry.type(name="Department", description="部门")
class DepartmentNode(relay.Node):
    """A department (部门)."""

    id: relay.NodeID[int]
    code: str
    name: str
    short_name: str
    level: DepartmentLevel
    region_code: str
    parent_id: strawberry.Private[int | None]

    @strawberry.field(description="层级中文名称，如“县级”")
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level.value]

    @strawberry.field(description="上级部门")
    async def parent(self, info: Info) -> DepartmentNode | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.department.load(self.parent_id)
        return DepartmentNode.from_row(row) if row else None

    @staticmethod
    def is_public(row: models.Department) -> bool:
        return True

    @classmethod
    def from_row(cls, row: models.Department) -> DepartmentNode:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            short_name=row.short_name,
            level=row.level,
            region_code=row.region_code,
            parent_id=row.parent_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[DepartmentNode | None]:
        return await _nodes(cls, info.context.loaders.department, node_ids)


@strawberry.type(name="ResultCategory", description="检查结果类型（字典）")
class ResultCategoryType:
    """A result category of the dictionary (检查结果类型)."""

    code: str
    label: str
    is_problem: bool = strawberry.field(description="计入问题发现率")
    without_inspection: bool = strawberry.field(description="可不经实地检查直接形成的结果")
    source: str

    @classmethod
    def from_row(cls, row: models.ResultCategory) -> ResultCategoryType:
        return cls(
            code=row.code,
            label=row.label,
            is_problem=row.is_problem,
            without_inspection=row.without_inspection,
            source=row.source,
        )


@strawberry.type(name="InspectionItem", description="抽查事项（某一版本）")
class InspectionItemNode(relay.Node):
    """One version of an inspection item (抽查事项)."""

    id: relay.NodeID[int]
    code: str
    version: int
    name: str
    category: str
    subject: str
    content: str
    legal_basis: str
    method: InspectionMethod
    effective_from: date
    effective_to: date | None
    department_id: strawberry.Private[int]

    @strawberry.field(description="检查方式中文名称")
    def method_label(self) -> str:
        return METHOD_LABELS[self.method.value]

    @strawberry.field
    async def department(self, info: Info) -> DepartmentNode:
        return DepartmentNode.from_row(await info.context.loaders.department.load(self.department_id))

    @staticmethod
    def is_public(row: models.InspectionItem) -> bool:
        return True

    @classmethod
    def from_row(cls, row: models.InspectionItem) -> InspectionItemNode:
        return cls(
            id=row.id,
            code=row.code,
            version=row.version,
            name=row.name,
            category=row.category,
            subject=row.subject,
            content=row.content,
            legal_basis=row.legal_basis,
            method=row.method,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            department_id=row.department_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[InspectionItemNode | None]:
        return await _nodes(cls, info.context.loaders.item, node_ids)


@strawberry.type(name="Entity", description="市场主体（公开信息）")
class EntityNode(relay.Node):
    """An inspected entity's public registration data; contacts are not part of this type."""

    id: relay.NodeID[int]
    credit_code: str = strawberry.field(description="统一社会信用代码")
    name: str
    former_names: list[str]
    entity_type: EntityType
    region_code: str
    address: str
    legal_representative: str
    registration_date: date | None
    status: EntityStatus

    @strawberry.field(description="市场主体类型中文名称")
    def entity_type_label(self) -> str:
        return ENTITY_TYPE_LABELS[self.entity_type.value]

    @strawberry.field(description="已公示的检查结果，公示日期从新到旧")
    async def results(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ResultConnection:
        from api.queries import published_results

        return await published_results(info, first=first, after=after, entity_id=self.id)

    @staticmethod
    def is_public(row: models.Entity) -> bool:
        return True

    @classmethod
    def from_row(cls, row: models.Entity) -> EntityNode:
        return cls(
            id=row.id,
            credit_code=row.credit_code,
            name=row.name,
            former_names=list(row.former_names),
            entity_type=row.entity_type,
            region_code=row.region_code,
            address=row.address,
            legal_representative=row.legal_representative,
            registration_date=row.registration_date,
            status=row.status,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[EntityNode | None]:
        return await _nodes(cls, info.context.loaders.entity, node_ids)


@strawberry.type(description="抽查比例分层")
class Stratum:
    """A stratum of a task's scope and its sampling ratio (抽查比例)."""

    name: str
    ratio_percent: float = strawberry.field(description="抽查比例（%），如0.5表示0.5%")
    entity_type: EntityType | None
    industry: str | None


@strawberry.type(description="任务中的抽查事项及负责检查的部门")
class TaskItemType:
    """An item of a task and the department that checks it."""

    item_id: strawberry.Private[int]
    department_id: strawberry.Private[int]

    @strawberry.field
    async def item(self, info: Info) -> InspectionItemNode:
        return InspectionItemNode.from_row(await info.context.loaders.item.load(self.item_id))

    @strawberry.field
    async def department(self, info: Info) -> DepartmentNode:
        return DepartmentNode.from_row(await info.context.loaders.department.load(self.department_id))


@strawberry.type(description="随机抽取记录：可用公布的种子复核")
class DrawRecord:
    """The public record of a draw: enough for anyone to re-run it (gongshi-draw-v1)."""

    algorithm: str
    seed_sha256: str
    candidates_sha256: str
    candidate_count: int
    seed: str | None = strawberry.field(description="随机种子（抽取后公布；承诺阶段为空）")
    platform_nonce_sha256: str | None = strawberry.field(
        description="平台随机数的SHA-256（与种子哈希同时承诺）"
    )
    platform_nonce: str | None = strawberry.field(description="平台随机数（抽取后公布）")
    committed_at: datetime = strawberry.field(description="提交种子哈希、冻结候选名单的时间")
    drawn_at: datetime | None
    locked: bool = strawberry.field(description="名单已抽取并锁定，不得更改")


@strawberry.type(description="结果类型计数")
class CategoryCount:
    """How many published results carry a category."""

    category: ResultCategoryType
    count: int


@strawberry.type(description="任务的已公示结果汇总")
class ResultSummary:
    """Counts of a task's published results."""

    published: int
    by_category: list[CategoryCount]


@strawberry.type(name="Task", description="抽查任务")
class TaskNode(relay.Node):
    """A random inspection task (抽查任务) with its work plan."""

    id: relay.NodeID[int]
    name: str
    year: int
    level: DepartmentLevel
    method: InspectionMethod
    region_code: str
    scope: str
    period_start: date
    period_end: date
    status: TaskStatus
    initiating_department_id: strawberry.Private[int]
    plan_id: strawberry.Private[int | None]

    @strawberry.field(description="发起部门")
    async def initiating_department(self, info: Info) -> DepartmentNode:
        row = await info.context.loaders.department.load(self.initiating_department_id)
        return DepartmentNode.from_row(row)

    @strawberry.field(description="参与部门")
    async def participating_departments(self, info: Info) -> list[DepartmentNode]:
        links = await info.context.loaders.task_departments.load(self.id)
        ids = [link.department_id for link in links if link.role == enums.TaskDepartmentRole.PARTICIPATING]
        return [DepartmentNode.from_row(row) for row in await load_all(info.context.loaders.department, ids)]

    @strawberry.field(description="抽查事项")
    async def items(self, info: Info) -> list[TaskItemType]:
        rows = await info.context.loaders.task_items.load(self.id)
        return [TaskItemType(item_id=row.item_id, department_id=row.department_id) for row in rows]

    @strawberry.field(description="抽查比例")
    async def strata(self, info: Info) -> list[Stratum]:
        rows = await info.context.loaders.task_strata.load(self.id)
        return [
            Stratum(
                name=row.name,
                ratio_percent=row.ratio_bp / 100,
                entity_type=enums.EntityType(row.entity_type) if row.entity_type else None,
                industry=row.industry,
            )
            for row in rows
        ]

    @strawberry.field(description="随机抽取记录（未抽取时为空）")
    async def draw(self, info: Info) -> DrawRecord | None:
        row = await info.context.loaders.draw.load(self.id)
        if row is None:
            return None
        return DrawRecord(
            algorithm=row.algorithm,
            seed_sha256=row.seed_sha256,
            candidates_sha256=row.candidates_sha256,
            candidate_count=row.candidate_count,
            seed=row.seed,
            platform_nonce_sha256=row.platform_nonce_sha256,
            platform_nonce=row.platform_nonce if row.locked else None,
            committed_at=row.committed_at,
            drawn_at=row.drawn_at,
            locked=row.locked,
        )

    @strawberry.field(description="抽中的检查对象（按抽取顺序）")
    async def drawn_entities(self, info: Info) -> list[EntityNode]:
        return [EntityNode.from_row(row) for row in await info.context.loaders.drawn_entities.load(self.id)]

    @strawberry.field(description="已公示结果汇总")
    async def result_summary(self, info: Info) -> ResultSummary:
        total, by_code = await info.context.loaders.task_summary.load(self.id)
        categories = await load_all(info.context.loaders.categories_by_code, list(by_code))
        counts = [
            CategoryCount(category=ResultCategoryType.from_row(row), count=by_code[row.code])
            for row in sorted((c for c in categories if c is not None), key=lambda c: c.sort_order)
        ]
        return ResultSummary(published=total, by_category=counts)

    @staticmethod
    def is_public(row: models.Task) -> bool:
        return True

    @classmethod
    def from_row(cls, row: models.Task) -> TaskNode:
        return cls(
            id=row.id,
            name=row.name,
            year=row.year,
            level=row.level,
            method=row.method,
            region_code=row.region_code,
            scope=row.scope,
            period_start=row.period_start,
            period_end=row.period_end,
            status=row.status,
            initiating_department_id=row.initiating_department_id,
            plan_id=row.plan_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TaskNode | None]:
        tasks = await _nodes(cls, info.context.loaders.task, node_ids)
        # A task of a plan still in draft is not public yet.
        plan_ids = [t.plan_id for t in tasks if t is not None and t.plan_id is not None]
        plans = {p.id: p for p in await load_all(info.context.loaders.plan, plan_ids) if p is not None}
        return [
            t
            if t is None or t.plan_id is None or plans[t.plan_id].status == enums.PlanStatus.PUBLISHED
            else None
            for t in tasks
        ]


@strawberry.type(name="AnnualPlan", description="年度抽查计划（已公布）")
class AnnualPlanNode(relay.Node):
    """A published annual plan (年度抽查计划)."""

    id: relay.NodeID[int]
    year: int
    title: str
    description: str
    published_on: date | None
    department_id: strawberry.Private[int]

    @strawberry.field(description="制定计划的发起部门")
    async def department(self, info: Info) -> DepartmentNode:
        return DepartmentNode.from_row(await info.context.loaders.department.load(self.department_id))

    @strawberry.field(description="计划中的抽查任务")
    async def tasks(self, info: Info) -> list[TaskNode]:
        return [TaskNode.from_row(row) for row in await info.context.loaders.plan_tasks.load(self.id)]

    @staticmethod
    def is_public(row: models.AnnualPlan) -> bool:
        return row.status == enums.PlanStatus.PUBLISHED

    @classmethod
    def from_row(cls, row: models.AnnualPlan) -> AnnualPlanNode:
        return cls(
            id=row.id,
            year=row.year,
            title=row.title,
            description=row.description,
            published_on=row.published_on,
            department_id=row.department_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AnnualPlanNode | None]:
        return await _nodes(cls, info.context.loaders.plan, node_ids)


@strawberry.type(description="检查结果的一个公示版本")
class ResultVersionType:
    """One published version of a result; versions after the first are corrections (更正)."""

    version: int
    description: str
    published_on: date
    change_reason: str | None = strawberry.field(description="更正理由（首次公示为空）")
    category_codes: strawberry.Private[list[str]]
    version_id: strawberry.Private[int]

    @strawberry.field(description="该版本在公示日志中的条目序号（从0起）")
    async def log_index(self, info: Info) -> int | None:
        return await graphql_log.leaf_index(info, self.version_id)

    @strawberry.field(description="该版本包含在最新检查点中的证明（检查点签署前为空）")
    async def log_inclusion(self, info: Info) -> graphql_log.LogInclusionProof | None:
        return await graphql_log.inclusion(info, self.version_id)

    @strawberry.field
    def categories(self, info: Info) -> list[ResultCategoryType]:
        return _cached_many(
            info.context.loaders.categories_by_code,
            self.category_codes,
            lambda rows: [ResultCategoryType.from_row(row) for row in rows if row is not None],
        )


@strawberry.type(name="InspectionResult", description="已公示的检查结果")
class InspectionResultNode(relay.Node):
    """A published result: one department, one item, one entity, one task."""

    id: relay.NodeID[int]
    year: int
    published_on: date = strawberry.field(description="首次公示日期")
    publication_due: date | None = strawberry.field(description="应公示截止日期（检查结束后20个工作日）")
    version: int = strawberry.field(description="当前版本号；大于1表示已更正")
    entity_id: strawberry.Private[int]
    task_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    item_id: strawberry.Private[int]

    @strawberry.field
    def entity(self, info: Info) -> EntityNode:
        return _cached(info.context.loaders.entity, self.entity_id, EntityNode.from_row)

    @strawberry.field
    def task(self, info: Info) -> TaskNode:
        return _cached(info.context.loaders.task, self.task_id, TaskNode.from_row)

    @strawberry.field(description="录入并公示该结果的部门")
    def department(self, info: Info) -> DepartmentNode:
        return _cached(info.context.loaders.department, self.department_id, DepartmentNode.from_row)

    @strawberry.field
    def item(self, info: Info) -> InspectionItemNode:
        return _cached(info.context.loaders.item, self.item_id, InspectionItemNode.from_row)

    @strawberry.field(description="当前公示版本的结果类型")
    def categories(self, info: Info) -> list[ResultCategoryType]:
        return _cached(
            info.context.loaders.result_categories,
            self.id,
            lambda rows: [ResultCategoryType.from_row(row) for row in rows],
        )

    @strawberry.field(description="当前公示版本的说明")
    def description(self, info: Info) -> str:
        return _cached(
            info.context.loaders.result_versions,
            self.id,
            lambda versions: versions[-1].description if versions else "",
        )

    @strawberry.field(description="是否有正在处理的异议（不含异议内容和提出人）")
    async def under_objection(self, info: Info) -> bool:
        return await info.context.loaders.under_objection.load(self.id)

    @strawberry.field(description="全部公示版本，从首次公示到当前")
    def history(self, info: Info) -> list[ResultVersionType]:
        return _cached(
            info.context.loaders.result_versions,
            self.id,
            lambda rows: [
                ResultVersionType(
                    version=row.version,
                    description=row.description,
                    published_on=row.published_on,
                    change_reason=row.change_reason,
                    category_codes=list(row.category_codes),
                    version_id=row.id,
                )
                for row in rows
            ],
        )

    @staticmethod
    def is_public(row: models.InspectionResult) -> bool:
        return row.status == enums.ResultStatus.PUBLISHED and row.published_on is not None

    @classmethod
    def from_row(cls, row: models.InspectionResult) -> InspectionResultNode:
        assert row.published_on is not None  # guarded by is_public / the published filter
        return cls(
            id=row.id,
            year=row.year,
            published_on=row.published_on,
            publication_due=row.publication_due,
            version=row.current_version,
            entity_id=row.entity_id,
            task_id=row.task_id,
            department_id=row.department_id,
            item_id=row.item_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[InspectionResultNode | None]:
        return await _nodes(cls, info.context.loaders.result, node_ids)


@strawberry.type(description="分页结果")
class ResultConnection(relay.Connection[InspectionResultNode]):
    """Published results, one page."""

    total_count: int = strawberry.field(description="符合条件的总数")


@strawberry.type(description="分页结果")
class EntityConnection(relay.Connection[EntityNode]):
    """Entities, one page."""

    total_count: int


@strawberry.type(description="分页结果")
class TaskConnection(relay.Connection[TaskNode]):
    """Tasks, one page."""

    total_count: int


@strawberry.type(description="分页结果")
class PlanConnection(relay.Connection[AnnualPlanNode]):
    """Published plans, one page."""

    total_count: int


@strawberry.type(description="分页结果")
class DepartmentConnection(relay.Connection[DepartmentNode]):
    """Departments, one page."""

    total_count: int


@strawberry.type(description="分页结果")
class InspectionItemConnection(relay.Connection[InspectionItemNode]):
    """Inspection items, one page."""

    total_count: int
