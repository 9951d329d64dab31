"""The demo's recent flows (issue 14 point 6): what a newcomer can try today, not only 2021's history.

Dated relative to the day the demo is loaded: a joint task whose results were published in the
last weeks (under seed 004's 5 working days), so a newcomer can still object within the 60 days of
seed 002 art.17; a result returned and revised (002 art.16); follow-ups transferred with their
outcomes (001 art.20(3), 004 三(二)4); objections in every state; and a task held back under 不宜告知
(001 art.20(2)) with one inspection still open. All through the use cases; a second run finds the
tasks by name and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import draws, follow_ups, plans, publication_deadlines, results, teams
from inspections.principals import entity_user, system
from objections import workflow
from objections.storage import EvidencePolicy, LocalDirectoryStorage
from schema.enums import DepartmentLevel, EntityType, InspectionMethod, ObjectionDecision, PlanStatus
from schema.models import AnnualPlan, Department, Inspection, InspectionItem, InspectionResult, Task
from workdays import CHINA_TZ, WorkCalendar, add_working_days

DEMO = system("demo")
HEAD = system("主要负责人（演示）")  # signs the correction an upheld objection leads to (001 art.22)
RECENT_TASK = "近期二手车经营联合抽查（演示：可提出异议）"
WITHHELD_TASK = "秦皇岛市直销企业专项检查（演示：不宜告知）"
# Each inspection's results in turn; PENDING_FOLLOW_UP ones are transferred and get an outcome.
CATEGORIES = (
    ["NO_PROBLEM"],
    ["ORDERED_TO_CORRECT"],
    ["PENDING_FOLLOW_UP"],
    ["UNDISCLOSED_INFO"],
    ["NO_PROBLEM"],
    ["UNREACHABLE"],
)
DESCRIPTIONS = {
    "NO_PROBLEM": "现场检查未发现违法违规问题。",
    "ORDERED_TO_CORRECT": "经营场所未按规定公示二手车来源信息，已当场责令改正。",
    "PENDING_FOLLOW_UP": "发现涉嫌销售拼装车辆的线索，待后续处理。",
    "UNDISCLOSED_INFO": "未按规定公示年度报告中的股东出资信息。",
    "UNREACHABLE": "通过登记的住所（经营场所）无法联系，已留存现场照片。",
}


@dataclass(frozen=True)
class Period:
    """The recent tasks' period: about six weeks ending a week ago, within one year."""

    start: date
    end: date

    @classmethod
    def before(cls, today: date) -> Period:
        end = today - timedelta(days=7)
        start = end - timedelta(days=40)
        return cls(start if start.year == end.year else date(end.year, 1, 1), end)


Count = Callable[[str, bool], None]


async def _plan(session: AsyncSession, department: Department, year: int, title: str, on: date) -> int:
    plan = await session.scalar(
        select(AnnualPlan).where(AnnualPlan.department_id == department.id, AnnualPlan.title == title)
    )
    if plan is None:
        plan = await plans.create_plan(session, by=DEMO, department_id=department.id, year=year, title=title)
    if plan.status != PlanStatus.PUBLISHED:
        await plans.publish_plan(session, by=DEMO, plan_id=plan.id, today=on)
    return plan.id


async def _inspections(session: AsyncSession, task: Task) -> list[Inspection]:
    rows = await session.scalars(
        select(Inspection).where(Inspection.task_id == task.id).order_by(Inspection.id)
    )
    return list(rows)


async def _end_inspections(
    session: AsyncSession, inspections: list[Inspection], period: Period, today: date
) -> None:
    span = max((period.end - period.start).days - 1, 0)
    for n, inspection in enumerate(inspections):
        inspected_on = period.start + timedelta(days=(n * 3) % (span + 1))
        await draws.record_inspection_dates(
            session,
            by=DEMO,
            inspection_id=inspection.id,
            inspected_on=inspected_on,
            ended_on=min(inspected_on + timedelta(days=1), period.end),
            today=today,
        )


