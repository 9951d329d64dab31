"""The reminders outbox (提醒) to a webhook: `gongshi reminders send`.

The daily sweep (objections/sweep.py) writes one reminder per late objection clock, in its own
transaction; this sends each unsent one as a JSON POST to ``GONGSHI_REMINDER_WEBHOOK`` (a
department messaging gateway, an OA system) and marks it sent once the receiver accepts it (any
2xx). Delivery is at least once: a reminder is marked after its POST, so a crash in between sends
it again, with the same ``Idempotency-Key`` header for the receiver to drop the repeat.

A refusal (4xx) is recorded on that reminder and the others still go; an unreachable receiver
or a server error (5xx) stops the run, recorded on the reminder it hit, and everything unsent
waits for the next run. Nothing is lost while the receiver is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.graphql.core.ids import gid
from schema.base import utcnow
from schema.models import Department, Reminder

# Per POST: a receiver that has not answered by then is treated as down.
TIMEOUT_SECONDS = 10.0


@dataclass
class SendReport:
    """What one run did."""

    sent: int = 0
    refused: int = 0
    # Why the run stopped before the end (unreachable receiver, server error), if it did.
    stopped: str | None = None


def reminder_body(reminder: Reminder, department: Department) -> dict[str, Any]:
    """The JSON a receiver gets: what is late, whose queue it is in, and by when it was due.

    Department-facing only: the message names the objection by number, never the entity, its
    grounds or its evidence.
    """
    payload = reminder.payload
    return {
        "id": reminder.id,
        "kind": reminder.kind,
        "createdAt": reminder.created_at.isoformat(),
        "department": {
            "id": str(gid("Department", department.id)),
            "code": department.code,
            "name": department.name,
        },
        "objectionId": str(gid("Objection", reminder.objection_id)) if reminder.objection_id else None,
        # A transfer clock's result, by the ID recordTransfer takes.
        "resultId": str(gid("InspectionResult", reminder.result_id)) if reminder.result_id else None,
        # A dispatched inspection's matching clock, by the ID matchInspectors takes.
        "inspectionId": str(gid("Inspection", reminder.inspection_id)) if reminder.inspection_id else None,
        "message": payload.get("message"),
        "clock": payload.get("clock"),
        "due": payload.get("due"),
        "dueProvisional": payload.get("provisional"),
    }


async def send_reminders(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, url: str, *, limit: int = 500
) -> SendReport:
    """Send up to ``limit`` unsent reminders, oldest first; each is marked in its own transaction."""
    async with sessions() as session:
        rows = (
            await session.execute(
                sa.select(Reminder, Department)
                .join(Department, Department.id == Reminder.department_id)
                .where(Reminder.sent_at.is_(None))
                .order_by(Reminder.id)
                .limit(limit)
            )
        ).all()
        bodies = [(reminder.id, reminder_body(reminder, department)) for reminder, department in rows]
    report = SendReport()
    for reminder_id, body in bodies:
        error: str | None = None
        stop = False
        try:
            response = await client.post(
                url,
                json=body,
                headers={"Idempotency-Key": f"gongshi-reminder-{reminder_id}"},
                timeout=TIMEOUT_SECONDS,
            )
            if not response.is_success:
                error = f"HTTP {response.status_code}"
                stop = response.status_code >= 500
        except httpx.HTTPError as exc:
            error, stop = f"{type(exc).__name__}: {exc}", True
        async with sessions() as session, session.begin():
            reminder = await session.get(Reminder, reminder_id, with_for_update=True)
            if reminder is None or reminder.sent_at is not None:
                continue  # sent by another run meanwhile
            if error is None:
                reminder.sent_at = utcnow()
                report.sent += 1
            else:
                reminder.attempts += 1
                reminder.last_error = error[:200]
        if error is not None and stop:
            report.stopped = error
            break
        if error is not None:
            report.refused += 1
    return report
