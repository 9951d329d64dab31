"""Public nodes of entities and their published results, and the one query of published results."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.core.pagination import SortKey
from api.graphql.nodes import log
from api.graphql.nodes.base import (
    ENTITY_TYPE_LABELS,
    EntityStatus,
    EntityType,
    cached,
    cached_many,
    connection,
    lazy_node,
    nodes_of,
    public_page,
    total_count,
    wants_total,
)
from api.graphql.nodes.directory import DepartmentNode, InspectionItemNode, ResultCategoryType
from api.graphql.page_statement import PageParts, published_page
from api.graphql.prefetch import load_page, load_versions, parts_shown, selected_paths
from schema import enums, models

if TYPE_CHECKING:
    from api.graphql.nodes.tasks import TaskNode

# Tasks show their drawn entities and results show their task: the types refer to each other, the
# modules must not, so this one names the task node lazily (strawberry's own way across modules).
TASK_NODE = functools.partial(lazy_node, "api.graphql.nodes.tasks", "TaskNode")
TaskNodeRef = Annotated["TaskNode", strawberry.lazy("api.graphql.nodes.tasks")]


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
        return await nodes_of(cls, info.context.loaders.entity, node_ids)


@strawberry.type(description="检查结果的一个公示版本")
class ResultVersionType:
    """One published version of a result; versions after the first are corrections (更正)."""

    version: int
    description: str
    published_on: date
    change_reason: str | None = strawberry.field(description="更正理由（首次公示为空）")
    category_codes: strawberry.Private[list[str]]
    version_id: strawberry.Private[int]
    # The newest dictionary entry of each code, when the page's statement read them (PageParts).
    known_categories: strawberry.Private[dict[str, Any] | None] = None

    @strawberry.field(description="该版本在公示日志中的条目序号（从0起）")
    async def log_index(self, info: Info) -> int | None:
        return await log.leaf_index(info, self.version_id)

    @strawberry.field(description="该版本包含在最新检查点中的证明（检查点签署前为空）")
    async def log_inclusion(self, info: Info) -> log.LogInclusionProof | None:
        return await log.inclusion(info, self.version_id)

    @strawberry.field
    def categories(self, info: Info) -> list[ResultCategoryType]:
        known = self.known_categories
        if known is not None:
            return [
                ResultCategoryType.from_row(row)
                for row in map(known.get, self.category_codes)
                if row is not None
            ]
        return cached_many(
            info.context.loaders.categories_by_code,
            self.category_codes,
            lambda rows: [ResultCategoryType.from_row(row) for row in rows if row is not None],
        )


@strawberry.type(description="查处结果（公开）：移送的部门、日期和登记的处理结果，不含内部备注")
class EnforcementOutcome:
    """The public part of a follow-up (后续处理) once its outcome is recorded."""

    transferred_to: str = strawberry.field(description="移送（转办）的有管辖权部门")
    transferred_on: date | None = strawberry.field(description="移送日期")
    outcome: str = strawberry.field(description="处理结果")
    outcome_on: date | None = strawberry.field(description="处理结果日期")

    @classmethod
    def from_rows(cls, rows: list[models.FollowUp]) -> EnforcementOutcome | None:
        row = rows[0] if rows else None  # at most one per result (unique)
        if row is None or row.outcome is None:
            return None
        return cls(
            transferred_to=row.authority,
            transferred_on=row.transferred_on,
            outcome=row.outcome,
            outcome_on=row.outcome_on,
        )


def _versions(rows: list[Any], known_categories: dict[str, Any] | None = None) -> list[ResultVersionType]:
    return [
        ResultVersionType(
            version=row.version,
            description=row.description,
            published_on=row.published_on,
            change_reason=row.change_reason,
            category_codes=list(row.category_codes),
            version_id=row.id,
            known_categories=known_categories,
        )
        for row in rows
    ]


@strawberry.type(name="InspectionResult", description="已公示的检查结果")
class InspectionResultNode(relay.Node):
    """A published result: one department, one item, one entity, one task."""

    id: relay.NodeID[int]

    @strawberry.field(description="结果编号：下载地址、批量下载文件（resultId）和命令行中使用的号码")
    def reference_number(self) -> int:
        return self.id

    year: int
    published_on: date = strawberry.field(description="首次公示日期")
    publication_due: date | None = strawberry.field(description="应公示截止日期（按任务的公示期限）")
    publication_due_provisional: bool = strawberry.field(
        description="应公示截止日期为暂定：所在年度放假安排尚未载入，按工作日推算，载入后重新计算"
    )
    version: int = strawberry.field(description="当前版本号；大于1表示已更正")
    entity_id: strawberry.Private[int]
    task_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    item_id: strawberry.Private[int]
    # What the page's statement read beside this result (PostgreSQL), read before the loaders.
    page_parts: strawberry.Private[PageParts | None] = None

    @strawberry.field
    def entity(self, info: Info) -> EntityNode:
        parts = self.page_parts
        if parts is not None and parts.entity is not None:
            return EntityNode.from_row(parts.entity)
        return cached(info.context.loaders.entity, self.entity_id, EntityNode.from_row)

    @strawberry.field
    def task(self, info: Info) -> TaskNodeRef:
        node = lazy_node("api.graphql.nodes.tasks", "TaskNode")
        parts = self.page_parts
        if parts is not None and parts.task is not None:
            return node.from_row(parts.task)
        return cached(info.context.loaders.task, self.task_id, node.from_row)

    @strawberry.field(description="录入并公示该结果的部门")
    def department(self, info: Info) -> DepartmentNode:
        parts = self.page_parts
        if parts is not None and parts.department is not None:
            return DepartmentNode.from_row(parts.department)
        return cached(info.context.loaders.department, self.department_id, DepartmentNode.from_row)

    @strawberry.field
    def item(self, info: Info) -> InspectionItemNode:
        parts = self.page_parts
        if parts is not None and parts.item is not None:
            return InspectionItemNode.from_row(parts.item)
        return cached(info.context.loaders.item, self.item_id, InspectionItemNode.from_row)

    @strawberry.field(description="当前公示版本的结果类型")
    def categories(self, info: Info) -> list[ResultCategoryType]:
        parts = self.page_parts
        if parts is not None and parts.categories is not None:
            return [ResultCategoryType.from_row(row) for row in parts.categories]
        return cached(
            info.context.loaders.result_categories,
            self.id,
            lambda rows: [ResultCategoryType.from_row(row) for row in rows],
        )

    @strawberry.field(description="当前公示版本的说明")
    def description(self, info: Info) -> str:
        parts = self.page_parts
        if parts is not None and parts.versions is not None:
            return parts.versions[-1].description if parts.versions else ""
        return cached(
            info.context.loaders.result_versions,
            self.id,
            lambda versions: versions[-1].description if versions else "",
        )

    @strawberry.field(description="是否有正在处理的异议（不含异议内容和提出人）")
    async def under_objection(self, info: Info) -> bool:
        return await info.context.loaders.under_objection.load(self.id)

    @strawberry.field(
        description="查处结果（seed 004 三(二)4）：移送有管辖权部门后登记的处理结果；未登记为空"
    )
    def enforcement_outcome(self, info: Info) -> EnforcementOutcome | None:
        return cached(info.context.loaders.follow_up, self.id, EnforcementOutcome.from_rows)

    @strawberry.field(description="全部公示版本，从首次公示到当前")
    def history(self, info: Info) -> list[ResultVersionType]:
        parts = self.page_parts
        if parts is not None and parts.versions is not None:
            return _versions(parts.versions, parts.history)
        return cached(info.context.loaders.result_versions, self.id, _versions)

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
            publication_due_provisional=row.publication_due_provisional,
            version=row.current_version,
            entity_id=row.entity_id,
            task_id=row.task_id,
            department_id=row.department_id,
            item_id=row.item_id,
            page_parts=getattr(row, "page_parts", None),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[InspectionResultNode | None]:
        return await nodes_of(cls, info.context.loaders.result, node_ids)


@strawberry.type(description="分页结果")
class ResultConnection(relay.Connection[InspectionResultNode]):
    """Published results, one page."""

    total_count: int = strawberry.field(description="符合条件的总数")


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
    filters = {
        "entity_id": entity_id,
        "department_id": department_id,
        "year": year,
        "task_id": task_id,
        "category_code": category_code,
        "region_code": region_code,
        "entity_type": entity_type,
    }
    params = {name: value for name, value in filters.items() if value is not None}
    stmt = _published_statement(frozenset(params))
    paths = selected_paths(sel for field in info.selected_fields for sel in field.selections)
    parts = parts_shown(paths)
    loaders = info.context.loaders
    versions = bool({"edges.node.history", "edges.node.description"} & paths)
    # On PostgreSQL the page, its count, its related rows and its versions in one statement.
    folded = await published_page(
        info.context.session,
        stmt,
        _PUBLISHED_ORDER,
        params=params,
        first=first,
        after=after,
        total=wants_total(info),
        parts=parts,
        versions=versions,
        history=versions and "edges.node.history.categories" in paths,
    )
    if folded is not None:
        total = await total_count(info, stmt, folded, params)
        return connection(ResultConnection, InspectionResultNode, folded, total)
    page, total = await public_page(info, stmt, _PUBLISHED_ORDER, first=first, after=after, params=params)
    # The page's entities, departments, items, tasks and categories in one statement, the
    # loaders primed with them, as a search page is: the nodes' resolvers then answer at once
    # instead of awaiting a batch per kind (the Read API benchmark's page: 15.3 -> 11.2 ms in process).
    ids = [row.id for row in page.rows]
    if parts and ids:
        await load_page(info.context.session, loaders, ids, parts)
    if ids and versions:
        # Every version of the page's results, and the categories their history shows, loaded
        # here for the loaders: the history resolvers then answer at once.
        await load_versions(
            info.context.session, loaders, ids, categories="edges.node.history.categories" in paths
        )
    return connection(ResultConnection, InspectionResultNode, page, total)


_PUBLISHED_ORDER = [
    SortKey(models.InspectionResult.published_on, descending=True),
    SortKey(models.InspectionResult.id, descending=True),
]


@functools.lru_cache(maxsize=128)
def _published_statement(filters: frozenset[str]) -> sa.Select[Any]:
    """The published results with ``filters``, each a bound parameter of its name: one statement
    per combination of filters, reused by every request (see paginate's ``params``)."""
    result, entity = models.InspectionResult, models.Entity

    def value(name: str, column: Any) -> Any:
        return sa.bindparam(name, type_=column.type)

    stmt = sa.select(result).where(result.status == enums.ResultStatus.PUBLISHED)
    for name, column in (
        ("entity_id", result.entity_id),
        ("department_id", result.department_id),
        ("year", result.year),
        ("task_id", result.task_id),
    ):
        if name in filters:
            stmt = stmt.where(column == value(name, column))
    if "category_code" in filters:
        code = models.ResultCategoryCode.code
        stmt = stmt.where(
            result.id.in_(
                sa.select(models.ResultCategoryCode.result_id).where(code == value("category_code", code))
            )
        )
    if "region_code" in filters or "entity_type" in filters:
        entities = sa.select(entity.id)
        if "region_code" in filters:
            entities = entities.where(entity.region_code.startswith(value("region_code", entity.region_code)))
        if "entity_type" in filters:
            entities = entities.where(entity.entity_type == value("entity_type", entity.entity_type))
        stmt = stmt.where(result.entity_id.in_(entities))
    return stmt
