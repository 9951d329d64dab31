"""The objection state machine (seed 002 art.17); every transition is stored and audited.

filed → received → under review → upheld → corrected → answered
filed → received → under review → maintained → answered
filed | received | under review → withdrawn (by the entity, before a decision)
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

import tlog
from inspections import audit, results
from inspections.access import require_department
from inspections.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inspections.principals import Principal, PrincipalKind, Role
from objections import clocks
from objections.error_codes import ObjectionErrorCode as Code
from objections.storage import EvidenceFile, EvidencePolicy, EvidenceStorage, check
from schema.enums import ObjectionDecision, ObjectionState, ResultStatus
from schema.models import (
    InspectionResult,
    Objection,
    ObjectionEvidence,
    ObjectionTransition,
    ResultVersion,
    Task,
)
from workdays import WorkCalendar, is_past, to_china_date

S = ObjectionState
# Not finished until answered or withdrawn: the answer clock still runs after a decision.
OPEN = (S.FILED, S.RECEIVED, S.UNDER_REVIEW, S.UPHELD, S.MAINTAINED, S.CORRECTED)
ALLOWED = {
    S.RECEIVED: {S.FILED},
    S.UNDER_REVIEW: {S.RECEIVED},
    S.UPHELD: {S.RECEIVED, S.UNDER_REVIEW},
    S.MAINTAINED: {S.RECEIVED, S.UNDER_REVIEW},
    S.CORRECTED: {S.UPHELD},
    S.ANSWERED: {S.MAINTAINED, S.CORRECTED},
    S.WITHDRAWN: {S.FILED, S.RECEIVED, S.UNDER_REVIEW},
}
STATE_LABELS = {
    S.FILED: "已提交",
    S.RECEIVED: "已收到",
    S.UNDER_REVIEW: "复查中",
    S.UPHELD: "确有错误",
    S.MAINTAINED: "维持原结果",
    S.CORRECTED: "已更正",
    S.ANSWERED: "已反馈",
    S.WITHDRAWN: "已撤回",
}


PUBLIC_CORRECTION_REASON = "经异议复查，原检查结果确有错误，予以更正"


def missing() -> NotFound:
    """The answer for an objection that does not exist or that the caller may not know of."""
    return NotFound("未找到该异议", code=Code.OBJECTION_NOT_FOUND)


async def _move(session: AsyncSession, objection: Objection, target: S, *, by: Principal, on: date) -> None:
    if objection.state not in ALLOWED[target]:
        raise Conflict(
            f"异议当前状态为“{STATE_LABELS[objection.state]}”，不能转为“{STATE_LABELS[target]}”",
            code=Code.OBJECTION_STATE,
        )
    before = objection.state
    objection.state = target
    session.add(
        ObjectionTransition(
            objection_id=objection.id, from_state=before.value, to_state=target.value, on=on, actor=by.actor
        )
    )
    try:
        await session.flush()
    except StaleDataError as exc:
        # Another transaction changed this objection first (two reviewers at once): exactly one wins.
        raise Conflict("该异议已被他人处理，请刷新后重试", code=Code.OBJECTION_CONFLICT) from exc
    if before in OPEN and target not in OPEN:  # the public underObjection flag turns off
        await tlog.log_under_objection(session, result_id=objection.result_id, under=False, on=on)
    await audit.record(
        session,
        actor=by.actor,
        action=f"objection.{target.value}",
        object_type="Objection",
        object_id=objection.id,
        before={"state": before.value},
        after={"state": target.value, "on": on.isoformat()},
    )


async def file_objection(
    session: AsyncSession,
    *,
    by: Principal,
    result_id: int,
    grounds: str,
    evidence: list[EvidenceFile],
    idempotency_key: str,
    now: datetime,
    calendar: WorkCalendar,
    storage: EvidenceStorage,
    policy: EvidencePolicy,
) -> Objection:
    """An entity files a written objection to one of its own published results."""
    if by.kind != PrincipalKind.ENTITY or by.entity_id is None:
        raise InvalidInput("只有被检查对象可以对本单位的检查结果提出异议", code=Code.ENTITY_ONLY)
    key = idempotency_key.strip()
    if not 8 <= len(key) <= 128:
        raise InvalidInput(
            "幂等键长度应为8到128个字符",
            code=Code.IDEMPOTENCY_KEY_INVALID,
            field="idempotencyKey",
        )
    earlier = await session.scalar(
        select(Objection).where(Objection.entity_id == by.entity_id, Objection.idempotency_key == key)
    )
    if earlier is not None:
        if earlier.result_id != result_id:
            raise Conflict(
                "该幂等键已用于另一项异议",
                code=Code.IDEMPOTENCY_KEY_REUSED,
                field="idempotencyKey",
            )
        return earlier  # the same submission again: filed once
    result = await session.get(InspectionResult, result_id)
    if result is None or result.entity_id != by.entity_id:
        raise results.result_missing()
    if result.status != ResultStatus.PUBLISHED or result.published_on is None:
        raise Conflict("该检查结果尚未公示，不能提出异议", code=Code.RESULT_NOT_PUBLISHED)
    if not grounds.strip():
        raise InvalidInput("请以书面形式说明异议理由", code=Code.GROUNDS_REQUIRED, field="grounds")
    latest = await session.scalar(
        select(ResultVersion.published_on)
        .where(ResultVersion.result_id == result.id)
        .order_by(ResultVersion.version.desc())
        .limit(1)
    )
    window = clocks.filing_window(calendar, latest or result.published_on)
    # A provisional window is read in the entity's favour: the missing notice could only add a
    # holiday roll-over, so it is refused only once even the longest one would have ended.
    last_day = window.due + timedelta(days=clocks.LONGEST_HOLIDAY_DAYS) if window.provisional else window.due
    if is_past(last_day, now):
        raise Conflict(
            f"已超过异议期限：应自检查结果公示之日起60日内提出（截止{window.due.isoformat()}）",
            code=Code.OBJECTION_WINDOW_CLOSED,
        )
    open_one = await session.scalar(
        select(Objection.id).where(Objection.result_id == result.id, Objection.state.in_(OPEN))
    )
    if open_one is not None:
        raise Conflict("该检查结果已有正在处理的异议", code=Code.OBJECTION_ALREADY_OPEN)
    kinds = check(evidence, policy)
    task = await session.get(Task, result.task_id)
    assert task is not None
    today = to_china_date(now)
    # Filed here, the application has reached the department: Gongshi is the system it receives
    # objections through, and a data message is received when it enters that system (民法典
    # art.137). So the 20-working-day review clock starts on the filing day, whenever the
    # department acknowledges it (seed 002 art.17: 自收到申请材料之日起).
    review = clocks.review_due(calendar, today)
    objection = Objection(
        result_id=result.id,
        entity_id=by.entity_id,
        department_id=task.initiating_department_id,
        state=S.FILED,
        grounds=grounds.strip(),
        idempotency_key=key,
        filed_at=now,
        filed_on=today,
        window_ends=window.due,
        window_provisional=window.provisional,
        received_on=today,
        review_due=review.due,
        review_due_provisional=review.provisional,
    )
    session.add(objection)
    await session.flush()
    for file, kind in zip(evidence, kinds, strict=True):
        session.add(
            ObjectionEvidence(
                objection_id=objection.id,
                filename=file.filename[:200],
                content_type=kind,
                size=len(file.data),
                sha256=hashlib.sha256(file.data).hexdigest(),
                storage_key=storage.put(file.data),
            )
        )
    session.add(
        ObjectionTransition(
            objection_id=objection.id, from_state=None, to_state=S.FILED.value, on=today, actor=by.actor
        )
    )
    await session.flush()
    await tlog.log_under_objection(session, result_id=result.id, under=True, on=today)
    await audit.record(
        session,
        actor=by.actor,
        action="objection.filed",
        object_type="Objection",
        object_id=objection.id,
        after={"resultId": result.id, "evidence": len(evidence), "windowEnds": window.due.isoformat()},
    )
    return objection


async def _own(session: AsyncSession, by: Principal, objection_id: int) -> Objection:
    objection = await session.get(Objection, objection_id)
    if objection is None or by.kind != PrincipalKind.ENTITY or objection.entity_id != by.entity_id:
        raise missing()
    return objection


async def _addressed(session: AsyncSession, by: Principal, objection_id: int, *roles: Role) -> Objection:
    """An objection addressed to the caller's department (the task's initiating department)."""
    objection = await session.get(Objection, objection_id)
    own = (
        require_department(by, Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)
        if by.kind != PrincipalKind.SYSTEM
        else None
    )
    if objection is None or (own is not None and objection.department_id != own):
        if objection is not None and own is not None and await _owns_result(session, objection, own):
            # The owning department sees the objection (its queue, the evidence) but the initiating
            # department receives, reviews and answers it (seed 002 art.17: 向发起部门提交).
            raise PermissionDenied(
                "异议由发起部门签收、复查和反馈；结果所属部门负责更正", code=Code.INITIATING_DEPARTMENT_ONLY
            )
        raise missing()
    require_department(by, *roles)
    return objection


async def _owns_result(session: AsyncSession, objection: Objection, department_id: int) -> bool:
    owner = await session.scalar(
        select(InspectionResult.department_id).where(InspectionResult.id == objection.result_id)
    )
    return owner == department_id


async def withdraw(session: AsyncSession, *, by: Principal, objection_id: int, today: date) -> Objection:
    """The entity withdraws its objection before a decision."""
    objection = await _own(session, by, objection_id)
    await _move(session, objection, S.WITHDRAWN, by=by, on=today)
    objection.withdrawn_on = today
    return objection


def _check_day(day: date, *, after: date, today: date, field: str) -> None:
    if day < after or day > today:
        raise InvalidInput(
            f"日期应在{after.isoformat()}到{today.isoformat()}之间，收到{day.isoformat()}",
            code=Code.DATES_ORDER,
            field=field,
        )


async def receive(
    session: AsyncSession,
    *,
    by: Principal,
    objection_id: int,
    today: date,
    received_on: date | None = None,
) -> Objection:
    """The department acknowledges the application (签收); its review clock has run since filing.

    ``received_on``, if given, must be the filing day: the application was received when it was
    filed (see file_objection), and no later date can restart the 20 working days.
    """
    objection = await _addressed(session, by, objection_id, Role.CLERK, Role.REVIEWER, Role.ADMIN)
    if received_on is not None and received_on != objection.received_on:
        filed = objection.filed_on.isoformat()
        raise InvalidInput(
            f"异议申请于{filed}在本系统提交，即于当日收到，复查期限自该日起算，不能另行登记收到日期"
            f"（收到{received_on.isoformat()}）",
            code=Code.RECEIPT_DATE_FIXED,
            field="receivedOn",
        )
    await _move(session, objection, S.RECEIVED, by=by, on=today)
    return objection


async def start_review(session: AsyncSession, *, by: Principal, objection_id: int, today: date) -> Objection:
    """The review (复查) begins."""
    objection = await _addressed(session, by, objection_id, Role.REVIEWER)
    await _move(session, objection, S.UNDER_REVIEW, by=by, on=today)
    return objection


async def decide(
    session: AsyncSession,
    *,
    by: Principal,
    objection_id: int,
    decision: ObjectionDecision,
    reasons: str,
    decided_on: date,
    today: date,
    calendar: WorkCalendar,
) -> Objection:
    """Decide the review with reasons: upheld starts the correction clock; both start the answer clock."""
    objection = await _addressed(session, by, objection_id, Role.REVIEWER)
    if objection.state not in ALLOWED[S.UPHELD]:
        raise Conflict(
            f"异议当前状态为“{STATE_LABELS[objection.state]}”，不能作出复查结论",
            code=Code.OBJECTION_STATE,
        )
    if not reasons.strip():
        raise InvalidInput("复查结论须说明理由", code=Code.REASONS_REQUIRED, field="reasons")
    _check_day(decided_on, after=objection.received_on or objection.filed_on, today=today, field="decidedOn")
    answer = clocks.answer_due(calendar, decided_on)
    objection.decision, objection.decision_reasons, objection.decided_on = (
        decision,
        reasons.strip(),
        decided_on,
    )
    objection.answer_due, objection.answer_due_provisional = answer.due, answer.provisional
    if decision == ObjectionDecision.UPHELD:
        correction = clocks.correction_due(calendar, decided_on)
        objection.correction_due, objection.correction_due_provisional = (
            correction.due,
            correction.provisional,
        )
    target = S.UPHELD if decision == ObjectionDecision.UPHELD else S.MAINTAINED
    await _move(session, objection, target, by=by, on=decided_on)
    return objection


async def apply_correction(
    session: AsyncSession,
    *,
    by: Principal,
    objection_id: int,
    category_codes: list[str],
    description: str,
    today: date,
) -> Objection:
    """Correct the result through the correction path (the result department's principal head)."""
    objection = await session.get(Objection, objection_id)
    if objection is None:
        raise missing()
    result = await session.get(InspectionResult, objection.result_id)
    assert result is not None
    if by.kind != PrincipalKind.SYSTEM and (
        by.kind != PrincipalKind.DEPARTMENT
        or by.department_id not in {objection.department_id, result.department_id}
    ):
        raise missing()
    if objection.state != S.UPHELD:
        raise Conflict("只有经复查确有错误的异议才能更正结果", code=Code.OBJECTION_STATE)
    version = await results.correct_result(
        session,
        by=by,
        result_id=result.id,
        category_codes=category_codes,
        description=description,
        # Public text: the reviewer's reasons quote the entity's grounds and evidence, which stay private.
        reason=PUBLIC_CORRECTION_REASON,
        today=today,
        approved_by=by.name,  # department heads sign as themselves; correct_result enforces the role
    )
    objection.corrected_on = today
    objection.correction_version_id = version.id
    await _move(session, objection, S.CORRECTED, by=by, on=today)
    return objection


async def answer(
    session: AsyncSession, *, by: Principal, objection_id: int, text: str, today: date
) -> Objection:
    """Send the answer (反馈); it always states the right to reconsideration or litigation."""
    objection = await _addressed(session, by, objection_id, Role.REVIEWER, Role.HEAD)
    if not text.strip():
        raise InvalidInput("反馈内容不能为空", code=Code.ANSWER_REQUIRED, field="text")
    body = text.strip()
    if clocks.REMEDIES not in body:
        body = f"{body}\n{clocks.REMEDIES}"
    objection.answer, objection.answered_on = body, today
    await _move(session, objection, S.ANSWERED, by=by, on=today)
    return objection
