"""Statistics over HTTP: public figures for anyone, full figures for department tokens only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from tests.api.conftest import app_client
from tests.inspections.recognition_world import RecognitionWorld, build_recognition_world
from workdays import CHINA_TZ

PUBLIC = """
query($year: Int, $task: ID, $region: String) {
  statistics(year: $year, taskId: $task, regionCode: $region) {
    total { tasks drawn inspected results problemEntities problemRatePercent published publishedLate
            byCategory { code label count } }
    summary { departmentName results }
    timeliness { departmentName onTime late }
  }
}
"""
FULL = """
query($year: Int) {
  departmentStatistics(year: $year) {
    __typename
    ... on UserError { code }
    ... on DepartmentStatistics {
      total { results inspected problemEntities problemRatePercent unpublished overdueUnpublished transferred followUpsDone }
      timeliness { departmentName due onTime late overdueUnpublished pending notDone }
    }
  }
}
"""


async def _post(
    client: httpx.AsyncClient, world: RecognitionWorld, who: str, query: str, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_public_figures_count_only_published_results(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_recognition_world(session)
    for who in ("public", "entity", "a_clerk"):
        body = await _post(client, world, who, PUBLIC, year=2021)
        total = body["data"]["statistics"]["total"]
        # Published: e1_a, e2_b (无法联系), e1_single (待后续处理): 2 of 3 inspections found problems.
        assert (total["tasks"], total["drawn"], total["inspected"], total["results"]) == (3, 4, 3, 3)
        assert (total["problemEntities"], total["problemRatePercent"], total["publishedLate"]) == (
            2,
            66.67,
            0,
        )
        tallies = {t["code"]: t["count"] for t in total["byCategory"]}
        assert (
            tallies["NO_PROBLEM"] == 1 and tallies["UNREACHABLE"] == 1 and tallies["PENDING_FOLLOW_UP"] == 1
        )
        assert sum(tallies.values()) == 3
    single = await _post(client, world, "public", PUBLIC, task=to_base64("Task", world.single.id))
    assert single["data"]["statistics"]["summary"] == [
        {"departmentName": "姚安县市场监督管理局", "results": 1}
    ]


async def test_full_figures_for_departments_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    body = await _post(client, world, "b_reviewer", FULL, year=2021)
    total = body["data"]["departmentStatistics"]["total"]
    assert (total["results"], total["inspected"], total["problemEntities"], total["problemRatePercent"]) == (
        6,
        4,
        2,
        50.0,
    )
    assert (total["unpublished"], total["transferred"], total["followUpsDone"]) == (3, 1, 0)
    for who in ("public", "entity"):
        refused = await _post(client, world, who, FULL, year=2021)
        assert refused["data"]["departmentStatistics"] == {
            "__typename": "PermissionDeniedError",
            "code": "DEPARTMENT_ONLY",
        }


async def test_bad_arguments_get_a_stable_code(client: httpx.AsyncClient, session: AsyncSession) -> None:
    world = await build_recognition_world(session)
    body = await _post(client, world, "public", PUBLIC, region="53232")
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["REGION_CODE_INVALID"]
    body = await _post(client, world, "public", PUBLIC, task=to_base64("Entity", 1))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["ID_INVALID"]
    body = await _post(client, world, "public", PUBLIC, task=to_base64("Task", 10**8))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TASK_NOT_FOUND"]


async def test_overdue_is_counted_on_the_servers_clock_not_the_wall_clock(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    """The department figures read the request's clock (tests and replays pin it), as every other field."""
    world = await build_recognition_world(session)
    figures = {}
    for day in (date(2021, 6, 1), date(2026, 12, 2)):

        def clock(day: date = day) -> datetime:
            return datetime(day.year, day.month, day.day, 10, tzinfo=CHINA_TZ)

        async with app_client(session, engine, clock=clock) as client:
            body = await _post(client, world, "b_reviewer", FULL, year=2021)
        total = body["data"]["departmentStatistics"]["total"]
        figures[day] = (total["unpublished"], total["overdueUnpublished"])
    # Before any publication was due nothing is overdue; five years on, every unpublished result is.
    assert figures == {date(2021, 6, 1): (3, 0), date(2026, 12, 2): (3, 3)}
