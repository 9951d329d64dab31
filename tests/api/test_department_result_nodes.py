"""Department result views are Relay nodes of their own, ``DepartmentResult`` (issue 14 point 4).

The department view of a result (drafts, internal notes, the two reviews) has its own global ID,
distinct from the public ``InspectionResult``; both name the same row, and every result mutation
takes either. ``node(id)`` shows the view to the initiating department (every result of its
task), a participating department (its own), a 承办部门 (its own, on what was dispatched to it);
anyone else gets exactly what an invented ID gets: null.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inspections import results
from tests.api.conftest import app_client
from tests.api.roles import gid
from tests.api.test_dispatch_roles import build_ended_dispatch_world
from tests.api.world import CALLERS, build_world, graphql_data
from tests.factories import CALENDAR, TEST

FIELDS = """id inspectionId itemId departmentId status categoryCodes description publicationDue
  publicationDueProvisional publishedOn version internalNote approvedByOwnDepartment approvedByInitiatingDepartment"""
NODE = f"query($id: ID!) {{ node(id: $id) {{ __typename ... on DepartmentResult {{ {FIELDS} }} }} }}"
INSPECTIONS = f"""query($t: ID!) {{ taskInspections(taskId: $t) {{ ... on TaskInspectionPage {{ items {{
  results {{ {FIELDS} }} }} }} }} }}"""
WORK = f"""{{ resultWorkList {{ __typename ... on ResultWorkList {{ entries {{ action remainingWorkingDays overdue
  result {{ {FIELDS} }} }} }} }} }}"""
APPROVE = f"""mutation($r: ID!) {{ approveResult(resultId: $r) {{ __typename ... on DepartmentResult {{ {FIELDS} }}
  ... on UserError {{ code message field }} }} }}"""
PUBLIC = """query($id: ID!) { node(id: $id) { __typename ... on InspectionResult { id publishedOn version
  description publicationDue } } }"""


async def test_node_of_a_department_result_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_world(session)
    # The initiating department's inspection list is the oracle for what the view shows.
    listed = {
        r["id"]: r
        for item in (
            await graphql_data(client, world, "a_reviewer", INSPECTIONS, t=gid("Task", world.task.id))
        )["taskInspections"]["items"]
        for r in item["results"]
    }
    own_a, own_b = (
        gid("DepartmentResult", world.ids["rA_draft"]),
        gid("DepartmentResult", world.ids["rB_draft"]),
    )
    assert {own_a, own_b} <= set(listed)
    assert listed[own_b] == {
        "id": own_b,
        "inspectionId": gid("Inspection", world.ids["inspection_0"]),
        "itemId": gid("InspectionItem", world.item_b.id),
        "departmentId": gid("Department", world.b.id),
        "status": "DRAFT",
        "categoryCodes": ["NO_PROBLEM"],
        "description": "现场检查情况",
        "publicationDue": "2021-12-14",  # 20 working days after 2021-11-16, no holiday between
        "publicationDueProvisional": False,
        "publishedOn": None,
        "version": 0,
        "internalNote": "",
        "approvedByOwnDepartment": None,
        "approvedByInitiatingDepartment": None,
    }
    invented = await graphql_data(client, world, "a_reviewer", NODE, id=gid("DepartmentResult", 10**8))
    assert invented == {"node": None}
    for caller in CALLERS:
        seen = {
            key: (await graphql_data(client, world, caller, NODE, id=key))["node"] for key in (own_a, own_b)
        }
        expected: dict[str, Any]
        if caller.startswith("a_"):  # the initiating department: every result of its task
            expected = {key: {"__typename": "DepartmentResult", **listed[key]} for key in (own_a, own_b)}
        elif caller.startswith("b_"):  # the participating department: its own part
            expected = {own_a: None, own_b: {"__typename": "DepartmentResult", **listed[own_b]}}
        else:  # C, an entity, the public: as an invented ID
            expected = {own_a: None, own_b: None}
        assert seen == expected, caller
        assert await graphql_data(client, world, caller, NODE, id=gid("DepartmentResult", 10**8)) == invented
    # The public face of a published result is unchanged, and the department face of it exists too.
    published = world.ids["rB_pub"]
    public = (await graphql_data(client, world, "public", PUBLIC, id=gid("InspectionResult", published)))[
        "node"
    ]
    assert public["__typename"] == "InspectionResult" and public["id"] == gid("InspectionResult", published)
    assert (await graphql_data(client, world, "public", NODE, id=gid("DepartmentResult", published)))[
        "node"
    ] is None
    view = (await graphql_data(client, world, "b_clerk", NODE, id=gid("DepartmentResult", published)))["node"]
    assert (view["id"], view["status"], view["publishedOn"]) == (
        gid("DepartmentResult", published),
        "PUBLISHED",
        public["publishedOn"],
    )


async def test_another_countys_result_is_as_an_invented_id(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Dispatch (seed 003 四(一)): 海港区 (B) reads its own result, not 山海关区's: null, as invented."""
    world = await build_ended_dispatch_world(session)
    made: dict[int, str] = {}
    for inspection in world.inspections:
        assert inspection.assigned_department_id is not None
        row = await results.enter_result(
            session,
            by=TEST,
            inspection_id=inspection.id,
            department_id=inspection.assigned_department_id,
            item_id=world.item_a.id,
            category_codes=["NO_PROBLEM"],
            description="未发现问题",
            calendar=CALENDAR,
            publication_working_days=20,
        )
        made.setdefault(inspection.assigned_department_id, gid("DepartmentResult", row.id))
    await session.flush()
    own, other = made[world.b.id], next(v for k, v in made.items() if k != world.b.id)
    invented = await graphql_data(client, world, "b_clerk", NODE, id=gid("DepartmentResult", 10**8))
    assert invented == {"node": None}
    assert await graphql_data(client, world, "b_clerk", NODE, id=other) == invented
    assert await graphql_data(client, world, "c_admin", NODE, id=own) == invented
    mine = (await graphql_data(client, world, "b_clerk", NODE, id=own))["node"]
    assert (mine["id"], mine["departmentId"], mine["status"]) == (own, gid("Department", world.b.id), "DRAFT")
    for key in (own, other):  # the city bureau, the initiating department, reads both
        assert (await graphql_data(client, world, "a_reviewer", NODE, id=key))["node"]["id"] == key


