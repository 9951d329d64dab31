"""Publication deadlines per task and per jurisdiction (应公示期限), not one number per server.

Seed 001 art.20(4) and 002 art.16 give 20 working days from the end of an inspection; seed 004
三(二)4 gives normal results 5 working days (自抽查结束之日起5个工作日内向社会公示); seed 000 sets a
fixed date (2021年11月30日前). The rule in force for a result, most specific first: the task's own
(a fixed date or a working-day count), then its initiating department's working-day count, then
the server's setting. A result's due date is stored when it is entered; changing a rule recomputes
the stored dates of the task's results not yet published (each change audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.access import require_department, require_initiating, task_missing
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import InvalidInput
from inspections.principals import Principal, Role
from schema.enums import ResultStatus
from schema.models import Department, Inspection, InspectionResult, Task
from workdays import Deadline, WorkCalendar, add_working_days

MAX_WORKING_DAYS = 120


class DeadlineSource(StrEnum):
    """Where the rule in force comes from."""

    TASK = "task"
    DEPARTMENT = "department"
    SERVER = "server"


@dataclass(frozen=True)
class PublicationRule:
    """A fixed date (固定日期) or a number of working days after the inspection ends."""

    source: DeadlineSource
    working_days: int | None
    fixed_due: date | None

    def due(self, calendar: WorkCalendar, ended_on: date) -> Deadline:
        """The publication due date of a result whose inspection ended on ``ended_on``."""
        if self.fixed_due is not None:
            return Deadline(due=self.fixed_due, provisional=False)
        assert self.working_days is not None
        return add_working_days(calendar, ended_on, self.working_days)


def rule_of(task: Task, department: Department | None, server_working_days: int) -> PublicationRule:
    """The rule in force for ``task`` (``department``: its initiating department)."""
    if task.publication_fixed_due is not None or task.publication_working_days is not None:
        return PublicationRule(DeadlineSource.TASK, task.publication_working_days, task.publication_fixed_due)
    if department is not None and department.publication_working_days is not None:
        return PublicationRule(DeadlineSource.DEPARTMENT, department.publication_working_days, None)
    return PublicationRule(DeadlineSource.SERVER, server_working_days, None)


async def rule_for_task(session: AsyncSession, task_id: int, server_working_days: int) -> PublicationRule:
    """The rule in force for one task, read from the database."""
    task = await session.get(Task, task_id)
    if task is None:
        raise task_missing()
    department = await session.get(Department, task.initiating_department_id)
    return rule_of(task, department, server_working_days)


def _check_working_days(working_days: int | None) -> None:
    if working_days is not None and not 1 <= working_days <= MAX_WORKING_DAYS:
        raise InvalidInput(
            f"公示期限应为1至{MAX_WORKING_DAYS}个工作日，收到{working_days}",
            code=Code.PUBLICATION_DEADLINE_INVALID,
            field="workingDays",
        )


async def set_task_publication_deadline(
    session: AsyncSession,
    *,
    by: Principal,
    task_id: int,
    working_days: int | None,
    fixed_due: date | None,
    calendar: WorkCalendar,
    server_working_days: int,
) -> Task:
    """The initiating department sets its task's deadline: a fixed date or N working days (or neither).

    Seed 000 (2021年11月30日前) and seed 004 (5个工作日). Neither clears the task's rule, so its
    department's or the server's applies again.
    """
    await require_initiating(session, by, task_id, Role.CLERK, Role.ADMIN)
    if working_days is not None and fixed_due is not None:
        raise InvalidInput(
            "公示期限只能设置固定日期或工作日数之一",
            code=Code.PUBLICATION_DEADLINE_INVALID,
            field="fixedDate",
        )
    _check_working_days(working_days)
    task = await session.get(Task, task_id)
    assert task is not None
    if fixed_due is not None and fixed_due < task.period_start:
        raise InvalidInput(
            f"公示截止日期{fixed_due.isoformat()}早于任务开始日期{task.period_start.isoformat()}",
            code=Code.PUBLICATION_DEADLINE_INVALID,
            field="fixedDate",
        )
    before = {"workingDays": task.publication_working_days, "fixedDate": _iso(task.publication_fixed_due)}
    task.publication_working_days, task.publication_fixed_due = working_days, fixed_due
    await audit.record(
        session,
        actor=by.actor,
        action="task.publication_deadline",
        object_type="Task",
        object_id=task.id,
        before=before,
        after={"workingDays": working_days, "fixedDate": _iso(fixed_due)},
    )
    await recompute_task_dues(
        session,
        task_ids=[task.id],
        calendar=calendar,
        server_working_days=server_working_days,
        actor=by.actor,
    )
    return task


async def set_department_publication_deadline(
    session: AsyncSession,
    *,
    by: Principal,
    working_days: int | None,
    calendar: WorkCalendar,
    server_working_days: int,
) -> Department:
    """A department's admin sets the working days for the tasks it initiates (None: the server's)."""
    department_id = require_department(by, Role.ADMIN)
    if department_id is None:
        raise InvalidInput("系统身份不能设置部门公示期限", code=Code.DEPARTMENT_ONLY)
    _check_working_days(working_days)
    department = await session.get(Department, department_id)
    assert department is not None
    before = department.publication_working_days
    department.publication_working_days = working_days
    await audit.record(
        session,
        actor=by.actor,
        action="department.publication_deadline",
        object_type="Department",
        object_id=department.id,
        before={"workingDays": before},
        after={"workingDays": working_days},
    )
    task_ids = list(
        await session.scalars(select(Task.id).where(Task.initiating_department_id == department.id))
    )
    await recompute_task_dues(
        session, task_ids=task_ids, calendar=calendar, server_working_days=server_working_days, actor=by.actor
    )
    return department


async def recompute_task_dues(
    session: AsyncSession,
    *,
    task_ids: list[int],
    calendar: WorkCalendar,
    server_working_days: int,
    actor: str,
    provisional_only: bool = False,
) -> int:
    """Recompute the stored due dates of the tasks' unpublished results (or only provisional ones)."""
    await session.flush()
    stmt = (
        select(InspectionResult, Inspection.ended_on, Task, Department)
        .join(Inspection, Inspection.id == InspectionResult.inspection_id)
        .join(Task, Task.id == InspectionResult.task_id)
        .join(Department, Department.id == Task.initiating_department_id)
        .where(Inspection.ended_on.is_not(None))
        .order_by(InspectionResult.id)
    )
    if provisional_only:
        stmt = stmt.where(InspectionResult.publication_due_provisional.is_(True))
    else:
        stmt = stmt.where(
            InspectionResult.task_id.in_(task_ids), InspectionResult.status != ResultStatus.PUBLISHED
        )
    changed = 0
    for result, ended_on, task, department in (await session.execute(stmt)).all():
        assert ended_on is not None  # the statement keeps only ended inspections
        due = rule_of(task, department, server_working_days).due(calendar, ended_on)
        if due.due == result.publication_due and due.provisional == result.publication_due_provisional:
            continue
        await audit.record(
            session,
            actor=actor,
            action="result.due.recompute",
            object_type="InspectionResult",
            object_id=result.id,
            before={
                "publicationDue": _iso(result.publication_due),
                "provisional": result.publication_due_provisional,
            },
            after={"publicationDue": due.due.isoformat(), "provisional": due.provisional},
        )
        result.publication_due, result.publication_due_provisional = due.due, due.provisional
        changed += 1
    await session.flush()
    return changed


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
