"""A department's work list of results (工作清单): what each of its users must act on next, and when.

Seed 002 art.16 and 001 art.20(4): results are entered, submitted, reviewed by their own department
and by the initiating department, and published within 20 working days of the inspection's end;
a returned result goes back to its team. The list answers "what is mine to do" for the caller's
role, each entry with its publication due date and the working days left (negative once late).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections.access import require_department, task_role
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import DomainError, PermissionDenied
from inspections.principals import Principal, PrincipalKind, Role
from schema.enums import ResultStatus, TaskDepartmentRole
from schema.models import Entity, Inspection, InspectionResult, Inspector, TaskDepartment, TeamMember
from workdays import WorkCalendar, working_days_between

WORK_LIMIT = 500


class ResultAction(StrEnum):
    """What the caller is to do with a result."""

    SUBMIT = "submit"  # a draft of the caller's department: 上报审核
    REVISE = "revise"  # returned to the team: 重新核实、修改后再次上报
    REVIEW = "review"  # under review and the caller's department's review is still missing


@dataclass(frozen=True)
class WorkEntry:
    """One result on the list, its action, and its publication clock."""

    result: InspectionResult
    action: ResultAction
    remaining_working_days: int | None


async def result_work(
    session: AsyncSession, *, by: Principal, today: date, calendar: WorkCalendar
) -> list[WorkEntry]:
    """The caller's results to act on: clerks and admins submit and revise, reviewers review."""
    department = require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    if department is None:
        raise PermissionDenied("系统调用不经由接口", code=Code.SYSTEM_ONLY)
    stmt = select(InspectionResult)
    if by.role in (Role.CLERK, Role.ADMIN):
        stmt = stmt.where(
            InspectionResult.status.in_((ResultStatus.DRAFT, ResultStatus.RETURNED)),
            InspectionResult.department_id == department,
        )
    elif by.role == Role.REVIEWER:
        initiating = select(TaskDepartment.task_id).where(
            TaskDepartment.department_id == department,
            TaskDepartment.role == TaskDepartmentRole.INITIATING,
        )
        stmt = stmt.where(
            InspectionResult.status == ResultStatus.UNDER_REVIEW,
            or_(
                and_(
                    InspectionResult.department_id == department, InspectionResult.own_approved_by.is_(None)
                ),
                and_(InspectionResult.task_id.in_(initiating), InspectionResult.lead_approved_by.is_(None)),
            ),
        )
    else:
        return []  # a head corrects published results; none of these wait on a head
    rows = await session.scalars(
        stmt.order_by(InspectionResult.publication_due, InspectionResult.id).limit(WORK_LIMIT)
    )
    entries = []
    for row in rows:
        action = {
            ResultStatus.DRAFT: ResultAction.SUBMIT,
            ResultStatus.RETURNED: ResultAction.REVISE,
        }.get(row.status, ResultAction.REVIEW)
        due = row.publication_due
        left = working_days_between(calendar, today, due) if due is not None else None
        entries.append(WorkEntry(row, action, left))
    return entries


@dataclass(frozen=True)
class TeamSeat:
    """A current or replaced member of an inspection's team, with the inspector (never public)."""

    member: TeamMember
    inspector: Inspector


@dataclass(frozen=True)
class InspectionWork:
    """One drawn entity of a task: its inspection, its team and the results the caller may see."""

    inspection: Inspection
    entity: Entity
    team: list[TeamSeat]
    results: list[InspectionResult]


