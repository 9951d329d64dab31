"""Rules the seeds state for dates, plans, categories and the directory (issue 14, points 6 and 9).

Seed 001 art.11 and 004 三(一): the directory is kept current; seed 001 art.7: an annual plan covers
its year; seed 001 art.12: a task has its inspection period; seed 002 art.15: results formed without
inspection.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import directory, draws, items, plans, results, teams
from inspections.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from inspections.principals import Role, department_user, entity_user
from schema.enums import DepartmentLevel, EntityStatus, InspectionMethod, ResultStatus, TaskStatus
from schema.models import AuditEvent, EntityStatusChange, Inspection
from tests import factories
from tests.conftest import table_counts
from tests.factories import CALENDAR, TEST


async def test_inspection_dates_within_the_task_period_and_not_in_the_future(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False, teams_drawn=False)
    # The factory's task runs from 15 days before to 14 days after the end of its inspections.
    assert (joint.task.period_start, joint.task.period_end) == (date(2021, 11, 1), date(2021, 11, 30))
    # A second inspection of the same task, without results yet, so its dates may still be set.
    task = joint.task
    inspection = Inspection(task_id=task.id, entity_id=(await factories.entity(session, "姚安县新店")).id)
    session.add(inspection)
    await session.flush()
    cases = [  # inspected, ended, the server's today, refusal, field
        (date(2021, 10, 31), date(2021, 11, 2), date(2021, 12, 1), "OUTSIDE_TASK_PERIOD", "inspectedOn"),
        (date(2021, 11, 29), date(2021, 12, 1), date(2021, 12, 2), "OUTSIDE_TASK_PERIOD", "endedOn"),
        (date(2021, 11, 20), date(2021, 11, 21), date(2021, 11, 20), "DATE_IN_FUTURE", "endedOn"),
        (date(2021, 11, 22), date(2021, 11, 22), date(2021, 11, 21), "DATE_IN_FUTURE", "inspectedOn"),
    ]
    for inspected_on, ended_on, today, code, field in cases:
        before = await table_counts(session)
        with pytest.raises(InvalidInput) as refused:
            await draws.record_inspection_dates(
                session,
                by=TEST,
                inspection_id=inspection.id,
                inspected_on=inspected_on,
                ended_on=ended_on,
                today=today,
            )
        assert (refused.value.code, refused.value.field) == (code, field), (inspected_on, ended_on, today)
        assert refused.value.message
        assert await table_counts(session) == before
    # The period's first and last days are inside it.
    await draws.record_inspection_dates(
        session,
        by=TEST,
        inspection_id=inspection.id,
        inspected_on=date(2021, 11, 1),
        ended_on=date(2021, 11, 30),
        today=date(2021, 11, 30),
    )
    assert (inspection.inspected_on, inspection.ended_on) == (date(2021, 11, 1), date(2021, 11, 30))


async def test_a_task_moves_from_drawn_to_in_progress_to_completed(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=2, publish=False)
    # Recording the first inspection started the task; every result is still a draft.
    assert joint.task.status == TaskStatus.IN_PROGRESS
    for result in joint.results[:-1]:
        await results.submit_result(session, by=TEST, result_id=result.id)
        await results.approve_result(session, by=TEST, result_id=result.id, today=date(2021, 12, 1))
        assert joint.task.status == TaskStatus.IN_PROGRESS
    last = joint.results[-1]
    await results.submit_result(session, by=TEST, result_id=last.id)
    await results.approve_result(session, by=TEST, result_id=last.id, today=date(2021, 12, 2))
    assert last.status == ResultStatus.PUBLISHED
    assert joint.task.status == TaskStatus.COMPLETED


async def test_a_task_is_completed_only_when_every_departments_part_is_published(
    session: AsyncSession,
) -> None:
    """Issue 14 defect 4(a): one published result per inspection is not the whole task.

    Seed 002 art.16 (谁检查、谁录入、谁公开): the participating department's item on each
    inspection is its part; until it publishes its own results the task is still in progress.
    """
    joint = await factories.joint_task(session, entities=2, publish=False)
    item_a, item_b = joint.items
    # The participating department has not entered its results yet: drop its two drafts.
    theirs = [r for r in joint.results if r.item_id == item_b.id]
    assert len(theirs) == 2 and all(r.department_id == joint.participating.id for r in theirs)
    inspection_ids = [r.inspection_id for r in theirs]
    for result in theirs:
        await session.delete(result)
    await session.flush()
    for result in [r for r in joint.results if r.item_id == item_a.id]:
        await results.submit_result(session, by=TEST, result_id=result.id)
        await results.approve_result(session, by=TEST, result_id=result.id, today=date(2021, 12, 1))
        assert result.status == ResultStatus.PUBLISHED
    # Every inspection has a published result, every result is published: still not complete.
    assert joint.task.status == TaskStatus.IN_PROGRESS
    for n, inspection_id in enumerate(inspection_ids):
        entered = await results.enter_result(
            session,
            by=TEST,
            inspection_id=inspection_id,
            department_id=joint.participating.id,
            item_id=item_b.id,
            category_codes=["NO_PROBLEM"],
            description="合同行为检查情况",
            calendar=CALENDAR,
            publication_working_days=20,
        )
        await results.submit_result(session, by=TEST, result_id=entered.id)
        await results.approve_result(session, by=TEST, result_id=entered.id, today=date(2021, 12, 2))
        expected = TaskStatus.COMPLETED if n == 1 else TaskStatus.IN_PROGRESS
        assert joint.task.status == expected


async def test_a_task_is_not_filed_under_another_years_plan(session: AsyncSession) -> None:
    department = await factories.department(session, "姚安县市场监督管理局")
    item = await items.create_item_version(
        session,
        by=TEST,
        department_id=department.id,
        code="PY-01",
        name="登记事项检查",
        category="登记注册",
        legal_basis="《市场主体登记管理条例》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    plan = await plans.create_plan(
        session, by=TEST, department_id=department.id, year=2027, title="2027年度计划"
    )
    spec: dict[str, Any] = {
        "by": TEST,
        "name": "2026年度登记事项抽查",
        "initiating_department_id": department.id,
        "participating_department_ids": [],
        "items": [plans.TaskItemSpec(item.id, department.id)],
        "strata": [plans.StratumSpec("全部", 10000)],
        "level": DepartmentLevel.COUNTY,
        "method": InspectionMethod.ON_SITE,
        "region_code": "532325",
        "plan_id": plan.id,
    }
    before = await table_counts(session)
    for start, end in ((date(2026, 11, 1), date(2026, 11, 30)), (date(2027, 12, 1), date(2028, 1, 15))):
        with pytest.raises(InvalidInput) as refused:
            await plans.create_task(session, period_start=start, period_end=end, **spec)
        assert (refused.value.code, refused.value.field) == ("PLAN_YEAR_MISMATCH", "planId")
        assert await table_counts(session) == before
    task = await plans.create_task(
        session, period_start=date(2027, 3, 1), period_end=date(2027, 3, 31), **spec
    )
    assert task.plan_id == plan.id and task.year == 2027


async def test_a_result_formed_without_inspection_carries_no_findings(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False)
    inspection = await session.scalar(select(Inspection).where(Inspection.task_id == joint.task.id))
    assert inspection is not None
    with pytest.raises(InvalidInput) as refused:
        await results.categories_in_force(session, ["UNREACHABLE", "ORDERED_TO_CORRECT"], date(2021, 11, 16))
    assert refused.value.code == "CATEGORY_WITHOUT_INSPECTION"
    assert refused.value.message == (
        "“通过登记的住所（经营场所）无法联系”是未经检查直接形成的结果，不能与检查发现“发现问题已责令改正”同时选择"
    )
    # Two facts formed without inspection may stand together (无法联系 and 不配合 are both art.15).
    rows = await results.categories_in_force(session, ["UNREACHABLE", "OBSTRUCTED"], date(2021, 11, 16))
    assert [row.code for row in rows] == ["UNREACHABLE", "OBSTRUCTED"]


async def test_deregistered_only_for_an_entity_the_directory_records_so(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False)
    entity = joint.entities[0]
    inspection = await session.scalar(select(Inspection).where(Inspection.task_id == joint.task.id))
    assert inspection is not None
    # A second item is needed: each item has one result per inspection, and the factory entered both.
    first = joint.results[0]

    async def enter_deregistered() -> None:
        await results.enter_result(
            session,
            by=TEST,
            inspection_id=inspection.id,
            department_id=first.department_id,
            item_id=first.item_id,
            category_codes=["DEREGISTERED"],
            description="该市场主体已注销。",
            calendar=CALENDAR,
            publication_working_days=20,
        )

    before = await table_counts(session)
    with pytest.raises(InvalidInput) as refused:
        await enter_deregistered()
    assert refused.value.code == "CATEGORY_STATUS_MISMATCH"
    assert refused.value.message.startswith("名录库中该市场主体的登记状态为“存续”")
    assert await table_counts(session) == before

    change = await directory.change_entity_status(
        session,
        by=TEST,
        entity_id=entity.id,
        status=EntityStatus.DEREGISTERED,
        changed_on=date(2021, 10, 20),
        source="姚安县市场监督管理局注销登记公告",
        today=date(2021, 11, 16),
    )
    assert (change.status_before, change.status, change.changed_on, change.source) == (
        EntityStatus.ACTIVE,
        EntityStatus.DEREGISTERED,
        date(2021, 10, 20),
        "姚安县市场监督管理局注销登记公告",
    )
    assert entity.status == EntityStatus.DEREGISTERED
    # The category check passes now; the item already has its result, which is the next refusal.
    with pytest.raises(Conflict) as exists:
        await enter_deregistered()
    assert exists.value.code == "RESULT_EXISTS"


async def test_status_changes_are_kept_as_history_and_audited(session: AsyncSession) -> None:
    entity = await factories.entity(session, "姚安县光禄镇绿源蔬菜种植农民专业合作社")
    steps = [
        (EntityStatus.LICENSE_REVOKED, date(2022, 3, 1), "吊销营业执照决定书"),
        (EntityStatus.ACTIVE, date(2022, 9, 1), "行政复议决定撤销吊销决定"),
    ]
    for status, changed_on, source in steps:
        await directory.change_entity_status(
            session,
            by=TEST,
            entity_id=entity.id,
            status=status,
            changed_on=changed_on,
            source=source,
            today=date(2022, 12, 1),
        )
    history = list(
        await session.scalars(
            select(EntityStatusChange)
            .where(EntityStatusChange.entity_id == entity.id)
            .order_by(EntityStatusChange.id)
        )
    )
    assert [(h.status_before, h.status, h.changed_on, h.source, h.recorded_by) for h in history] == [
        (
            EntityStatus.ACTIVE,
            EntityStatus.LICENSE_REVOKED,
            date(2022, 3, 1),
            "吊销营业执照决定书",
            "system:test",
        ),
        (
            EntityStatus.LICENSE_REVOKED,
            EntityStatus.ACTIVE,
            date(2022, 9, 1),
            "行政复议决定撤销吊销决定",
            "system:test",
        ),
    ]
    audited = list(
        await session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "Entity", AuditEvent.object_id == str(entity.id)
            )
        )
    )
    assert audited.count("entity.status") == 2


async def test_status_change_refusals_write_nothing(session: AsyncSession) -> None:
    entity = await factories.entity(session, "姚安县李氏二手车经营部")
    clerk_args = {
        "entity_id": entity.id,
        "changed_on": date(2022, 3, 1),
        "source": "注销登记公告",
        "today": date(2022, 3, 2),
    }
    cases: list[tuple[dict[str, object], type[Exception], str]] = [
        ({"status": EntityStatus.ACTIVE}, Conflict, "ENTITY_STATUS_UNCHANGED"),
        (
            {"status": EntityStatus.DEREGISTERED, "changed_on": date(2022, 3, 3)},
            InvalidInput,
            "DATE_IN_FUTURE",
        ),
        ({"status": EntityStatus.DEREGISTERED, "source": "  "}, InvalidInput, "SOURCE_REQUIRED"),
        ({"status": EntityStatus.DEREGISTERED, "source": "公" * 201}, InvalidInput, "TOO_LONG"),
        ({"status": EntityStatus.DEREGISTERED, "entity_id": 10**8}, NotFound, "ENTITY_NOT_FOUND"),
    ]
    before = await table_counts(session)
    for changes, error, code in cases:
        with pytest.raises(error) as refused:
            await directory.change_entity_status(session, by=TEST, **{**clerk_args, **changes})  # type: ignore[arg-type]
        assert refused.value.code == code  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        await directory.change_entity_status(
            session,
            by=entity_user(entity.id, "经办人"),
            status=EntityStatus.DEREGISTERED,
            **clerk_args,  # type: ignore[arg-type]
        )
    assert await table_counts(session) == before


async def test_an_inactive_inspector_is_neither_drawn_nor_appointed(session: AsyncSession) -> None:
    """Seed 001 art.11: the inspector directory is kept current before each draw."""
    joint = await factories.joint_task(session, entities=1, publish=False, teams_drawn=False)
    inspectors = []
    for department in (joint.initiating, joint.participating):
        for n in range(2):
            inspectors.append(
                await directory.register_inspector(
                    session,
                    by=TEST,
                    department_id=department.id,
                    badge_number=f"IA-{department.id}-{n}",
                    name=f"人员{n}",
                )
            )
    leaving = inspectors[0]  # one of the initiating department's two
    before = await table_counts(session)
    for reason, error, code in (
        ("  ", InvalidInput, "REASON_REQUIRED"),
        ("调离", Conflict, "INSPECTOR_STATUS_UNCHANGED"),
    ):
        with pytest.raises(error) as refused:
            await directory.set_inspector_active(
                session, by=TEST, inspector_id=leaving.id, active=reason == "调离", reason=reason
            )
        assert refused.value.code == code
    with pytest.raises(NotFound) as stranger:
        await directory.set_inspector_active(
            session,
            by=department_user(joint.participating.id, Role.ADMIN, "参与部门管理员"),
            inspector_id=leaving.id,
            active=False,
            reason="调离",
        )
    assert stranger.value.code == "INSPECTOR_NOT_FOUND"
    assert await table_counts(session) == before
    await directory.set_inspector_active(
        session, by=TEST, inspector_id=leaving.id, active=False, reason="调离执法岗位"
    )
    assert leaving.active is False
    members = await teams.draw_inspectors(session, by=TEST, task_id=joint.task.id, seed="inactive-seed")
    assert leaving.id not in {m.inspector_id for m in members}
    assert {m.inspector_id for m in members if m.department_id == joint.initiating.id} == {inspectors[1].id}
    audited = await session.scalar(
        select(AuditEvent.after).where(
            AuditEvent.action == "inspector.deactivate", AuditEvent.object_id == str(leaving.id)
        )
    )
    assert audited == {"active": False, "reason": "调离执法岗位"}
