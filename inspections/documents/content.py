"""What the 《随机抽查联合检查记录表》 and the 《告知书》 of one inspection show (seed 002 art.13).

Both are for the departments of the task only, and each one handed out is audited: the record
form names the inspectors (never public, seed 001 art.25), the notice carries a one-time
activation code (inspections/activation.py) with which the entity gets its own token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.access import require_department, task_role
from inspections.activation import issue_activation_code
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, NotFound
from inspections.principals import Principal, Role
from inspections.result_views import STATUS_LABELS
from inspections.spreadsheets.columns import ENTITY_TYPE_LABELS
from schema.enums import TaskDepartmentRole, TeamRole
from schema.models import (
    Department,
    Entity,
    Inspection,
    InspectionItem,
    InspectionResult,
    Inspector,
    ResultCategory,
    Task,
    TaskDepartment,
    TaskItem,
    TeamMember,
)
from workdays import to_china_date


@dataclass(frozen=True)
class FormItem:
    """An item checked, by which department, on which legal basis."""

    department: str
    name: str
    legal_basis: str


@dataclass(frozen=True)
class FormSeat:
    """A current member of the inspection team."""

    role: str
    name: str
    badge_number: str
    department: str


@dataclass(frozen=True)
class FormResult:
    """A result entered for one item (not necessarily published yet)."""

    department: str
    item: str
    categories: str
    description: str
    status: str


@dataclass(frozen=True)
class Heading:
    """What both forms say about the task and the entity."""

    inspection_id: int
    task_name: str
    period_start: date
    period_end: date
    initiating_department: str
    participating_departments: list[str]
    entity_name: str
    credit_code: str
    entity_type: str
    address: str
    legal_representative: str
    items: list[FormItem]


@dataclass(frozen=True)
class RecordForm:
    """《随机抽查联合检查记录表》: one per entity (一企一表, seed 002 art.13(1))."""

    heading: Heading
    inspected_on: date | None
    ended_on: date | None
    team: list[FormSeat]
    results: list[FormResult]
    partial: bool  # a participating department's copy: its own members and results only


@dataclass(frozen=True)
class VisitNotice:
    """《“双随机、一公开”跨部门联合抽查告知书》 given before the visit (seed 002 art.13(2))."""

    heading: Heading
    issued_on: date
    activation_code: str
    code_expires_on: date


def _missing() -> NotFound:
    return NotFound("未找到该检查", code=Code.INSPECTION_NOT_FOUND)


async def _heading(session: AsyncSession, inspection: Inspection, task: Task) -> Heading:
    entity = await session.get(Entity, inspection.entity_id)
    assert entity is not None
    links = list(
        await session.scalars(
            select(TaskDepartment)
            .where(TaskDepartment.task_id == task.id)
            .order_by(TaskDepartment.department_id)
        )
    )
    ids = {link.department_id for link in links}
    names = {d.id: d.name for d in await session.scalars(select(Department).where(Department.id.in_(ids)))}
    items = await session.execute(
        select(TaskItem, InspectionItem)
        .join(InspectionItem, InspectionItem.id == TaskItem.item_id)
        .where(TaskItem.task_id == task.id)
        .order_by(TaskItem.position)
    )
    return Heading(
        inspection_id=inspection.id,
        task_name=task.name,
        period_start=task.period_start,
        period_end=task.period_end,
        initiating_department=names[task.initiating_department_id],
        participating_departments=[
            names[link.department_id] for link in links if link.role == TaskDepartmentRole.PARTICIPATING
        ],
        entity_name=entity.name,
        credit_code=entity.credit_code,
        entity_type=ENTITY_TYPE_LABELS[entity.entity_type],
        address=entity.address,
        legal_representative=entity.legal_representative,
        items=[FormItem(names[link.department_id], item.name, item.legal_basis) for link, item in items],
    )


async def _inspection_of_task(
    session: AsyncSession, by: Principal, inspection_id: int, *roles: Role
) -> tuple[Inspection, Task, TaskDepartmentRole | None]:
    inspection = await session.get(Inspection, inspection_id)
    if inspection is None:
        raise _missing()
    part = await task_role(session, by, inspection.task_id, missing=_missing())
    require_department(by, *roles)
    task = await session.get(Task, inspection.task_id)
    assert task is not None
    return inspection, task, part


async def record_form(session: AsyncSession, *, by: Principal, inspection_id: int) -> RecordForm:
    """The record form of one inspection, for any role of a department of the task (audited).

    As in the task's inspection list: the initiating department's copy has the whole team and every
    result; a participating department's its own members and results (谁检查、谁录入).
    """
    inspection, task, part = await _inspection_of_task(
        session, by, inspection_id, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN
    )
    everything = part == TaskDepartmentRole.INITIATING
    heading = await _heading(session, inspection, task)
    members = (
        select(TeamMember, Inspector, Department)
        .join(Inspector, Inspector.id == TeamMember.inspector_id)
        .join(Department, Department.id == TeamMember.department_id)
        .where(TeamMember.inspection_id == inspection.id, TeamMember.replaced_by_id.is_(None))
        .order_by(TeamMember.role != TeamRole.LEADER, TeamMember.id)
    )
    results = (
        select(InspectionResult, InspectionItem, Department)
        .join(InspectionItem, InspectionItem.id == InspectionResult.item_id)
        .join(Department, Department.id == InspectionResult.department_id)
        .where(InspectionResult.inspection_id == inspection.id)
        .order_by(InspectionResult.id)
    )
    if not everything:
        members = members.where(TeamMember.department_id == by.department_id)
        results = results.where(InspectionResult.department_id == by.department_id)
    team = [
        FormSeat("组长" if m.role == TeamRole.LEADER else "组员", i.name, i.badge_number, d.name)
        for m, i, d in await session.execute(members)
    ]
    result_rows = list(await session.execute(results))
    codes = {code for r, _, _ in result_rows for code in r.category_codes}
    labels = {
        c.code: c.label
        for c in await session.scalars(
            select(ResultCategory).where(ResultCategory.code.in_(codes)).order_by(ResultCategory.version)
        )
    }
    form = RecordForm(
        heading=heading,
        inspected_on=inspection.inspected_on,
        ended_on=inspection.ended_on,
        team=team,
        results=[
            FormResult(
                d.name,
                item.name,
                "、".join(labels.get(code, code) for code in r.category_codes),
                r.description,
                STATUS_LABELS[r.status],
            )
            for r, item, d in result_rows
        ],
        partial=not everything,
    )
    await audit.record(
        session,
        actor=by.actor,
        action="inspection.record_form",
        object_type="Inspection",
        object_id=inspection.id,
        after={"members": len(team), "results": len(form.results)},
    )
    await session.flush()
    return form


async def visit_notice(
    session: AsyncSession, *, by: Principal, inspection_id: int, valid_days: int, now: datetime, today: date
) -> VisitNotice:
    """The notice for one inspection with a fresh activation code printed on it (audited).

    A clerk or admin of a department of the task. Refused for a task flagged 不宜告知: seed 001
    art.20(2) "不宜告知的，不得向检查对象透露情况，不发放部门联合检查告知书".
    """
    inspection, task, _ = await _inspection_of_task(session, by, inspection_id, Role.CLERK, Role.ADMIN)
    if task.withhold_drawn_list:
        raise Conflict(
            "该任务的检查事项不宜告知，不发放联合抽查告知书（不得向检查对象透露情况）",
            code=Code.NOTICE_WITHHELD,
        )
    heading = await _heading(session, inspection, task)
    issued = await issue_activation_code(
        session, by=by, entity_credit_code=heading.credit_code, valid_days=valid_days, now=now
    )
    await audit.record(
        session,
        actor=by.actor,
        action="inspection.notice",
        object_type="Inspection",
        object_id=inspection.id,
        after={"activationCode": issued.row.id, "expiresAt": issued.row.expires_at.isoformat()},
    )
    return VisitNotice(
        heading=heading,
        issued_on=today,
        activation_code=issued.code,
        code_expires_on=to_china_date(issued.row.expires_at),
    )
