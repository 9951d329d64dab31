"""Every table of Gongshi; importing this module registers them all on ``Base.metadata``."""

from schema.models.directory import Department, Entity, EntityContact, Inspector
from schema.models.draws import Draw, DrawEntry, Inspection, TeamMember
from schema.models.items import InspectionItem, ResultCategory
from schema.models.plans import AnnualPlan, Task, TaskDepartment, TaskItem, TaskStratum
from schema.models.results import InspectionResult, ResultCategoryCode, ResultVersion
from schema.models.system import AuditEvent, HolidaySchedule

__all__ = [
    "AnnualPlan",
    "AuditEvent",
    "Department",
    "Draw",
    "DrawEntry",
    "Entity",
    "EntityContact",
    "HolidaySchedule",
    "Inspection",
    "InspectionItem",
    "InspectionResult",
    "Inspector",
    "ResultCategory",
    "ResultCategoryCode",
    "ResultVersion",
    "Task",
    "TaskDepartment",
    "TaskItem",
    "TaskStratum",
    "TeamMember",
]
