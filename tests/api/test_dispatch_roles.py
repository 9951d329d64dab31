"""Who may match the inspectors of dispatched inspections and read the dispatch work list.

Seed 003 四(一)-(二), seed 001 art.13: a city bureau (A) draws once and dispatches to the district
bureau that registered each entity (B, and a second district D without tokens here); B matches its
own inspectors, A may act for it; a department with no part (C), an entity and the public get
exactly what they would get for a task that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inspections import directory, draws, items, plans
from inspections.tokens import issue_token
from schema.enums import DepartmentLevel, EntityType, InspectionMethod
from schema.models import Department, Inspection
from tests.api.roles import MISSING, Case, check_case, gid, mutation, task_scoped
from tests.api.world import CALLERS, ROLES, World
from tests.factories import CALENDAR, TEST, unique_code

CASES = [
    Case(
        "matchInspectors",
        mutation("$t: ID!, $d: ID", "matchInspectors(taskId: $t, departmentId: $d)"),
        lambda w: {"t": gid("Task", w.task.id), "d": gid("Department", w.b.id)},
        "TeamList",
        ("a_clerk", "a_admin", "b_clerk", "b_admin"),
        others=task_scoped(()),
        id_variable="t",
    ),
]


async def build_dispatch_world(session: AsyncSession) -> World:
    """A: 秦皇岛's city bureau; B and D: district bureaus the draw dispatches to; C: unrelated."""

    async def make_department(code: str, name: str, level: DepartmentLevel, region: str) -> Department:
        return await directory.create_department(
            session, by=TEST, code=code, name=name, short_name=name[:6], level=level, region_code=region
        )

    a = await make_department("R-1303", "秦皇岛市市场监督管理局", DepartmentLevel.CITY, "130300")
    b = await make_department("R-130302", "海港区市场监督管理局", DepartmentLevel.COUNTY, "130302")
    d = await make_department("R-130303", "山海关区市场监督管理局", DepartmentLevel.COUNTY, "130303")
    c = await make_department("R-530427", "新平县自然资源局", DepartmentLevel.COUNTY, "530427")
    entities = []
    for county, count in ((b, 2), (d, 1)):
        for n in range(count):
            entities.append(
                await directory.register_entity(
                    session,
                    by=TEST,
                    code=unique_code(county.region_code),
                    name=f"{county.short_name}电商{n}有限公司",
                    entity_type=EntityType.ENTERPRISE,
                    region_code=county.region_code,
                    industry="电子商务平台-roles",
                    registration_date=date(2019, 1, 1),
                    registration_authority_code=county.code,
                )
            )
    for county in (b, d):
        for n in range(2):
            await directory.register_inspector(
                session,
                by=TEST,
                department_id=county.id,
                badge_number=f"{county.code}-{n}",
                name=f"检查员{n}",
            )
    item = await items.create_item_version(
        session,
        by=TEST,
        department_id=a.id,
        code="R-DJ",
        name="登记事项检查",
        category="登记",
        legal_basis="《市场主体登记管理条例》",
        method=InspectionMethod.ON_SITE,
        effective_from=date(2021, 1, 1),
    )
    task = await plans.create_task(
        session,
        by=TEST,
        name="派发任务",
        initiating_department_id=a.id,
        participating_department_ids=[],
        items=[plans.TaskItemSpec(item.id, a.id)],
        strata=[plans.StratumSpec("电子商务平台经营者", 10000, industry="电子商务平台-roles")],
        period_start=date(2021, 5, 8),
        period_end=date(2021, 7, 31),
        level=DepartmentLevel.CITY,
        method=InspectionMethod.ON_SITE,
        region_code="130300",
        registered_by=date(2020, 12, 31),
        dispatched=True,
    )
    await draws.draw_entities(
        session,
        by=TEST,
        task_id=task.id,
        seed="dispatch-roles-0123456789",
        today=date(2021, 4, 30),
        calendar=CALENDAR,
    )
    inspections = list(
        await session.scalars(select(Inspection).where(Inspection.task_id == task.id).order_by(Inspection.id))
    )
    world = World(a, b, c, item, item, entities, task, inspections)
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


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_dispatch_mutation_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession, case: Case
) -> None:
    await check_case(client, session, await build_dispatch_world(session), case)


ENTER_FOR = mutation(
    "$i: ID!, $item: ID!, $d: ID",
    'enterResult(inspectionId: $i, itemId: $item, categoryCodes: ["NO_PROBLEM"], description: "未发现问题", '
    "departmentId: $d)",
)
# enterResult naming a department (seed 001 art.13): the city A enters B's result on B's dispatched
# inspection, B enters its own; C (云南新平, outside A's and B's area) and the public get what an
# invented department gets; reviewers and heads do not enter results.
ENTER_FOR_CASES = [
    Case(
        "enterResult",
        ENTER_FOR,
        lambda w: {
            "i": gid("Inspection", next(i.id for i in w.inspections if i.assigned_department_id == w.b.id)),
            "item": gid("InspectionItem", w.item_a.id),
            "d": gid("Department", w.b.id),
        },
        "DepartmentResult",
        ("a_clerk", "a_admin", "b_clerk", "b_admin"),
        others=dict.fromkeys(("c_clerk", "c_admin"), MISSING),
        id_variable="d",
    ),
]


async def build_ended_dispatch_world(session: AsyncSession) -> World:
    """The dispatch world with every inspection visited on 2021-05-18/19 (results may be entered)."""
    world = await build_dispatch_world(session)
    for inspection in world.inspections:
        await draws.record_inspection_dates(
            session,
            by=TEST,
            inspection_id=inspection.id,
            inspected_on=date(2021, 5, 18),
            ended_on=date(2021, 5, 19),
            today=date(2021, 5, 20),
        )
    return world


