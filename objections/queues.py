"""What each party sees of objections: the entity its own, the department its queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections.access import require_department
from inspections.errors import InvalidInput, PermissionDenied
from inspections.principals import Principal, PrincipalKind, Role
from objections.error_codes import ObjectionErrorCode as Code
from objections.workflow import OPEN
from schema.enums import ObjectionState
from schema.models import InspectionResult, Objection
from workdays import WorkCalendar, working_days_between

# The review clock runs from filing (the application's receipt) until a decision.
REVIEWING = (ObjectionState.FILED, ObjectionState.RECEIVED, ObjectionState.UNDER_REVIEW)
# A department's queue is bounded by its own caseload; the cap only guards the response size.
QUEUE_LIMIT = 500


def running_clock(objection: Objection) -> tuple[str, date, bool] | None:
    """The clock that runs now: (name, due date, provisional), or None once answered or withdrawn."""
    if objection.state in REVIEWING and objection.review_due:
        return "review", objection.review_due, objection.review_due_provisional
    if objection.state == ObjectionState.UPHELD and objection.correction_due:
        return "correction", objection.correction_due, objection.correction_due_provisional
    if objection.state in (ObjectionState.MAINTAINED, ObjectionState.CORRECTED) and objection.answer_due:
        return "answer", objection.answer_due, objection.answer_due_provisional
    return None


def running_clocks(objection: Objection) -> list[tuple[str, date, bool]]:
    """Every clock that runs now. While UPHELD both run: the owning department's correction (5
    working days) and the initiating department's answer (15 working days from the same decision)."""
    clocks = []
    if objection.state in REVIEWING and objection.review_due:
        clocks.append(("review", objection.review_due, objection.review_due_provisional))
    if objection.state == ObjectionState.UPHELD and objection.correction_due:
        clocks.append(("correction", objection.correction_due, objection.correction_due_provisional))
    if (
        objection.state in (ObjectionState.UPHELD, ObjectionState.MAINTAINED, ObjectionState.CORRECTED)
        and objection.answer_due
    ):
        clocks.append(("answer", objection.answer_due, objection.answer_due_provisional))
    return clocks


@dataclass(frozen=True)
class QueueEntry:
    """An objection in a department's queue, with the working days its running clock has left."""

    objection: Objection
    clock: str | None
    due: date | None
    remaining_working_days: int | None
    # The caller's part: the initiating department receives, reviews and answers; the owning
    # department (whose result is under objection) corrects. For a department's own task, both.
    initiating: bool = True
    owning: bool = True


async def entity_objections(session: AsyncSession, *, by: Principal) -> Sequence[Objection]:
    """Every objection the calling entity filed, newest first."""
    if by.kind != PrincipalKind.ENTITY or by.entity_id is None:
        raise PermissionDenied("仅限被检查对象查看本单位的异议", code=Code.ENTITY_ONLY)
    return (
        await session.scalars(
            select(Objection)
            .where(Objection.entity_id == by.entity_id)
            .order_by(Objection.id.desc())
            .limit(200)
        )
    ).all()


async def department_queue(
    session: AsyncSession,
    *,
    by: Principal,
    today: date,
    calendar: WorkCalendar,
    state: ObjectionState | None = None,
    due_within: int | None = None,
    overdue: bool = False,
) -> list[QueueEntry]:
    """The caller's department's objections, by state, due within N working days, or overdue.

    Both the initiating department (to which the objection is addressed) and the owning department
    (whose result is under objection, and whose head corrects it: 001 art.22, 002 art.17) see it.
    """
    own = require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    if due_within is not None and not 0 <= due_within <= 60:
        raise InvalidInput(
            "dueWithin 应在0到60个工作日之间",
            code=Code.DUE_WITHIN_OUT_OF_RANGE,
            field="dueWithin",
        )
    stmt = (
        select(Objection, InspectionResult.department_id)
        .join(InspectionResult, InspectionResult.id == Objection.result_id)
        .order_by(Objection.id)
    )
    if own is not None:
        # Addressed to it (发起部门), or about its result (the owning department corrects it).
        stmt = stmt.where(or_(Objection.department_id == own, InspectionResult.department_id == own))
    if state is not None:
        stmt = stmt.where(Objection.state == state)
    else:
        stmt = stmt.where(Objection.state.in_((*OPEN, ObjectionState.MAINTAINED, ObjectionState.CORRECTED)))
    entries = []
    for objection, owner in (await session.execute(stmt)).all():
        clock = running_clock(objection)
        left = working_days_between(calendar, today, clock[1]) if clock else None
        # Late is a matter of dates: over a holiday week the working days left stay 0 while the
        # due date is already past.
        if overdue and (clock is None or clock[1] >= today):
            continue
        if due_within is not None and (left is None or left > due_within):
            continue
        entries.append(
            QueueEntry(
                objection,
                clock[0] if clock else None,
                clock[1] if clock else None,
                left,
                initiating=own is None or objection.department_id == own,
                owning=own is None or owner == own,
            )
        )
    return sorted(entries, key=lambda e: (e.due or date.max, e.objection.id))[:QUEUE_LIMIT]


async def open_objection_ids(session: AsyncSession, result_ids: Sequence[int]) -> set[int]:
    """Which of these results have an objection under way (public: no grounds, no names)."""
    rows = await session.scalars(
        select(Objection.result_id).where(Objection.result_id.in_(result_ids), Objection.state.in_(OPEN))
    )
    return set(rows)
