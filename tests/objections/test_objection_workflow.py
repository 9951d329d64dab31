"""Objections (seed 002 art.17): the 60-day window and the three clocks, with dates worked out by hand.

2026 (国办发明电〔2025〕7号): 中秋 Fri Sep 25 - Sun Sep 27 off; 国庆 Oct 1-7 off; make-up working days
Sun Sep 20 and Sat Oct 10. Calendars here trust the packaged data only up to 2026, so 2027 stays
unknown until a test loads it, whatever version of chinese-calendar is installed.
"""

from __future__ import annotations

import importlib.util
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections.errors import Conflict, DomainError, InvalidInput, NotFound
from inspections.principals import entity_user
from objections import workflow
from objections.deadlines import recompute_provisional
from objections.storage import EvidenceFile, EvidencePolicy, LocalDirectoryStorage
from objections.sweep import sweep
from schema.enums import ObjectionDecision, ObjectionState
from schema.models import Objection, ObjectionEvidence, Reminder
from tests import factories
from tests.conftest import table_counts
from tests.factories import TEST
from workdays import CHINA_TZ, WorkCalendar, YearSchedule

KNOWN = WorkCalendar(builtin_years=range(2004, 2027))
POLICY = EvidencePolicy(("application/pdf", "image/jpeg", "image/png"), 1024 * 1024, 3)
PDF = EvidenceFile("营业执照.pdf", b"%PDF-1.7\n...")


