"""Every table of Gongshi; importing this module registers them all on ``Base.metadata``."""

from schema.models.access import ActivationCode, ApiToken, WebSession
from schema.models.directory import Department, Entity, EntityContact, EntityStatusChange, Inspector
from schema.models.draws import Draw, DrawCandidate, DrawEntry, Inspection, InspectorRecusal, TeamMember
from schema.models.generation import PublicationGeneration
from schema.models.items import InspectionItem, ResultCategory
from schema.models.log import LogCheckpoint, LogHead, LogLeaf, LogNode
from schema.models.objections import Objection, ObjectionEvidence, ObjectionTransition, Reminder
from schema.models.plans import AnnualPlan, Task, TaskDepartment, TaskItem, TaskStratum
from schema.models.results import FollowUp, InspectionResult, ResultCategoryCode, ResultVersion
from schema.models.search import SearchDocument, SearchOutbox
from schema.models.system import AuditEvent, HolidaySchedule

__all__ = [
    "ActivationCode",
    "AnnualPlan",
    "ApiToken",
    "AuditEvent",
    "Department",
    "Draw",
    "DrawCandidate",
    "DrawEntry",
    "Entity",
    "EntityContact",
    "EntityStatusChange",
    "FollowUp",
    "HolidaySchedule",
    "Inspection",
    "InspectionItem",
    "InspectionResult",
    "Inspector",
    "InspectorRecusal",
    "LogCheckpoint",
    "LogHead",
    "LogLeaf",
    "LogNode",
    "Objection",
    "ObjectionEvidence",
    "ObjectionTransition",
    "PublicationGeneration",
    "Reminder",
    "ResultCategory",
    "ResultCategoryCode",
    "ResultVersion",
    "SearchDocument",
    "SearchOutbox",
    "Task",
    "TaskDepartment",
    "TaskItem",
    "TaskStratum",
    "TeamMember",
    "WebSession",
]
