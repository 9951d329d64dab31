"""Mutual recognition (互认): every agency's results on an entity, for departments only.

Seed 001 art.24: departments recognise each other's inspection results. Seed 002 art.20: an entity
inspected in a joint random inspection is in principle not inspected again on the same items in the
same year. Seed 001 art.10: an entity is jointly inspected at most twice a year. Seed 001 art.25:
what a department reads here may serve only this purpose, so every read is recorded in the audit
trail, and the departments whose data was read can list who read it.

The rule, written down once (:func:`recognition`): a result counts for mutual recognition when
1. it is published (审核通过并公示, seed 002 art.16): drafts and results under review or returned
   are shown to departments but are not yet anyone's conclusion;
2. it was formed in a joint random inspection (联合抽查: a task with at least one participating
   department), the only kind seed 002 art.20 exempts from a second inspection;
3. the entity was actually inspected: a result whose every category is formed without inspection
   (无法联系, 不配合, 已注销 ... seed 002 art.15) does not show the items were checked;
and it counts with its current published version: a correction (更正, seed 001 art.22) replaces
what is recognised, earlier versions never count. The year is the year the inspection ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit, draws
from inspections.access import require_department, task_role
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import InvalidInput, NotFound
from inspections.principals import Principal, Role
from inspections.result_views import ResultView, build_views, joint_task_ids
from schema import credit_code
from schema.enums import ResultStatus
from schema.models import (
    AuditEvent,
    Department,
    Draw,
    DrawEntry,
    Entity,
    InspectionItem,
    InspectionResult,
    Task,
    TaskItem,
)

READERS = (Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
READ_ACTION = "recognition.read"


def recognition(view: ResultView) -> tuple[bool, str]:
    """Whether a result counts for mutual recognition, and why (see the module docstring)."""
    if view.status != ResultStatus.PUBLISHED:
        return False, f"尚未公示（{view.status_label}），不予互认"
    if not view.joint:
        return False, "非部门联合抽查结果，不免除本年度同一事项的再次检查（seed 002 art.20）"
    if view.without_inspection_only:
        return False, "未经实地检查直接形成的结果，不能证明已检查相关事项"
    return True, "已公示的部门联合抽查结果，本年度内原则上不再就该事项检查（seed 002 art.20）"


@dataclass(frozen=True)
class JointInspection:
    """A joint task of the year the entity was drawn for."""

    task_id: int
    task_name: str
    initiating_department_name: str
    period_start: date
    period_end: date


@dataclass
class EntityRecord:
    """Everything a department may know about an entity's inspections in a year."""

    entity: Entity
    year: int
    results: list[ResultView]
    joint_inspections: list[JointInspection]

    @property
    def joint_remaining(self) -> int:
        """Joint inspections still allowed this year (seed 001 art.10: at most two)."""
        return max(0, draws.JOINT_INSPECTIONS_PER_YEAR - len(self.joint_inspections))


@dataclass
class EntityOverlap:
    """A drawn or candidate entity of a task already inspected this year on the task's items."""

    entity: Entity
    results: list[ResultView]
    joint_inspections: list[JointInspection]

    @property
    def joint_remaining(self) -> int:
        """Joint inspections still allowed this year, not counting the task asked about."""
        return max(0, draws.JOINT_INSPECTIONS_PER_YEAR - len(self.joint_inspections))


@dataclass
class TaskOverlaps:
    """For a planned or drawn task: its entities already inspected this year on the same items."""

    task: Task
    drawn: bool  # True: the locked drawn list; False: the candidates a draw would start from
    entity_count: int
    overlaps: list[EntityOverlap] = field(default_factory=list)


def check_year(year: int) -> int:
    """A plausible year, or a refusal."""
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"年度“{year}”不在有效范围内", code=Code.YEAR_INVALID, field="year")
    return year