def china(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """An instant given in China time."""
    return datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


async def _published(session: AsyncSession, published_on: date, category: str = "UNREACHABLE"):
    joint = await factories.joint_task(
        session,
        entities=1,
        categories=(category,),
        ended_on=published_on.replace(day=1),
        published_on=published_on,
    )
    result = joint.results[1]  # the participating department's result: its head corrects it
    return joint, result, entity_user(joint.entities[0].id, "企业经办人")


async def _file(
    session: AsyncSession,
    storage: LocalDirectoryStorage,
    by,
    result_id: int,
    now: datetime,
    grounds: str = "登记住所可以联系，附租赁合同",
    key: str = "key-00000001",
    evidence=(PDF,),
):
    return await workflow.file_objection(
        session,
        by=by,
        result_id=result_id,
        grounds=grounds,
        evidence=list(evidence),
        idempotency_key=key,
        now=now,
        calendar=KNOWN,
        storage=storage,
        policy=POLICY,
    )


async def test_upheld_and_corrected_across_national_day_2026(session: AsyncSession, tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    _, result, entity = await _published(session, date(2026, 9, 1))
    objection = await _file(session, storage, entity, result.id, china(2026, 9, 18))
    # Published Tue 2026-09-01: Sep 1 + 60 days = Sat Oct 31, a rest day, rolls to Mon Nov 2.
    assert (objection.state, objection.filed_on, objection.window_ends) == (
        ObjectionState.FILED,
        date(2026, 9, 18),
        date(2026, 11, 2),
    )
    evidence = await session.scalar(
        select(ObjectionEvidence).where(ObjectionEvidence.objection_id == objection.id)
    )
    assert (
        evidence is not None
        and storage.get(evidence.storage_key) == PDF.data
        and evidence.content_type == "application/pdf"
    )

    # Received on filing. From Fri Sep 18: Sun 20 (make-up) 1, 21-24 5, [25-27 中秋], 28-30 8,
    # [Oct 1-7 国庆], Oct 8 9, 9 10, Sat 10 (make-up) 11, 12-16 16, 19-22 20 -> Thu 2026-10-22.
    assert (objection.received_on, objection.review_due, objection.review_due_provisional) == (
        date(2026, 9, 18),
        date(2026, 10, 22),
        False,
    )
    await workflow.receive(session, by=TEST, objection_id=objection.id, today=date(2026, 9, 18))
    assert (objection.state, objection.review_due) == (ObjectionState.RECEIVED, date(2026, 10, 22))
    await workflow.start_review(session, by=TEST, objection_id=objection.id, today=date(2026, 9, 21))
    await workflow.decide(
        session,
        by=TEST,
        objection_id=objection.id,
        decision=ObjectionDecision.UPHELD,
        reasons="租赁合同证明住所可以联系",
        decided_on=date(2026, 9, 30),
        today=date(2026, 9, 30),
        calendar=KNOWN,
    )
    # From Wed Sep 30: Oct 8 1, 9 2, Sat 10 (make-up) 3, 12 4, 13 5 -> correction due Tue 2026-10-13;
    # then 14 6, 15 7, 16 8, 19-23 13, 26 14, 27 15 -> answer due Tue 2026-10-27.
    assert (objection.state, objection.correction_due, objection.answer_due) == (
        ObjectionState.UPHELD,
        date(2026, 10, 13),
        date(2026, 10, 27),
    )
    await workflow.apply_correction(
        session,
        by=TEST,
        objection_id=objection.id,
        category_codes=["NO_PROBLEM"],
        description="经复查，住所可以联系",
        today=date(2026, 10, 9),
    )
    assert objection.state == ObjectionState.CORRECTED and objection.correction_version_id is not None
    assert result.current_version == 2 and result.category_codes == ["NO_PROBLEM"]
    await workflow.answer(
        session,
        by=TEST,
        objection_id=objection.id,
        text="经复查，原检查结果有误，已予更正。",
        today=date(2026, 10, 12),
    )
    assert (
        objection.state == ObjectionState.ANSWERED
        and "行政复议" in (objection.answer or "")
        and "行政诉讼" in (objection.answer or "")
    )


async def test_maintained_into_an_unloaded_year_then_exact(session: AsyncSession, tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    _, result, entity = await _published(session, date(2026, 11, 20), "ORDERED_TO_CORRECT")
    objection = await _file(session, storage, entity, result.id, china(2026, 11, 23))
    await workflow.receive(session, by=TEST, objection_id=objection.id, today=date(2026, 11, 24))
    # Acknowledged on Tue Nov 24, received on filing, Mon Nov 23: Nov 24-27 4, Nov 30-Dec 4 9,
    # Dec 7-11 14, Dec 14-18 19, Mon Dec 21 20.
    assert (objection.review_due, objection.review_due_provisional) == (date(2026, 12, 21), False)
    await workflow.decide(
        session,
        by=TEST,
        objection_id=objection.id,
        decision=ObjectionDecision.MAINTAINED,
        reasons="现场记录清楚，原结果无误",
        decided_on=date(2026, 12, 22),
        today=date(2026, 12, 22),
        calendar=KNOWN,
    )
    # From Tue Dec 22: Dec 23-25 3, Dec 28-31 7, then 2027 unknown, weekdays only: Fri Jan 1 8,
    # Jan 4-8 13, Jan 11 14, Tue Jan 12 15 -> provisional.
    assert (objection.state, objection.answer_due, objection.answer_due_provisional) == (
        ObjectionState.MAINTAINED,
        date(2027, 1, 12),
        True,
    )
    assert objection.correction_due is None
    # A 2027 schedule is loaded (made up for the test: Jan 1-3 off): Dec 23-31 7, Jan 4-8 12, Jan 11-13 15.
    made_up = YearSchedule(
        2027,
        frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}),
        frozenset(),
        "测试用2027年安排",
    )
    assert await recompute_provisional(session, KNOWN.with_schedule(made_up)) == 1
    assert (objection.answer_due, objection.answer_due_provisional) == (date(2027, 1, 13), False)


async def test_withdrawn_before_a_decision_only(session: AsyncSession, tmp_path: Path) -> None:
    _, result, entity = await _published(session, date(2026, 11, 20))
    objection = await _file(session, LocalDirectoryStorage(tmp_path), entity, result.id, china(2026, 11, 21))
    await workflow.receive(session, by=TEST, objection_id=objection.id, today=date(2026, 11, 23))
    other = entity_user(entity.entity_id + 10**6, "别家企业")
    with pytest.raises(NotFound):
        await workflow.withdraw(session, by=other, objection_id=objection.id, today=date(2026, 11, 24))
    await workflow.withdraw(session, by=entity, objection_id=objection.id, today=date(2026, 11, 24))
    assert (objection.state, objection.withdrawn_on) == (ObjectionState.WITHDRAWN, date(2026, 11, 24))
    with pytest.raises(Conflict) as late:
        await workflow.decide(
            session,
            by=TEST,
            objection_id=objection.id,
            decision=ObjectionDecision.MAINTAINED,
            reasons="x",
            decided_on=date(2026, 11, 25),
            today=date(2026, 11, 25),
            calendar=KNOWN,
        )
    assert late.value.code == "OBJECTION_STATE"


async def test_each_refusal_changes_nothing(session: AsyncSession, tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path / "files")
    _, result, entity = await _published(session, date(2026, 9, 1))
    stranger = await factories.joint_task(session, entities=1, published_on=date(2026, 9, 1))
    unpublished = await factories.joint_task(session, entities=1, publish=False)
    cases: list[tuple[dict[str, object], type[DomainError], str]] = [
        ({"result_id": stranger.results[0].id}, NotFound, "RESULT_NOT_FOUND"),
        ({"result_id": 10**9}, NotFound, "RESULT_NOT_FOUND"),
        # The last day is Mon 2026-11-02, until 24:00 China time; one minute later is too late.
        ({"now": china(2026, 11, 3, 0, 0)}, Conflict, "OBJECTION_WINDOW_CLOSED"),
        ({"grounds": "  "}, InvalidInput, "GROUNDS_REQUIRED"),
        ({"evidence": (EvidenceFile("照片.gif", b"GIF89a..."),)}, InvalidInput, "EVIDENCE_TYPE"),
        (
            {"evidence": (EvidenceFile("大.pdf", b"%PDF-" + b"0" * (1024 * 1024)),)},
            InvalidInput,
            "EVIDENCE_TOO_LARGE",
        ),
    ]
    before = await table_counts(session)
    for changes, error, code in cases:
        kwargs = {"result_id": result.id, "now": china(2026, 9, 18), **changes}
        with pytest.raises(error) as refused:
            await _file(session, storage, entity, **kwargs)
        assert refused.value.code == code, (changes, refused.value.code)
    unpublished_own = entity_user(unpublished.entities[0].id, "经办人")
    with pytest.raises(Conflict) as not_public:
        await _file(session, storage, unpublished_own, unpublished.results[0].id, china(2026, 9, 18))
    assert not_public.value.code == "RESULT_NOT_PUBLISHED"
    assert await table_counts(session) == before
    assert not (tmp_path / "files").exists()
    ok = await _file(session, storage, entity, result.id, china(2026, 11, 2, 23, 59))
    assert ok.filed_on == date(2026, 11, 2)
    with pytest.raises(Conflict) as second:
        await _file(session, storage, entity, result.id, china(2026, 11, 2, 23, 59), key="key-00000002")
    assert second.value.code == "OBJECTION_ALREADY_OPEN"


async def test_double_submission_files_once(session: AsyncSession, tmp_path: Path) -> None:
    _, result, entity = await _published(session, date(2026, 9, 1))
    storage = LocalDirectoryStorage(tmp_path)
    first = await _file(session, storage, entity, result.id, china(2026, 9, 18))
    again = await _file(session, storage, entity, result.id, china(2026, 9, 18, 10, 1))
    assert again.id == first.id
    assert (
        await session.scalar(
            select(func.count()).select_from(Objection).where(Objection.result_id == result.id)
        )
        == 1
    )


async def test_sweep_marks_overdue_once_and_writes_a_reminder(session: AsyncSession, tmp_path: Path) -> None:
    _, result, entity = await _published(session, date(2026, 9, 1))
    objection = await _file(session, LocalDirectoryStorage(tmp_path), entity, result.id, china(2026, 9, 18))
    await workflow.receive(session, by=TEST, objection_id=objection.id, today=date(2026, 9, 18))
    assert (await sweep(session, today=date(2026, 10, 22))).marked == 0  # the due day itself is not late
    report = await sweep(session, today=date(2026, 10, 23))
    assert (report.marked, report.reminders) == (1, 1)
    assert objection.overdue_clocks == "review"
    reminder = await session.scalar(select(Reminder).where(Reminder.objection_id == objection.id))
    assert reminder is not None and reminder.payload["due"] == "2026-10-22" and reminder.sent_at is None
    # The next day's sweep finds the same late clock and writes nothing new.
    assert (await sweep(session, today=date(2026, 10, 24))).marked == 0
    count = select(func.count()).select_from(Reminder).where(Reminder.objection_id == objection.id)
    assert await session.scalar(count) == 1


async def test_queue_shows_overdue_during_a_holiday_week(session: AsyncSession, tmp_path: Path) -> None:
    """Due Wed 2026-09-30; on Sat Oct 3 (国庆) no working day has passed, yet the date has."""
    from inspections.principals import Role, department_user
    from objections.queues import department_queue

    joint, result, entity = await _published(session, date(2026, 8, 20))
    objection = await _file(session, LocalDirectoryStorage(tmp_path), entity, result.id, china(2026, 9, 1))
    await workflow.receive(session, by=TEST, objection_id=objection.id, today=date(2026, 9, 1))
    # From Tue Sep 1: Sep 2-4 3, 7-11 8, 14-18 13, Sun 20 (make-up) 14, 21-24 18, [25-27 中秋], 28 19, Tue 29 20.
    assert objection.review_due == date(2026, 9, 29)
    reviewer = department_user(joint.initiating.id, Role.REVIEWER, "审核员")
    late = await department_queue(session, by=reviewer, today=date(2026, 10, 3), calendar=KNOWN, overdue=True)
    assert [(e.objection.id, e.clock, e.remaining_working_days) for e in late] == [
        (objection.id, "review", -1)
    ]
    on_time = await department_queue(
        session, by=reviewer, today=date(2026, 9, 29), calendar=KNOWN, overdue=True
    )
    assert on_time == []


async def test_deciding_a_withdrawn_objection_is_a_conflict(session: AsyncSession, tmp_path: Path) -> None:
    _, result, entity = await _published(session, date(2026, 9, 1))
    objection = await _file(session, LocalDirectoryStorage(tmp_path), entity, result.id, china(2026, 9, 18))
    await workflow.withdraw(session, by=entity, objection_id=objection.id, today=date(2026, 9, 19))
    with pytest.raises(Conflict) as refused:
        await workflow.decide(
            session,
            by=TEST,
            objection_id=objection.id,
            decision=ObjectionDecision.UPHELD,
            reasons="x",
            decided_on=date(2026, 9, 20),
            today=date(2026, 9, 20),
            calendar=KNOWN,
        )
    assert refused.value.code == "OBJECTION_STATE"


async def test_a_provisional_window_is_read_in_the_entitys_favour(
    session: AsyncSession, tmp_path: Path
) -> None:
    """Published Fri 2026-11-20: Nov 20 + 60 days = Tue 2027-01-19, in a year with no schedule loaded.

    A missing notice could only push the end later (a holiday roll-over, at most the 9 days of 春节
    2026), so until 2027 is loaded the entity may file through Thu 2027-01-28.
    """
    storage = LocalDirectoryStorage(tmp_path)
    _, result, entity = await _published(session, date(2026, 11, 20))
    late = await _file(session, storage, entity, result.id, china(2027, 1, 20))
    assert (late.window_ends, late.window_provisional) == (date(2027, 1, 19), True)
    await workflow.withdraw(session, by=entity, objection_id=late.id, today=date(2027, 1, 20))
    with pytest.raises(Conflict) as too_late:
        await _file(session, storage, entity, result.id, china(2027, 1, 29, 0, 0), key="key-00000009")
    assert too_late.value.code == "OBJECTION_WINDOW_CLOSED"
    # With 2027 loaded (made up for the test: Jan 1-3 off) the window ends on Jan 19, exactly.
    made_up = YearSchedule(
        2027, frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}), frozenset(), "测试用"
    )
    with pytest.raises(Conflict):
        await workflow.file_objection(
            session,
            by=entity,
            result_id=result.id,
            grounds="理由",
            evidence=[],
            idempotency_key="key-00000010",
            now=china(2027, 1, 20),
            calendar=KNOWN.with_schedule(made_up),
            storage=storage,
            policy=POLICY,
        )


