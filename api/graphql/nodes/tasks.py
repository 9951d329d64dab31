"""Public nodes of the plans and tasks: strata, items, the draw record and the result summary."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.loaders import load_all
from api.graphql.nodes.base import (
    DepartmentLevel,
    EntityKind,
    EntityType,
    InspectionMethod,
    PublicationDeadlineSource,
    TaskStatus,
    nodes_of,
)
from api.graphql.nodes.directory import DepartmentNode, InspectionItemNode, ResultCategoryType
from api.graphql.nodes.results import EntityNode
from inspections.draws import scope_rules_text
from inspections.publication_deadlines import rule_of
from inspections.withholding import drawn_list_hidden
from schema import enums, models


@strawberry.type(description="抽查比例分层")
class Stratum:
    """A stratum of a task's scope and its sampling ratio (抽查比例)."""

    name: str
    ratio_percent: float = strawberry.field(description="抽查比例（%），如0.5表示0.5%")
    entity_type: EntityType | None
    industry: str | None
    item_ids: strawberry.Private[list[int] | None]

    @strawberry.field(
        description="本分层只检查的事项（为空表示检查任务的全部事项）"
        "（seed 003 三(二)：只检查登记事项和公示信息）"
    )
    async def restricted_items(self, info: Info) -> list[InspectionItemNode] | None:
        if self.item_ids is None:
            return None
        rows = await load_all(info.context.loaders.item, self.item_ids)
        return [InspectionItemNode.from_row(row) for row in rows]


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


@strawberry.type(description="按任务范围排除的市场主体（按理由计数）")
class ScopeExclusion:
    """How many entities of the area a scope rule left out of the candidate list, and why."""

    reason: str = strawberry.field(description="排除理由")
    count: int


def scope_exclusions(report: dict[str, object], registered_by: date | None) -> list[ScopeExclusion]:
    """The scope part of a draw's guard report, in Chinese, in a fixed order."""
    scope = report.get("scope") or {}
    assert isinstance(scope, dict)
    cutoff = registered_by.isoformat() if registered_by else ""
    labels = {
        "registeredAfter": f"{cutoff}之后登记注册，不在本次抽查范围",
        "registrationDateUnknown": f"名录库中无成立日期，无法确认在{cutoff}（含）前登记注册",
        "kind:enterprise_group": "企业集团，不在本次抽查范围",
        "kind:foreign_representative_office": "外国企业常驻代表机构和办事处，不在本次抽查范围",
    }
    return [ScopeExclusion(reason=labels[key], count=int(scope[key])) for key in labels if scope.get(key)]


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
    scope_exclusions: list[ScopeExclusion] = strawberry.field(
        description="冻结候选名单前按任务范围（登记截止日期、排除的主体类别）排除的市场主体数，按理由列出"
    )


