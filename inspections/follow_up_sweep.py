"""The transfer clock in the daily sweep (移送期限提醒): reminders before and after a problem result's
transfer is due.

Seed 001 art.20(3): "应当在形成检查结果之日起7个工作日内移送（转办）有管辖权的部门处理". The result's
own department transfers it, so its queue is reminded: once ``remind_before`` working days before
the due date (GONGSHI_REMIND_BEFORE_WORKDAYS, as for objection clocks) and once the day after it,
one reminder per result and kind, so running the sweep twice writes nothing new. The rule for which
results owe a transfer is the work list's (:mod:`inspections.follow_up_work`): a problem category, an
inspection that has ended, no transfer recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.follow_ups import TRANSFER_WORKING_DAYS
from schema.models import FollowUp, Inspection, InspectionResult, Reminder, ResultCategory
from workdays import WorkCalendar, add_working_days, working_days_between

OVERDUE = "transfer_overdue"
DUE_SOON = "transfer_due_soon"


@dataclass
class TransferSweepReport:
    """What one sweep of transfer clocks found."""

    examined: int = 0
    overdue: int = 0
    reminders: int = 0


async def sweep_transfers(
    session: AsyncSession, *, today: date, calendar: WorkCalendar, remind_before: int = 0
) -> TransferSweepReport:
    """Remind departments of transfers due within ``remind_before`` working days or past; the caller
    commits."""
    report = TransferSweepReport()
    horizon = add_working_days(calendar, today, remind_before).due if remind_before > 0 else today
    problems = set(await session.scalars(select(ResultCategory.code).where(ResultCategory.is_problem)))
    already_late = select(Reminder.result_id).where(Reminder.kind == OVERDUE, Reminder.result_id.is_not(None))
    rows = await session.execute(
        select(
            InspectionResult.id,
            InspectionResult.department_id,
            InspectionResult.category_codes,
            Inspection.ended_on,
        )
        .join(Inspection, Inspection.id == InspectionResult.inspection_id)
        .where(
            InspectionResult.id.not_in(select(FollowUp.result_id)),
            InspectionResult.id.not_in(already_late),
            # The due date is at least the end of the inspection: nothing ended later can be due.
            Inspection.ended_on <= horizon,
        )
        .order_by(InspectionResult.id)
    )
    for result_id, department_id, codes, ended_on in rows:
        if ended_on is None or not problems.intersection(codes):
            continue
        report.examined += 1
        due = add_working_days(calendar, ended_on, TRANSFER_WORKING_DAYS)
        if due.due < today:
            message = f"检查结果（编号{result_id}）发现问题，已超过移送期限（{due.due.isoformat()}）"
            if await _remind(session, result_id, department_id, OVERDUE, message, due.due, due.provisional):
                report.reminders += 1
                report.overdue += 1
                await audit.record(
                    session,
                    actor="system:sweep",
                    action="follow_up.transfer_overdue",
                    object_type="InspectionResult",
                    object_id=result_id,
                    after={"due": due.due.isoformat()},
                )
        elif remind_before > 0 and due.due <= horizon:
            left = working_days_between(calendar, today, due.due)
            message = (
                f"检查结果（编号{result_id}）发现问题，应在{due.due.isoformat()}前移送有管辖权的部门，"
                f"还剩{left}个工作日"
            )
            if await _remind(session, result_id, department_id, DUE_SOON, message, due.due, due.provisional):
                report.reminders += 1
    return report


async def _remind(
    session: AsyncSession,
    result_id: int,
    department_id: int,
    kind: str,
    message: str,
    due: date,
    provisional: bool,
) -> bool:
    """Write one reminder of this kind for this result, unless it was written before."""
    exists = await session.scalar(
        select(Reminder.id).where(Reminder.result_id == result_id, Reminder.kind == kind)
    )
    if exists is not None:
        return False
    session.add(
        Reminder(
            kind=kind,
            department_id=department_id,
            result_id=result_id,
            payload={
                "message": message,
                "clock": "transfer",
                "due": due.isoformat(),
                "provisional": provisional,
            },
        )
    )
    await session.flush()
    return True
