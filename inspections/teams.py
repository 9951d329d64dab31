"""Random draw of inspectors (随机抽取执法检查人员) into teams, recusal, and replacement by appointment.

Seed 001 art.16-17, 002 art.10, 002 art.13: the team leader comes from the initiating department,
at least two inspectors go on site, and a drawn inspector is replaced only for a listed reason with
an approver, by appointment, never by a new draw.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit, draw_algorithm
from inspections.access import require_department, require_initiating, require_task_part
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, InvalidInput, NotFound
from inspections.principals import Principal, PrincipalKind, Role
from schema.base import utcnow
from schema.enums import TaskDepartmentRole, TeamRole
from schema.models import (
    Draw,
    Entity,
    Inspection,
    Inspector,
    InspectorRecusal,
    Task,
    TaskDepartment,
    TeamMember,
)


class ReplacementReason(StrEnum):
    """The only reasons a drawn inspector may be replaced (seed 001 art.16)."""

    POST_CHANGE = "post_change"  # 岗位调整
    WORK_CONFLICT = "work_conflict"  # 工作冲突
    HEALTH = "health"  # 健康状况
    RECUSAL = "recusal"  # 执法回避


def _member_missing() -> NotFound:
    return NotFound("未找到该检查组成员", code=Code.TEAM_MEMBER_NOT_FOUND)


def rank_inspector(seed: str, inspection_id: int, inspector: Inspector) -> str:
    """An inspector's score for one inspection: the lowest is drawn (re-derivable from the seed)."""
    return draw_algorithm.sha256_hex(f"{seed}\n{inspection_id}\n{inspector.badge_number}")


async def add_recusal(
    session: AsyncSession, *, by: Principal, inspector_id: int, entity_id: int, reason: str
) -> InspectorRecusal:
    """Record that an inspector must not inspect an entity (执法回避)."""
    inspector = await session.get(Inspector, inspector_id)
    # Inspectors are known only to their own department: anyone else gets what a missing one gets.
    if inspector is None or (by.kind != PrincipalKind.SYSTEM and by.department_id != inspector.department_id):
        raise NotFound("未找到该执法检查人员", code=Code.INSPECTOR_NOT_FOUND)
    require_department(by, Role.CLERK, Role.ADMIN)
    if await session.get(Entity, entity_id) is None:
        raise NotFound("未找到该市场主体", code=Code.ENTITY_NOT_FOUND)
    if not reason.strip():
        raise InvalidInput("回避须说明理由", code=Code.REASON_REQUIRED, field="reason")
    if await session.get(InspectorRecusal, (inspector_id, entity_id)) is not None:
        raise Conflict("已登记该回避", code=Code.RECUSAL_EXISTS)
    recusal = InspectorRecusal(inspector_id=inspector_id, entity_id=entity_id, reason=reason.strip())
    session.add(recusal)
    await audit.record(
        session,
        actor=by.actor,
        action="inspector.recusal",
        object_type="Inspector",
        object_id=inspector_id,
        after={"entityId": entity_id, "reason": reason.strip()},
    )
    return recusal


async def draw_inspectors(
    session: AsyncSession, *, by: Principal, task_id: int, seed: str | None = None
) -> list[TeamMember]:
    """Form a team per drawn entity: a leader of the initiating department plus one per participant.

    The seed is recorded, so the teams can be re-derived; either every team is formed or none is.
    """
    await require_initiating(session, by, task_id, Role.CLERK, Role.ADMIN)
    task = await session.get(Task, task_id)
    if task is not None and task.dispatched:
        # Seed 003 四(二): each 承办部门 matches the inspectors of what was dispatched to it.
        raise Conflict(
            "本任务已按登记机关派发，由各承办部门匹配执法检查人员（matchInspectors）",
            code=Code.TASK_DISPATCHED,
        )
    draw = await session.scalar(select(Draw).where(Draw.task_id == task_id))
    if draw is None or not draw.locked:
        raise Conflict("请先完成检查对象的随机抽取", code=Code.DRAW_NOT_LOCKED)
    if draw.inspectors_drawn_at is not None:
        raise Conflict("本任务的执法检查人员已抽取，只能按规定调整更换", code=Code.TEAMS_DRAWN)
    seed = seed or secrets.token_hex(16)
    parts = list(await session.scalars(select(TaskDepartment).where(TaskDepartment.task_id == task_id)))
    initiating = next(p.department_id for p in parts if p.role == TaskDepartmentRole.INITIATING)
    others = sorted(p.department_id for p in parts if p.role == TaskDepartmentRole.PARTICIPATING)
    pools: dict[int, list[Inspector]] = defaultdict(list)
    for inspector in await session.scalars(
        select(Inspector).where(
            Inspector.active.is_(True), Inspector.department_id.in_([initiating, *others])
        )
    ):
        pools[inspector.department_id].append(inspector)
    inspections = list(
        await session.scalars(select(Inspection).where(Inspection.task_id == task_id).order_by(Inspection.id))
    )
    recused: dict[int, set[int]] = defaultdict(set)
    for row in await session.scalars(
        select(InspectorRecusal).where(InspectorRecusal.entity_id.in_([i.entity_id for i in inspections]))
    ):
        recused[row.entity_id].add(row.inspector_id)

    def pick(department_id: int, inspection: Inspection, taken: set[int]) -> Inspector:
        pool = [
            i for i in pools[department_id] if i.id not in recused[inspection.entity_id] and i.id not in taken
        ]
        if not pool:
            raise Conflict(
                f"部门（ID {department_id}）没有可抽取的执法检查人员（已排除回避人员）",
                code=Code.NOT_ENOUGH_INSPECTORS,
            )
        return min(pool, key=lambda inspector: rank_inspector(seed, inspection.id, inspector))

    planned: list[TeamMember] = []
    for inspection in inspections:
        leader = pick(initiating, inspection, set())
        team = [(leader, initiating, TeamRole.LEADER)]
        # At least two on site (seed 002 art.13): one per participant, or a second initiating inspector.
        for department_id in others or [initiating]:
            member = pick(department_id, inspection, {m.id for m, _, _ in team})
            team.append((member, department_id, TeamRole.MEMBER))
        planned += [
            TeamMember(inspection_id=inspection.id, inspector_id=i.id, department_id=d, role=r)
            for i, d, r in team
        ]
    session.add_all(planned)
    draw.inspector_seed = seed
    draw.inspectors_drawn_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="draw.inspectors",
        object_type="Task",
        object_id=task_id,
        after={"seed": seed, "teams": len(inspections), "members": len(planned)},
    )
    return planned


