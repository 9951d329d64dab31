"""A department user's objection work list (异议工作清单): what their role is to do next, and by when.

Seed 002 art.17: the initiating department (发起部门) receives the application, reviews it within 20
working days, and answers within 15 working days of its decision; an upheld objection is corrected
within 5 working days by the owning department (the one whose result it is), with its head's
signature (001 art.22). Each entry names the action, the due date of the clock it stops, and the
working days left (negative once late); the objection's ID on it is the one the next mutation takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections.access import require_department
from inspections.error_codes import InspectionErrorCode as InspectionCode
from inspections.errors import PermissionDenied
from inspections.principals import Principal, Role
from schema.enums import ObjectionState
from schema.models import InspectionResult, Objection
from workdays import WorkCalendar, working_days_between

S = ObjectionState
# A department's objections are bounded by its caseload; the cap only guards the response size.
OBJECTION_WORK_LIMIT = 2000


class ObjectionAction(StrEnum):
    """The next step, and the mutation that takes it."""

    RECEIVE = "receive"  # receiveObjection: 签收 (clerk, reviewer, admin of the initiating department)
    REVIEW = "review"  # startObjectionReview, or decideObjection at once (reviewer)
    DECIDE = "decide"  # decideObjection (reviewer)
    CORRECT = "correct"  # applyObjectionCorrection (head of the owning department)
    ANSWER = "answer"  # answerObjection (reviewer or head of the initiating department)


# Which actions each role takes, as the initiating department and as the owning department.
INITIATING_ACTIONS = {
    Role.CLERK: {ObjectionAction.RECEIVE},
    Role.ADMIN: {ObjectionAction.RECEIVE},
    Role.REVIEWER: {
        ObjectionAction.RECEIVE,
        ObjectionAction.REVIEW,
        ObjectionAction.DECIDE,
        ObjectionAction.ANSWER,
    },
    Role.HEAD: {ObjectionAction.ANSWER},
}
OWNING_ACTIONS = {Role.HEAD: {ObjectionAction.CORRECT}}
ACTION_BY_STATE = {
    S.FILED: ObjectionAction.RECEIVE,
    S.RECEIVED: ObjectionAction.REVIEW,
    S.UNDER_REVIEW: ObjectionAction.DECIDE,
    S.UPHELD: ObjectionAction.CORRECT,
    S.MAINTAINED: ObjectionAction.ANSWER,
    S.CORRECTED: ObjectionAction.ANSWER,
}


@dataclass(frozen=True)
class ObjectionWorkEntry:
    """One objection, the caller's next action on it, and the clock that action stops."""

    objection: Objection
    action: ObjectionAction
    due: date | None
    due_provisional: bool
    remaining_working_days: int | None

    @property
    def sort_key(self) -> tuple[date, int]:
        return (self.due or date.max, self.objection.id)


def _clock(objection: Objection, action: ObjectionAction) -> tuple[date | None, bool]:
    if action in (ObjectionAction.RECEIVE, ObjectionAction.REVIEW, ObjectionAction.DECIDE):
        return objection.review_due, objection.review_due_provisional
    if action == ObjectionAction.CORRECT:
        return objection.correction_due, objection.correction_due_provisional
    return objection.answer_due, objection.answer_due_provisional


async def objection_work(
    session: AsyncSession, *, by: Principal, today: date, calendar: WorkCalendar
) -> list[ObjectionWorkEntry]:
    """The objections the caller's role is to act on next, earliest due first."""
    department = require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
    if department is None or by.role is None:
        raise PermissionDenied("系统调用不经由接口", code=InspectionCode.SYSTEM_ONLY)
    initiating = INITIATING_ACTIONS.get(by.role, set())
    owning = OWNING_ACTIONS.get(by.role, set())
    rows = await session.execute(
        select(Objection, InspectionResult.department_id)
        .join(InspectionResult, InspectionResult.id == Objection.result_id)
        .where(
            Objection.state.in_(ACTION_BY_STATE),
            or_(Objection.department_id == department, InspectionResult.department_id == department),
        )
        .order_by(Objection.id)
    )
    entries = []
    for objection, owner in rows:
        action = ACTION_BY_STATE[objection.state]
        mine = (objection.department_id == department and action in initiating) or (
            owner == department and action in owning
        )
        if not mine:
            continue
        due, provisional = _clock(objection, action)
        left = working_days_between(calendar, today, due) if due is not None else None
        entries.append(ObjectionWorkEntry(objection, action, due, provisional, left))
    return sorted(entries, key=lambda e: e.sort_key)[:OBJECTION_WORK_LIMIT]