async def test_a_reviewer_approves_from_the_work_list_by_the_id_it_shows(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    """Journey (seed 002 art.16): each department's reviewer finds the result in its own review list
    and approves it by the ID the list shows; the second review publishes it under the public ID."""
    world = await build_world(session)
    monday = datetime(2021, 12, 6, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    pk = world.ids["rB_review"]
    view = gid("DepartmentResult", pk)
    async with app_client(session, engine, clock=lambda: monday) as client:
        found = await graphql_data(client, world, "b_reviewer", WORK)
        entries = found["resultWorkList"]["entries"]
        assert [e["result"]["id"] for e in entries] == [view]
        entry = entries[0]
        # 2021-12-14 is 6 working days after Monday 12-06 (12/7-12/10, 12/13, 12/14).
        assert (entry["action"], entry["remainingWorkingDays"], entry["overdue"]) == ("REVIEW", 6, False)
        expected = {
            "id": view,
            "inspectionId": gid("Inspection", world.inspections[1].id),
            "itemId": gid("InspectionItem", world.item_b.id),
            "departmentId": gid("Department", world.b.id),
            "status": "UNDER_REVIEW",
            "categoryCodes": ["ORDERED_TO_CORRECT"],
            "description": "现场检查情况",
            "publicationDue": "2021-12-14",
            "publicationDueProvisional": False,
            "publishedOn": None,
            "version": 0,
            "internalNote": "",
            "approvedByOwnDepartment": None,
            "approvedByInitiatingDepartment": None,
        }
        assert entry["result"] == expected
        first = (await graphql_data(client, world, "b_reviewer", APPROVE, r=entry["result"]["id"]))[
            "approveResult"
        ]
        assert first == {"__typename": "DepartmentResult", **expected, "approvedByOwnDepartment": "Breviewer"}
        # The initiating department's list now holds it (its review is the one missing).
        lead = (await graphql_data(client, world, "a_reviewer", WORK))["resultWorkList"]["entries"]
        listed = next(e for e in lead if e["result"]["departmentId"] == gid("Department", world.b.id))
        assert listed["result"] == {**expected, "approvedByOwnDepartment": "Breviewer"}
        second = (await graphql_data(client, world, "a_reviewer", APPROVE, r=listed["result"]["id"]))[
            "approveResult"
        ]
        assert second == {
            "__typename": "DepartmentResult",
            **expected,
            "status": "PUBLISHED",
            "publishedOn": "2021-12-06",
            "version": 1,
            "approvedByOwnDepartment": "Breviewer",
            "approvedByInitiatingDepartment": "Areviewer",
        }
        public = (await graphql_data(client, world, "public", PUBLIC, id=gid("InspectionResult", pk)))["node"]
        assert public == {
            "__typename": "InspectionResult",
            "id": gid("InspectionResult", pk),
            "publishedOn": "2021-12-06",
            "version": 1,
            "description": "现场检查情况",
            "publicationDue": "2021-12-14",
        }
        # The public ID works the same (it names the same row); any other type is refused by code.
        again = (await graphql_data(client, world, "a_reviewer", APPROVE, r=gid("InspectionResult", pk)))[
            "approveResult"
        ]
        assert again["__typename"] == "ConflictError" and again["code"] == "RESULT_STATE"
        wrong = (await graphql_data(client, world, "a_reviewer", APPROVE, r=gid("Task", pk)))["approveResult"]
        assert wrong == {
            "__typename": "InvalidInputError",
            "code": "ID_INVALID",
            "message": "resultId 应为 InspectionResult 或 DepartmentResult 的ID",
            "field": "resultId",
        }