async def replace_inspector(
    session: AsyncSession,
    *,
    by: Principal,
    team_member_id: int,
    replacement_inspector_id: int,
    reason: ReplacementReason,
    approved_by: str,
) -> TeamMember:
    """Replace a drawn inspector by appointment, for a listed reason, with an approver; no re-draw."""
    member = await session.get(TeamMember, team_member_id)
    if member is None:
        raise _member_missing()
    inspection = await session.get(Inspection, member.inspection_id)
    assert inspection is not None
    await require_task_part(
        session,
        by,
        inspection.task_id,
        member.department_id,
        Role.CLERK,
        Role.ADMIN,
        missing=_member_missing(),
    )
    if member.replaced_by_id is not None:
        raise Conflict("该成员已被更换", code=Code.ALREADY_REPLACED)
    if not approved_by.strip():
        raise InvalidInput(
            "更换须经本部门分管负责人同意，请填写批准人",
            code=Code.APPROVER_REQUIRED,
            field="approvedBy",
        )
    replacement = await session.get(Inspector, replacement_inspector_id)
    if replacement is None or replacement.department_id != member.department_id or not replacement.active:
        raise InvalidInput(
            "替换人员须为本部门在职执法检查人员",
            code=Code.REPLACEMENT_INVALID,
            field="replacementInspectorId",
        )
    team = set(
        await session.scalars(
            select(TeamMember.inspector_id).where(
                TeamMember.inspection_id == inspection.id, TeamMember.replaced_by_id.is_(None)
            )
        )
    )
    if replacement.id in team:
        raise InvalidInput(
            "替换人员已在本检查组中",
            code=Code.REPLACEMENT_INVALID,
            field="replacementInspectorId",
        )
    if await session.get(InspectorRecusal, (replacement.id, inspection.entity_id)) is not None:
        raise InvalidInput(
            "替换人员须对该检查对象回避",
            code=Code.REPLACEMENT_RECUSED,
            field="replacementInspectorId",
        )
    new = TeamMember(
        inspection_id=inspection.id,
        inspector_id=replacement.id,
        department_id=member.department_id,
        role=member.role,
    )
    session.add(new)
    await session.flush()
    member.replaced_by_id = new.id
    member.replacement_reason = reason.value
    member.replacement_approved_by = approved_by.strip()
    member.replaced_at = utcnow()
    await audit.record(
        session,
        actor=by.actor,
        action="team.replace",
        object_type="TeamMember",
        object_id=member.id,
        before={"inspectorId": member.inspector_id},
        after={"inspectorId": replacement.id, "reason": reason.value, "approvedBy": approved_by.strip()},
    )
    return new


async def team_shortfall(session: AsyncSession, *, inspection_id: int, department_id: int) -> str | None:
    """Why an inspection's current team cannot stand behind ``department_id``'s result, or None.

    Seed 002 art.13: at least two inspectors on site; seed 001 art.17: the leader comes from the
    initiating department; 谁检查、谁录入 (seed 000): the department that enters a result has a member
    on the team. Replaced members no longer count; their replacements do.
    """
    members = list(
        await session.scalars(
            select(TeamMember).where(
                TeamMember.inspection_id == inspection_id, TeamMember.replaced_by_id.is_(None)
            )
        )
    )
    if not members:
        return "该检查尚未组成检查组（未抽取执法检查人员）"
    if not any(m.role == TeamRole.LEADER for m in members):
        return "检查组没有组长"
    if len({m.inspector_id for m in members}) < 2:
        return "检查组现场检查人员不足两名"
    if not any(m.department_id == department_id for m in members):
        return "检查组中没有录入本结果的部门的执法检查人员"
    return None