async def joint_inspections(
    session: AsyncSession, entity_ids: list[int], year: int, *, besides: int | None = None
) -> dict[int, list[JointInspection]]:
    """Joint tasks of ``year`` (other than ``besides``) each entity was drawn for (seed 001 art.10)."""
    if not entity_ids:
        return {}
    rows = list(
        await session.execute(
            select(DrawEntry.entity_id, Task, Department.name)
            .join(Draw, Draw.id == DrawEntry.draw_id)
            .join(Task, Task.id == Draw.task_id)
            .join(Department, Department.id == Task.initiating_department_id)
            .where(DrawEntry.entity_id.in_(entity_ids), Task.year == year, Draw.locked.is_(True))
            .order_by(Task.period_start, Task.id)
        )
    )
    joint = await joint_task_ids(session, [task.id for _, task, _ in rows])
    found: dict[int, list[JointInspection]] = {}
    for entity_id, task, initiating in rows:
        if task.id in joint and task.id != besides:
            found.setdefault(entity_id, []).append(
                JointInspection(task.id, task.name, initiating, task.period_start, task.period_end)
            )
    return found


async def record_read(
    session: AsyncSession, *, by: Principal, query: str, subject: str, views: list[ResultView], year: int
) -> None:
    """Audit one read (seed 001 art.25): a row for the read, and one per department whose data it saw."""
    owners: dict[int, list[int]] = {}
    for view in views:
        owners.setdefault(view.department_id, []).append(view.result_id)
    subject_type, _, subject_id = subject.partition(":")
    await audit.record(
        session,
        actor=by.actor,
        action=READ_ACTION,
        object_type=subject_type,
        object_id=subject_id,
        after={"query": query, "year": year, "resultIds": [v.result_id for v in views]},
    )
    for department_id, result_ids in sorted(owners.items()):
        await audit.record(
            session,
            actor=by.actor,
            action=READ_ACTION,
            object_type="Department",
            object_id=department_id,
            after={"query": query, "subject": subject, "year": year, "resultIds": result_ids},
        )


async def entity_record(session: AsyncSession, *, by: Principal, code: str, year: int) -> EntityRecord:
    """Every agency's results on an entity in a year, published or not, each marked for 互认."""
    require_department(by, *READERS)
    try:
        normalized = credit_code.validate(code)
    except credit_code.InvalidCreditCode as exc:
        raise InvalidInput(exc.message, code=exc.code, field="creditCode") from exc
    check_year(year)
    entity = await session.scalar(select(Entity).where(Entity.credit_code == normalized))
    if entity is None:
        raise NotFound("名录库中没有该市场主体", code=Code.ENTITY_NOT_FOUND, field="creditCode")
    rows = list(
        await session.scalars(
            select(InspectionResult)
            .where(InspectionResult.entity_id == entity.id, InspectionResult.year == year)
            .order_by(InspectionResult.task_id, InspectionResult.department_id, InspectionResult.id)
        )
    )
    views = await build_views(session, rows)
    joint = await joint_inspections(session, [entity.id], year)
    await record_read(
        session, by=by, query="entityRecord", subject=f"Entity:{entity.id}", views=views, year=year
    )
    return EntityRecord(entity, year, views, joint.get(entity.id, []))


async def _task_entities(session: AsyncSession, task: Task) -> tuple[bool, list[Entity]]:
    draw = await session.scalar(select(Draw).where(Draw.task_id == task.id))
    if draw is not None and draw.locked:
        drawn = await session.scalars(
            select(Entity)
            .join(DrawEntry, DrawEntry.entity_id == Entity.id)
            .where(DrawEntry.draw_id == draw.id)
            .order_by(DrawEntry.position)
        )
        return True, list(drawn)
    preview = await draws.scope_preview(session, task.id)
    codes = [c.code for c in preview.candidates] + [e["creditCode"] for e in preview.excluded]
    if not codes:
        return False, []
    found = await session.scalars(select(Entity).where(Entity.credit_code.in_(codes)))
    return False, sorted(found, key=lambda e: e.credit_code)


