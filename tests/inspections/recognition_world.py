"""Two departments, two entities, a joint task, a single-department task and a planned task.

Built through the use cases. What each department did (hand-written, for the expectations):

joint task (A initiates, B participates; items W-A by A and W-B by B; both entities drawn):
  e1: A on W-A published NO_PROBLEM; B on W-B returned with an internal note (never published)
  e2: A on W-A under review ORDERED_TO_CORRECT; B on W-B published UNREACHABLE (no inspection)
      A transferred nothing; B's e2 result is a problem but formed without inspection
single task (B alone, W-B): e1 published PENDING_FOLLOW_UP, transferred to 姚安县公安局
planned task (B initiates, A participates; W-A again): not drawn, e1 and e2 are its candidates
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import directory, draws, follow_ups, items, plans, results, teams
from inspections.principals import Role
from inspections.tokens import issue_token
from schema.enums import DepartmentLevel, InspectionMethod
from schema.models import Department, Entity, Inspection, InspectionItem, Task
from tests import factories
from tests.factories import CALENDAR, TEST

INDUSTRY = "二手车交易-互认"


@dataclass
class RecognitionWorld:
    """What the recognition tests look at."""

    a: Department
    b: Department
    e1: Entity
    e2: Entity
    item_a: InspectionItem
    item_b: InspectionItem
    joint: Task
    single: Task
    planned: Task
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """Headers of "public", "entity", "a_<role>" or "b_<role>"."""
        return {} if who == "public" else {"Authorization": f"Bearer {self.tokens[who]}"}


async def _task(
    session: AsyncSession,
    name: str,
    lead: Department,
    joins: list[Department],
    specs: list[tuple[InspectionItem, Department]],
) -> Task:
    return await plans.create_task(
        session,
        by=TEST,
        name=name,
        initiating_department_id=lead.id,
        participating_department_ids=[d.id for d in joins],
        items=[plans.TaskItemSpec(item.id, d.id) for item, d in specs],
        strata=[plans.StratumSpec("二手车经营主体", 10000, industry=INDUSTRY)],
        period_start=date(2021, 6, 1),
        period_end=date(2021, 6, 30),
        level=DepartmentLevel.COUNTY,
        method=InspectionMethod.ON_SITE,
        region_code="532325",
    )


async def _item(session: AsyncSession, department: Department, code: str, name: str) -> InspectionItem:
    return await items.create_item_version(
        session,
        by=TEST,
        department_id=department.id,
        code=code,
        name=name,
        category="二手车流通",
        legal_basis="《二手车流通管理办法》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )


async def _inspections(session: AsyncSession, task: Task) -> dict[int, Inspection]:
    rows = await session.scalars(select(Inspection).where(Inspection.task_id == task.id))
    found = {row.entity_id: row for row in rows}
    for inspection in found.values():
        await draws.record_inspection_dates(
            session,
            by=TEST,
            inspection_id=inspection.id,
            inspected_on=date(2021, 6, 10),
            ended_on=date(2021, 6, 11),
            today=date(2021, 6, 11),
        )
    return found


async def _result(
    session: AsyncSession, inspection: Inspection, item: InspectionItem, codes: list[str], state: str
) -> int:
    row = await results.enter_result(
        session,
        by=TEST,
        inspection_id=inspection.id,
        department_id=item.department_id,
        item_id=item.id,
        category_codes=codes,
        description=f"{item.name}：现场检查情况",
        calendar=CALENDAR,
        publication_working_days=20,
    )
    if state != "draft":
        await results.submit_result(session, by=TEST, result_id=row.id)
    if state == "returned":
        await results.return_result(session, by=TEST, result_id=row.id, reason="缺少当事人签字")
    if state == "published":
        await results.approve_result(session, by=TEST, result_id=row.id, today=date(2021, 6, 20))
    return row.id


async def build_recognition_world(session: AsyncSession) -> RecognitionWorld:
    """The scenario of the module docstring, with a token for every role of A and B and for e1."""
    a = await factories.department(session, "姚安县工业信息化商务科技局")
    b = await factories.department(session, "姚安县市场监督管理局")
    e1 = await factories.entity(session, "姚安县鑫达二手车交易有限公司", industry=INDUSTRY)
    e2 = await factories.entity(session, "姚安县恒通二手车交易有限公司", industry=INDUSTRY)
    item_a = await _item(session, a, "R-A", "二手车经营备案检查")
    item_b = await _item(session, b, "R-B", "二手车销售合同行为检查")
    for department, names in ((a, ("李明", "王芳")), (b, ("赵强", "陈静"))):
        for n, name in enumerate(names):
            await directory.register_inspector(
                session, by=TEST, department_id=department.id, badge_number=f"R{department.id}-{n}", name=name
            )
    joint = await _task(session, "2021年二手车联合抽查（互认）", a, [b], [(item_a, a), (item_b, b)])
    await draws.draw_entities(session, by=TEST, task_id=joint.id, seed="recognition-joint-seed-01")
    await teams.draw_inspectors(session, by=TEST, task_id=joint.id, seed="recognition-team-seed")
    joint_inspections = await _inspections(session, joint)
    world = RecognitionWorld(a, b, e1, e2, item_a, item_b, joint, joint, joint)
    world.ids["e1_a"] = await _result(session, joint_inspections[e1.id], item_a, ["NO_PROBLEM"], "published")
    world.ids["e1_b"] = await _result(session, joint_inspections[e1.id], item_b, ["NO_PROBLEM"], "returned")
    world.ids["e2_a"] = await _result(
        session, joint_inspections[e2.id], item_a, ["ORDERED_TO_CORRECT"], "review"
    )
    world.ids["e2_b"] = await _result(session, joint_inspections[e2.id], item_b, ["UNREACHABLE"], "published")
    world.single = await _task(session, "2021年合同行为专项抽查（单部门）", b, [], [(item_b, b)])
    await draws.draw_entities(session, by=TEST, task_id=world.single.id, seed="recognition-single-seed")
    await teams.draw_inspectors(session, by=TEST, task_id=world.single.id, seed="recognition-single-team")
    single_inspections = await _inspections(session, world.single)
    world.ids["e1_single"] = await _result(
        session, single_inspections[e1.id], item_b, ["PENDING_FOLLOW_UP"], "published"
    )
    world.ids["e2_single"] = await _result(
        session, single_inspections[e2.id], item_b, ["NO_PROBLEM"], "draft"
    )
    await follow_ups.record_transfer(
        session,
        by=TEST,
        result_id=world.ids["e1_single"],
        authority="姚安县公安局",
        transferred_on=date(2021, 6, 15),
        today=date(2021, 6, 20),
        calendar=CALENDAR,
    )
    world.planned = await _task(session, "2021年下半年二手车联合抽查（计划）", b, [a], [(item_a, a)])
    for letter, department in (("a", a), ("b", b)):
        for role in Role:
            issued = await issue_token(
                session,
                actor="test",
                holder_name=f"{letter.upper()}-{role.value}",
                department_code=department.code,
                role=role,
            )
            world.tokens[f"{letter}_{role.value}"] = issued.secret
    world.tokens["entity"] = (
        await issue_token(session, actor="test", holder_name="企业经办人", entity_credit_code=e1.credit_code)
    ).secret
    await session.flush()
    return world