async def test_the_review_clock_runs_from_filing_whenever_it_is_acknowledged(
    session: AsyncSession, tmp_path: Path
) -> None:
    """Filed in Gongshi on a Saturday, the application was received that day (民法典 art.137)."""
    from inspections.principals import Role, department_user
    from objections.queues import department_queue

    joint, result, entity = await _published(session, date(2026, 11, 20))
    objection = await _file(session, LocalDirectoryStorage(tmp_path), entity, result.id, china(2026, 11, 21))
    # From Sat Nov 21: Nov 23-27 5, Nov 30-Dec 4 10, Dec 7-11 15, Dec 14-18 20 -> Fri 2026-12-18.
    assert (objection.state, objection.received_on, objection.review_due) == (
        ObjectionState.FILED,
        date(2026, 11, 21),
        date(2026, 12, 18),
    )
    # The department's queue shows the running clock before anyone has acknowledged the filing.
    reviewer = department_user(joint.initiating.id, Role.REVIEWER, "审核员")
    queue = await department_queue(session, by=reviewer, today=date(2026, 11, 23), calendar=KNOWN)
    assert [(e.objection.id, e.clock, e.due, e.remaining_working_days) for e in queue] == [
        (objection.id, "review", date(2026, 12, 18), 19)
    ]
    # Left unacknowledged, it is overdue the day after the 20th working day like any other.
    assert (await sweep(session, today=date(2026, 12, 18))).marked == 0
    assert (await sweep(session, today=date(2026, 12, 19))).marked == 1
    assert objection.overdue_clocks == "review"

    # A later receipt date cannot restart the clock; nothing changes when it is refused.
    with pytest.raises(InvalidInput) as refused:
        await workflow.receive(
            session,
            by=TEST,
            objection_id=objection.id,
            received_on=date(2026, 11, 23),
            today=date(2026, 12, 21),
        )
    assert (refused.value.code, refused.value.field) == ("RECEIPT_DATE_FIXED", "receivedOn")
    assert (objection.state, objection.review_due) == (ObjectionState.FILED, date(2026, 12, 18))

    await workflow.receive(
        session, by=TEST, objection_id=objection.id, received_on=date(2026, 11, 21), today=date(2026, 12, 21)
    )
    assert (objection.state, objection.received_on, objection.review_due) == (
        ObjectionState.RECEIVED,
        date(2026, 11, 21),
        date(2026, 12, 18),
    )


