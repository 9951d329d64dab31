"""Connections of the public list queries (results have theirs beside the node)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from api.graphql.nodes.directory import DepartmentNode, InspectionItemNode
from api.graphql.nodes.results import EntityNode
from api.graphql.nodes.tasks import AnnualPlanNode, TaskNode


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
