"""Draw by the superior and dispatch (派发): seed 003 四(一)-(二), seed 001 art.13.

"由上级发起部门一次性抽取，并将检查对象名单派发至下级发起部门或者有关部门实施" (001 art.13);
"按照登记机关将检查对象名单派发至县区局" and "各县区局要在市局抽查对象名单派发后5日内…完成执法检查人员
的随机匹配工作" (003 四(一)-(二)).

1. ``dispatch_drawn``: when a dispatched task's draw is revealed, each drawn entity's inspection is
   assigned to the department of its 登记机关, which joins the task as a 承办部门 (``dispatched``),
   and its matching clock (5 working days from the dispatch day) is stored.
2. ``match_inspectors``: the 承办部门 (or its superior, acting for it) draws the team of each
   inspection dispatched to it: a leader and a second inspector of its own, plus one of each
   participating department.
3. ``dispatch_work`` lists a department's dispatched inspections and what each waits for;
   ``sweep_matching`` writes the reminders before and after the matching due date.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.access import require_department, task_role
from inspections.directory import registration_authority
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inspections.jurisdiction import covers, require_within
from inspections.principals import Principal, PrincipalKind, Role
from inspections.publication_deadlines import rule_of
from inspections.teams import rank_inspector
from schema.base import utcnow
from schema.enums import TaskDepartmentRole, TeamRole
from schema.models import (
    Department,
    Draw,
    DrawEntry,
    Entity,
    Inspection,
    InspectionResult,
    Inspector,
    InspectorRecusal,
    Reminder,
    Task,
    TaskDepartment,
    TaskItem,
    TaskStratum,
    TeamMember,
)
from workdays import WorkCalendar, add_working_days, working_days_between

# "5日内" counted as working days (the brief of issue 14 point 10; the platform counts 工作日).
MATCHING_WORKING_DAYS = 5
MATCHERS = (Role.CLERK, Role.ADMIN)
WORK_LIMIT = 500


def authority_in_scope(initiating: Department, authority: Department | None) -> bool:
    """Whether a superior may dispatch to this 登记机关: itself or a department within its area."""
    return authority is not None and (
        authority.id == initiating.id or covers(initiating, authority.region_code)
    )


async def dispatch_drawn(
    session: AsyncSession, *, task: Task, inspections: list[Inspection], today: date, calendar: WorkCalendar
) -> dict[int, int]:
    """Assign each drawn entity's inspection to its 登记机关 and start the matching clock.

    Returns how many inspections each department received. The candidate list was checked at the
    commitment (every candidate has a 登记机关 within the initiating department's area).
    """
    entities = {
        e.id: e
        for e in await session.scalars(
            select(Entity).where(Entity.id.in_([i.entity_id for i in inspections]))
        )
    }
    due = add_working_days(calendar, today, MATCHING_WORKING_DAYS)
    counts: dict[int, int] = defaultdict(int)
    for inspection in inspections:
        authority = entities[inspection.entity_id].registration_authority_id
        assert authority is not None  # refused at the commitment otherwise
        inspection.assigned_department_id = authority
        inspection.dispatched_on = today
        inspection.matching_due = due.due
        inspection.matching_due_provisional = due.provisional
        counts[authority] += 1
    parts = {
        link.department_id
        for link in await session.scalars(select(TaskDepartment).where(TaskDepartment.task_id == task.id))
    }
    for department_id in sorted(counts):
        if department_id not in parts:
            session.add(
                TaskDepartment(
                    task_id=task.id, department_id=department_id, role=TaskDepartmentRole.DISPATCHED
                )
            )
    await session.flush()
    await audit.record(
        session,
        actor="system:dispatch",
        action="task.dispatch",
        object_type="Task",
        object_id=task.id,
        after={
            "dispatchedOn": today.isoformat(),
            "matchingDue": due.due.isoformat(),
            "provisional": due.provisional,
            "departments": {str(k): v for k, v in sorted(counts.items())},
        },
    )
    return dict(counts)


async def record_registration_authority(
    session: AsyncSession, *, by: Principal, entity_id: int, authority_code: str
) -> Entity:
    """Record the 登记机关 of an entity already in the directory (needed before a dispatched draw).

    A clerk or admin within whose area the entity lies; the authority's area must hold the entity.
    """
    require_department(by, *MATCHERS)
    entity = await session.get(Entity, entity_id)
    if entity is None:
        raise NotFound("名录库中没有该市场主体", code=Code.ENTITY_NOT_FOUND)
    await require_within(session, by, entity.region_code)
    authority = await registration_authority(session, authority_code, entity.region_code)
    assert authority is not None
    if entity.registration_authority_id != authority.id:
        before = entity.registration_authority_id
        entity.registration_authority_id = authority.id
        await session.flush()
        await audit.record(
            session,
            actor=by.actor,
            action="entity.registration_authority",
            object_type="Entity",
            object_id=entity.id,
            before={"registrationAuthorityId": before},
            after={"registrationAuthorityId": authority.id},
        )
    return entity


def inspection_missing() -> NotFound:
    """The answer for an inspection that does not exist or that the caller may not know of."""
    return NotFound("未找到该检查", code=Code.INSPECTION_NOT_FOUND)


async def require_inspection_actor(
    session: AsyncSession,
    by: Principal,
    inspection: Inspection,
    *roles: Role,
    missing: NotFound | None = None,
) -> None:
    """The initiating department, or the 承办部门 the inspection was dispatched to, may act on it.

    Jurisdiction (seed 001 art.13): the superior that drew may act for its subordinate; a 承办部门
    knows only the inspections dispatched to it (another's answers as a missing one).
    """
    missing = missing or inspection_missing()
    part = await task_role(session, by, inspection.task_id, missing)
    if by.kind == PrincipalKind.SYSTEM:
        return
    if part == TaskDepartmentRole.DISPATCHED and inspection.assigned_department_id != by.department_id:
        raise missing
    if part == TaskDepartmentRole.PARTICIPATING:
        raise PermissionDenied("仅发起部门或承办部门可办理此事项", code=Code.INITIATING_ONLY)
    require_department(by, *roles)


async def match_inspectors(
    session: AsyncSession,
    *,
    by: Principal,
    task_id: int,
    department_id: int | None = None,
    seed: str | None = None,
) -> list[TeamMember]:
    """Draw the teams of the inspections dispatched to a department (随机匹配执法检查人员).

    The 承办部门 matches its own (``department_id`` is then its own or None); the initiating
    department may act for any 承办部门 of the task by naming it. Each team: a leader and a member of
    the 承办部门 (at least two on site, seed 002 art.13) plus one inspector of each participating
    department. Either every team of the department is formed or none is; the seed is stored.
    """
    part = await task_role(session, by, task_id)
    task = await session.get(Task, task_id)
    assert task is not None
    if by.kind == PrincipalKind.DEPARTMENT:
        require_department(by, *MATCHERS)
        if part == TaskDepartmentRole.PARTICIPATING:
            raise PermissionDenied("仅发起部门或承办部门可匹配执法检查人员", code=Code.INITIATING_ONLY)
        if part == TaskDepartmentRole.DISPATCHED:
            if department_id is not None and department_id != by.department_id:
                raise PermissionDenied("承办部门只能为本部门匹配执法检查人员", code=Code.OTHER_DEPARTMENT)
            department_id = by.department_id
    if not task.dispatched:
        raise Conflict("本任务未派发，请由发起部门抽取执法检查人员", code=Code.TASK_NOT_DISPATCHED)
    if department_id is None:
        raise InvalidInput("请指定承办部门", code=Code.REQUIRED, field="departmentId")
    inspections = list(
        await session.scalars(
            select(Inspection)
            .where(Inspection.task_id == task_id, Inspection.assigned_department_id == department_id)
            .order_by(Inspection.id)
        )
    )
    if not inspections:
        raise NotFound("本任务没有派发给该部门的检查对象", code=Code.NOTHING_TO_MATCH, field="departmentId")
    if any(i.matched_at is not None for i in inspections):
        raise Conflict("该部门的执法检查人员已匹配，只能按规定调整更换", code=Code.INSPECTORS_MATCHED)
    participants = sorted(
        link.department_id
        for link in await session.scalars(
            select(TaskDepartment).where(
                TaskDepartment.task_id == task_id, TaskDepartment.role == TaskDepartmentRole.PARTICIPATING
            )
        )
    )
    pools: dict[int, list[Inspector]] = defaultdict(list)
    for inspector in await session.scalars(
        select(Inspector).where(
            Inspector.active.is_(True), Inspector.department_id.in_([department_id, *participants])
        )
    ):
        pools[inspector.department_id].append(inspector)
    recused: dict[int, set[int]] = defaultdict(set)
    for row in await session.scalars(
        select(InspectorRecusal).where(InspectorRecusal.entity_id.in_([i.entity_id for i in inspections]))
    ):
        recused[row.entity_id].add(row.inspector_id)
    seed = seed or secrets.token_hex(16)

    def pick(pool_of: int, inspection: Inspection, taken: set[int]) -> Inspector:
        pool = [i for i in pools[pool_of] if i.id not in recused[inspection.entity_id] and i.id not in taken]
        if not pool:
            raise Conflict(
                f"部门（ID {pool_of}）没有足够的可匹配执法检查人员（已排除回避人员）",
                code=Code.NOT_ENOUGH_INSPECTORS,
            )
        return min(pool, key=lambda inspector: rank_inspector(seed, inspection.id, inspector))

    planned: list[TeamMember] = []
    now = utcnow()
    for inspection in inspections:
        leader = pick(department_id, inspection, set())
        second = pick(department_id, inspection, {leader.id})
        team = [(leader, department_id, TeamRole.LEADER), (second, department_id, TeamRole.MEMBER)]
        for other in participants:
            member = pick(other, inspection, {m.id for m, _, _ in team})
            team.append((member, other, TeamRole.MEMBER))
        planned += [
            TeamMember(inspection_id=inspection.id, inspector_id=i.id, department_id=d, role=r)
            for i, d, r in team
        ]
        inspection.matching_seed = seed
        inspection.matched_at = now
    session.add_all(planned)
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="dispatch.match",
        object_type="Task",
        object_id=task_id,
        after={
            "departmentId": department_id,
            "seed": seed,
            "teams": len(inspections),
            "members": len(planned),
        },
    )
    return planned


class DispatchAction(StrEnum):
    """What a dispatched inspection waits for."""

    MATCH = "match"  # 随机匹配执法检查人员 (5 working days from dispatch)
    RECORD = "record"  # 实施检查 and record its dates
    ENTER = "enter"  # 录入检查结果


@dataclass(frozen=True)
class DispatchEntry:
    """One dispatched inspection, its next step, and the clock of that step."""

    inspection: Inspection
    entity: Entity
    task: Task
    department_id: int
    action: DispatchAction
    remaining_working_days: int | None  # to ``step_due``; None when the step has no clock
    overdue: bool  # today is past ``step_due``
    step_due: date | None = None
    step_due_provisional: bool = False


async def _step_due(
    session: AsyncSession,
    action: DispatchAction,
    inspection: Inspection,
    task: Task,
    calendar: WorkCalendar,
    publication_working_days: int,
) -> tuple[date | None, bool]:
    """The due date of the next step and whether it is provisional.

    MATCH: 5 working days after dispatch (seed 003 四(二)), stored on the inspection. RECORD: the
    inspection falls within the task's period (seed 001 art.12; recordInspection refuses a date
    after it), so its last day. ENTER: results are entered and published by the task's
    publication due date counted from the inspection's end (seed 001 art.20(4), art.29: data not
    entered in time counts as a task not done).
    """
    if action == DispatchAction.MATCH:
        return inspection.matching_due, inspection.matching_due_provisional
    if action == DispatchAction.RECORD:
        return task.period_end, False
    assert inspection.ended_on is not None
    department = await session.get(Department, task.initiating_department_id)
    due = rule_of(task, department, publication_working_days).due(calendar, inspection.ended_on)
    return due.due, due.provisional


async def dispatch_work(
    session: AsyncSession,
    *,
    by: Principal,
    today: date,
    calendar: WorkCalendar,
    publication_working_days: int,
) -> list[DispatchEntry]:
    """The caller's dispatched inspections not yet done, by matching due date.

    Each entry counts the working days to the due date of its own next step (``_step_due``).

    A 承办部门 sees those dispatched to it; an initiating (superior) department those of its own
    dispatched tasks, so it can follow (and act for) its subordinates.
    """
    own = require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    if own is None:
        raise PermissionDenied("系统调用不经由接口", code=Code.SYSTEM_ONLY)
    mine = select(Task.id).where(Task.initiating_department_id == own, Task.dispatched.is_(True))
    rows = list(
        await session.execute(
            select(Inspection, Entity, Task)
            .join(Entity, Entity.id == Inspection.entity_id)
            .join(Task, Task.id == Inspection.task_id)
            .where(
                Inspection.assigned_department_id.is_not(None),
                (Inspection.assigned_department_id == own) | Inspection.task_id.in_(mine),
            )
            .order_by(Inspection.matching_due, Inspection.id)
        )
    )
    ids = [inspection.id for inspection, _, _ in rows]
    entered: dict[int, int] = defaultdict(int)
    for (inspection_id,) in await session.execute(
        select(InspectionResult.inspection_id).where(InspectionResult.inspection_id.in_(ids))
    ):
        entered[inspection_id] += 1
    items: dict[int, int] = defaultdict(int)
    for (task_id,) in await session.execute(
        select(TaskItem.task_id).where(TaskItem.task_id.in_({t.id for _, _, t in rows}))
    ):
        items[task_id] += 1
    # A stratum restricted to some items (seed 003 三(二)) expects results on those alone.
    restricted: dict[tuple[int, int], int] = {}
    for task_id, entity_id, item_ids in await session.execute(
        select(Draw.task_id, DrawEntry.entity_id, TaskStratum.item_ids)
        .join(DrawEntry, DrawEntry.draw_id == Draw.id)
        .join(TaskStratum, TaskStratum.id == DrawEntry.stratum_id)
        .where(Draw.task_id.in_({t.id for _, _, t in rows}), TaskStratum.item_ids.is_not(None))
    ):
        if item_ids is not None:
            restricted[(task_id, entity_id)] = len(item_ids)
    entries = []
    for inspection, entity, task in rows:
        if inspection.matched_at is None:
            action = DispatchAction.MATCH
        elif inspection.ended_on is None:
            action = DispatchAction.RECORD
        elif entered[inspection.id] < restricted.get((task.id, inspection.entity_id), items[task.id]):
            action = DispatchAction.ENTER
        else:
            continue
        due, provisional = await _step_due(
            session, action, inspection, task, calendar, publication_working_days
        )
        left = working_days_between(calendar, today, due) if due is not None else None
        overdue = due is not None and today > due
        assert inspection.assigned_department_id is not None
        entries.append(
            DispatchEntry(
                inspection,
                entity,
                task,
                inspection.assigned_department_id,
                action,
                left,
                overdue,
                step_due=due,
                step_due_provisional=provisional,
            )
        )
        if len(entries) >= WORK_LIMIT:
            break
    return entries


async def recompute_matching_dues(session: AsyncSession, calendar: WorkCalendar) -> int:
    """Recompute provisional matching due dates with the calendar now loaded; how many changed."""
    changed = 0
    for inspection in await session.scalars(
        select(Inspection).where(
            Inspection.matching_due_provisional.is_(True), Inspection.dispatched_on.is_not(None)
        )
    ):
        assert inspection.dispatched_on is not None
        due = add_working_days(calendar, inspection.dispatched_on, MATCHING_WORKING_DAYS)
        if (due.due, due.provisional) != (inspection.matching_due, True):
            await audit.record(
                session,
                actor="calendar",
                action="dispatch.due.recompute",
                object_type="Inspection",
                object_id=inspection.id,
                before={"matchingDue": str(inspection.matching_due), "provisional": True},
                after={"matchingDue": due.due.isoformat(), "provisional": due.provisional},
            )
            inspection.matching_due, inspection.matching_due_provisional = due.due, due.provisional
            changed += 1
    await session.flush()
    return changed


@dataclass
class MatchingSweepReport:
    """What one sweep of the matching clocks found."""

    examined: int = 0
    reminders: int = 0


async def sweep_matching(
    session: AsyncSession, *, today: date, calendar: WorkCalendar, remind_before: int = 0
) -> MatchingSweepReport:
    """Remind each 承办部门 of inspections still unmatched: ``remind_before`` working days ahead of
    the matching due date, and once more the day after it. Idempotent (one reminder per kind)."""
    report = MatchingSweepReport()
    horizon = add_working_days(calendar, today, remind_before).due if remind_before > 0 else today
    rows = list(
        await session.scalars(
            select(Inspection).where(
                Inspection.matched_at.is_(None),
                Inspection.matching_due.is_not(None),
                Inspection.matching_due <= horizon,
            )
        )
    )
    for inspection in rows:
        report.examined += 1
        due = inspection.matching_due
        assert due is not None and inspection.assigned_department_id is not None
        if due < today:
            kind = "dispatch_matching_overdue"
            message = f"派发的检查（编号{inspection.id}）已超过执法检查人员匹配期限（{due.isoformat()}）"
        elif remind_before > 0:
            kind = "dispatch_matching_due_soon"
            left = working_days_between(calendar, today, due)
            message = (
                f"派发的检查（编号{inspection.id}）须在{due.isoformat()}前完成执法检查人员匹配，"
                f"还剩{left}个工作日"
            )
        else:
            continue
        exists = await session.scalar(
            select(Reminder.id).where(Reminder.inspection_id == inspection.id, Reminder.kind == kind)
        )
        if exists is not None:
            continue
        session.add(
            Reminder(
                kind=kind,
                department_id=inspection.assigned_department_id,
                inspection_id=inspection.id,
                payload={
                    "message": message,
                    "clock": "matching",
                    "due": due.isoformat(),
                    "provisional": inspection.matching_due_provisional,
                },
            )
        )
        report.reminders += 1
    await session.flush()
    return report