def _migration(name: str) -> Any:
    path = next((Path(__file__).parents[2] / "schema" / "migrations" / "versions").glob(f"*_{name}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_upgrading_moves_an_open_objections_receipt_to_its_filing_day(
    session: AsyncSession, tmp_path: Path
) -> None:
    """Revision dadada000011 on objections handled the old way, then the recomputation `gongshi
    migrate` runs after it."""
    storage = LocalDirectoryStorage(tmp_path)
    _, result, entity = await _published(session, date(2026, 11, 20))
    _, answered_result, answered_entity = await _published(session, date(2026, 11, 20))
    open_one = await _file(session, storage, entity, result.id, china(2026, 11, 21))
    closed = await _file(
        session, storage, answered_entity, answered_result.id, china(2026, 11, 21), key="key-00000022"
    )
    await workflow.withdraw(session, by=answered_entity, objection_id=closed.id, today=date(2026, 11, 22))
    # As the department had recorded them before: received Wed Nov 25, due Wed Dec 23.
    for objection in (open_one, closed):
        objection.received_on, objection.review_due = date(2026, 11, 25), date(2026, 12, 23)
    await session.flush()
    open_id, closed_id = open_one.id, closed.id

    await session.execute(sa.text(_migration("dadada000011").RESET_RECEIPT))
    session.expire_all()
    assert await recompute_provisional(session, KNOWN) == 1

    reread = await session.get(Objection, open_id)
    assert reread is not None
    # From Sat Nov 21: Nov 23-27 5, Nov 30-Dec 4 10, Dec 7-11 15, Dec 14-18 20 -> Fri 2026-12-18.
    assert (reread.received_on, reread.review_due, reread.review_due_provisional) == (
        date(2026, 11, 21),
        date(2026, 12, 18),
        False,
    )
    # A withdrawn objection keeps the dates it was handled under.
    untouched = await session.get(Objection, closed_id)
    assert untouched is not None and (untouched.received_on, untouched.review_due) == (
        date(2026, 11, 25),
        date(2026, 12, 23),
    )
