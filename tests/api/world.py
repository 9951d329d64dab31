"""A joint task in every state, and a real token for every kind of caller, for mutation tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import directory, draws, follow_ups, items, plans, results, teams
from inspections.principals import Role
from inspections.tokens import issue_token
from schema.enums import DepartmentLevel, InspectionMethod
from schema.models import (
    Department,
    Entity,
    Inspection,
    InspectionItem,
    InspectionResult,
    Inspector,
    Task,
    TeamMember,
)
from tests import factories
from tests.factories import CALENDAR, TEST

ROLES = (Role.CLERK, Role.REVIEWER, Role.HEAD, Role.ADMIN)


@dataclass
class World:
    """Departments A (initiating), B (participating), C (unrelated) and what they made."""

    a: Department
    b: Department
    c: Department
    item_a: InspectionItem
    item_b: InspectionItem
    entities: list[Entity]
    task: Task
    inspections: list[Inspection]
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """Headers of a caller: "public", "entity", or "<department letter>_<role>"."""
        return {} if who == "public" else {"Authorization": f"Bearer {self.tokens[who]}"}


async def graphql_data(
    client: httpx.AsyncClient, world: World, who: str, query: str, **variables: Any
) -> Any:
    """``query`` sent to /graphql by ``who`` (see World.auth): its data, once it answered 200 without errors."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def build_world(session: AsyncSession) -> World:
    """Everything the mutation tests act on, made through the use cases."""
    a = await factories.department(session, "姚安县工业信息化商务科技局")
    b = await factories.department(session, "姚安县市场监督管理局")
    c = await factories.department(session, "新平县自然资源局", region="530427")
    industry = "二手车交易-world"
    entities = [
        await factories.entity(session, f"姚安县鑫达{n}号二手车交易有限公司", industry=industry)
        for n in range(5)
    ]
    item_a = await items.create_item_version(
        session,
        by=TEST,
        department_id=a.id,
        code="W-A",
        name="二手车经营备案检查",
        category="二手车流通",
        legal_basis="《二手车流通管理办法》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    item_b = await items.create_item_version(
        session,
        by=TEST,
        department_id=b.id,
        code="W-B",
        name="二手车销售合同行为检查",
        category="合同行政监管",
        legal_basis="《合同行政监督管理办法》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    for department, badges in ((a, ("A-1", "A-2")), (b, ("B-1", "B-2"))):
        for badge in badges:
            await directory.register_inspector(
                session,
                by=TEST,
                department_id=department.id,
                badge_number=f"{badge}-{department.id}",
                name=badge,
            )

    async def task(name: str, year: int = 2021) -> Task:
        return await plans.create_task(
            session,
            by=TEST,
            name=name,
            initiating_department_id=a.id,
            participating_department_ids=[b.id],
            items=[plans.TaskItemSpec(item_a.id, a.id), plans.TaskItemSpec(item_b.id, b.id)],
            strata=[plans.StratumSpec("二手车经营主体", 10000, industry=industry)],
            period_start=date(year, 11, 1),
            period_end=date(year, 11, 30),
            level=DepartmentLevel.COUNTY,
            method=InspectionMethod.ON_SITE,
            region_code="532325",
        )

    main = await task("2021年度二手车市场联合抽查")
    await draws.draw_entities(session, by=TEST, task_id=main.id, seed="world-seed-0123456789")
    await teams.draw_inspectors(session, by=TEST, task_id=main.id, seed="world-inspectors")
    inspections = list(
        await session.scalars(select(Inspection).where(Inspection.task_id == main.id).order_by(Inspection.id))
    )
    for inspection in inspections:
        await draws.record_inspection_dates(
            session,
            by=TEST,
            inspection_id=inspection.id,
            inspected_on=date(2021, 11, 15),
            ended_on=date(2021, 11, 16),
            today=date(2021, 11, 16),
        )
    world = World(a, b, c, item_a, item_b, entities, main, inspections)

    async def result(n: int, item: InspectionItem, codes: list[str], state: str) -> InspectionResult:
        row = await results.enter_result(
            session,
            by=TEST,
            inspection_id=inspections[n].id,
            department_id=item.department_id,
            item_id=item.id,
            category_codes=codes,
            description="现场检查情况",
            calendar=CALENDAR,
            publication_working_days=20,
        )
        if state in ("review", "published"):
            await results.submit_result(session, by=TEST, result_id=row.id)
        if state == "published":
            await results.approve_result(session, by=TEST, result_id=row.id, today=date(2021, 12, 1))
        if state == "returned":
            await results.submit_result(session, by=TEST, result_id=row.id)
            await results.return_result(session, by=TEST, result_id=row.id, reason="缺少当事人签字")
        return row

    world.ids["rA_draft"] = (await result(0, item_a, ["NO_PROBLEM"], "draft")).id
    world.ids["rB_draft"] = (await result(0, item_b, ["NO_PROBLEM"], "draft")).id
    world.ids["rA_review"] = (await result(1, item_a, ["NO_PROBLEM"], "review")).id
    world.ids["rB_review"] = (await result(1, item_b, ["ORDERED_TO_CORRECT"], "review")).id
    world.ids["rA_pub"] = (await result(2, item_a, ["PENDING_FOLLOW_UP"], "published")).id
    world.ids["rB_pub"] = (await result(2, item_b, ["UNREACHABLE"], "published")).id
    world.ids["rA_pub2"] = (await result(3, item_a, ["UNDISCLOSED_INFO"], "published")).id
    world.ids["rB_returned"] = (await result(3, item_b, ["UNREACHABLE"], "returned")).id
    world.ids["inspection_free"] = inspections[4].id
    world.ids["inspection_0"] = inspections[0].id
    follow_up = await follow_ups.record_transfer(
        session,
        by=TEST,
        result_id=world.ids["rA_pub"],
        authority="姚安县公安局",
        transferred_on=date(2021, 11, 20),
        today=date(2021, 12, 1),
        calendar=CALENDAR,
    )
    world.ids["follow_up"] = follow_up.id
    member_b = await session.scalar(
        select(TeamMember).where(
            TeamMember.inspection_id == inspections[0].id, TeamMember.department_id == b.id
        )
    )
    assert member_b is not None
    world.ids["member_b"] = member_b.id
    b_inspectors = await session.scalars(select(Inspector.id).where(Inspector.department_id == b.id))
    world.ids["spare_b"] = next(i for i in b_inspectors if i != member_b.inspector_id)
    inspector_a = await session.scalar(select(Inspector.id).where(Inspector.department_id == a.id).limit(1))
    assert inspector_a is not None
    world.ids["inspector_a"] = inspector_a
    committed = await task("已提交承诺的任务")
    await draws.commit_draw(
        session, by=TEST, task_id=committed.id, seed_sha256=_sha("committed-seed-0123456789")
    )
    world.ids["task_committed"] = committed.id
    # Another year: this year's two joint draws already refuse these entities (seed 001 art.10).
    world.ids["task_fresh"] = (await task("尚未抽取的任务", year=2022)).id
    teamless = await task("尚未抽取检查人员的任务")
    await draws.draw_entities(session, by=TEST, task_id=teamless.id, seed="teamless-seed-0123456789")
    world.ids["task_teamless"] = teamless.id
    world.ids["plan_draft"] = (
        await plans.create_plan(session, by=TEST, department_id=a.id, year=2027, title="2027年度联合抽查计划")
    ).id

    for letter, department in (("a", a), ("b", b), ("c", c)):
        for role in ROLES:
            issued = await issue_token(
                session,
                actor="test",
                holder_name=f"{letter.upper()}{role.value}",
                department_code=department.code,
                role=role,
            )
            world.tokens[f"{letter}_{role.value}"] = issued.secret
    world.tokens["entity"] = (
        await issue_token(
            session, actor="test", holder_name="企业经办人", entity_credit_code=entities[0].credit_code
        )
    ).secret
    await session.flush()
    return world


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


CALLERS = ("public", "entity", *(f"{d}_{r.value}" for d in "abc" for r in ROLES))
