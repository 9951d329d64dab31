"""The daily sweep: narrow to objections with a clock due soon or past, re-check each under lock,
mark the late ones and write reminders, before and after each due date.

Run it once a day after midnight China time (``gongshi objections sweep``; see the README for a
cron line). Marking and reminding are idempotent (one reminder per objection and kind), so running
it twice writes nothing new.

Who is reminded (seed 002 art.17, 001 art.22): the review and answer clocks belong to the initiating
department (发起部门), the correction clock to the owning department, whose head corrects its result.
Advance reminders (``remind_before`` working days before a due date, GONGSHI_REMIND_BEFORE_WORKDAYS)
go out once per clock; the overdue reminder once more the day after the due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from objections.queues import REVIEWING, running_clocks
from schema.enums import ObjectionState
from schema.models import InspectionResult, Objection, Reminder
from workdays import WorkCalendar, add_working_days, working_days_between

CLOCK_LABELS = {"review": "复查", "correction": "更正", "answer": "反馈"}
S = ObjectionState


@dataclass
class SweepReport:
    """What one sweep found."""

    examined: int = 0
    marked: int = 0
    reminders: int = 0


def _horizon(calendar: WorkCalendar | None, today: date, remind_before: int) -> date:
    """The last due date an advance reminder is written for today (today itself without one)."""
    if calendar is None or remind_before <= 0:
        return today
    return add_working_days(calendar, today, remind_before).due


async def sweep(
    session: AsyncSession,
    *,
    today: date,
    calendar: WorkCalendar | None = None,
    remind_before: int = 0,
) -> SweepReport:
    """Mark overdue clocks, remind of those due within ``remind_before`` working days and of those
    past; the caller commits. Without a calendar only overdue clocks are reminded."""
    report = SweepReport()
    horizon = _horizon(calendar, today, remind_before)
    # Narrow: only rows with a running clock due by the horizon.
    candidates = list(
        await session.scalars(
            select(Objection.id).where(
                or_(
                    Objection.state.in_(REVIEWING) & (Objection.review_due <= horizon),
                    (Objection.state == S.UPHELD) & (Objection.correction_due <= horizon),
                    Objection.state.in_((S.UPHELD, S.MAINTAINED, S.CORRECTED))
                    & (Objection.answer_due <= horizon),
                )
            )
        )
    )
    for objection_id in candidates:
        report.examined += 1
        # Re-check under lock: the department may have acted since the narrowing query.
        objection = await session.scalar(
            select(Objection).where(Objection.id == objection_id).with_for_update()
        )
        if objection is None:
            continue
        owner = await session.scalar(
            select(InspectionResult.department_id).where(InspectionResult.id == objection.result_id)
        )
        for name, due, provisional in running_clocks(objection):
            department_id = owner if name == "correction" and owner is not None else objection.department_id
            if due < today:
                marked = set(filter(None, objection.overdue_clocks.split(",")))
                if name in marked:
                    continue
                objection.overdue_clocks = ",".join(sorted(marked | {name}))
                message = f"异议（编号{objection.id}）已超过{CLOCK_LABELS[name]}期限（{due.isoformat()}）"
                reminded = await _remind(
                    session,
                    objection,
                    f"objection_{name}_overdue",
                    department_id,
                    message,
                    name,
                    due,
                    provisional,
                )
                await audit.record(
                    session,
                    actor="system:sweep",
                    action="objection.overdue",
                    object_type="Objection",
                    object_id=objection.id,
                    after={"clock": name, "due": due.isoformat()},
                )
                report.marked += 1
                report.reminders += int(reminded)
            elif due <= horizon and calendar is not None and remind_before > 0:
                left = working_days_between(calendar, today, due)
                message = (
                    f"异议（编号{objection.id}）的{CLOCK_LABELS[name]}期限为{due.isoformat()}，"
                    f"还剩{left}个工作日"
                )
                if await _remind(
                    session,
                    objection,
                    f"objection_{name}_due_soon",
                    department_id,
                    message,
                    name,
                    due,
                    provisional,
                ):
                    report.reminders += 1
    return report


async def _remind(
    session: AsyncSession,
    objection: Objection,
    kind: str,
    department_id: int,
    message: str,
    clock: str,
    due: date,
    provisional: bool,
) -> bool:
    """Write one reminder of this kind for this objection, unless it was written before."""
    exists = await session.scalar(
        select(Reminder.id).where(Reminder.objection_id == objection.id, Reminder.kind == kind)
    )
    if exists is not None:
        return False
    session.add(
        Reminder(
            kind=kind,
            department_id=department_id,
            objection_id=objection.id,
            payload={"message": message, "clock": clock, "due": due.isoformat(), "provisional": provisional},
        )
    )
    await session.flush()
    return True