async def task_inspections(
    session: AsyncSession, *, by: Principal, task_id: int, after_id: int | None, limit: int
) -> tuple[list[InspectionWork], bool]:
    """A page of a task's inspections in drawn order, for the departments of the task.

    The initiating department forms every team and reviews the whole task, so it sees every member
    and result; a participating department sees its own members and results (谁检查、谁录入); a
    承办部门 the inspections dispatched to it, their teams and its own results.
    A department with no part gets what a missing task gets.
    """
    part = await task_role(session, by, task_id)
    if by.kind == PrincipalKind.DEPARTMENT:
        require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    everything = part == TaskDepartmentRole.INITIATING
    stmt = (
        select(Inspection, Entity)
        .join(Entity, Entity.id == Inspection.entity_id)
        .where(Inspection.task_id == task_id)
        .order_by(Inspection.id)
        .limit(limit + 1)
    )
    dispatched = part == TaskDepartmentRole.DISPATCHED
    if dispatched:
        # A 承办部门 sees the inspections dispatched to it, whole teams included (it matched them).
        stmt = stmt.where(Inspection.assigned_department_id == by.department_id)
    if after_id is not None:
        stmt = stmt.where(Inspection.id > after_id)
    rows = list(await session.execute(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [inspection.id for inspection, _ in rows]
    seats: dict[int, list[TeamSeat]] = {i: [] for i in ids}
    members = select(TeamMember, Inspector).join(Inspector, Inspector.id == TeamMember.inspector_id)
    members = members.where(TeamMember.inspection_id.in_(ids))
    results = select(InspectionResult).where(InspectionResult.inspection_id.in_(ids))
    if not everything:
        if not dispatched:
            members = members.where(TeamMember.department_id == by.department_id)
        results = results.where(InspectionResult.department_id == by.department_id)
    for member, inspector in await session.execute(members.order_by(TeamMember.id)):
        seats[member.inspection_id].append(TeamSeat(member, inspector))
    found: dict[int, list[InspectionResult]] = {i: [] for i in ids}
    for result in await session.scalars(results.order_by(InspectionResult.id)):
        found[result.inspection_id].append(result)
    return [InspectionWork(i, e, seats[i.id], found[i.id]) for i, e in rows], more


# The late lists are a reminder, not an archive: the oldest hundred of each.
LATE_LIMIT = 100


@dataclass(frozen=True)
class LateResults:
    """The caller's department's results past their publication due date (seed 001 art.20(4))."""

    unpublished: list[InspectionResult]  # still not published, the due date passed
    published_late: list[InspectionResult]  # published after the due date


async def late_results(session: AsyncSession, *, by: Principal, today: date) -> LateResults:
    """The department's late results (the API's ``lateResults``), by due date, any department role."""
    department = require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    if department is None:
        raise PermissionDenied("系统调用不经由接口", code=Code.SYSTEM_ONLY)
    own = (
        select(InspectionResult)
        .where(InspectionResult.department_id == department)
        .order_by(InspectionResult.publication_due, InspectionResult.id)
        .limit(LATE_LIMIT)
    )
    unpublished = await session.scalars(
        own.where(InspectionResult.status != ResultStatus.PUBLISHED, InspectionResult.publication_due < today)
    )
    late = await session.scalars(
        own.where(
            InspectionResult.status == ResultStatus.PUBLISHED,
            InspectionResult.published_on > InspectionResult.publication_due,
        )
    )
    return LateResults(list(unpublished), list(late))


async def _part_in_task(session: AsyncSession, by: Principal, task_id: int) -> TaskDepartmentRole | None:
    """The caller's part in the task for ``node(id)``, or None (not a department, or no part):
    the caller then gets the answer for an invented id."""
    if by.kind != PrincipalKind.DEPARTMENT:
        return None
    try:
        return await task_role(session, by, task_id)
    except DomainError:
        return None


async def inspection_work(
    session: AsyncSession, *, by: Principal, inspection_id: int
) -> InspectionWork | None:
    """One inspection as ``task_inspections`` shows it, or None for a caller with no part (or no such id).

    For ``node(id)``: another department's inspection answers exactly as a missing one.
    """
    inspection = await session.get(Inspection, inspection_id)
    part = await _part_in_task(session, by, inspection.task_id) if inspection is not None else None
    if inspection is None or part is None:
        return None
    dispatched = part == TaskDepartmentRole.DISPATCHED
    if dispatched and inspection.assigned_department_id != by.department_id:
        return None  # another 承办部门's inspection: as task_inspections, it is not there
    entity = await session.get(Entity, inspection.entity_id)
    assert entity is not None
    members = (
        select(TeamMember, Inspector)
        .join(Inspector, Inspector.id == TeamMember.inspector_id)
        .where(TeamMember.inspection_id == inspection.id)
    )
    results = select(InspectionResult).where(InspectionResult.inspection_id == inspection.id)
    if part != TaskDepartmentRole.INITIATING:
        if not dispatched:  # a 承办部门 matched the whole team; a participant sees its own members
            members = members.where(TeamMember.department_id == by.department_id)
        results = results.where(InspectionResult.department_id == by.department_id)
    seats = [TeamSeat(m, i) for m, i in await session.execute(members.order_by(TeamMember.id))]
    found = list(await session.scalars(results.order_by(InspectionResult.id)))
    return InspectionWork(inspection, entity, seats, found)


async def team_seat(session: AsyncSession, *, by: Principal, member_id: int) -> TeamSeat | None:
    """A team member for ``node(id)``: the initiating department's, or a participating one's own."""
    member = await session.get(TeamMember, member_id)
    if member is None or by.kind != PrincipalKind.DEPARTMENT:
        return None
    inspection = await session.get(Inspection, member.inspection_id)
    assert inspection is not None
    part = await _part_in_task(session, by, inspection.task_id)
    if part is None:
        return None
    if part == TaskDepartmentRole.DISPATCHED:
        if inspection.assigned_department_id != by.department_id:
            return None
    elif part != TaskDepartmentRole.INITIATING and member.department_id != by.department_id:
        return None
    inspector = await session.get(Inspector, member.inspector_id)
    assert inspector is not None
    return TeamSeat(member, inspector)


async def result_view(session: AsyncSession, *, by: Principal, result_id: int) -> InspectionResult | None:
    """A result as ``node(id)`` shows its department view, or None where an invented id would be.

    The rules of ``task_inspections``: the initiating department sees every result of its task; a
    participating department its own; a 承办部门 its own on the inspections dispatched to it.
    """
    result = await session.get(InspectionResult, result_id)
    part = await _part_in_task(session, by, result.task_id) if result is not None else None
    if result is None or part is None:
        return None
    if part == TaskDepartmentRole.INITIATING:
        return result
    if result.department_id != by.department_id:
        return None
    if part == TaskDepartmentRole.DISPATCHED:
        inspection = await session.get(Inspection, result.inspection_id)
        assert inspection is not None
        if inspection.assigned_department_id != by.department_id:
            return None
    return result
