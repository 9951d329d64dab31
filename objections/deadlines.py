"""Provisional objection due dates, recomputed once the schedule of their year is loaded.

Every stored date of an objection counts: the 60-day filing window (``window_ends``, a calendar-day
period that rolls over a rest day, so it moves with the holiday schedule too) and the review,
correction and answer clocks (seed 002 art.17; DOMAIN.md "Counting days").
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from objections import clocks
from schema.models import InspectionResult, Objection, ResultVersion
from workdays import WorkCalendar


async def recompute_provisional(session: AsyncSession, calendar: WorkCalendar) -> int:
    """Recompute every provisional objection clock with ``calendar``; returns how many changed."""
    changed = 0
    rows = await session.scalars(
        select(Objection).where(
            or_(
                Objection.window_provisional.is_(True),
                Objection.review_due_provisional.is_(True),
                Objection.correction_due_provisional.is_(True),
                Objection.answer_due_provisional.is_(True),
            )
        )
    )
    for objection in rows:
        before = {
            "window": str(objection.window_ends),
            "review": str(objection.review_due),
            "correction": str(objection.correction_due),
            "answer": str(objection.answer_due),
        }
        if objection.window_provisional:
            window = clocks.filing_window(calendar, await _published_before(session, objection))
            objection.window_ends, objection.window_provisional = window.due, window.provisional
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
            "window": str(objection.window_ends),
            "review": str(objection.review_due),
            "correction": str(objection.correction_due),
            "answer": str(objection.answer_due),
        }
        if after != before or not (
            objection.window_provisional
            or objection.review_due_provisional
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


async def _published_before(session: AsyncSession, objection: Objection) -> date:
    """The publication day the filing window ran from: the latest version published by the filing
    day (a correction republishes; file_objection counts from the newest version)."""
    latest = await session.scalar(
        select(func.max(ResultVersion.published_on)).where(
            ResultVersion.result_id == objection.result_id, ResultVersion.published_on <= objection.filed_on
        )
    )
    if latest is not None:
        return latest
    published = await session.scalar(
        select(InspectionResult.published_on).where(InspectionResult.id == objection.result_id)
    )
    assert published is not None  # an objection is filed only against a published result
    return published
