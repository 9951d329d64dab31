"""Two reviews before publication, and a returned result revised by its team (seed 002 art.16).

"检查结果经发起部门和参与部门审核通过后…向社会公示"; "审核不通过的，退回检查小组重新核实情况并作出检查
结论，再次上报审核". Each department reviews its own part (谁检查、谁录入、谁公开) and the initiating
department reviews the whole task.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import results
from inspections.errors import Conflict, PermissionDenied
from inspections.principals import Role, department_user
from schema.enums import ResultStatus
from schema.models import AuditEvent, InspectionResult, ResultVersion
from tests import factories
from tests.factories import TEST


async def _joint(session: AsyncSession) -> tuple[factories.JointTask, InspectionResult, InspectionResult]:
    joint = await factories.joint_task(session, entities=1, publish=False)
    lead_part, own_part = (
        next(r for r in joint.results if r.department_id == d.id)
        for d in (joint.initiating, joint.participating)
    )
    for result in (lead_part, own_part):
        await results.submit_result(session, by=TEST, result_id=result.id)
    return joint, lead_part, own_part


async def test_a_participating_departments_result_needs_both_reviews(session: AsyncSession) -> None:
    joint, _, own_part = await _joint(session)
    b_reviewer = department_user(joint.participating.id, Role.REVIEWER, "市场监管局审核员")
    a_reviewer = department_user(joint.initiating.id, Role.REVIEWER, "工信局审核员")
    # The initiating department's review alone no longer publishes another department's part.
    await results.approve_result(session, by=a_reviewer, result_id=own_part.id, today=date(2021, 12, 1))
    assert own_part.status == ResultStatus.UNDER_REVIEW and own_part.published_on is None
    assert (own_part.lead_approved_by, own_part.lead_approved_on) == ("工信局审核员", date(2021, 12, 1))
    assert own_part.own_approved_by is None
    with pytest.raises(Conflict) as twice:
        await results.approve_result(session, by=a_reviewer, result_id=own_part.id, today=date(2021, 12, 1))
    assert twice.value.code == "ALREADY_APPROVED"
    # Its own department's review is the second: published that day, approved by the last reviewer.
    await results.approve_result(session, by=b_reviewer, result_id=own_part.id, today=date(2021, 12, 2))
    assert own_part.status == ResultStatus.PUBLISHED and own_part.published_on == date(2021, 12, 2)
    version = await session.scalar(select(ResultVersion).where(ResultVersion.result_id == own_part.id))
    assert version is not None and version.approved_by == "市场监管局审核员"


async def test_either_order_and_the_initiating_departments_own_part_in_one_review(
    session: AsyncSession,
) -> None:
    joint, lead_part, own_part = await _joint(session)
    b_reviewer = department_user(joint.participating.id, Role.REVIEWER, "市场监管局审核员")
    a_reviewer = department_user(joint.initiating.id, Role.REVIEWER, "工信局审核员")
    await results.approve_result(session, by=b_reviewer, result_id=own_part.id, today=date(2021, 12, 1))
    assert own_part.status == ResultStatus.UNDER_REVIEW and own_part.own_approved_by == "市场监管局审核员"
    await results.approve_result(session, by=a_reviewer, result_id=own_part.id, today=date(2021, 12, 1))
    assert own_part.status == ResultStatus.PUBLISHED
    # The initiating department reviews its own part and the whole in one review.
    await results.approve_result(session, by=a_reviewer, result_id=lead_part.id, today=date(2021, 12, 1))
    assert lead_part.status == ResultStatus.PUBLISHED
    assert (lead_part.own_approved_by, lead_part.lead_approved_by) == ("工信局审核员", "工信局审核员")
    # The participating department reviews nothing of the initiating department's part.
    with pytest.raises(PermissionDenied) as not_its_part:
        await results.approve_result(session, by=b_reviewer, result_id=lead_part.id, today=date(2021, 12, 1))
    assert not_its_part.value.code == "OTHER_PART"


async def test_a_returned_result_is_revised_and_reviewed_afresh(session: AsyncSession) -> None:
    joint, _, own_part = await _joint(session)
    a_reviewer = department_user(joint.initiating.id, Role.REVIEWER, "工信局审核员")
    b_reviewer = department_user(joint.participating.id, Role.REVIEWER, "市场监管局审核员")
    b_clerk = department_user(joint.participating.id, Role.CLERK, "市场监管局录入员")
    a_clerk = department_user(joint.initiating.id, Role.CLERK, "工信局录入员")
    await results.approve_result(session, by=b_reviewer, result_id=own_part.id, today=date(2021, 12, 1))
    await results.return_result(session, by=a_reviewer, result_id=own_part.id, reason="未附现场照片")
    assert own_part.status == ResultStatus.RETURNED and own_part.own_approved_by is None
    # Under review or published, it cannot be revised; another department's clerk cannot revise it.
    with pytest.raises(PermissionDenied) as other:
        await results.revise_result(
            session, by=a_clerk, result_id=own_part.id, category_codes=["NO_PROBLEM"], description="x"
        )
    assert other.value.code == "OTHER_PART"
    await results.revise_result(
        session,
        by=b_clerk,
        result_id=own_part.id,
        category_codes=["UNREACHABLE"],
        description="复核：通过登记的住所无法联系",
    )
    assert (own_part.category_codes, own_part.description) == (
        ["UNREACHABLE"],
        "复核：通过登记的住所无法联系",
    )
    await results.submit_result(session, by=b_clerk, result_id=own_part.id)
    with pytest.raises(Conflict) as reviewing:
        await results.revise_result(
            session, by=b_clerk, result_id=own_part.id, category_codes=["NO_PROBLEM"], description="x"
        )
    assert reviewing.value.code == "RESULT_STATE"
    # The review given before the return does not count: both review again.
    await results.approve_result(session, by=a_reviewer, result_id=own_part.id, today=date(2021, 12, 6))
    assert own_part.status == ResultStatus.UNDER_REVIEW
    await results.approve_result(session, by=b_reviewer, result_id=own_part.id, today=date(2021, 12, 6))
    assert own_part.status == ResultStatus.PUBLISHED and own_part.category_codes == ["UNREACHABLE"]
    actions = list(
        await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "InspectionResult", AuditEvent.object_id == str(own_part.id))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "result.enter",
        "result.submit",
        "result.approve",
        "result.return",
        "result.revise",
        "result.submit",
        "result.approve",
        "result.approve",
        "result.publish",
    ]
