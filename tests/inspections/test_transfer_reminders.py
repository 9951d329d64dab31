"""The transfer clock in the daily sweep (seed 001 art.20(3): 7 working days from forming a problem
result): reminded before and after, to the result's own department, once per result and kind.

2026 (国办发明电〔2025〕7号, workdays/examples/2026.json): 中秋 Sep 25-27 and 国庆 Oct 1-7 off, Sat Oct
10 worked. An inspection ended Mon Sep 21: the transfer is due Thu Oct 8 (Sep 22 1, 23 2, 24 3,
28 4, 29 5, 30 6, Oct 8 7).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli.reminders import reminder_body
from api.graphql.core.ids import gid
from inspections import follow_ups
from inspections.follow_up_sweep import sweep_transfers
from schema.models import AuditEvent, Department, Reminder
from tests import factories
from tests.factories import TEST
from workdays import WorkCalendar

KNOWN = WorkCalendar(builtin_years=range(2004, 2027))


async def _reminders(session: AsyncSession) -> list[tuple[str, int, int | None, str, str]]:
    rows = await session.scalars(
        select(Reminder).where(Reminder.result_id.is_not(None)).order_by(Reminder.id)
    )
    return [(r.kind, r.department_id, r.result_id, r.payload["due"], r.payload["message"]) for r in rows]


async def test_a_problem_result_is_reminded_before_and_after_its_transfer_is_due(
    session: AsyncSession,
) -> None:
    joint = await factories.joint_task(
        session,
        entities=1,
        categories=("ORDERED_TO_CORRECT",),
        ended_on=date(2026, 9, 21),
        published_on=date(2026, 9, 24),
        calendar=KNOWN,
    )
    await factories.joint_task(
        session,
        entities=1,
        categories=("NO_PROBLEM",),
        ended_on=date(2026, 9, 21),
        published_on=date(2026, 9, 24),
    )
    owed = sorted(joint.results, key=lambda r: r.id)
    assert {r.department_id for r in owed} == {joint.initiating.id, joint.participating.id}
    # Fri Sep 25 (a holiday): three working days ahead is Wed Sep 30 (28 1, 29 2, 30 3): not yet.
    assert (
        await sweep_transfers(session, today=date(2026, 9, 25), calendar=KNOWN, remind_before=3)
    ).reminders == 0
    # Mon Sep 28: three working days ahead is Thu Oct 8 (29 1, 30 2, Oct 8 3): each department's own.
    report = await sweep_transfers(session, today=date(2026, 9, 28), calendar=KNOWN, remind_before=3)
    assert (report.examined, report.overdue, report.reminders) == (len(owed), 0, len(owed))
    soon = [
        (
            "transfer_due_soon",
            r.department_id,
            r.id,
            "2026-10-08",
            f"检查结果（编号{r.id}）发现问题，应在2026-10-08前移送有管辖权的部门，还剩3个工作日",
        )
        for r in owed
    ]
    assert await _reminders(session) == soon
    # Again, and on the due day: nothing new. (The clean task's results owe no transfer: none above.)
    for day in (date(2026, 9, 28), date(2026, 9, 30), date(2026, 10, 8)):
        assert (await sweep_transfers(session, today=day, calendar=KNOWN, remind_before=3)).reminders == 0
    # The participating department transfers its result on Oct 8, on time.
    mine = next(r for r in owed if r.department_id == joint.participating.id)
    await follow_ups.record_transfer(
        session,
        by=TEST,
        result_id=mine.id,
        authority="姚安县公安局",
        transferred_on=date(2026, 10, 8),
        today=date(2026, 10, 8),
        calendar=KNOWN,
    )
    # Fri Oct 9: the other is late, reminded once more, and the lateness is in the audit trail.
    report = await sweep_transfers(session, today=date(2026, 10, 9), calendar=KNOWN, remind_before=3)
    late = next(r for r in owed if r.department_id == joint.initiating.id)
    assert (report.examined, report.overdue, report.reminders) == (1, 1, 1)
    assert (await _reminders(session))[len(soon) :] == [
        (
            "transfer_overdue",
            joint.initiating.id,
            late.id,
            "2026-10-08",
            f"检查结果（编号{late.id}）发现问题，已超过移送期限（2026-10-08）",
        )
    ]
    audited = await session.scalar(
        select(AuditEvent.after).where(
            AuditEvent.action == "follow_up.transfer_overdue", AuditEvent.object_id == str(late.id)
        )
    )
    assert audited == {"due": "2026-10-08"}
    # Reminded once: the next days add nothing, though the transfer is still owed.
    for day in (date(2026, 10, 10), date(2026, 10, 12)):
        assert (await sweep_transfers(session, today=day, calendar=KNOWN, remind_before=3)).reminders == 0
    # What the webhook receives names the result by the ID recordTransfer takes.
    reminder = await session.scalar(select(Reminder).where(Reminder.kind == "transfer_overdue"))
    assert reminder is not None
    department = await session.get(Department, joint.initiating.id)
    assert department is not None
    body = reminder_body(reminder, department)
    assert (
        body["kind"],
        body["objectionId"],
        body["inspectionId"],
        body["resultId"],
        body["clock"],
        body["due"],
    ) == (
        "transfer_overdue",
        None,
        None,
        str(gid("InspectionResult", late.id)),
        "transfer",
        "2026-10-08",
    )
    assert body["dueProvisional"] is False


async def test_without_advance_reminders_only_late_transfers_are_reminded(session: AsyncSession) -> None:
    joint = await factories.joint_task(
        session,
        entities=1,
        categories=("ORDERED_TO_CORRECT",),
        ended_on=date(2026, 9, 21),
        published_on=date(2026, 9, 24),
        calendar=KNOWN,
    )
    assert (await sweep_transfers(session, today=date(2026, 10, 8), calendar=KNOWN)).reminders == 0
    report = await sweep_transfers(session, today=date(2026, 10, 9), calendar=KNOWN)
    assert (report.overdue, report.reminders) == (len(joint.results), len(joint.results))
    assert {kind for kind, *_ in await _reminders(session)} == {"transfer_overdue"}
