"""Reminders before and after each due date, the answer clock swept while UPHELD, the correction
reminded to the owning department (seed 002 art.17, 001 art.22); the filing window recomputed when
a holiday schedule is loaded (DOMAIN.md "Counting days").

2026 (国办发明电〔2025〕7号, workdays/examples/2026.json): 元旦 Jan 1-3 off, Sun Jan 4 worked;
春节 Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked; 中秋 Sep 25-27 and 国庆 Oct 1-7 off, Sun Sep 20
and Sat Oct 10 worked.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import deadlines as result_deadlines
from inspections.calendar import load_calendar, store_schedule
from inspections.principals import entity_user
from objections import workflow
from objections.deadlines import recompute_provisional
from objections.storage import EvidencePolicy, LocalDirectoryStorage
from objections.sweep import sweep
from schema.enums import ObjectionDecision
from schema.models import AuditEvent, InspectionResult, Reminder
from tests import factories
from tests.factories import TEST
from workdays import CHINA_TZ, WorkCalendar, load_schedule_file

KNOWN = WorkCalendar(builtin_years=range(2004, 2027))
BEFORE_2026 = range(2004, 2026)
NOTICE_2026 = Path(__file__).parents[2] / "workdays" / "examples" / "2026.json"


async def _upheld(session: AsyncSession, tmp: Path) -> tuple[int, int, int]:
    """An objection to the participating department's result, filed Fri 2026-09-18, upheld Wed Sep 30:
    correction due Tue Oct 13 (Oct 8 1, 9 2, Sat 10 3, 12 4, 13 5), answer due Tue Oct 27 (14-16 8,
    19-23 13, 26 14, 27 15). Returns (objection, initiating department, owning department)."""
    joint = await factories.joint_task(
        session,
        entities=1,
        categories=("UNREACHABLE",),
        ended_on=date(2026, 8, 25),
        published_on=date(2026, 9, 1),
    )
    result = next(r for r in joint.results if r.department_id == joint.participating.id)
    objection = await factories.objection(
        session, result, "reminders-0001", storage_dir=tmp, now=datetime(2026, 9, 18, 10, tzinfo=CHINA_TZ)
    )
    await workflow.receive(session, by=TEST, objection_id=objection.id, today=date(2026, 9, 18))
    await workflow.decide(
        session,
        by=TEST,
        objection_id=objection.id,
        decision=ObjectionDecision.UPHELD,
        reasons="住所可以联系",
        decided_on=date(2026, 9, 30),
        today=date(2026, 9, 30),
        calendar=KNOWN,
    )
    assert (objection.correction_due, objection.answer_due) == (date(2026, 10, 13), date(2026, 10, 27))
    return objection.id, joint.initiating.id, joint.participating.id


async def _reminders(session: AsyncSession, objection_id: int) -> list[tuple[str, int, str, str]]:
    rows = await session.scalars(
        select(Reminder).where(Reminder.objection_id == objection_id).order_by(Reminder.id)
    )
    return [(r.kind, r.department_id, r.payload["due"], r.payload["message"]) for r in rows]


async def test_reminders_before_and_after_each_due_date(session: AsyncSession, tmp_path: Path) -> None:
    oid, initiating, owning = await _upheld(session, tmp_path)
    # Thu Oct 8: three working days ahead is Mon Oct 12 (Oct 9 1, Sat 10 2, 12 3): nothing due by then.
    report = await sweep(session, today=date(2026, 10, 8), calendar=KNOWN, remind_before=3)
    assert (report.marked, report.reminders) == (0, 0)
    # Fri Oct 9: three working days ahead is Tue Oct 13 (Sat 10 1, 12 2, 13 3): the correction, to
    # the owning department, whose head corrects.
    report = await sweep(session, today=date(2026, 10, 9), calendar=KNOWN, remind_before=3)
    assert (report.marked, report.reminders) == (0, 1)
    soon = (
        "objection_correction_due_soon",
        owning,
        "2026-10-13",
        f"异议（编号{oid}）的更正期限为2026-10-13，还剩3个工作日",
    )
    assert await _reminders(session, oid) == [soon]
    # The same day again, and the next: nothing new (one reminder per clock and kind).
    for day in (date(2026, 10, 9), date(2026, 10, 12), date(2026, 10, 13)):
        assert (await sweep(session, today=day, calendar=KNOWN, remind_before=3)).reminders == 0
    # Wed Oct 14: the correction is late; the answer (Oct 27) is beyond Mon Oct 19 (15, 16, 19).
    report = await sweep(session, today=date(2026, 10, 14), calendar=KNOWN, remind_before=3)
    assert (report.marked, report.reminders) == (1, 1)
    late = (
        "objection_correction_overdue",
        owning,
        "2026-10-13",
        f"异议（编号{oid}）已超过更正期限（2026-10-13）",
    )
    assert await _reminders(session, oid) == [soon, late]
    # Thu Oct 22: three working days ahead is Tue Oct 27 (23 1, 26 2, 27 3): the answer, to the
    # initiating department, though the objection is still UPHELD (not yet corrected).
    report = await sweep(session, today=date(2026, 10, 22), calendar=KNOWN, remind_before=3)
    assert (report.marked, report.reminders) == (0, 1)
    answer_soon = (
        "objection_answer_due_soon",
        initiating,
        "2026-10-27",
        f"异议（编号{oid}）的反馈期限为2026-10-27，还剩3个工作日",
    )
    assert (await _reminders(session, oid))[-1] == answer_soon
    # Wed Oct 28, still UPHELD: the answer clock is swept and marked overdue too.
    report = await sweep(session, today=date(2026, 10, 28), calendar=KNOWN, remind_before=3)
    assert (report.marked, report.reminders) == (1, 1)
    assert (await _reminders(session, oid))[-1] == (
        "objection_answer_overdue",
        initiating,
        "2026-10-27",
        f"异议（编号{oid}）已超过反馈期限（2026-10-27）",
    )
    marked = await session.scalars(
        select(AuditEvent.after).where(
            AuditEvent.action == "objection.overdue", AuditEvent.object_id == str(oid)
        )
    )
    assert [m["clock"] for m in marked if m] == ["correction", "answer"]


async def test_without_advance_reminders_only_late_clocks_are_reminded(
    session: AsyncSession, tmp_path: Path
) -> None:
    oid, _, owning = await _upheld(session, tmp_path)
    for day in (date(2026, 10, 9), date(2026, 10, 13)):
        assert (await sweep(session, today=day, calendar=KNOWN, remind_before=0)).reminders == 0
    assert (await sweep(session, today=date(2026, 10, 14), calendar=KNOWN, remind_before=0)).reminders == 1
    assert [r[:2] for r in await _reminders(session, oid)] == [("objection_correction_overdue", owning)]


async def test_loading_the_schedule_recomputes_the_window_and_every_provisional_date(
    session: AsyncSession, tmp_path: Path
) -> None:
    """Published Thu 2025-12-18 while 2026's schedule is unknown. Window: Dec 18 + 60 days = Mon
    2026-02-16, a weekday, so provisionally that day; under the notice Feb 16 is 春节, so the window
    ends on the first working day after the holiday, Tue 2026-02-24. The result's publication due
    (inspection ended Wed 2025-12-10, 20 working days): Dec 11-12 2, 15-19 7, 22-26 12, 29-31 15, then
    on weekdays Jan 1-2 17, 5-7 20 -> Wed 2026-01-07 provisional; under the notice Jan 1-2 are off and
    Sun Jan 4 is worked: Jan 4-8 20 -> Thu 2026-01-08."""
    unknown = WorkCalendar(builtin_years=BEFORE_2026)
    joint = await factories.joint_task(
        session,
        entities=1,
        categories=("UNREACHABLE",),
        ended_on=date(2025, 12, 10),
        published_on=date(2025, 12, 18),
        calendar=unknown,
    )
    result = next(r for r in joint.results if r.department_id == joint.participating.id)
    assert (result.publication_due, result.publication_due_provisional) == (date(2026, 1, 7), True)
    objection = await workflow.file_objection(
        session,
        by=entity_user(result.entity_id, "经办人"),
        result_id=result.id,
        grounds="住所可以联系",
        evidence=[],
        idempotency_key="recompute-0001",
        now=datetime(2026, 1, 5, 10, tzinfo=CHINA_TZ),
        calendar=unknown,
        storage=LocalDirectoryStorage(tmp_path),
        policy=EvidencePolicy(("application/pdf",), 1024, 1),
    )
    # Review from Mon Jan 5 on weekdays: Jan 6-9 4, 12-16 9, 19-23 14, 26-30 19, Feb 2 20.
    assert (objection.window_ends, objection.window_provisional) == (date(2026, 2, 16), True)
    assert (objection.review_due, objection.review_due_provisional) == (date(2026, 2, 2), True)

    # What `gongshi calendar load workdays/examples/2026.json` does, with the same calendar settings.
    await store_schedule(session, by=TEST, schedule=load_schedule_file(NOTICE_2026))
    await result_deadlines.recompute_provisional(
        session, publication_working_days=20, builtin_years=BEFORE_2026
    )
    changed = await recompute_provisional(session, await load_calendar(session, builtin_years=BEFORE_2026))
    assert changed == 1
    # The notice changes nothing in January after Jan 4, so the review stays Feb 2, now exact.
    assert (objection.window_ends, objection.window_provisional) == (date(2026, 2, 24), False)
    assert (objection.review_due, objection.review_due_provisional) == (date(2026, 2, 2), False)
    refreshed = await session.get(InspectionResult, result.id)
    assert refreshed is not None
    assert (refreshed.publication_due, refreshed.publication_due_provisional) == (date(2026, 1, 8), False)
    audit = await session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "objection.due.recompute", AuditEvent.object_id == str(objection.id)
        )
    )
    assert audit is not None and audit.before and audit.after
    assert (audit.before["window"], audit.after["window"]) == ("2026-02-16", "2026-02-24")
    # Loading it again changes nothing.
    assert await recompute_provisional(session, await load_calendar(session, builtin_years=BEFORE_2026)) == 0
