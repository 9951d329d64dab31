"""A department's follow-up work list (后续处理工作清单): problem results to transfer, transfers without
an outcome.

Seed 001 art.20(3): a suspected violation is transferred to the competent authority within 7 working
days of forming the result (the inspection's end); seed 003 四(五): its outcome is recorded. The
list shows, for the caller's department, every result with a problem category and no transfer yet
(the same rule ``record_transfer`` applies), with its due date and the working days left, and every
transfer whose outcome is not recorded. Every ID the next mutation needs is on the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections.access import require_department
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import PermissionDenied
from inspections.follow_ups import TRANSFER_WORKING_DAYS
from inspections.principals import Principal, Role
from schema.models import FollowUp, Inspection, InspectionResult, ResultCategory
from workdays import WorkCalendar, add_working_days, working_days_between

# A department's follow-ups are bounded by its caseload; the cap only guards the response size.
FOLLOW_UP_WORK_LIMIT = 2000


class FollowUpAction(StrEnum):
    """What the department is to do next."""

    TRANSFER = "transfer"  # 移送有管辖权的部门 (recordTransfer)
    OUTCOME = "outcome"  # 登记后续处理结果 (recordFollowUpOutcome)


@dataclass(frozen=True)
class FollowUpWorkEntry:
    """One result on the list and its clock (transfers have one; outcomes have no statutory one)."""

    result: InspectionResult
    follow_up: FollowUp | None
    action: FollowUpAction
    due: date | None
    due_provisional: bool
    remaining_working_days: int | None

    @property
    def sort_key(self) -> tuple[date, int]:
        return (self.due or date.max, self.result.id)


async def follow_up_work(
    session: AsyncSession, *, by: Principal, today: date, calendar: WorkCalendar
) -> list[FollowUpWorkEntry]:
    """The caller's department's follow-ups still to do, earliest due first (any department role
    reads it; clerks and admins record transfers and outcomes)."""
    department = require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    if department is None:
        raise PermissionDenied("系统调用不经由接口", code=Code.SYSTEM_ONLY)
    problems = set(await session.scalars(select(ResultCategory.code).where(ResultCategory.is_problem)))
    transferred = select(FollowUp.result_id)
    rows = await session.execute(
        select(InspectionResult, Inspection.ended_on)
        .join(Inspection, Inspection.id == InspectionResult.inspection_id)
        .where(
            InspectionResult.department_id == department,
            InspectionResult.id.not_in(transferred),
            Inspection.ended_on.is_not(None),
        )
        .order_by(InspectionResult.id)
    )
    entries = []
    for result, ended_on in rows:
        if ended_on is None or not problems.intersection(result.category_codes):
            continue
        due = add_working_days(calendar, ended_on, TRANSFER_WORKING_DAYS)
        left = working_days_between(calendar, today, due.due)
        entries.append(
            FollowUpWorkEntry(result, None, FollowUpAction.TRANSFER, due.due, due.provisional, left)
        )
    pending = await session.execute(
        select(InspectionResult, FollowUp)
        .join(FollowUp, FollowUp.result_id == InspectionResult.id)
        .where(InspectionResult.department_id == department, FollowUp.outcome.is_(None))
        .order_by(InspectionResult.id)
    )
    for result, follow_up in pending:
        entries.append(FollowUpWorkEntry(result, follow_up, FollowUpAction.OUTCOME, None, False, None))
    return sorted(entries, key=lambda e: e.sort_key)[:FOLLOW_UP_WORK_LIMIT]