async def recent_joint_task(
    session: AsyncSession,
    *,
    departments: dict[str, Department],
    found_items: dict[str, InspectionItem],
    calendar: WorkCalendar,
    today: date,
    count: Count,
) -> Task | None:
    """A 姚安 joint task whose results were published in the last weeks; None if it already exists."""
    initiating, participating = departments["532325-GXSK"], departments["532325-SCJG"]
    if await session.scalar(select(Task.id).where(Task.name == RECENT_TASK)) is not None:
        count("recent tasks", False)
        return None
    period = Period.before(today)
    plan_id = await _plan(
        session,
        initiating,
        period.start.year,
        f"{period.start.year}年度姚安县联合抽查计划（演示）",
        period.start,
    )
    task = await plans.create_task(
        session,
        by=DEMO,
        name=RECENT_TASK,
        initiating_department_id=initiating.id,
        participating_department_ids=[participating.id],
        items=[
            plans.TaskItemSpec(found_items[code].id, found_items[code].department_id)
            for code in ("YA-GX-01", "YA-SC-01")
        ],
        strata=[plans.StratumSpec("二手车交易市场（二手车经营主体）", 2000, industry="二手车交易")],
        period_start=period.start,
        period_end=period.end,
        level=DepartmentLevel.COUNTY,
        method=InspectionMethod.ON_SITE,
        region_code="532325",
        scope="二手车经营主体，抽查比例20%（演示：结果近期公示，可在60日内提出异议）",
        plan_id=plan_id,
    )
    # Seed 004 三(二)4: normal results within 5 working days of the end of the inspection.
    await publication_deadlines.set_task_publication_deadline(
        session,
        by=DEMO,
        task_id=task.id,
        working_days=5,
        fixed_due=None,
        calendar=calendar,
        server_working_days=20,
    )
    await draws.draw_entities(
        session, by=DEMO, task_id=task.id, seed="demo-recent-yaoan-seed", platform_nonce="demo-nonce-recent"
    )
    await teams.draw_inspectors(session, by=DEMO, task_id=task.id, seed="demo-inspectors-recent")
    inspections = await _inspections(session, task)
    await _end_inspections(session, inspections, period, today)
    for n, inspection in enumerate(inspections):
        assert inspection.ended_on is not None
        categories = CATEGORIES[n % len(CATEGORIES)]
        published_on = min(add_working_days(calendar, inspection.ended_on, 3).due, today)
        for code in ("YA-GX-01", "YA-SC-01"):
            item = found_items[code]
            result = await results.enter_result(
                session,
                by=DEMO,
                inspection_id=inspection.id,
                department_id=item.department_id,
                item_id=item.id,
                category_codes=categories,
                description="".join(DESCRIPTIONS[c] for c in categories),
                calendar=calendar,
                publication_working_days=20,
            )
            count("recent results", True)
            if n == len(inspections) - 1 and code == "YA-GX-01":
                continue  # the last one is still a draft: on the clerk's work list
            await results.submit_result(session, by=DEMO, result_id=result.id)
            if n == 1:  # returned to the team, revised and submitted again (seed 002 art.16)
                await results.return_result(
                    session, by=DEMO, result_id=result.id, reason="检查记录表缺少当事人签字，请核实后重新上报"
                )
                await results.revise_result(
                    session,
                    by=DEMO,
                    result_id=result.id,
                    category_codes=["ORDERED_TO_CORRECT"],
                    description="经重新核实：" + DESCRIPTIONS["ORDERED_TO_CORRECT"],
                )
                await results.submit_result(session, by=DEMO, result_id=result.id)
                count("returned and revised results", True)
            await results.approve_result(session, by=DEMO, result_id=result.id, today=published_on)
            if categories == ["PENDING_FOLLOW_UP"]:
                await _follow_up(session, result, inspection.ended_on, calendar, today)
                count("follow-ups with outcomes", True)
    count("recent tasks", True)
    return task


async def _follow_up(
    session: AsyncSession, result: InspectionResult, ended_on: date, calendar: WorkCalendar, today: date
) -> None:
    """Transferred to the police within 7 working days (001 art.20(3)), with its outcome (004 三(二)4)."""
    transferred_on = min(add_working_days(calendar, ended_on, 2).due, today)
    follow_up = await follow_ups.record_transfer(
        session,
        by=DEMO,
        result_id=result.id,
        authority="姚安县公安局",
        transferred_on=transferred_on,
        today=today,
        calendar=calendar,
    )
    await follow_ups.record_outcome(
        session,
        by=DEMO,
        follow_up_id=follow_up.id,
        outcome="已立案调查，责令停止销售拼装车辆，处罚款2万元（演示）",
        on=min(transferred_on + timedelta(days=4), today),
        today=today,
    )


