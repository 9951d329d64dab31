"""Follow-up (后续处理): transfer to the competent authority within 7 working days, then the outcome."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import tlog
from inspections import audit
from inspections.access import require_task_part
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, InvalidInput, NotFound
from inspections.principals import Principal, Role
from inspections.results import result_missing
from schema.enums import ResultStatus
from schema.models import FollowUp, Inspection, InspectionResult, ResultCategory
from workdays import WorkCalendar, add_working_days

# "应当在形成检查结果之日起7个工作日内移送（转办）有管辖权的部门处理" (seed 001 art.20(3)).
TRANSFER_WORKING_DAYS = 7


def _follow_up_missing() -> NotFound:
    return NotFound("未找到该后续处理记录", code=Code.FOLLOW_UP_NOT_FOUND)


async def record_transfer(
    session: AsyncSession,
    *,
    by: Principal,
    result_id: int,
    authority: str,
    transferred_on: date,
    today: date,
    calendar: WorkCalendar,
) -> FollowUp:
    """Record the transfer of a suspected violation; its due date is stored with it."""
    result = await session.get(InspectionResult, result_id)
    if result is None:
        raise result_missing()
    await require_task_part(
        session, by, result.task_id, result.department_id, Role.CLERK, Role.ADMIN, missing=result_missing()
    )
    if not authority.strip():
        raise InvalidInput("请填写移送的有管辖权部门", code=Code.AUTHORITY_REQUIRED, field="authority")
    if transferred_on > today:
        raise InvalidInput("移送日期不能晚于今天", code=Code.DATE_IN_FUTURE, field="transferredOn")
    problems = await session.scalar(
        select(ResultCategory.id).where(
            ResultCategory.code.in_(result.category_codes), ResultCategory.is_problem
        )
    )
    if problems is None:
        raise Conflict("未发现问题的结果无需移送", code=Code.NOTHING_TO_TRANSFER)
    if await session.scalar(select(FollowUp.id).where(FollowUp.result_id == result.id)) is not None:
        raise Conflict("该结果已登记移送", code=Code.FOLLOW_UP_EXISTS)
    inspection = await session.get(Inspection, result.inspection_id)
    assert inspection is not None and inspection.ended_on is not None
    if transferred_on < inspection.ended_on:
        raise InvalidInput("移送日期不能早于检查结束日期", code=Code.DATES_ORDER, field="transferredOn")
    due = add_working_days(calendar, inspection.ended_on, TRANSFER_WORKING_DAYS)
    follow_up = FollowUp(
        result_id=result.id,
        authority=authority.strip(),
        formed_on=inspection.ended_on,
        transfer_due=due.due,
        transfer_due_provisional=due.provisional,
        transferred_on=transferred_on,
    )
    session.add(follow_up)
    await session.flush()
    await audit.record(
        session,
        actor=by.actor,
        action="follow_up.transfer",
        object_type="InspectionResult",
        object_id=result.id,
        after={
            "authority": follow_up.authority,
            "transferredOn": transferred_on.isoformat(),
            "transferDue": due.due.isoformat(),
            "late": transferred_on > due.due,
        },
    )
    return follow_up


async def record_outcome(
    session: AsyncSession, *, by: Principal, follow_up_id: int, outcome: str, on: date, today: date
) -> FollowUp:
    """Record what the competent authority did (后续处理结果)."""
    follow_up = await session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise _follow_up_missing()
    result = await session.get(InspectionResult, follow_up.result_id)
    assert result is not None
    await require_task_part(
        session,
        by,
        result.task_id,
        result.department_id,
        Role.CLERK,
        Role.ADMIN,
        missing=_follow_up_missing(),
    )
    if not outcome.strip():
        raise InvalidInput("请填写后续处理结果", code=Code.OUTCOME_REQUIRED, field="outcome")
    if on > today or (follow_up.transferred_on is not None and on < follow_up.transferred_on):
        raise InvalidInput("处理结果日期应在移送之后、今天之前", code=Code.DATES_ORDER, field="on")
    before = {"outcome": follow_up.outcome}
    follow_up.outcome = outcome.strip()
    follow_up.outcome_on = on
    if result.status == ResultStatus.PUBLISHED:
        # Public from now on (InspectionResult.enforcementOutcome): no public fact changes unseen.
        # One recorded before publication is logged when the result is published (results.py).
        await tlog.log_enforcement_outcome(session, follow_up)
    await audit.record(
        session,
        actor=by.actor,
        action="follow_up.outcome",
        object_type="FollowUp",
        object_id=follow_up.id,
        before=before,
        after={"outcome": follow_up.outcome, "on": on.isoformat()},
    )
    return follow_up


async def follow_up_of(session: AsyncSession, *, result_id: int) -> FollowUp | None:
    """The transfer recorded for a result, if any (the caller has already been let see the result)."""
    found: FollowUp | None = await session.scalar(select(FollowUp).where(FollowUp.result_id == result_id))
    return found