async def task_overlaps(session: AsyncSession, *, by: Principal, task_id: int) -> TaskOverlaps:
    """A task's drawn (or candidate) entities already inspected this year on its items, and by whom."""
    require_department(by, *READERS)
    await task_role(session, by, task_id)  # a department with no part in the task learns nothing
    task = await session.get(Task, task_id)
    if task is None:
        raise NotFound("未找到该抽查任务", code=Code.TASK_NOT_FOUND)
    drawn, entities = await _task_entities(session, task)
    # Items are the same across versions when department and code match (as in the draw guard).
    keys = {
        (department, code)
        for department, code in await session.execute(
            select(InspectionItem.department_id, InspectionItem.code)
            .join(TaskItem, TaskItem.item_id == InspectionItem.id)
            .where(TaskItem.task_id == task.id)
        )
    }
    by_id = {e.id: e for e in entities}
    candidates = list(
        await session.execute(
            select(InspectionResult, InspectionItem.department_id, InspectionItem.code)
            .join(InspectionItem, InspectionItem.id == InspectionResult.item_id)
            .where(
                InspectionResult.entity_id.in_(list(by_id)),
                InspectionResult.year == task.year,
                InspectionResult.task_id != task.id,
            )
            .order_by(InspectionResult.entity_id, InspectionResult.id)
        )
    )
    rows = [row for row, department, code in candidates if (department, code) in keys]
    views = await build_views(session, rows)
    joint = await joint_inspections(session, list(by_id), task.year, besides=task.id)
    answer = TaskOverlaps(task=task, drawn=drawn, entity_count=len(entities))
    grouped: dict[int, list[ResultView]] = {}
    for view in views:
        grouped.setdefault(view.entity_id, []).append(view)
    for entity in entities:
        if entity.id in grouped:
            answer.overlaps.append(EntityOverlap(entity, grouped[entity.id], joint.get(entity.id, [])))
    await record_read(
        session, by=by, query="taskOverlaps", subject=f"Task:{task.id}", views=views, year=task.year
    )
    return answer


@dataclass(frozen=True)
class DataRead:
    """One read of a department's data by someone (seed 001 art.25)."""

    event_id: int
    occurred_at: datetime
    actor: str
    reader_department_id: int | None
    reader_department_name: str | None
    reader_name: str
    query: str
    subject: str
    result_ids: list[int]


async def reads_of(session: AsyncSession, *, by: Principal, limit: int = 100) -> list[DataRead]:
    """Who read the caller's department's results through the recognition queries, newest first."""
    own = require_department(by, *READERS)
    if own is None:
        raise InvalidInput("系统调用须指明部门", code=Code.SYSTEM_ONLY)
    if not 1 <= limit <= 500:
        raise InvalidInput(f"limit 应在1到500之间，收到{limit}", code=Code.LIMIT_OUT_OF_RANGE, field="limit")
    events = list(
        await session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == READ_ACTION,
                AuditEvent.object_type == "Department",
                AuditEvent.object_id == str(own),
            )
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
    parsed = [_reader(event.actor) for event in events]
    ids = {department for department, _ in parsed if department is not None}
    names = dict(
        (await session.execute(select(Department.id, Department.name).where(Department.id.in_(ids)))).all()
    )
    reads = []
    for event, (department, name) in zip(events, parsed, strict=True):
        after = event.after or {}
        reads.append(
            DataRead(
                event_id=event.id,
                occurred_at=event.occurred_at,
                actor=event.actor,
                reader_department_id=department,
                reader_department_name=names.get(department) if department is not None else None,
                reader_name=name,
                query=str(after.get("query", "")),
                subject=str(after.get("subject", "")),
                result_ids=[int(i) for i in after.get("resultIds", [])],
            )
        )
    return reads


def _reader(actor: str) -> tuple[int | None, str]:
    """``department:<id>:<role>:<name>`` -> (id, name); other actors keep their whole name."""
    parts = actor.split(":", 3)
    if len(parts) == 4 and parts[0] == "department" and parts[1].isdigit():
        return int(parts[1]), parts[3]
    return None, actor
