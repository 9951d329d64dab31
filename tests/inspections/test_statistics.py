"""Statistics (汇总表, 明细表, 发现问题一览表, 公示及时性) of a small world counted by hand."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import statistics
from inspections.errors import InvalidInput, NotFound
from inspections.statistics import Scope
from tests.inspections.recognition_world import build_recognition_world

LATE_TODAY = date(2021, 12, 31)  # every unpublished result of June is then past its due date


@pytest.mark.parametrize("details", [True, False], ids=["with the detail table", "tables only"])
async def test_full_figures_of_the_year_counted_by_hand(session: AsyncSession, details: bool) -> None:
    world = await build_recognition_world(session)
    stats = await statistics.compute(session, Scope(year=2021), full=True, today=LATE_TODAY, details=details)
    total = stats.total
    # Tasks: joint, single, planned. Drawn: 2 in the joint task + 2 in the single task.
    assert (total.tasks, total.drawn, total.results, total.inspected) == (3, 4, 6, 4)
    # Problems: e2_a 责令改正 and e2_b 无法联系 (same inspection), e1_single 待后续处理.
    assert (total.problem_results, total.problem_entities, total.problem_rate) == (3, 2, Fraction(1, 2))
    assert dict(total.by_category) == {
        "NO_PROBLEM": 3,
        "ORDERED_TO_CORRECT": 1,
        "UNREACHABLE": 1,
        "PENDING_FOLLOW_UP": 1,
    }
    assert (total.transferred, total.follow_ups_done) == (1, 0)
    assert (total.published, total.published_late, total.unpublished, total.overdue_unpublished) == (
        3,
        0,
        3,
        3,
    )
    rows = {row.department_name: row for row in stats.summary}
    a, b = rows["姚安县工业信息化商务科技局"], rows["姚安县市场监督管理局"]
    assert (a.tasks, a.drawn, a.results, a.inspected, a.problem_entities) == (2, 2, 2, 2, 1)
    assert (b.tasks, b.drawn, b.results, b.inspected, b.problem_entities) == (3, 4, 4, 4, 2)
    assert b.transferred == 1 and a.transferred == 0
    if details:  # the problems list comes from the detail table
        assert {v.result_id for v in stats.problems} == {world.ids[k] for k in ("e2_a", "e2_b", "e1_single")}
    else:
        assert stats.details == [] and stats.problems == []
    timely = {row.department_name: row for row in stats.timeliness}
    assert (timely["合计"].due, timely["合计"].on_time, timely["合计"].overdue_unpublished) == (6, 3, 3)
    assert timely["姚安县工业信息化商务科技局"].not_done == 1  # e2_a still under review past its due date


@pytest.mark.parametrize("details", [True, False], ids=["with the detail table", "tables only"])
async def test_public_figures_count_published_results_only(session: AsyncSession, details: bool) -> None:
    world = await build_recognition_world(session)
    stats = await statistics.compute(session, Scope(year=2021), full=False, today=LATE_TODAY, details=details)
    total = stats.total
    # Published: e1_a (no problem), e2_b (无法联系), e1_single (待后续处理), each its own inspection.
    assert (total.results, total.inspected, total.problem_results, total.problem_entities) == (3, 3, 2, 2)
    assert total.problem_rate == Fraction(2, 3)
    assert (total.transferred, total.unpublished, total.overdue_unpublished) == (0, 0, 0)
    if details:
        assert all(v.follow_up is None and v.internal_note == "" for v in stats.details)
        assert {v.result_id for v in stats.details} == {world.ids[k] for k in ("e1_a", "e2_b", "e1_single")}


@pytest.mark.parametrize("details", [True, False], ids=["with the detail table", "tables only"])
async def test_scopes_by_task_department_and_region(session: AsyncSession, details: bool) -> None:
    world = await build_recognition_world(session)
    single = await statistics.compute(
        session, Scope(task_id=world.single.id), full=True, today=LATE_TODAY, details=details
    )
    assert [row.department_name for row in single.summary] == ["姚安县市场监督管理局"]
    assert (single.total.tasks, single.total.drawn, single.total.results) == (1, 2, 2)
    own = await statistics.compute(
        session, Scope(year=2021, department_id=world.a.id), full=True, today=LATE_TODAY
    )
    assert [row.department_id for row in own.summary] == [world.a.id]
    assert (own.total.tasks, own.total.results) == (2, 2)
    elsewhere = await statistics.compute(
        session, Scope(year=2021, region_code="5304"), full=True, today=LATE_TODAY
    )
    assert (elsewhere.total.drawn, elsewhere.total.results) == (0, 0)
    # Issue 14 point 9: a region where no task drew anyone counts no task and no department.
    assert (elsewhere.total.tasks, elsewhere.summary) == (0, [])
    county = await statistics.compute(
        session, Scope(year=2021, region_code="532325"), full=True, today=LATE_TODAY
    )
    assert (county.total.drawn, county.total.results) == (4, 6)
    # Both tasks drew in 姚安县 (532325): the joint one (A and B) and B's own.
    assert county.total.tasks == 2
    assert {row.department_id: row.tasks for row in county.summary} == {world.a.id: 1, world.b.id: 2}


async def test_bad_scopes_are_refused(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput):
        await statistics.compute(session, Scope(region_code="53232"), full=False, today=LATE_TODAY)
    with pytest.raises(InvalidInput):
        await statistics.compute(session, Scope(year=3000), full=False, today=LATE_TODAY)
    with pytest.raises(NotFound):
        await statistics.compute(session, Scope(task_id=10**8), full=False, today=LATE_TODAY)


async def test_the_detail_table_is_the_same_read_in_small_batches(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A year at a million results is ~167,000 results: more ids than one IN list may bind
    (SQLite 32,766, asyncpg 32,767), so the views are read in batches; two at a time here."""
    from inspections import result_views

    await build_recognition_world(session)
    whole = await statistics.compute(session, Scope(year=2021), full=True, today=LATE_TODAY)
    monkeypatch.setattr(result_views, "CHUNK", 2)
    batched = await statistics.compute(session, Scope(year=2021), full=True, today=LATE_TODAY)
    assert len(whole.details) > 2 * result_views.CHUNK
    assert batched.details == whole.details
    assert [v.follow_up for v in batched.details] == [v.follow_up for v in whole.details]
    assert any(v.follow_up is not None for v in batched.details)


@pytest.mark.parametrize("details", [True, False], ids=["with the detail table", "tables only"])
async def test_published_on_the_due_day_is_on_time_and_a_day_later_is_late(
    session: AsyncSession, details: bool
) -> None:
    """Seed 001 art.20(4): within 20 working days of the end of the inspection."""
    from tests import factories

    # Ended Tue 2021-11-16: Nov 17-19 3, 22-26 8, Nov 29-Dec 3 13, Dec 6-10 18, 13 19, Tue Dec 14 20.
    on_the_day = await factories.joint_task(session, entities=2, published_on=date(2021, 12, 14))
    a_day_late = await factories.joint_task(session, entities=2, published_on=date(2021, 12, 15))
    assert {r.publication_due for r in on_the_day.results + a_day_late.results} == {date(2021, 12, 14)}
    for joint, (on_time, late) in ((on_the_day, (4, 0)), (a_day_late, (0, 4))):
        stats = await statistics.compute(
            session, Scope(task_id=joint.task.id), full=True, today=LATE_TODAY, details=details
        )
        timely = stats.timeliness[-1]
        assert (timely.due, timely.on_time, timely.late, timely.not_done) == (4, on_time, late, late)
        assert (stats.total.published, stats.total.published_late) == (4, late)
