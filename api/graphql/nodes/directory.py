"""Public nodes of the directory: departments, the item list and the result-category dictionary."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.nodes.base import (
    LEVEL_LABELS,
    METHOD_LABELS,
    DepartmentLevel,
    InspectionMethod,
    nodes_of,
)
from schema import models


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
    publication_working_days: int | None = strawberry.field(
        description="本部门发起任务的结果公示期限（检查结束后工作日数；空为系统默认，任务可另设）"
    )

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
            publication_working_days=row.publication_working_days,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[DepartmentNode | None]:
        return await nodes_of(cls, info.context.loaders.department, node_ids)


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
        return await nodes_of(cls, info.context.loaders.item, node_ids)
