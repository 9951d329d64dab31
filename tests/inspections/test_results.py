"""Results: categories, review, publication due dates and corrections (seed 001 art.20-22, 002 art.16-17)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import results
from inspections.errors import Conflict, DomainError, InvalidInput
from schema.enums import ResultStatus
from schema.models import AuditEvent, Inspection, ResultVersion
from tests import factories
from tests.conftest import table_counts
from tests.factories import TEST
from workdays import WorkCalendar


@pytest.mark.parametrize(
    ("codes", "error"),
    [
        ([], "CATEGORY_EMPTY"),
        (["NO_SUCH_THING"], "CATEGORY_UNKNOWN"),
        (
            ["NO_PROBLEM", "ORDERED_TO_CORRECT"],
            "CATEGORY_EXCLUSIVE",
        ),  # "no problem found" excludes others
        (["QUALIFIED", "UNQUALIFIED"], "CATEGORY_CONFLICT"),
        (["DEREGISTERED", "MIGRATED"], "CATEGORY_CONFLICT"),
        (["UNREACHABLE", "UNREACHABLE"], "CATEGORY_DUPLICATE"),
    ],
)
async def test_bad_category_combinations_change_nothing(
    session: AsyncSession, codes: list[str], error: str
) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False)
    inspection = await session.scalar(select(Inspection).where(Inspection.task_id == joint.task.id))
    assert inspection is not None
    before = await table_counts(session)
    with pytest.raises(InvalidInput) as refused:
        await results.enter_result(
            session,
            by=TEST,
            inspection_id=inspection.id,
            department_id=joint.initiating.id,
            item_id=joint.items[0].id,
            category_codes=codes,
            description="",
            calendar=WorkCalendar(),
            publication_working_days=20,
        )
    assert refused.value.code == error and refused.value.message
    assert await table_counts(session) == before


async def test_allowed_combinations(session: AsyncSession) -> None:
    rows = await results.categories_in_force(
        session, ["UNDISCLOSED_INFO", "ORDERED_TO_CORRECT"], date(2021, 11, 1)
    )
    assert [r.label for r in rows] == ["未按规定公示应当公示的信息", "发现问题已责令改正"]
    rows = await results.categories_in_force(session, ["UNQUALIFIED", "PENDING_FOLLOW_UP"], date(2021, 11, 1))
    assert all(r.is_problem for r in rows)


async def test_result_in_someone_elses_part_is_refused(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False)
    inspection = await session.scalar(select(Inspection).where(Inspection.task_id == joint.task.id))
    assert inspection is not None
    with pytest.raises(InvalidInput) as refused:
        await results.enter_result(  # item 0 belongs to the initiating department, not the participant
            session,
            by=TEST,
            inspection_id=inspection.id,
            department_id=joint.participating.id,
            item_id=joint.items[0].id,
            category_codes=["NO_PROBLEM"],
            description="",
            calendar=WorkCalendar(),
            publication_working_days=20,
        )
    assert refused.value.code == "ITEM_NOT_IN_TASK"


async def test_publication_due_is_stored_across_national_day_2024(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False, ended_on=date(2024, 9, 27))
    # 2024 国庆: Oct 1-7 off, make-up Sun Sep 29 and Sat Oct 12 (国办发明电〔2023〕7号).
    # From Fri 2024-09-27: Sep 29 (Sun, make-up) 1, Sep 30 2, Oct 8 3, 9 4, 10 5, 11 6, 12 (Sat, make-up) 7,
    # 14 8, 15 9, 16 10, 17 11, 18 12, 21 13, 22 14, 23 15, 24 16, 25 17, 28 18, 29 19, 30 20.
    assert {r.publication_due for r in joint.results} == {date(2024, 10, 30)}
    assert {r.publication_due_provisional for r in joint.results} == {False}
    assert {r.year for r in joint.results} == {2024}


async def test_review_workflow_and_refusals(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False)
    result = joint.results[0]
    with pytest.raises(Conflict):
        await results.approve_result(session, by=TEST, result_id=result.id, today=date(2021, 12, 1))
    await results.submit_result(session, by=TEST, result_id=result.id)
    with pytest.raises(InvalidInput) as no_reason:
        await results.return_result(session, by=TEST, result_id=result.id, reason="  ")
    assert no_reason.value.code == "REASON_REQUIRED"
    await results.return_result(session, by=TEST, result_id=result.id, reason="缺少当事人签字")
    assert result.status == ResultStatus.RETURNED
    await results.submit_result(session, by=TEST, result_id=result.id)
    await results.approve_result(session, by=TEST, result_id=result.id, today=date(2021, 12, 3))
    assert result.status == ResultStatus.PUBLISHED and result.published_on == date(2021, 12, 3)
    with pytest.raises(Conflict):
        await results.submit_result(session, by=TEST, result_id=result.id)
    actions = list(
        await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "InspectionResult", AuditEvent.object_id == str(result.id))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "result.enter",
        "result.submit",
        "result.return",
        "result.submit",
        "result.approve",
        "result.publish",
    ]


async def test_correction_needs_reason_and_head_and_keeps_every_version(
    session: AsyncSession,
) -> None:
    joint = await factories.joint_task(session, entities=1, categories=("UNREACHABLE",))
    result = joint.results[0]
    before = await table_counts(session)
    for reason, approver, code in (
        ("", "局长", "REASON_REQUIRED"),
        ("录入错误", "", "APPROVER_REQUIRED"),
    ):
        with pytest.raises(DomainError) as refused:
            await results.correct_result(
                session,
                by=TEST,
                result_id=result.id,
                category_codes=["NO_PROBLEM"],
                description="",
                reason=reason,
                approved_by=approver,
                today=date(2021, 12, 20),
            )
        assert refused.value.code == code
    with pytest.raises(InvalidInput):
        await results.correct_result(
            session,
            by=TEST,
            result_id=result.id,
            category_codes=["NO_PROBLEM", "UNREACHABLE"],
            description="",
            reason="录入错误",
            approved_by="局长",
            today=date(2021, 12, 20),
        )
    assert await table_counts(session) == before
    await results.correct_result(
        session,
        by=TEST,
        result_id=result.id,
        category_codes=["NO_PROBLEM"],
        description="复查正常",
        reason="录入错误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    versions = list(
        await session.scalars(
            select(ResultVersion).where(ResultVersion.result_id == result.id).order_by(ResultVersion.version)
        )
    )
    assert [(v.version, v.category_codes, v.change_reason, v.approved_by) for v in versions] == [
        (1, ["UNREACHABLE"], None, "test"),
        (2, ["NO_PROBLEM"], "录入错误", "局长"),
    ]
    unpublished = (await factories.joint_task(session, entities=1, publish=False)).results[0]
    with pytest.raises(Conflict) as refused:
        await results.correct_result(
            session,
            by=TEST,
            result_id=unpublished.id,
            category_codes=["NO_PROBLEM"],
            description="",
            reason="录入错误",
            approved_by="局长",
            today=date(2021, 12, 20),
        )
    assert refused.value.code == "RESULT_NOT_PUBLISHED"


async def test_inspection_dates_are_frozen_once_results_exist(session: AsyncSession) -> None:
    """Due dates were stored from the end date; moving it afterwards would move them silently."""
    from inspections import draws

    joint = await factories.joint_task(session, entities=1, publish=False)
    inspection = await session.scalar(select(Inspection).where(Inspection.task_id == joint.task.id))
    assert inspection is not None
    before = await table_counts(session)
    with pytest.raises(Conflict) as refused:
        await draws.record_inspection_dates(
            session,
            by=TEST,
            inspection_id=inspection.id,
            inspected_on=date(2021, 11, 20),
            ended_on=date(2021, 11, 22),
            today=date(2021, 11, 22),
        )
    assert refused.value.code == "RESULTS_EXIST"
    assert await table_counts(session) == before


async def test_a_result_needs_a_complete_team_unless_formed_without_inspection(session: AsyncSession) -> None:
    """Seed 002 art.13 (two on site), 001 art.17 (a leader); seed 002 art.15 needs no team."""
    joint = await factories.joint_task(
        session, entities=2, publish=False, teams_drawn=False, categories=("NO_PROBLEM", "UNREACHABLE")
    )
    inspected, unreachable = joint.results[0], joint.results[2]
    assert inspected.category_codes == ["NO_PROBLEM"] and unreachable.category_codes == ["UNREACHABLE"]
    before = await table_counts(session)
    with pytest.raises(Conflict) as refused:
        await results.submit_result(session, by=TEST, result_id=inspected.id)
    assert refused.value.code == "TEAM_INCOMPLETE"
    assert refused.value.message == "该检查尚未组成检查组（未抽取执法检查人员），不能上报或公示该结果"
    assert inspected.status == ResultStatus.DRAFT
    assert await table_counts(session) == before
    # 通过登记的住所无法联系 may be formed directly (art.15): no team is asked for.
    await results.submit_result(session, by=TEST, result_id=unreachable.id)
    await results.approve_result(session, by=TEST, result_id=unreachable.id, today=date(2021, 12, 1))
    assert unreachable.status == ResultStatus.PUBLISHED
    # Once the teams are drawn (leader of the initiating department plus one per participant).
    await factories.inspection_teams(session, joint.task.id, joint.initiating, joint.participating)
    await results.submit_result(session, by=TEST, result_id=inspected.id)
    await results.approve_result(session, by=TEST, result_id=inspected.id, today=date(2021, 12, 1))
    assert inspected.status == ResultStatus.PUBLISHED


async def test_publication_refused_for_a_result_sent_for_review_before_teams_were_required(
    session: AsyncSession,
) -> None:
    """A database upgraded with results already under review: approval still asks for the team."""
    joint = await factories.joint_task(session, entities=1, publish=False, teams_drawn=False)
    result = joint.results[0]
    # As an older version left it: under review with no team (the check at submission is new).
    result.status = ResultStatus.UNDER_REVIEW
    await session.flush()
    with pytest.raises(Conflict) as refused:
        await results.approve_result(session, by=TEST, result_id=result.id, today=date(2021, 12, 1))
    assert refused.value.code == "TEAM_INCOMPLETE"
    versions = await session.scalar(select(func.count()).where(ResultVersion.result_id == result.id))
    assert versions == 0
