"""不宜告知: a task whose drawn list is kept from the public until its inspections end.

Seed 001 art.20(2) and 002 art.13(2): where the inspection or its items must not be announced
(不宜告知), nothing is revealed to the entities beforehand and no notice is given. The draw is still
committed in public (the hashes of the seed, the platform's nonce and the frozen candidates, and
the log's commitment leaf), so it can be verified afterwards; what would name the drawn entities
stays private until every inspection of the task has ended: the list itself, the revealed seed and
nonce (with the public candidate list they recompute it, so the log's reveal leaf waits too) and
the publication of any result.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import tlog
from inspections import audit
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict
from schema.models import Draw, DrawEntry, Inspection, Task


def drawn_list_hidden(task: Task) -> bool:
    """True while the public may not learn which entities the task drew."""
    return task.withhold_drawn_list and task.drawn_list_disclosed_on is None


def require_disclosed(task: Task) -> None:
    """Refuse what would make a drawn entity public (a result's publication) while it is hidden."""
    if drawn_list_hidden(task):
        raise Conflict(
            "该任务不宜告知：检查全部结束、抽查名单公开前，不能公示其检查结果",
            code=Code.DRAWN_LIST_WITHHELD,
        )


async def disclose_when_inspections_end(
    session: AsyncSession, *, task: Task, actor: str, today: date
) -> bool:
    """Once every inspection of a withheld task has ended, make its drawn list public (today).

    Returns whether it did. The draw's reveal (seed, nonce, drawn count) enters the public log
    now, in the same transaction, so the log never announced the list early.
    """
    if not drawn_list_hidden(task):
        return False
    await session.flush()
    still_open = await session.scalar(
        select(func.count())
        .select_from(Inspection)
        .where(Inspection.task_id == task.id, Inspection.ended_on.is_(None))
    )
    if still_open:
        return False
    draw = await session.scalar(select(Draw).where(Draw.task_id == task.id))
    if draw is None or not draw.locked:
        return False
    task.drawn_list_disclosed_on = today
    drawn = await session.scalar(
        select(func.count()).select_from(DrawEntry).where(DrawEntry.draw_id == draw.id)
    )
    await session.flush()
    await tlog.log_draw_revealed(session, draw, int(drawn or 0))
    await audit.record(
        session,
        actor=actor,
        action="task.drawn_list.disclose",
        object_type="Task",
        object_id=task.id,
        after={"disclosedOn": today.isoformat(), "drawn": int(drawn or 0)},
    )
    return True
