"""Stored due dates: recomputed only when the calendar they depend on becomes known."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import audit
from inspections.calendar import load_calendar
from inspections.follow_ups import TRANSFER_WORKING_DAYS
from inspections.publication_deadlines import recompute_task_dues
from schema.models import FollowUp
from workdays import add_working_days


async def recompute_provisional(
    session: AsyncSession, *, publication_working_days: int, builtin_years: Iterable[int] | None = None
) -> int:
    """Recompute provisional publication and transfer due dates with the calendar now loaded.

    Publication dates follow each task's rule in force (inspections/publication_deadlines.py).

    Returns how many became exact or moved.
    """
    calendar = await load_calendar(session, builtin_years=builtin_years)
    changed = await recompute_task_dues(
        session,
        task_ids=[],
        calendar=calendar,
        server_working_days=publication_working_days,
        actor="calendar",
        provisional_only=True,
    )
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
