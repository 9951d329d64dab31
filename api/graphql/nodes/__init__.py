"""The public read graph: only what the public may see, and nothing else exists on these types."""

from api.graphql.nodes.base import DepartmentLevel, EntityStatus, EntityType, InspectionMethod, TaskStatus
from api.graphql.nodes.connections import (
    DepartmentConnection,
    EntityConnection,
    InspectionItemConnection,
    PlanConnection,
    TaskConnection,
)
from api.graphql.nodes.directory import DepartmentNode, InspectionItemNode, ResultCategoryType
from api.graphql.nodes.results import (
    EntityNode,
    InspectionResultNode,
    ResultConnection,
    ResultVersionType,
    published_results,
)
from api.graphql.nodes.tasks import AnnualPlanNode, TaskNode

__all__ = [
    "AnnualPlanNode",
    "DepartmentConnection",
    "DepartmentLevel",
    "DepartmentNode",
    "EntityConnection",
    "EntityNode",
    "EntityStatus",
    "EntityType",
    "InspectionItemConnection",
    "InspectionItemNode",
    "InspectionMethod",
    "InspectionResultNode",
    "PlanConnection",
    "ResultCategoryType",
    "ResultConnection",
    "ResultVersionType",
    "TaskConnection",
    "TaskNode",
    "TaskStatus",
    "published_results",
]
