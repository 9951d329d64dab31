"""Publication deadlines per task and per department, not one number per server (issue 14 point 11).

Seed 004 三(二)4: normal results within 5 working days of the end of the inspection; seed 000 四(一)1:
a fixed date (2021年11月30日前). The world's inspections ended Tue 2021-11-16.

Hand-worked dates (国务院办公厅关于2021年部分节假日安排的通知, 国办发明电〔2020〕27号: no holiday in
November or December 2021; 国务院办公厅关于2022年部分节假日安排的通知, 国办发明电〔2021〕11号:
元旦 2022-01-01 to 01-03 off, no make-up day):
- 5 working days from Tue 11-16: Nov 17, 18, 19, 22, 23 -> Tue 2021-11-23.
- 20 (the server's): Nov 17-19 3, 22-26 8, 29-Dec 3 13, Dec 6-10 18, 13 19, 14 20 -> 2021-12-14.
- 40: ... Dec 14 20, 15-17 23, 20-24 28, 27-31 33, (Jan 1-3 off), Jan 4-7 37, 10 38, 11 39, 12 40
  -> Wed 2022-01-12.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.conftest import app_client
from tests.api.roles import gid
from tests.api.world import World, build_world, graphql_data
from workdays import CHINA_TZ

TASKS = """{ tasks(year: 2021, first: 20) { edges { node { id name
  publicationDeadline { source workingDays fixedDate } } } } }"""
WORK = """{ resultWorkList { ... on ResultWorkList { entries { action
  result { id status publicationDue publicationDueProvisional } } } } }"""
SET_TASK = """mutation($t: ID!, $w: Int, $d: Date) { setTaskPublicationDeadline(taskId: $t, workingDays: $w, fixedDate: $d) {
  __typename ... on Task { publicationDeadline { source workingDays fixedDate } }
  ... on UserError { errorCode field message } } }"""
SET_DEPT = """mutation($w: Int) { setDepartmentPublicationDeadline(workingDays: $w) {
  __typename ... on Department { name publicationWorkingDays } ... on UserError { errorCode field } } }"""


async def _dues(client: httpx.AsyncClient, world: World, who: str) -> dict[str, tuple[str, bool]]:
    entries = (await graphql_data(client, world, who, WORK))["resultWorkList"]["entries"]
    return {
        e["result"]["id"]: (e["result"]["publicationDue"], e["result"]["publicationDueProvisional"])
        for e in entries
    }


async def _task_deadline(client: httpx.AsyncClient, world: World, name: str) -> tuple[str, dict[str, Any]]:
    edges = (await graphql_data(client, world, "public", TASKS))["tasks"]["edges"]
    [node] = [e["node"] for e in edges if e["node"]["name"] == name]
    return node["id"], node["publicationDeadline"]


async def test_task_and_department_rules_move_the_work_list_dates(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    r_draft = gid("DepartmentResult", world.ids["rB_draft"])
    r_returned = gid("DepartmentResult", world.ids["rB_returned"])

    def today(*_: Any) -> datetime:
        return datetime(2021, 11, 18, 9, tzinfo=CHINA_TZ)

    async with app_client(session, engine, clock=today) as client:
        # The public task list names the task and the rule in force: the server's 20 working days.
        task_id, rule = await _task_deadline(client, world, world.task.name)
        assert rule == {"source": "SERVER", "workingDays": 20, "fixedDate": None}
        assert await _dues(client, world, "b_clerk") == {
            r_draft: ("2021-12-14", False),
            r_returned: ("2021-12-14", False),
        }

        # Seed 004: 5 working days, set by the initiating department's clerk.
        answer = await graphql_data(client, world, "a_clerk", SET_TASK, t=task_id, w=5)
        assert answer["setTaskPublicationDeadline"] == {
            "__typename": "Task",
            "publicationDeadline": {"source": "TASK", "workingDays": 5, "fixedDate": None},
        }
        assert await _dues(client, world, "b_clerk") == {
            r_draft: ("2021-11-23", False),
            r_returned: ("2021-11-23", False),
        }
        assert (await _task_deadline(client, world, world.task.name))[1] == {
            "source": "TASK",
            "workingDays": 5,
            "fixedDate": None,
        }

        # Seed 000: a fixed date.
        answer = await graphql_data(client, world, "a_admin", SET_TASK, t=task_id, d="2021-11-30")
        assert answer["setTaskPublicationDeadline"]["publicationDeadline"] == {
            "source": "TASK",
            "workingDays": None,
            "fixedDate": "2021-11-30",
        }
        assert set((await _dues(client, world, "b_clerk")).values()) == {("2021-11-30", False)}

        # Refusals change nothing: both at once, a count out of range, a date before the task.
        for variables, field in (
            ({"w": 5, "d": "2021-11-30"}, "fixedDate"),
            ({"w": 0}, "workingDays"),
            ({"w": 121}, "workingDays"),
            ({"d": "2021-10-31"}, "fixedDate"),
        ):
            refused = (await graphql_data(client, world, "a_clerk", SET_TASK, t=task_id, **variables))[
                "setTaskPublicationDeadline"
            ]
            assert (refused["__typename"], refused["errorCode"], refused["field"]) == (
                "InvalidInputError",
                "PUBLICATION_DEADLINE_INVALID",
                field,
            )
            assert refused["message"]
        assert set((await _dues(client, world, "b_clerk")).values()) == {("2021-11-30", False)}

        # Cleared, the initiating department's own rule applies: 40 working days cross 元旦 2022.
        answer = await graphql_data(client, world, "a_clerk", SET_TASK, t=task_id)
        assert answer["setTaskPublicationDeadline"]["publicationDeadline"]["source"] == "SERVER"
        answer = await graphql_data(client, world, "a_admin", SET_DEPT, w=40)
        assert answer["setDepartmentPublicationDeadline"] == {
            "__typename": "Department",
            "name": world.a.name,
            "publicationWorkingDays": 40,
        }
        assert (await _task_deadline(client, world, world.task.name))[1] == {
            "source": "DEPARTMENT",
            "workingDays": 40,
            "fixedDate": None,
        }
        assert set((await _dues(client, world, "b_clerk")).values()) == {("2022-01-12", False)}

        # The participating department's own setting does not govern a task it does not lead.
        answer = await graphql_data(client, world, "b_admin", SET_DEPT, w=5)
        assert answer["setDepartmentPublicationDeadline"]["publicationWorkingDays"] == 5
        assert set((await _dues(client, world, "b_clerk")).values()) == {("2022-01-12", False)}


async def test_published_results_keep_their_due_date(session: AsyncSession, engine: AsyncEngine) -> None:
    world = await build_world(session)
    query = """query($id: ID!) { taskInspections(taskId: $id) { ... on TaskInspectionPage { items {
      results { id status publicationDue } } } } }"""
    async with app_client(session, engine) as client:
        task_id = gid("Task", world.task.id)
        await graphql_data(client, world, "a_clerk", SET_TASK, t=task_id, w=5)
        data = await graphql_data(client, world, "a_clerk", query, id=task_id)
        dues = {
            (r["id"], r["status"]): r["publicationDue"]
            for i in data["taskInspections"]["items"]
            for r in i["results"]
        }
    published = {k: v for k, v in dues.items() if k[1] == "PUBLISHED"}
    others = {k: v for k, v in dues.items() if k[1] != "PUBLISHED"}
    assert len(published) == 3 and set(published.values()) == {"2021-12-14"}
    assert len(others) == 5 and set(others.values()) == {"2021-11-23"}
