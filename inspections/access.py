"""Object-level rules: who may act on what. 404 before 403 (a stranger learns nothing)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import NotFound, PermissionDenied
from inspections.principals import Principal, PrincipalKind, Role
from schema.enums import TaskDepartmentRole
from schema.models import TaskDepartment

ROLE_LABELS = {Role.CLERK: "录入", Role.REVIEWER: "审核", Role.HEAD: "主要负责人", Role.ADMIN: "管理员"}


def _denied(roles: tuple[Role, ...]) -> PermissionDenied:
    wanted = "、".join(ROLE_LABELS[r] for r in roles)
    return PermissionDenied(f"此操作需要{wanted}角色", code=Code.ROLE_REQUIRED)


def require_department(by: Principal, *roles: Role) -> int | None:
    """The caller's department, if it is a department user with one of ``roles``.

    Returns ``None`` for the system principal (trusted, acts for any department).
    """
    if by.kind == PrincipalKind.SYSTEM:
        return None
    if by.kind != PrincipalKind.DEPARTMENT or by.department_id is None:
        raise PermissionDenied("此操作仅限部门用户", code=Code.DEPARTMENT_ONLY)
    if by.role not in roles:
        raise _denied(roles)
    return by.department_id


def require_own_department(by: Principal, department_id: int, *roles: Role) -> None:
    """The caller acts for ``department_id`` itself (a department may act only for itself)."""
    own = require_department(by, *roles)
    if own is not None and own != department_id:
        raise PermissionDenied("部门只能为本部门办理此事项", code=Code.OTHER_DEPARTMENT)


def task_missing() -> NotFound:
    """The answer for a task that does not exist, or that the caller has no part in."""
    return NotFound("未找到该抽查任务", code=Code.TASK_NOT_FOUND)


async def task_role(
    session: AsyncSession, by: Principal, task_id: int, missing: NotFound | None = None
) -> TaskDepartmentRole | None:
    """The caller's department's part in a task.

    A caller with no part gets ``missing``: exactly what it would get if the object asked about
    did not exist (404 before 403), so a refusal never confirms that something exists.
    """
    if by.kind == PrincipalKind.SYSTEM:
        return TaskDepartmentRole.INITIATING
    link = None
    if by.kind == PrincipalKind.DEPARTMENT and by.department_id is not None:
        link = await session.get(TaskDepartment, (task_id, by.department_id))
    if link is None:
        raise missing or task_missing()
    return link.role


async def require_initiating(
    session: AsyncSession, by: Principal, task_id: int, *roles: Role, missing: NotFound | None = None
) -> None:
    """Only the initiating department (发起部门), in one of ``roles``, may do this to the task."""
    part = await task_role(session, by, task_id, missing)
    if by.kind == PrincipalKind.SYSTEM:
        return
    if part != TaskDepartmentRole.INITIATING:
        raise PermissionDenied("仅发起部门可办理此事项", code=Code.INITIATING_ONLY)
    if by.role not in roles:
        raise _denied(roles)


async def require_task_part(
    session: AsyncSession,
    by: Principal,
    task_id: int,
    department_id: int,
    *roles: Role,
    missing: NotFound | None = None,
) -> None:
    """The caller works on its own part of a task (谁检查、谁录入): the part of ``department_id``.

    A 承办部门 (dispatched) knows only its own part: another's answers as a missing object. The
    initiating department may act for a 承办部门 it dispatched to (seed 001 art.13: the superior
    acts for its subordinate).
    """
    part = await task_role(session, by, task_id, missing)
    if by.kind == PrincipalKind.SYSTEM:
        return
    if by.department_id != department_id:
        if part == TaskDepartmentRole.DISPATCHED:
            raise missing or task_missing()
        if not (
            part == TaskDepartmentRole.INITIATING and await is_dispatched_to(session, task_id, department_id)
        ):
            raise PermissionDenied("参与部门只能办理本部门负责的部分", code=Code.OTHER_PART)
    if by.role not in roles:
        raise _denied(roles)


async def is_dispatched_to(session: AsyncSession, task_id: int, department_id: int) -> bool:
    """Whether ``department_id`` is a 承办部门 of the task (entities were dispatched to it)."""
    link = await session.get(TaskDepartment, (task_id, department_id))
    return link is not None and link.role == TaskDepartmentRole.DISPATCHED


class ReviewLevel(StrEnum):
    """Which of a result's two reviews (seed 002 art.16) a reviewer gives."""

    OWN = "own"  # the result's own department: 谁检查、谁录入、谁公开
    LEAD = "lead"  # the initiating department, for the whole task


async def review_levels(
    session: AsyncSession, by: Principal, task_id: int, department_id: int, missing: NotFound | None = None
) -> set[ReviewLevel]:
    """The reviews the caller gives a result of ``department_id``: its own, the lead's, or both."""
    part = await task_role(session, by, task_id, missing)
    if by.kind == PrincipalKind.SYSTEM:
        return {ReviewLevel.OWN, ReviewLevel.LEAD}
    levels = set()
    if by.department_id == department_id:
        levels.add(ReviewLevel.OWN)
    if part == TaskDepartmentRole.INITIATING:
        levels.add(ReviewLevel.LEAD)
    if not levels and part == TaskDepartmentRole.DISPATCHED:
        raise missing or task_missing()
    if not levels:
        raise PermissionDenied("只有发起部门或结果所属部门可以审核", code=Code.OTHER_PART)
    if by.role != Role.REVIEWER:
        raise _denied((Role.REVIEWER,))
    return levels


async def require_reviewer(
    session: AsyncSession, by: Principal, task_id: int, department_id: int, missing: NotFound | None = None
) -> None:
    """Results are reviewed by the initiating department or the result's own department (002 art.16)."""
    part = await task_role(session, by, task_id, missing)
    if by.kind == PrincipalKind.SYSTEM:
        return
    if part != TaskDepartmentRole.INITIATING and by.department_id != department_id:
        if part == TaskDepartmentRole.DISPATCHED:
            raise missing or task_missing()
        raise PermissionDenied("只有发起部门或结果所属部门可以审核", code=Code.OTHER_PART)
    if by.role != Role.REVIEWER:
        raise _denied((Role.REVIEWER,))