@strawberry.type(description="检查结果的公示期限：固定日期，或检查结束后若干个工作日")
class PublicationDeadline:
    """The rule in force for a task's results (seed 004: 5 working days; seed 000: 2021-11-30)."""

    source: PublicationDeadlineSource = strawberry.field(description="规则来源：任务、发起部门或系统默认")
    working_days: int | None = strawberry.field(description="检查结束后的工作日数（设固定日期时为空）")
    fixed_date: date | None = strawberry.field(description="固定的公示截止日期")


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

    @strawberry.field(description="任务编号：下载地址、批量下载文件（resultId）和命令行中使用的号码")
    def reference_number(self) -> int:
        return self.id

    name: str
    year: int
    level: DepartmentLevel
    method: InspectionMethod
    region_code: str
    scope: str
    registered_by: date | None = strawberry.field(
        description="登记截止日期：此日（含）前登记注册的市场主体才在抽查范围内（seed 003 三(一)）"
    )
    excluded_entity_kinds: list[EntityKind] = strawberry.field(
        description="不在抽查范围的主体类别（seed 003 三(一)：企业集团、外国企业常驻代表机构）"
    )
    dispatched: bool = strawberry.field(
        description="由发起部门一次性抽取，按登记机关派发至承办部门实施（seed 003 四(一)、seed 001 art.13）"
    )
    scope_rules: str = strawberry.field(description="任务范围规则的文字说明（空表示无特别规则）")
    period_start: date
    period_end: date
    status: TaskStatus
    initiating_department_id: strawberry.Private[int]
    plan_id: strawberry.Private[int | None]
    row: strawberry.Private[models.Task]

    @strawberry.field(
        description="抽中名单暂不公开：任务不宜告知（seed 001 art.20(2)），检查全部结束后公开；"
        "此前抽中的检查对象、种子和平台随机数均不公布，抽取承诺（哈希）照常公开"
    )
    def drawn_list_withheld(self) -> bool:
        return drawn_list_hidden(self.row)

    @strawberry.field(description="不宜告知的任务公开抽中名单的日期（检查全部结束之日）")
    def drawn_list_disclosed_on(self) -> date | None:
        return self.row.drawn_list_disclosed_on

    @strawberry.field(description="检查结果的公示期限（任务、发起部门或系统设置）")
    async def publication_deadline(self, info: Info) -> PublicationDeadline:
        department = await info.context.loaders.department.load(self.initiating_department_id)
        rule = rule_of(self.row, department, info.context.settings.publication_working_days)
        return PublicationDeadline(
            source=rule.source, working_days=rule.working_days, fixed_date=rule.fixed_due
        )

    @strawberry.field(description="发起部门")
    async def initiating_department(self, info: Info) -> DepartmentNode:
        row = await info.context.loaders.department.load(self.initiating_department_id)
        return DepartmentNode.from_row(row)

    @strawberry.field(description="参与部门")
    async def participating_departments(self, info: Info) -> list[DepartmentNode]:
        links = await info.context.loaders.task_departments.load(self.id)
        ids = [link.department_id for link in links if link.role == enums.TaskDepartmentRole.PARTICIPATING]
        return [DepartmentNode.from_row(row) for row in await load_all(info.context.loaders.department, ids)]

    @strawberry.field(description="承办部门：派发检查对象的登记机关所在部门")
    async def dispatched_departments(self, info: Info) -> list[DepartmentNode]:
        links = await info.context.loaders.task_departments.load(self.id)
        ids = [link.department_id for link in links if link.role == enums.TaskDepartmentRole.DISPATCHED]
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
                item_ids=row.item_ids,
            )
            for row in rows
        ]

    @strawberry.field(description="随机抽取记录（未抽取时为空）")
    async def draw(self, info: Info) -> DrawRecord | None:
        row = await info.context.loaders.draw.load(self.id)
        if row is None:
            return None
        # 不宜告知: with the public candidate list, seed and nonce would name the drawn entities.
        hidden = drawn_list_hidden(self.row)
        return DrawRecord(
            algorithm=row.algorithm,
            seed_sha256=row.seed_sha256,
            candidates_sha256=row.candidates_sha256,
            candidate_count=row.candidate_count,
            seed=None if hidden else row.seed,
            platform_nonce_sha256=row.platform_nonce_sha256,
            platform_nonce=row.platform_nonce if row.locked and not hidden else None,
            committed_at=row.committed_at,
            drawn_at=row.drawn_at,
            locked=row.locked,
            scope_exclusions=scope_exclusions(row.guard_report or {}, self.registered_by),
        )

    @strawberry.field(description="抽中的检查对象（按抽取顺序）")
    async def drawn_entities(self, info: Info) -> list[EntityNode]:
        if drawn_list_hidden(self.row):
            return []
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
            registered_by=row.registered_by,
            excluded_entity_kinds=[enums.EntityKind(k) for k in row.excluded_kinds or []],
            dispatched=row.dispatched,
            scope_rules=scope_rules_text(row),
            period_start=row.period_start,
            period_end=row.period_end,
            status=row.status,
            initiating_department_id=row.initiating_department_id,
            plan_id=row.plan_id,
            row=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TaskNode | None]:
        tasks = await nodes_of(cls, info.context.loaders.task, node_ids)
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
    publication_deadline: date | None = strawberry.field(
        description="本辖区规定的公布截止日期（如2月底或3月底，seed 001 art.7、002 art.6）"
    )
    published_late: bool = strawberry.field(description="晚于公布截止日期公布")
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
            publication_deadline=row.publication_deadline,
            published_late=row.published_late,
            department_id=row.department_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AnnualPlanNode | None]:
        return await nodes_of(cls, info.context.loaders.plan, node_ids)
