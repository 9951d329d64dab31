"""Mutual recognition (互认): every agency's results for departments, the rule, and audited reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import recognition
from inspections.errors import InvalidInput, NotFound, PermissionDenied
from inspections.principals import PUBLIC, Role, department_user, entity_user
from schema.models import AuditEvent
from tests import factories
from tests.conftest import table_counts
from tests.inspections.recognition_world import build_recognition_world


async def test_each_department_sees_every_agencys_results_with_non_public_details(
    session: AsyncSession,
) -> None:
    world = await build_recognition_world(session)
    for reader in (world.a, world.b):
        by = department_user(reader.id, Role.REVIEWER, "读者")
        record = await recognition.entity_record(session, by=by, code=world.e1.credit_code, year=2021)
        by_id = {view.result_id: view for view in record.results}
        # A's published result, B's returned one (never published) and B's single-department one.
        assert set(by_id) == {world.ids["e1_a"], world.ids["e1_b"], world.ids["e1_single"]}
        returned = by_id[world.ids["e1_b"]]
        assert returned.status.value == "returned" and returned.internal_note == "缺少当事人签字"
        assert returned.department_name == "姚安县市场监督管理局"
        # The joint team: a leader from A and a member from B, by name.
        team = {(m.department_name, m.role.value) for m in by_id[world.ids["e1_a"]].team}
        assert team == {("姚安县工业信息化商务科技局", "leader"), ("姚安县市场监督管理局", "member")}
        assert all(
            m.inspector_name in {"李明", "王芳", "赵强", "陈静"} for m in by_id[world.ids["e1_a"]].team
        )
        follow_up = by_id[world.ids["e1_single"]].follow_up
        assert follow_up is not None and follow_up.authority == "姚安县公安局"
        # Seed 001 art.10: one joint inspection this year (the single-department task is not joint).
        assert [j.task_id for j in record.joint_inspections] == [world.joint.id]
        assert record.joint_remaining == 1


async def test_the_recognition_rule_marks_each_result(session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    by = department_user(world.a.id, Role.CLERK, "甲")
    views = {
        v.result_id: v
        for code in (world.e1.credit_code, world.e2.credit_code)
        for v in (await recognition.entity_record(session, by=by, code=code, year=2021)).results
    }
    counts = {key: recognition.recognition(views[world.ids[key]])[0] for key in world.ids}
    assert counts == {
        "e1_a": True,  # published, joint, inspected on site
        "e1_b": False,  # returned: not published
        "e2_a": False,  # under review
        "e2_b": False,  # 无法联系: formed without inspection
        "e1_single": False,  # published but not a joint inspection (seed 002 art.20)
        "e2_single": False,  # draft
    }
    assert "seed 002 art.20" in recognition.recognition(views[world.ids["e1_single"]])[1]


async def test_other_years_show_nothing(session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    by = department_user(world.b.id, Role.HEAD, "乙")
    record = await recognition.entity_record(session, by=by, code=world.e2.credit_code, year=2022)
    assert record.results == [] and record.joint_inspections == [] and record.joint_remaining == 2


async def test_public_and_entities_are_refused_and_nothing_is_written(session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    before = await table_counts(session)
    for by in (PUBLIC, entity_user(world.e1.id, "企业")):
        with pytest.raises(PermissionDenied) as refused:
            await recognition.entity_record(session, by=by, code=world.e1.credit_code, year=2021)
        assert refused.value.code == "DEPARTMENT_ONLY"
        with pytest.raises(PermissionDenied):
            await recognition.task_overlaps(session, by=by, task_id=world.planned.id)
        with pytest.raises(PermissionDenied):
            await recognition.reads_of(session, by=by)
    assert await table_counts(session) == before


async def test_bad_codes_and_unknown_entities_are_refused(session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    by = department_user(world.a.id, Role.CLERK, "甲")
    code = world.e1.credit_code
    # Another check character than the right one (a fixed "0" was right one time in 31).
    wrong = code[:-1] + ("1" if code[-1] == "0" else "0")
    with pytest.raises(InvalidInput) as bad:
        await recognition.entity_record(session, by=by, code=wrong, year=2021)
    assert bad.value.code in {"CREDIT_CODE_CHECK", "CREDIT_CODE_CHARSET"}
    with pytest.raises(InvalidInput):
        await recognition.entity_record(session, by=by, code=world.e1.credit_code, year=1800)
    with pytest.raises(NotFound):
        await recognition.entity_record(session, by=by, code=factories.unique_code(), year=2021)


async def test_a_planned_task_lists_candidates_already_inspected_on_its_items(session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    by = department_user(world.b.id, Role.CLERK, "乙")
    answer = await recognition.task_overlaps(session, by=by, task_id=world.planned.id)
    assert answer.drawn is False and answer.entity_count == 2
    found = {o.entity.id: [v.result_id for v in o.results] for o in answer.overlaps}
    # Item R-A (A's) was checked in the joint task: e1 published, e2 still under review.
    assert found == {world.e1.id: [world.ids["e1_a"]], world.e2.id: [world.ids["e2_a"]]}
    assert all(o.joint_remaining == 1 for o in answer.overlaps)
    # The joint task itself, once drawn: the single-department task checked its item R-B.
    drawn = await recognition.task_overlaps(session, by=by, task_id=world.joint.id)
    assert drawn.drawn is True
    found = {o.entity.id: sorted(v.result_id for v in o.results) for o in drawn.overlaps}
    assert found == {world.e1.id: [world.ids["e1_single"]], world.e2.id: [world.ids["e2_single"]]}


async def test_a_department_with_no_part_in_the_task_learns_nothing(session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    stranger = await factories.department(session, "新平县自然资源局", "530427")
    by = department_user(stranger.id, Role.CLERK, "丙")
    for task_id in (world.planned.id, 10**8):
        with pytest.raises(NotFound) as missing:
            await recognition.task_overlaps(session, by=by, task_id=task_id)
        assert missing.value.code == "TASK_NOT_FOUND"


async def test_every_read_is_audited_and_owners_can_list_who_read(session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    reader = department_user(world.a.id, Role.REVIEWER, "甲审核")
    await recognition.entity_record(session, by=reader, code=world.e1.credit_code, year=2021)
    events = list(
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "recognition.read").order_by(AuditEvent.id)
        )
    )
    # One row for the read itself, one per department whose results it saw (seed 001 art.25).
    assert [(e.object_type, e.object_id) for e in events] == [
        ("Entity", str(world.e1.id)),
        ("Department", str(world.a.id)),
        ("Department", str(world.b.id)),
    ]
    assert events[2].after is not None
    assert sorted(events[2].after["resultIds"]) == sorted([world.ids["e1_b"], world.ids["e1_single"]])
    reads = await recognition.reads_of(session, by=department_user(world.b.id, Role.HEAD, "乙负责人"))
    assert len(reads) == 1
    read = reads[0]
    assert (read.reader_department_id, read.reader_department_name, read.reader_name) == (
        world.a.id,
        "姚安县工业信息化商务科技局",
        "甲审核",
    )
    assert read.query == "entityRecord" and read.subject == f"Entity:{world.e1.id}"
    # The task query is recorded too, against the owners of what it showed.
    await recognition.task_overlaps(session, by=reader, task_id=world.planned.id)
    own = await recognition.reads_of(session, by=department_user(world.a.id, Role.CLERK, "甲"))
    assert [r.query for r in own] == ["taskOverlaps", "entityRecord"]
