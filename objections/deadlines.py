"""Provisional objection due dates, recomputed once the schedule of their year is loaded."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from objections import clocks
from schema.models import Objection
from workdays import WorkCalendar


async def recompute_provisional(session: AsyncSession, calendar: WorkCalendar) -> int:
    """Recompute every provisional objection clock with ``calendar``; returns how many changed."""
    changed = 0
    rows = await session.scalars(
        select(Objection).where(
            or_(
                Objection.review_due_provisional.is_(True),
                Objection.correction_due_provisional.is_(True),
                Objection.answer_due_provisional.is_(True),
            )
        )
    )
    for objection in rows:
        before = {
            "review": str(objection.review_due),
            "correction": str(objection.correction_due),
            "answer": str(objection.answer_due),
        }
        if objection.review_due_provisional and objection.received_on:
            due = clocks.review_due(calendar, objection.received_on)
            objection.review_due, objection.review_due_provisional = due.due, due.provisional
        if objection.correction_due_provisional and objection.decided_on:
            due = clocks.correction_due(calendar, objection.decided_on)
            objection.correction_due, objection.correction_due_provisional = due.due, due.provisional
        if objection.answer_due_provisional and objection.decided_on:
            due = clocks.answer_due(calendar, objection.decided_on)
            objection.answer_due, objection.answer_due_provisional = due.due, due.provisional
        after = {
            "review": str(objection.review_due),
            "correction": str(objection.correction_due),
            "answer": str(objection.answer_due),
        }
        if after != before or not (
            objection.review_due_provisional
            or objection.correction_due_provisional
            or objection.answer_due_provisional
        ):
            changed += 1
            await audit.record(
                session,
                actor="calendar",
                action="objection.due.recompute",
                object_type="Objection",
                object_id=objection.id,
                before=before,
                after=after,
            )
    await session.flush()
    return changed
