"""Inspection teams (seed 001 art.16-17, 002 art.10, 13) and follow-up transfers (seed 001 art.20(3))."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import directory, follow_ups, teams
from inspections.errors import Conflict, InvalidInput
from schema.enums import TeamRole
from schema.models import Inspection, TeamMember
from tests import factories
from tests.conftest import table_counts
from tests.factories import CALENDAR, TEST


async def _inspectors(session: AsyncSession, department_id: int, prefix: str, n: int) -> list[int]:
    made = []
    for k in range(n):
        inspector = await directory.register_inspector(
            session,
            by=TEST,
            department_id=department_id,
            badge_number=f"{prefix}-{department_id}-{k}",
            name=f"{prefix}{k}",
        )
        made.append(inspector.id)
    return made


async def test_teams_have_a_leader_from_the_initiator_and_respect_recusal(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=3, publish=False, teams_drawn=False)
    a_ids = await _inspectors(session, joint.initiating.id, "A", 2)
    b_ids = await _inspectors(session, joint.participating.id, "B", 2)
    entity = joint.entities[0]
    # Both of A's inspectors but one must recuse from entity 0: the other must lead its team.
    await teams.add_recusal(session, by=TEST, inspector_id=a_ids[0], entity_id=entity.id, reason="近亲属任职")
    members = await teams.draw_inspectors(session, by=TEST, task_id=joint.task.id, seed="team-seed")
    inspections = {
        i.id: i.entity_id
        for i in await session.scalars(select(Inspection).where(Inspection.task_id == joint.task.id))
    }
    by_inspection: dict[int, list[TeamMember]] = {}
    for member in members:
        by_inspection.setdefault(member.inspection_id, []).append(member)
    assert len(by_inspection) == 3
    for inspection_id, team in by_inspection.items():
        leaders = [m for m in team if m.role == TeamRole.LEADER]
        assert len(leaders) == 1 and leaders[0].department_id == joint.initiating.id
        assert len(team) >= 2 and {m.department_id for m in team} == {
            joint.initiating.id,
            joint.participating.id,
        }
        if inspections[inspection_id] == entity.id:
            assert leaders[0].inspector_id == a_ids[1]
        assert all(m.inspector_id in a_ids + b_ids for m in team)
    with pytest.raises(Conflict) as again:
        await teams.draw_inspectors(session, by=TEST, task_id=joint.task.id)
    assert again.value.code == "TEAMS_DRAWN"


async def test_not_enough_inspectors_writes_nothing(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=2, publish=False, teams_drawn=False)
    only = await _inspectors(session, joint.initiating.id, "A", 1)
    await _inspectors(session, joint.participating.id, "B", 1)
    await teams.add_recusal(
        session, by=TEST, inspector_id=only[0], entity_id=joint.entities[1].id, reason="利害关系"
    )
    before = await table_counts(session)
    with pytest.raises(Conflict) as refused:
        await teams.draw_inspectors(session, by=TEST, task_id=joint.task.id, seed="s")
    assert refused.value.code == "NOT_ENOUGH_INSPECTORS" and "回避" in refused.value.message
    assert await table_counts(session) == before


async def test_replacement_by_appointment_with_reason_and_approver(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False, teams_drawn=False)
    await _inspectors(session, joint.initiating.id, "A", 1)
    b_ids = await _inspectors(session, joint.participating.id, "B", 3)
    members = await teams.draw_inspectors(session, by=TEST, task_id=joint.task.id, seed="s2")
    member = next(m for m in members if m.department_id == joint.participating.id)
    spare = next(i for i in b_ids if i != member.inspector_id)
    for replacement, approver, code in (
        (spare, "", "APPROVER_REQUIRED"),
        (member.inspector_id, "副局长", "REPLACEMENT_INVALID"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await teams.replace_inspector(
                session,
                by=TEST,
                team_member_id=member.id,
                replacement_inspector_id=replacement,
                reason=teams.ReplacementReason.HEALTH,
                approved_by=approver,
            )
        assert refused.value.code == code
    new = await teams.replace_inspector(
        session,
        by=TEST,
        team_member_id=member.id,
        replacement_inspector_id=spare,
        reason=teams.ReplacementReason.RECUSAL,
        approved_by="分管副局长",
    )
    assert (member.replaced_by_id, member.replacement_reason, member.replacement_approved_by) == (
        new.id,
        "recusal",
        "分管副局长",
    )
    assert new.role == member.role and new.department_id == joint.participating.id
    with pytest.raises(Conflict):
        await teams.replace_inspector(
            session,
            by=TEST,
            team_member_id=member.id,
            replacement_inspector_id=spare,
            reason=teams.ReplacementReason.HEALTH,
            approved_by="分管副局长",
        )


async def test_transfer_due_in_seven_working_days_across_spring_festival_2025(session: AsyncSession) -> None:
    joint = await factories.joint_task(
        session, entities=1, categories=("PENDING_FOLLOW_UP",), ended_on=date(2025, 1, 24)
    )
    result = joint.results[0]
    # Ended Fri 2025-01-24. 春节 2025: Jan 28-Feb 4 off, make-up Sun Jan 26 and Sat Feb 8 (国办发明电〔2024〕12号).
    # Sun Jan 26 (make-up) 1, Mon 27 2, Wed Feb 5 3, Thu 6 4, Fri 7 5, Sat 8 (make-up) 6, Mon 10 7.
    follow_up = await follow_ups.record_transfer(
        session,
        by=TEST,
        result_id=result.id,
        authority="姚安县公安局",
        transferred_on=date(2025, 2, 11),
        today=date(2025, 2, 12),
        calendar=CALENDAR,
    )
    assert (follow_up.transfer_due, follow_up.transfer_due_provisional) == (date(2025, 2, 10), False)
    assert (
        follow_up.transferred_on is not None and follow_up.transferred_on > follow_up.transfer_due
    )  # one day late
    with pytest.raises(InvalidInput) as early:
        await follow_ups.record_outcome(
            session,
            by=TEST,
            follow_up_id=follow_up.id,
            outcome="已立案",
            on=date(2025, 2, 1),
            today=date(2025, 3, 1),
        )
    assert early.value.code == "DATES_ORDER"
    done = await follow_ups.record_outcome(
        session,
        by=TEST,
        follow_up_id=follow_up.id,
        outcome="已立案查处",
        on=date(2025, 2, 20),
        today=date(2025, 3, 1),
    )
    assert done.outcome == "已立案查处"
    clean = (await factories.joint_task(session, entities=1, categories=("NO_PROBLEM",))).results[0]
    with pytest.raises(Conflict) as nothing:
        await follow_ups.record_transfer(
            session,
            by=TEST,
            result_id=clean.id,
            authority="x",
            transferred_on=date(2021, 11, 20),
            today=date(2021, 12, 1),
            calendar=CALENDAR,
        )
    assert nothing.value.code == "NOTHING_TO_TRANSFER"


async def test_transfer_due_into_an_unloaded_year_is_recomputed(session: AsyncSession) -> None:
    from inspections.calendar import store_schedule
    from inspections.deadlines import recompute_provisional
    from workdays import WorkCalendar, YearSchedule

    known = WorkCalendar(builtin_years=range(2004, 2027))
    joint = await factories.joint_task(
        session, entities=1, categories=("PENDING_FOLLOW_UP",), ended_on=date(2026, 12, 24)
    )
    follow_up = await follow_ups.record_transfer(
        session,
        by=TEST,
        result_id=joint.results[0].id,
        authority="姚安县公安局",
        transferred_on=date(2026, 12, 28),
        today=date(2026, 12, 28),
        calendar=known,
    )
    # Ended Thu 2026-12-24: Dec 25 1, 28-31 5, then 2027 unknown (weekdays): Fri Jan 1 6, Mon Jan 4 7.
    assert (follow_up.transfer_due, follow_up.transfer_due_provisional) == (date(2027, 1, 4), True)
    # A 2027 schedule (made up for the test: Jan 1-3 off) makes it Tue Jan 5, exact.
    made_up = YearSchedule(
        2027, frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}), frozenset(), "测试用"
    )
    await store_schedule(session, by=TEST, schedule=made_up)
    await recompute_provisional(session, publication_working_days=20, builtin_years=range(2004, 2027))
    assert (follow_up.transfer_due, follow_up.transfer_due_provisional) == (date(2027, 1, 5), False)
