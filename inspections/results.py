"""Results (检查结果): entry, review, publication and correction (seed 001 art.20-22, 002 art.16-17)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import tlog
from inspections import audit
from inspections.access import (
    ReviewLevel,
    is_dispatched_to,
    require_reviewer,
    require_task_part,
    review_levels,
)
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, InvalidInput, NotFound
from inspections.jurisdiction import department_within
from inspections.principals import Principal, PrincipalKind, Role
from inspections.publication_deadlines import rule_for_task
from inspections.teams import team_shortfall
from inspections.withholding import require_disclosed
from schema.enums import EntityStatus, ResultStatus, TaskStatus
from schema.models import (
    Draw,
    DrawEntry,
    Entity,
    FollowUp,
    Inspection,
    InspectionResult,
    ResultCategory,
    ResultCategoryCode,
    ResultVersion,
    Task,
    TaskItem,
    TaskStratum,
)
from search.indexing import index_result
from workdays import WorkCalendar


async def categories_in_force(session: AsyncSession, codes: Sequence[str], on: date) -> list[ResultCategory]:
    """The dictionary rows for ``codes`` valid on ``on``, checked against the combination rules."""
    if not codes:
        raise InvalidInput("至少选择一个检查结果类型", code=Code.CATEGORY_EMPTY, field="categoryCodes")
    if len(set(codes)) != len(codes):
        raise InvalidInput("检查结果类型重复", code=Code.CATEGORY_DUPLICATE, field="categoryCodes")
    rows = list(
        await session.scalars(
            select(ResultCategory).where(
                ResultCategory.code.in_(codes),
                ResultCategory.effective_from <= on,
                (ResultCategory.effective_to.is_(None)) | (ResultCategory.effective_to >= on),
            )
        )
    )
    known = {row.code: row for row in rows}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInput(
            f"未知的检查结果类型：{'、'.join(unknown)}",
            code=Code.CATEGORY_UNKNOWN,
            field="categoryCodes",
        )
    ordered = [known[code] for code in codes]
    if len(ordered) > 1:
        exclusive = [row.label for row in ordered if row.is_exclusive]
        if exclusive:
            raise InvalidInput(
                f"“{exclusive[0]}”不能与其他结果类型同时选择",
                code=Code.CATEGORY_EXCLUSIVE,
                field="categoryCodes",
            )
        # A result formed without inspection (seed 002 art.15: 无法联系, 已注销…) has no findings of an
        # inspection beside it: 无法联系 with 已责令改正 says the team both did and did not meet it.
        direct = [row.label for row in ordered if row.without_inspection]
        found = [row.label for row in ordered if not row.without_inspection]
        if direct and found:
            raise InvalidInput(
                f"“{direct[0]}”是未经检查直接形成的结果，不能与检查发现“{found[0]}”同时选择",
                code=Code.CATEGORY_WITHOUT_INSPECTION,
                field="categoryCodes",
            )
        groups: dict[str, list[str]] = {}
        for row in ordered:
            if row.exclusion_group:
                groups.setdefault(row.exclusion_group, []).append(row.label)
        for labels in groups.values():
            if len(labels) > 1:
                raise InvalidInput(
                    f"“{'”与“'.join(labels)}”不能同时选择",
                    code=Code.CATEGORY_CONFLICT,
                    field="categoryCodes",
                )
    return ordered


# Seed 002 art.15's registration facts are read from the directory, not asserted by a team.
STATUS_OF_CATEGORY = {
    "DEREGISTERED": EntityStatus.DEREGISTERED,
    "REGISTRATION_REVOKED": EntityStatus.REGISTRATION_REVOKED,
    "LICENSE_REVOKED": EntityStatus.LICENSE_REVOKED,
    "MIGRATED": EntityStatus.MIGRATED,
}


async def _require_registration_status(session: AsyncSession, entity_id: int, codes: Sequence[str]) -> None:
    """已注销 and its kind only for an entity the directory records so (update the directory first)."""
    wanted = [STATUS_OF_CATEGORY[code] for code in codes if code in STATUS_OF_CATEGORY]
    if not wanted:
        return
    entity = await session.get(Entity, entity_id)
    assert entity is not None
    if entity.status != wanted[0]:
        raise InvalidInput(
            f"名录库中该市场主体的登记状态为“{STATUS_LABELS[entity.status]}”，与所选结果类型不符；"
            "请先在名录库中更新其登记状态",
            code=Code.CATEGORY_STATUS_MISMATCH,
            field="categoryCodes",
        )


async def _require_item_of_stratum(session: AsyncSession, inspection: Inspection, item_id: int) -> None:
    """A stratum that checks only some items takes results on those alone (seed 003 三(二):
    the 3 % and 0.5 % strata 只检查登记事项和公示信息)."""
    row = (
        await session.execute(
            select(TaskStratum.name, TaskStratum.item_ids)
            .join(DrawEntry, DrawEntry.stratum_id == TaskStratum.id)
            .join(Draw, Draw.id == DrawEntry.draw_id)
            .where(Draw.task_id == inspection.task_id, DrawEntry.entity_id == inspection.entity_id)
        )
    ).first()
    if row is not None and row.item_ids is not None and item_id not in row.item_ids:
        raise InvalidInput(
            f"该检查对象抽自“{row.name}”分层，该分层不检查此事项",
            code=Code.ITEM_NOT_IN_STRATUM,
            field="itemId",
        )


STATUS_LABELS = {
    EntityStatus.ACTIVE: "存续",
    EntityStatus.DEREGISTERED: "已注销",
    EntityStatus.REGISTRATION_REVOKED: "被撤销设立登记",
    EntityStatus.LICENSE_REVOKED: "被吊销营业执照或相关许可证",
    EntityStatus.MIGRATED: "登记机关跨区域迁移",
}


async def enter_result(
    session: AsyncSession,
    *,
    by: Principal,
    inspection_id: int,
    department_id: int,
    item_id: int,
    category_codes: Sequence[str],
    description: str,
    calendar: WorkCalendar,
    publication_working_days: int,
) -> InspectionResult:
    """Enter one department's result on one item (谁检查、谁录入) and store its publication due date.

    ``department_id`` is the caller's own, or (seed 001 art.13) a subordinate's the caller acts
    for: the initiating department for a 承办部门 of its dispatched task. A department outside the
    caller's jurisdiction answers as an invented one.
    """
    if by.kind == PrincipalKind.DEPARTMENT and department_id != by.department_id:
        await department_within(session, by, department_id)
    inspection = await session.get(Inspection, inspection_id)
    if inspection is None:
        raise inspection_missing()
    await require_task_part(
        session, by, inspection.task_id, department_id, Role.CLERK, Role.ADMIN, missing=inspection_missing()
    )
    assigned = inspection.assigned_department_id
    if (
        assigned is not None
        and by.kind == PrincipalKind.DEPARTMENT
        and by.department_id != assigned
        and await is_dispatched_to(session, inspection.task_id, by.department_id or 0)
    ):
        raise inspection_missing()  # a 承办部门 knows only what was dispatched to it
    if inspection.ended_on is None:
        raise Conflict("检查尚未结束，不能录入结果", code=Code.INSPECTION_NOT_ENDED)
    task_item = await session.get(TaskItem, (inspection.task_id, item_id))
    task = await session.get(Task, inspection.task_id)
    assert task is not None
    # A dispatched inspection's 承办部门 checks the initiating department's items (seed 003 四(一):
    # 各县区局…统筹组织实施; 谁检查、谁录入、谁公开).
    checker = task_item.department_id if task_item is not None else None
    if assigned is not None and checker == task.initiating_department_id:
        checker = assigned
    if task_item is None or checker != department_id:
        raise InvalidInput(
            "该抽查事项不属于本部门在本任务中的检查内容",
            code=Code.ITEM_NOT_IN_TASK,
            field="itemId",
        )
    await _require_item_of_stratum(session, inspection, item_id)
    await categories_in_force(session, category_codes, inspection.ended_on)
    await _require_registration_status(session, inspection.entity_id, category_codes)
    exists = await session.scalar(
        select(InspectionResult.id).where(
            InspectionResult.inspection_id == inspection_id,
            InspectionResult.department_id == department_id,
            InspectionResult.item_id == item_id,
        )
    )
    if exists is not None:
        raise Conflict("该事项的检查结果已录入", code=Code.RESULT_EXISTS)
    rule = await rule_for_task(session, inspection.task_id, publication_working_days)
    due = rule.due(calendar, inspection.ended_on)
    result = InspectionResult(
        inspection_id=inspection.id,
        task_id=inspection.task_id,
        entity_id=inspection.entity_id,
        department_id=department_id,
        item_id=item_id,
        year=inspection.ended_on.year,
        status=ResultStatus.DRAFT,
        category_codes=list(category_codes),
        description=description,
        publication_due=due.due,
        publication_due_provisional=due.provisional,
    )
    session.add(result)
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="result.enter",
        object_type="InspectionResult",
        object_id=result.id,
        after={"categoryCodes": list(category_codes), "publicationDue": due.due.isoformat()},
    )
    return result


def result_missing() -> NotFound:
    """The answer for a result that does not exist or that the caller may not know of."""
    return NotFound("未找到该检查结果", code=Code.RESULT_NOT_FOUND)


def inspection_missing() -> NotFound:
    """The answer for an inspection that does not exist or that the caller may not know of."""
    return NotFound("未找到该检查", code=Code.INSPECTION_NOT_FOUND)


async def _result(session: AsyncSession, result_id: int) -> InspectionResult:
    result = await session.get(InspectionResult, result_id)
    if result is None:
        raise result_missing()
    return result


def _require_state(result: InspectionResult, allowed: set[ResultStatus]) -> None:
    if result.status not in allowed:
        raise Conflict(
            f"检查结果当前状态为“{result.status.value}”，不能执行此操作",
            code=Code.RESULT_STATE,
        )


def _move(result: InspectionResult, allowed: set[ResultStatus], target: ResultStatus) -> ResultStatus:
    _require_state(result, allowed)
    before = result.status
    result.status = target
    return before


async def require_complete_team(session: AsyncSession, result: InspectionResult) -> None:
    """Refuse a result whose inspection has no complete team, unless no inspection was needed.

    Seed 002 art.13 (two on site), 001 art.17 (leader of the initiating department); seed 002 art.15
    lets a department form a result without inspection (无法联系, 不配合, 已注销…): such categories
    need no team.
    """
    inspection = await session.get(Inspection, result.inspection_id)
    assert inspection is not None and inspection.ended_on is not None
    categories = await categories_in_force(session, result.category_codes, inspection.ended_on)
    if categories and all(category.without_inspection for category in categories):
        return
    problem = await team_shortfall(session, inspection_id=inspection.id, department_id=result.department_id)
    if problem is not None:
        raise Conflict(f"{problem}，不能上报或公示该结果", code=Code.TEAM_INCOMPLETE)


async def submit_result(session: AsyncSession, *, by: Principal, result_id: int) -> InspectionResult:
    """Send a draft or returned result for review (上报审核); its inspection needs a complete team."""
    result = await _result(session, result_id)
    await require_task_part(
        session, by, result.task_id, result.department_id, Role.CLERK, Role.ADMIN, missing=result_missing()
    )
    _require_state(result, {ResultStatus.DRAFT, ResultStatus.RETURNED})
    await require_complete_team(session, result)
    before = _move(result, {ResultStatus.DRAFT, ResultStatus.RETURNED}, ResultStatus.UNDER_REVIEW)
    _clear_approvals(result)
    await audit.record(
        session,
        actor=by.actor,
        action="result.submit",
        object_type="InspectionResult",
        object_id=result.id,
        before={"status": before.value},
        after={"status": result.status.value},
    )
    return result


async def return_result(
    session: AsyncSession, *, by: Principal, result_id: int, reason: str
) -> InspectionResult:
    """Send a result back to the team with a reason (审核不通过，退回, seed 002 art.16)."""
    if not reason.strip():
        raise InvalidInput("退回须说明理由", code=Code.REASON_REQUIRED, field="reason")
    result = await _result(session, result_id)
    await require_reviewer(session, by, result.task_id, result.department_id, missing=result_missing())
    before = _move(result, {ResultStatus.UNDER_REVIEW}, ResultStatus.RETURNED)
    _clear_approvals(result)
    result.internal_note = reason.strip()
    await audit.record(
        session,
        actor=by.actor,
        action="result.return",
        object_type="InspectionResult",
        object_id=result.id,
        before={"status": before.value},
        after={"status": result.status.value, "reason": reason},
    )
    return result


async def _write_version(
    session: AsyncSession,
    result: InspectionResult,
    *,
    today: date,
    change_reason: str | None,
    approved_by: str | None,
) -> ResultVersion:
    categories = await categories_in_force(session, result.category_codes, today)
    result.current_version += 1
    version = ResultVersion(
        result_id=result.id,
        version=result.current_version,
        category_codes=list(result.category_codes),
        description=result.description,
        published_on=today,
        change_reason=change_reason,
        approved_by=approved_by,
    )
    session.add(version)
    old = await session.scalars(select(ResultCategoryCode).where(ResultCategoryCode.result_id == result.id))
    for row in old:
        await session.delete(row)
    await session.flush()
    for category in categories:
        session.add(ResultCategoryCode(result_id=result.id, category_id=category.id, code=category.code))
    await session.flush()
    document = await index_result(session, result.id)  # search is never behind the data (same transaction)
    if document is None:  # the result was just published: its document is there, or publishing broke
        raise RuntimeError(f"published result {result.id} has no search document")
    # The public log, same transaction; its leaf's two codes come from the index's read of the rows.
    codes = {"credit_code": document.credit_code, "item_code": document.item_code}
    await tlog.log_result_version(session, result, version, **codes)
    if version.version == 1:  # an enforcement outcome recorded before publication is public now
        follow_up = await session.scalar(
            select(FollowUp).where(FollowUp.result_id == result.id, FollowUp.outcome.is_not(None))
        )
        if follow_up is not None:
            await tlog.log_enforcement_outcome(session, follow_up)
    return version


def _clear_approvals(result: InspectionResult) -> None:
    result.own_approved_by = result.own_approved_on = None
    result.lead_approved_by = result.lead_approved_on = None


async def _complete_task_when_all_published(session: AsyncSession, task_id: int) -> None:
    """A task is completed once every department's part of every inspection is published.

    A part is (inspection, department of a task item the inspection's stratum checks): each such
    department must have published a result on it (谁检查、谁录入、谁公开, seed 002 art.16). The
    initiating department's items of a dispatched inspection are its 承办部门's part.
    """
    task = await session.get(Task, task_id)
    assert task is not None
    if task.status == TaskStatus.COMPLETED:
        return
    await session.flush()
    open_inspection = select(Inspection.id).where(
        Inspection.task_id == task_id, Inspection.ended_on.is_(None)
    )
    unpublished = select(InspectionResult.id).where(
        InspectionResult.task_id == task_id, InspectionResult.status != ResultStatus.PUBLISHED
    )
    # One round trip on every publication: most find a result still unpublished and stop there.
    if await session.scalar(select(or_(unpublished.exists(), open_inspection.exists()))):
        return
    if await _parts_missing(session, task):
        return
    task.status = TaskStatus.COMPLETED


async def _parts_missing(session: AsyncSession, task: Task) -> bool:
    """Whether some department's part of some inspection of the task has no result."""
    items = {
        row.item_id: row.department_id
        for row in await session.scalars(select(TaskItem).where(TaskItem.task_id == task.id))
    }
    strata = {
        entity_id: item_ids
        for entity_id, item_ids in await session.execute(
            select(DrawEntry.entity_id, TaskStratum.item_ids)
            .join(TaskStratum, TaskStratum.id == DrawEntry.stratum_id)
            .join(Draw, Draw.id == DrawEntry.draw_id)
            .where(Draw.task_id == task.id)
        )
    }
    done: set[tuple[int, int]] = {
        (inspection_id, department_id)
        for inspection_id, department_id in await session.execute(
            select(InspectionResult.inspection_id, InspectionResult.department_id).where(
                InspectionResult.task_id == task.id
            )
        )
    }
    for inspection in await session.scalars(select(Inspection).where(Inspection.task_id == task.id)):
        checked = strata.get(inspection.entity_id)
        for item_id, department_id in items.items():
            if checked is not None and item_id not in checked:
                continue  # the stratum does not check this item (seed 003 三(二))
            part = department_id
            if inspection.assigned_department_id is not None and part == task.initiating_department_id:
                part = inspection.assigned_department_id
            if (inspection.id, part) not in done:
                return True
    return False


async def approve_result(
    session: AsyncSession, *, by: Principal, result_id: int, today: date
) -> InspectionResult:
    """Give the caller's review of a result; the second of the two publishes it.

    Seed 002 art.16: 经发起部门和参与部门审核通过后…向社会公示. The result's own department reviews
    its part (谁检查、谁录入、谁公开) and the initiating department the whole task; a reviewer of the
    initiating department gives both reviews to its own department's results.
    """
    result = await _result(session, result_id)
    levels = await review_levels(session, by, result.task_id, result.department_id, missing=result_missing())
    _require_state(result, {ResultStatus.UNDER_REVIEW})
    given = {
        ReviewLevel.OWN: result.own_approved_by is not None,
        ReviewLevel.LEAD: result.lead_approved_by is not None,
    }
    if all(given[level] for level in levels):
        raise Conflict("本部门已审核通过该结果，等待另一部门审核", code=Code.ALREADY_APPROVED)
    name = by.name or by.actor
    if ReviewLevel.OWN in levels and not given[ReviewLevel.OWN]:
        result.own_approved_by, result.own_approved_on = name, today
    if ReviewLevel.LEAD in levels and not given[ReviewLevel.LEAD]:
        result.lead_approved_by, result.lead_approved_on = name, today
    await audit.record(
        session,
        actor=by.actor,
        action="result.approve",
        object_type="InspectionResult",
        object_id=result.id,
        after={"levels": sorted(level.value for level in levels)},
    )
    if result.own_approved_by is None or result.lead_approved_by is None:
        await session.flush()
        return result
    # Checked again at publication: the team was complete at submission, but publication is the
    # promise made to the public.
    await require_complete_team(session, result)
    task = await session.get(Task, result.task_id)
    assert task is not None
    require_disclosed(task)  # 不宜告知: publishing would name a drawn entity before the visits end
    before = _move(result, {ResultStatus.UNDER_REVIEW}, ResultStatus.PUBLISHED)
    result.published_on = today
    await _write_version(session, result, today=today, change_reason=None, approved_by=name)
    await _complete_task_when_all_published(session, result.task_id)
    await audit.record(
        session,
        actor=by.actor,
        action="result.publish",
        object_type="InspectionResult",
        object_id=result.id,
        before={"status": before.value},
        after={"status": result.status.value, "publishedOn": today.isoformat(), "version": 1},
    )
    return result


async def revise_result(
    session: AsyncSession,
    *,
    by: Principal,
    result_id: int,
    category_codes: Sequence[str],
    description: str,
) -> InspectionResult:
    """The team revises a draft or returned result before submitting it again.

    Seed 002 art.16: 退回检查小组重新核实情况并作出检查结论，再次上报审核.
    """
    result = await _result(session, result_id)
    await require_task_part(
        session, by, result.task_id, result.department_id, Role.CLERK, Role.ADMIN, missing=result_missing()
    )
    _require_state(result, {ResultStatus.DRAFT, ResultStatus.RETURNED})
    inspection = await session.get(Inspection, result.inspection_id)
    assert inspection is not None and inspection.ended_on is not None
    await categories_in_force(session, category_codes, inspection.ended_on)
    before = {"categoryCodes": list(result.category_codes), "description": result.description}
    result.category_codes = list(category_codes)
    result.description = description
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="result.revise",
        object_type="InspectionResult",
        object_id=result.id,
        before=before,
        after={"categoryCodes": list(category_codes), "description": description},
    )
    return result