async def objections_in_every_state(
    session: AsyncSession,
    *,
    task: Task,
    calendar: WorkCalendar,
    today: date,
    count: Count,
) -> None:
    """One objection in each state of seed 002 art.17's workflow, on the recent task's results."""
    published = list(
        await session.scalars(
            select(InspectionResult)
            .where(InspectionResult.task_id == task.id, InspectionResult.published_on.is_not(None))
            .order_by(InspectionResult.id)
        )
    )
    # No files are attached (the demo writes nothing to disk); the store is never touched.
    storage = LocalDirectoryStorage(Path("evidence"))
    policy = EvidencePolicy(("application/pdf",), 1024 * 1024, 1)
    plans_by_state = (
        "filed",
        "received",
        "under_review",
        "upheld",
        "maintained",
        "corrected",
        "answered",
        "withdrawn",
    )
    for state, result in zip(plans_by_state, published, strict=False):
        assert result.published_on is not None
        filed_on = min(result.published_on + timedelta(days=2), today)
        entity = entity_user(result.entity_id, "经办人（演示）")
        objection = await workflow.file_objection(
            session,
            by=entity,
            result_id=result.id,
            grounds="检查当日负责人外出，现场情况已于次日整改完毕，请求复查（演示）",
            evidence=[],
            idempotency_key=f"demo-objection-{result.id}",
            now=datetime.combine(filed_on, time(10), tzinfo=CHINA_TZ),
            calendar=calendar,
            storage=storage,
            policy=policy,
        )
        day = min(filed_on + timedelta(days=1), today)
        if state == "withdrawn":
            await workflow.withdraw(session, by=entity, objection_id=objection.id, today=day)
        if state != "filed" and state != "withdrawn":
            await workflow.receive(session, by=DEMO, objection_id=objection.id, today=day)
        if state in ("under_review", "upheld", "maintained", "corrected", "answered"):
            await workflow.start_review(session, by=DEMO, objection_id=objection.id, today=day)
        if state in ("upheld", "maintained", "corrected", "answered"):
            upheld = state in ("upheld", "corrected")
            await workflow.decide(
                session,
                by=DEMO,
                objection_id=objection.id,
                decision=ObjectionDecision.UPHELD if upheld else ObjectionDecision.MAINTAINED,
                reasons="经复查，"
                + ("原检查结果确有错误，予以更正" if upheld else "原检查结果无误，予以维持"),
                decided_on=day,
                today=today,
                calendar=calendar,
            )
        if state == "corrected":
            await workflow.apply_correction(
                session,
                by=HEAD,
                objection_id=objection.id,
                category_codes=["NO_PROBLEM"],
                description="经复查更正：" + DESCRIPTIONS["NO_PROBLEM"],
                today=day,
            )
        if state == "answered":
            await workflow.answer(
                session,
                by=DEMO,
                objection_id=objection.id,
                text="经复查，原检查结果无误，予以维持。",
                today=day,
            )
        count(f"objections {state}", True)


async def withheld_task(
    session: AsyncSession,
    *,
    departments: dict[str, Department],
    found_items: dict[str, InspectionItem],
    today: date,
    count: Count,
) -> None:
    """A 秦皇岛 task flagged 不宜告知 with one inspection still open: its list is not public yet."""
    if await session.scalar(select(Task.id).where(Task.name == WITHHELD_TASK)) is not None:
        count("withheld tasks", False)
        return
    city = departments["130300-SCJG"]
    period = Period.before(today)
    plan_id = await _plan(
        session, city, period.start.year, f"{period.start.year}年度秦皇岛市专项检查计划（演示）", period.start
    )
    task = await plans.create_task(
        session,
        by=DEMO,
        name=WITHHELD_TASK,
        initiating_department_id=city.id,
        participating_department_ids=[],
        items=[plans.TaskItemSpec(found_items["QHD-01"].id, city.id)],
        strata=[plans.StratumSpec("直销企业", 10000, EntityType.ENTERPRISE, "直销")],
        period_start=period.start,
        period_end=period.end + timedelta(days=30),
        level=DepartmentLevel.CITY,
        method=InspectionMethod.ON_SITE,
        region_code="130300",
        scope="直销企业（演示：检查事项不宜告知，抽中名单在检查全部结束后公布）",
        plan_id=plan_id,
        withhold_drawn_list=True,
    )
    await draws.draw_entities(
        session, by=DEMO, task_id=task.id, seed="demo-withheld-qhd-seed", platform_nonce="demo-nonce-withheld"
    )
    await teams.draw_inspectors(session, by=DEMO, task_id=task.id, seed="demo-inspectors-withheld")
    inspections = await _inspections(session, task)
    await _end_inspections(session, inspections[:-1], period, today)  # the last visit is still to come
    count("withheld tasks", True)
