"""The daily sweep: narrow to objections past a due date, re-check each under lock, mark and remind.

Run it once a day after midnight China time (``gongshi objections sweep``; see the README for a
cron line). Marking is idempotent, so running it twice writes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from objections.queues import REVIEWING, running_clock
from schema.enums import ObjectionState
from schema.models import Objection, Reminder

CLOCK_LABELS = {"review": "复查", "correction": "更正", "answer": "反馈"}


@dataclass
class SweepReport:
    """What one sweep found."""

    examined: int = 0
    marked: int = 0
    reminders: int = 0


async def sweep(session: AsyncSession, *, today: date) -> SweepReport:
    """Mark overdue objections and write a reminder per newly overdue clock; the caller commits."""
    report = SweepReport()
    # Narrow: only rows with a due date already past, and not yet marked for that clock.
    candidates = list(
        await session.scalars(
            select(Objection.id).where(
                or_(
                    Objection.state.in_(REVIEWING) & (Objection.review_due < today),
                    (Objection.state == ObjectionState.UPHELD) & (Objection.correction_due < today),
                    (Objection.state.in_((ObjectionState.MAINTAINED, ObjectionState.CORRECTED)))
                    & (Objection.answer_due < today),
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
        clock = running_clock(objection)
        if clock is None or clock[1] >= today:
            continue
        name, due, provisional = clock
        marked = set(filter(None, objection.overdue_clocks.split(",")))
        if name in marked:
            continue
        objection.overdue_clocks = ",".join(sorted(marked | {name}))
        session.add(
            Reminder(
                kind=f"objection_{name}_overdue",
                department_id=objection.department_id,
                objection_id=objection.id,
                payload={
                    "message": (
                        f"异议（编号{objection.id}）已超过{CLOCK_LABELS[name]}期限（{due.isoformat()}）"
                    ),
                    "clock": name,
                    "due": due.isoformat(),
                    "provisional": provisional,
                },
            )
        )
        await session.flush()
        await audit.record(
            session,
            actor="system:sweep",
            action="objection.overdue",
            object_type="Objection",
            object_id=objection.id,
            after={"clock": name, "due": due.isoformat()},
        )
        report.marked += 1
        report.reminders += 1
    return report