async def correct_result(
    session: AsyncSession,
    *,
    by: Principal,
    result_id: int,
    category_codes: Sequence[str],
    description: str,
    reason: str,
    today: date,
    approved_by: str | None = None,
) -> ResultVersion:
    """Correct a published result: a new public version with its reason (seed 001 art.22).

    Only the department's principal head (主要负责人) may; the head's name is recorded as approver.
    """
    result = await _result(session, result_id)
    await require_task_part(
        session, by, result.task_id, result.department_id, Role.HEAD, missing=result_missing()
    )
    if by.kind == PrincipalKind.DEPARTMENT:
        approved_by = by.name
    if not reason.strip():
        raise InvalidInput("更正须说明理由", code=Code.REASON_REQUIRED, field="reason")
    if not approved_by or not approved_by.strip():
        raise InvalidInput(
            "更正须经本部门主要负责人签字确认", code=Code.APPROVER_REQUIRED, field="approvedBy"
        )
    if result.status != ResultStatus.PUBLISHED:
        raise Conflict("只有已公示的检查结果才能更正", code=Code.RESULT_NOT_PUBLISHED)
    await categories_in_force(session, category_codes, today)
    before = {"categoryCodes": list(result.category_codes), "description": result.description}
    result.category_codes = list(category_codes)
    result.description = description
    version = await _write_version(
        session, result, today=today, change_reason=reason, approved_by=approved_by
    )
    await audit.record(
        session,
        actor=by.actor,
        action="result.correct",
        object_type="InspectionResult",
        object_id=result.id,
        before=before,
        after={
            "categoryCodes": list(category_codes),
            "description": description,
            "reason": reason,
            "approvedBy": approved_by,
            "version": version.version,
        },
    )
    return version
