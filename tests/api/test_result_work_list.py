"""A department finds its results work in a list, not in an earlier answer (issue 14 point 4).

Seed 002 art.16: the team submits, its own department and the initiating department review, a
returned result goes back to the team. Publication is due 20 working days after the inspection
ended (seed 001 art.20(4)): the world's inspections ended Tue 2021-11-16, so from Nov 17 the 20th
working day is Tue 2021-12-14 (Nov 17-19 3, 22-26 8, 29-Dec 3 13, Dec 6-10 18, 13 19, 14 20).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.conftest import app_client
from tests.api.roles import gid
from tests.api.world import World, build_world
from workdays import CHINA_TZ

WORK = """{ resultWorkList { __typename ... on ResultWorkList { entries { action remainingWorkingDays overdue
  result { id status publicationDue approvedByOwnDepartment approvedByInitiatingDepartment } } }
  ... on UserError { errorCode } } }"""
APPROVE = (
    """mutation($r: ID!) { approveResult(resultId: $r) { __typename ... on DepartmentResult { status } } }"""
)


async def _work(client: httpx.AsyncClient, world: World, who: str) -> Any:
    response = await client.post("/graphql", json={"query": WORK}, headers=world.auth(who))
    return response.json()["data"]["resultWorkList"]


def _listed(payload: Any) -> list[tuple[str, str, str]]:
    return sorted((e["action"], e["result"]["id"], e["result"]["status"]) for e in payload["entries"])


async def test_each_role_sees_its_own_results_work_with_its_clock(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    # The work list names each result by its department view (DepartmentResult).
    ids = {name: gid("DepartmentResult", pk) for name, pk in world.ids.items() if name.startswith("r")}

    def friday(*_: Any) -> datetime:
        return datetime(2021, 12, 10, 9, tzinfo=CHINA_TZ)

    async with app_client(session, engine, clock=friday) as client:
        assert _listed(await _work(client, world, "a_clerk")) == [("SUBMIT", ids["rA_draft"], "DRAFT")]
        assert _listed(await _work(client, world, "b_clerk")) == sorted(
            [("SUBMIT", ids["rB_draft"], "DRAFT"), ("REVISE", ids["rB_returned"], "RETURNED")]
        )
        # B reviews its own part; A, the initiating department, reviews its own and B's.
        assert _listed(await _work(client, world, "b_reviewer")) == [
            ("REVIEW", ids["rB_review"], "UNDER_REVIEW")
        ]
        a_work = await _work(client, world, "a_reviewer")
        assert _listed(a_work) == sorted(
            [("REVIEW", ids["rA_review"], "UNDER_REVIEW"), ("REVIEW", ids["rB_review"], "UNDER_REVIEW")]
        )
        entry = a_work["entries"][0]
        assert (entry["result"]["publicationDue"], entry["remainingWorkingDays"], entry["overdue"]) == (
            "2021-12-14",
            2,
            False,
        )
        assert (await _work(client, world, "c_reviewer"))["entries"] == []
        assert (await _work(client, world, "b_head"))["entries"] == []
        for outsider in ("public", "entity"):
            assert await _work(client, world, outsider) == {
                "__typename": "PermissionDeniedError",
                "errorCode": "DEPARTMENT_ONLY",
            }

        # The reviewer works from the list: B's review leaves the result on A's list only.
        b_item = (await _work(client, world, "b_reviewer"))["entries"][0]["result"]["id"]
        done = await client.post(
            "/graphql", json={"query": APPROVE, "variables": {"r": b_item}}, headers=world.auth("b_reviewer")
        )
        assert done.json()["data"]["approveResult"] == {
            "__typename": "DepartmentResult",
            "status": "UNDER_REVIEW",
        }
        assert (await _work(client, world, "b_reviewer"))["entries"] == []
        waiting = [
            e for e in (await _work(client, world, "a_reviewer"))["entries"] if e["result"]["id"] == b_item
        ]
        assert [
            (e["result"]["approvedByOwnDepartment"], e["result"]["approvedByInitiatingDepartment"])
            for e in waiting
        ] == [("Breviewer", None)]
        done = await client.post(
            "/graphql", json={"query": APPROVE, "variables": {"r": b_item}}, headers=world.auth("a_reviewer")
        )
        assert done.json()["data"]["approveResult"]["status"] == "PUBLISHED"
        assert _listed(await _work(client, world, "a_reviewer")) == [
            ("REVIEW", ids["rA_review"], "UNDER_REVIEW")
        ]

    def christmas(*_: Any) -> datetime:
        return datetime(2021, 12, 16, 9, tzinfo=CHINA_TZ)

    async with app_client(session, engine, clock=christmas) as client:
        late = (await _work(client, world, "a_clerk"))["entries"][0]
        # Thu Dec 16 is two working days past Tue Dec 14 (Dec 15, 16).
        assert (late["remainingWorkingDays"], late["overdue"]) == (-2, True)
