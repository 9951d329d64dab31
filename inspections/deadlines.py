"""Stored due dates: recomputed only when the calendar they depend on becomes known."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.calendar import load_calendar
from inspections.follow_ups import TRANSFER_WORKING_DAYS
from schema.models import FollowUp, Inspection, InspectionResult
from workdays import add_working_days


async def recompute_provisional(
    session: AsyncSession, *, publication_working_days: int, builtin_years: Iterable[int] | None = None
) -> int:
    """Recompute provisional publication and transfer due dates with the calendar now loaded.

    Returns how many became exact or moved.
    """
    calendar = await load_calendar(session, builtin_years=builtin_years)
    rows = await session.execute(
        select(InspectionResult, Inspection.ended_on)
        .join(Inspection, Inspection.id == InspectionResult.inspection_id)
        .where(InspectionResult.publication_due_provisional.is_(True))
    )
    changed = 0
    for result, ended_on in rows:
        if ended_on is None:
            continue
        due = add_working_days(calendar, ended_on, publication_working_days)
        if due.due != result.publication_due or due.provisional != result.publication_due_provisional:
            await audit.record(
                session,
                actor="calendar",
                action="result.due.recompute",
                object_type="InspectionResult",
                object_id=result.id,
                before={"publicationDue": str(result.publication_due), "provisional": True},
                after={"publicationDue": due.due.isoformat(), "provisional": due.provisional},
            )
            result.publication_due = due.due
            result.publication_due_provisional = due.provisional
            changed += 1
    for follow_up in await session.scalars(
        select(FollowUp).where(FollowUp.transfer_due_provisional.is_(True))
    ):
        due = add_working_days(calendar, follow_up.formed_on, TRANSFER_WORKING_DAYS)
        if due.due != follow_up.transfer_due or due.provisional:
            await audit.record(
                session,
                actor="calendar",
                action="follow_up.due.recompute",
                object_type="FollowUp",
                object_id=follow_up.id,
                before={"transferDue": follow_up.transfer_due.isoformat(), "provisional": True},
                after={"transferDue": due.due.isoformat(), "provisional": due.provisional},
            )
        follow_up.transfer_due, follow_up.transfer_due_provisional = due.due, due.provisional
        changed += 1 if not due.provisional else 0
    await session.flush()
    return changed
