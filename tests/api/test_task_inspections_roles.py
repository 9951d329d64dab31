"""A department works its task from lists (issue 14 point 4): the task's inspections with their teams
and results, and bulk submit and approve with a report per result.

Seed 002 art.13 and 001 art.17: the initiating department forms every team; 谁检查、谁录入 (seed 000):
a participating department sees and acts on its own part. A department with no part, an entity
and the public get exactly what they would get for a task that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from schema.models import Inspector, TeamMember
from tests.api.conftest import app_client
from tests.api.roles import Case, gid, mutation
from tests.api.world import CALLERS, World, build_world, graphql_data
from workdays import CHINA_TZ

# The bulk mutations answer a report for every caller; who may do what is in each item, checked
# below against the single mutation's answer for the same caller.
CASES = [
    Case(
        "submitResults",
        mutation("$ids: [ID!]!", "submitResults(resultIds: $ids)"),
        lambda w: {"ids": [gid("InspectionResult", w.ids["rA_draft"])]},
        "BulkResultReport",
        CALLERS,
    ),
    Case(
        "approveResults",
        mutation("$ids: [ID!]!", "approveResults(resultIds: $ids)"),
        lambda w: {"ids": [gid("InspectionResult", w.ids["rA_review"])]},
        "BulkResultReport",
        CALLERS,
    ),
]

TASKS = """{ tasks(year: 2021, first: 50) { edges { node { id name } } } }"""
INSPECTIONS = """query($t: ID!, $after: String) { taskInspections(taskId: $t, first: 3, after: $after) {
  __typename
  ... on TaskInspectionPage { endCursor hasNextPage items { id inspectedOn endedOn
      entity { id name creditCode }
      team { id inspectorId inspectorName badgeNumber departmentId role replaced replacementReason }
      results { id status } } }
  ... on UserError { errorCode message } } }"""
RECORD = """mutation($i: ID!) { recordInspection(inspectionId: $i, inspectedOn: "2021-11-22", endedOn: "2021-11-23") {
  __typename ... on InspectionRecord { id inspectedOn endedOn } } }"""
WORK = """{ resultWorkList { ... on ResultWorkList { entries { action result { id } } } } }"""
BULK = """mutation($ids: [ID!]!) { %s(resultIds: $ids) { __typename
  ... on BulkResultReport { done refused items { resultId outcome { __typename
      ... on DepartmentResult { id status approvedByOwnDepartment approvedByInitiatingDepartment }
      ... on UserError { errorCode message } } } }
  ... on UserError { errorCode message field } } }"""
SINGLE = """mutation($r: ID!) { %s(resultId: $r) { __typename
  ... on DepartmentResult { id status approvedByOwnDepartment approvedByInitiatingDepartment }
  ... on UserError { errorCode message } } }"""


def _monday(*_: Any) -> datetime:
    return datetime(2021, 11, 29, 9, tzinfo=CHINA_TZ)


async def _all_pages(client: httpx.AsyncClient, world: World, who: str, task: str) -> list[Any]:
    items, after = [], None
    while True:
        page = (await graphql_data(client, world, who, INSPECTIONS, t=task, after=after))["taskInspections"]
        assert page["__typename"] == "TaskInspectionPage", page
        items += page["items"]
        if not page["hasNextPage"]:
            return items
        after = page["endCursor"]


async def test_a_department_finds_its_inspections_teams_and_results_from_the_task(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with app_client(session, engine, clock=_monday) as client:
        # The task as anyone finds it: the public list of tasks.
        listed = (await graphql_data(client, world, "a_clerk", TASKS))["tasks"]["edges"]
        task = next(e["node"]["id"] for e in listed if e["node"]["name"] == "2021年度二手车市场联合抽查")
        assert task == gid("Task", world.task.id)

        initiating = await _all_pages(client, world, "a_clerk", task)
        assert [i["id"] for i in initiating] == [gid("Inspection", i.id) for i in world.inspections]
        by_entity = {e.id: e for e in world.entities}
        for item, inspection in zip(initiating, world.inspections, strict=True):
            entity = by_entity[inspection.entity_id]
            assert item["entity"] == {
                "id": gid("Entity", entity.id),
                "name": entity.name,
                "creditCode": entity.credit_code,
            }
        members = list(await session.scalars(select(TeamMember).order_by(TeamMember.id)))
        inspectors = {i.id: i for i in await session.scalars(select(Inspector))}
        for item, inspection in zip(initiating, world.inspections, strict=True):
            expected = [
                {
                    "id": gid("TeamMember", m.id),
                    "inspectorId": gid("Inspector", m.inspector_id),
                    "inspectorName": inspectors[m.inspector_id].name,
                    "badgeNumber": inspectors[m.inspector_id].badge_number,
                    "departmentId": gid("Department", m.department_id),
                    "role": m.role.name,
                    "replaced": False,
                    "replacementReason": None,
                }
                for m in members
                if m.inspection_id == inspection.id
            ]
            assert item["team"] == expected and {t["role"] for t in expected} == {"LEADER", "MEMBER"}
        # The initiating department sees both departments' results; B only its own part.
        first = initiating[0]
        assert sorted(r["id"] for r in first["results"]) == sorted(
            gid("DepartmentResult", world.ids[k]) for k in ("rA_draft", "rB_draft")
        )
        participating = await _all_pages(client, world, "b_clerk", task)
        assert [i["id"] for i in participating] == [i["id"] for i in initiating]
        assert [r["id"] for r in participating[0]["results"]] == [
            gid("DepartmentResult", world.ids["rB_draft"])
        ]
        assert all(
            t["departmentId"] == gid("Department", world.b.id) for i in participating for t in i["team"]
        )
        assert all(len(i["team"]) == 1 for i in participating)

        # The inspection with no result yet is found in the list; its dates are corrected from it.
        undated = [i for i in initiating if not i["results"]]
        assert [i["id"] for i in undated] == [gid("Inspection", world.ids["inspection_free"])]
        recorded = (await graphql_data(client, world, "a_clerk", RECORD, i=undated[0]["id"]))[
            "recordInspection"
        ]
        assert recorded == {
            "__typename": "InspectionRecord",
            "id": undated[0]["id"],
            "inspectedOn": "2021-11-22",
            "endedOn": "2021-11-23",
        }

        # Strangers: the same answer as for a task that does not exist.
        bogus = gid("Task", 10**8)
        for who in ("c_clerk", "c_admin", "public", "entity"):
            refused = (await graphql_data(client, world, who, INSPECTIONS, t=task))["taskInspections"]
            missing = (await graphql_data(client, world, who, INSPECTIONS, t=bogus))["taskInspections"]
            assert (
                refused
                == missing
                == {
                    "__typename": "NotFoundError",
                    "errorCode": "TASK_NOT_FOUND",
                    "message": refused["message"],
                }
            )
            assert refused["message"]


async def test_bulk_submit_and_approve_from_the_work_list_with_a_report_per_result(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with app_client(session, engine, clock=_monday) as client:
        # B's clerk submits everything its work list offers: a draft and a returned result.
        listed = (await graphql_data(client, world, "b_clerk", WORK))["resultWorkList"]["entries"]
        assert sorted(e["action"] for e in listed) == ["REVISE", "SUBMIT"]
        ids = [e["result"]["id"] for e in listed]
        report = (await graphql_data(client, world, "b_clerk", BULK % "submitResults", ids=ids))[
            "submitResults"
        ]
        assert (report["__typename"], report["done"], report["refused"]) == ("BulkResultReport", 2, 0)
        assert [i["resultId"] for i in report["items"]] == ids
        assert {i["outcome"]["status"] for i in report["items"]} == {"UNDER_REVIEW"}
        assert (await graphql_data(client, world, "b_clerk", WORK))["resultWorkList"]["entries"] == []

        # A's reviewer approves its whole list, plus a published result by mistake: that one is
        # refused alone and the others are done.
        review = [
            e["result"]["id"]
            for e in (await graphql_data(client, world, "a_reviewer", WORK))["resultWorkList"]["entries"]
        ]
        assert len(review) == 4
        published = gid("InspectionResult", world.ids["rA_pub"])
        report = (
            await graphql_data(client, world, "a_reviewer", BULK % "approveResults", ids=[*review, published])
        )["approveResults"]
        assert (report["done"], report["refused"]) == (4, 1)
        outcome = {i["resultId"]: i["outcome"] for i in report["items"]}
        assert outcome[published]["__typename"] == "ConflictError"
        assert outcome[published]["errorCode"] == "RESULT_STATE"
        own = gid("DepartmentResult", world.ids["rA_review"])  # the ID the work list showed
        assert own in review
        assert outcome[own] == {
            "__typename": "DepartmentResult",
            "id": own,
            "status": "PUBLISHED",
            "approvedByOwnDepartment": "Areviewer",
            "approvedByInitiatingDepartment": "Areviewer",
        }
        # B's part waits on B's own review: approved by the initiating department only.
        b_parts = [i for i in review if i != own]
        assert all(
            (
                outcome[i]["status"],
                outcome[i]["approvedByOwnDepartment"],
                outcome[i]["approvedByInitiatingDepartment"],
            )
            == ("UNDER_REVIEW", None, "Areviewer")
            for i in b_parts
        )

        # Refusals of the request as a whole.
        empty = (await graphql_data(client, world, "a_reviewer", BULK % "approveResults", ids=[]))[
            "approveResults"
        ]
        assert (empty["__typename"], empty["errorCode"], empty["field"]) == (
            "InvalidInputError",
            "ARGUMENT_INVALID",
            "resultIds",
        )
        many = [gid("InspectionResult", n) for n in range(1, 202)]
        too_many = (await graphql_data(client, world, "a_reviewer", BULK % "approveResults", ids=many))[
            "approveResults"
        ]
        assert (too_many["__typename"], too_many["errorCode"]) == ("InvalidInputError", "TOO_MANY_ITEMS")


async def test_each_bulk_item_answers_every_caller_as_the_single_mutation_does(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    cases = [("submitResults", "submitResult", "rA_draft"), ("approveResults", "approveResult", "rA_review")]
    async with app_client(session, engine, clock=_monday) as client:
        for bulk, single, key in cases:
            result = gid("InspectionResult", world.ids[key])
            bogus = gid("InspectionResult", 10**8)
            for who in CALLERS:
                savepoint = await session.begin_nested()
                await session.connection()
                try:
                    one = (await graphql_data(client, world, who, SINGLE % single, r=result))[single]
                finally:
                    await savepoint.rollback()
                savepoint = await session.begin_nested()
                await session.connection()
                try:
                    report = (await graphql_data(client, world, who, BULK % bulk, ids=[result, bogus]))[bulk]
                finally:
                    await savepoint.rollback()
                assert report["items"][0]["outcome"] == one, (bulk, who)
                assert report["items"][1]["outcome"]["errorCode"] == "RESULT_NOT_FOUND"
                if one["__typename"] == "NotFoundError":  # a stranger learns nothing from the ID
                    assert report["items"][1]["outcome"] == one, (bulk, who)
                assert (report["done"], report["refused"]) == (
                    int(one["__typename"] == "DepartmentResult"),
                    2 - int(one["__typename"] == "DepartmentResult"),
                )