@pytest.mark.parametrize("case", ENTER_FOR_CASES, ids=lambda c: c.name)
async def test_enter_result_for_a_department_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession, case: Case
) -> None:
    await check_case(client, session, await build_ended_dispatch_world(session), case)


async def test_a_department_outside_jurisdiction_answers_as_an_invented_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """B (海港区) may not enter for D (山海关区, its neighbour) nor for A (its superior); A not for C (云南)."""
    world = await build_ended_dispatch_world(session)
    own_b = next(i for i in world.inspections if i.assigned_department_id == world.b.id)
    d_inspection = next(i for i in world.inspections if i.assigned_department_id not in (world.b.id, None))
    d_id = d_inspection.assigned_department_id
    assert d_id is not None

    async def enter(caller: str, inspection_id: int, department: str) -> Any:
        variables = {
            "i": gid("Inspection", inspection_id),
            "item": gid("InspectionItem", world.item_a.id),
            "d": department,
        }
        response = await client.post(
            "/graphql", json={"query": ENTER_FOR, "variables": variables}, headers=world.auth(caller)
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]["enterResult"]

    invented = await enter("b_clerk", own_b.id, gid("Department", 10**8))
    assert invented == {
        "__typename": "NotFoundError",
        "code": "DEPARTMENT_NOT_FOUND",
        "message": "未找到该部门",
        "field": "departmentId",
    }
    assert await enter("b_clerk", d_inspection.id, gid("Department", d_id)) == invented
    assert await enter("b_clerk", own_b.id, gid("Department", world.a.id)) == invented
    assert await enter("a_clerk", own_b.id, gid("Department", world.c.id)) == invented
    assert await enter("a_clerk", own_b.id, gid("Department", 10**8)) == invented


WORK = """{ dispatchWorkList { __typename
  ... on DispatchWorkList { entries { action entity { creditCode } departmentId matchingDue } }
  ... on UserError { code } } }"""


async def test_dispatch_work_list_for_every_caller(client: httpx.AsyncClient, session: AsyncSession) -> None:
    world = await build_dispatch_world(session)
    codes = {e.id: e.credit_code for e in world.entities}
    assigned: dict[int, list[str]] = {}
    for inspection in world.inspections:
        assert inspection.assigned_department_id is not None
        assigned.setdefault(inspection.assigned_department_id, []).append(codes[inspection.entity_id])
    authority = {e.credit_code: e.registration_authority_id for e in world.entities}
    expected: dict[str, Any] = {}
    for caller in CALLERS:
        if caller in ("public", "entity"):
            expected[caller] = {"__typename": "PermissionDeniedError", "code": "DEPARTMENT_ONLY"}
            continue
        # The city sees every dispatched inspection of its task; B its own; C none.
        seen = {"a": [c for found in assigned.values() for c in found], "b": assigned[world.b.id], "c": []}[
            caller[0]
        ]
        expected[caller] = sorted(
            ("MATCH", code, gid("Department", authority[code] or 0), "2021-05-11") for code in seen
        )
    answers: dict[str, Any] = {}
    for caller in CALLERS:
        response = await client.post("/graphql", json={"query": WORK}, headers=world.auth(caller))
        assert response.status_code == 200, response.text
        body = response.json()["data"]["dispatchWorkList"]
        if body["__typename"] == "DispatchWorkList":
            answers[caller] = sorted(
                (e["action"], e["entity"]["creditCode"], e["departmentId"], e["matchingDue"])
                for e in body["entries"]
            )
        else:
            answers[caller] = body
    assert answers == expected
    assert len(answers["a_clerk"]) == 3 and len(answers["b_clerk"]) == 2


async def test_a_district_reads_only_what_was_dispatched_to_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """taskInspections: B sees its two, with their clock; another district's entity is not listed."""
    world = await build_dispatch_world(session)
    query = """query($t: ID!) { taskInspections(taskId: $t) { __typename
      ... on TaskInspectionPage { items { entity { creditCode } assignedDepartmentId matchingDue } } } }"""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"t": gid("Task", world.task.id)}},
        headers=world.auth("b_clerk"),
    )
    items = response.json()["data"]["taskInspections"]["items"]
    b_codes = sorted(e.credit_code for e in world.entities if e.registration_authority_id == world.b.id)
    assert sorted(i["entity"]["creditCode"] for i in items) == b_codes
    assert {(i["assignedDepartmentId"], i["matchingDue"]) for i in items} == {
        (gid("Department", world.b.id), "2021-05-11")
    }


async def test_node_of_another_districts_inspection_is_as_missing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """node(id): B reads its own dispatched inspection, not D's (null, as an invented ID); A reads both."""
    world = await build_dispatch_world(session)
    codes = {e.id: e.credit_code for e in world.entities}
    own = next(i for i in world.inspections if i.assigned_department_id == world.b.id)
    other = next(i for i in world.inspections if i.assigned_department_id != world.b.id)
    query = "query($id: ID!) { node(id: $id) { ... on Inspection { entity { creditCode } } } }"

    async def read(caller: str, pk: int) -> Any:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": {"id": gid("Inspection", pk)}},
            headers=world.auth(caller),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    invented = await read("b_clerk", 987654)
    assert invented == {"node": None}
    assert await read("b_clerk", other.id) == invented
    assert await read("c_clerk", own.id) == invented
    assert await read("b_clerk", own.id) == {"node": {"entity": {"creditCode": codes[own.entity_id]}}}
    assert await read("a_clerk", other.id) == {"node": {"entity": {"creditCode": codes[other.entity_id]}}}
