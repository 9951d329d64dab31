"""Recognition queries over HTTP: departments see every agency's data, nobody else sees any of it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from schema.models import AuditEvent
from tests.inspections.recognition_world import RecognitionWorld, build_recognition_world

BY_ENTITY = """
query($code: String!, $year: Int!) {
  recognitionByEntity(creditCode: $code, year: $year) {
    __typename
    ... on UserError { code message }
    ... on EntityRecognition {
      creditCode year jointInspectionsRemaining
      jointInspections { taskName initiatingDepartmentName }
      results {
        id departmentName itemCode status statusLabel categoryLabels problem internalNote
        countsForRecognition recognitionNote publishedOn publicationDue
        team { inspectorName badgeNumber departmentName leader replaced }
        followUp { authority transferredOn outcome }
      }
    }
  }
}
"""
BY_TASK = """
query($task: ID!) {
  recognitionByTask(taskId: $task) {
    __typename
    ... on UserError { code }
    ... on TaskRecognition { drawn entityCount entities { creditCode jointInspectionsRemaining results { id departmentName } } }
  }
}
"""
READS = "{ recognitionReads { __typename ... on UserError { code } ... on DataReadList { reads { readerDepartmentName readerName query subject resultIds } } } }"


async def _ask(
    client: httpx.AsyncClient, world: RecognitionWorld, who: str, query: str, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _reads(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "recognition.read")
        )
        or 0
    )


async def test_two_departments_each_see_every_agencys_data_on_two_entities(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_recognition_world(session)
    expected = {
        world.e1.credit_code: {world.ids[k] for k in ("e1_a", "e1_b", "e1_single")},
        world.e2.credit_code: {world.ids[k] for k in ("e2_a", "e2_b", "e2_single")},
    }
    for who in ("a_clerk", "a_reviewer", "b_head", "b_admin"):
        for code, ids in expected.items():
            answer = (await _ask(client, world, who, BY_ENTITY, code=code, year=2021))["recognitionByEntity"]
            assert answer["__typename"] == "EntityRecognition", answer
            assert {r["id"] for r in answer["results"]} == {to_base64("InspectionResult", i) for i in ids}
            departments = {r["departmentName"] for r in answer["results"]}
            assert departments == {"姚安县工业信息化商务科技局", "姚安县市场监督管理局"}
            assert answer["jointInspectionsRemaining"] == 1
    e1 = (await _ask(client, world, "b_clerk", BY_ENTITY, code=world.e1.credit_code, year=2021))[
        "recognitionByEntity"
    ]
    rows = {r["id"]: r for r in e1["results"]}
    published = rows[to_base64("InspectionResult", world.ids["e1_a"])]
    assert published["countsForRecognition"] is True and published["status"] == "PUBLISHED"
    assert {m["departmentName"] for m in published["team"]} == {
        "姚安县工业信息化商务科技局",
        "姚安县市场监督管理局",
    }
    returned = rows[to_base64("InspectionResult", world.ids["e1_b"])]
    assert (returned["statusLabel"], returned["internalNote"], returned["countsForRecognition"]) == (
        "已退回",
        "缺少当事人签字",
        False,
    )
    single = rows[to_base64("InspectionResult", world.ids["e1_single"])]
    assert single["followUp"] == {"authority": "姚安县公安局", "transferredOn": "2021-06-15", "outcome": None}


async def test_public_and_entity_callers_see_none_of_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_recognition_world(session)
    before = await _reads(session)
    for who in ("public", "entity"):
        answer = await _ask(client, world, who, BY_ENTITY, code=world.e1.credit_code, year=2021)
        assert answer["recognitionByEntity"] == {
            "__typename": "PermissionDeniedError",
            "code": "DEPARTMENT_ONLY",
            "message": "此操作仅限部门用户",
        }
        task = await _ask(client, world, who, BY_TASK, task=to_base64("Task", world.planned.id))
        assert task["recognitionByTask"] == {"__typename": "PermissionDeniedError", "code": "DEPARTMENT_ONLY"}
        reads = await _ask(client, world, who, READS)
        assert reads["recognitionReads"] == {"__typename": "PermissionDeniedError", "code": "DEPARTMENT_ONLY"}
    assert await _reads(session) == before


async def test_the_read_is_committed_and_the_owner_lists_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_recognition_world(session)
    await _ask(client, world, "a_reviewer", BY_ENTITY, code=world.e2.credit_code, year=2021)
    # The request's own transaction committed its audit rows: the test's session sees them.
    assert await _reads(session) == 3
    listing = (await _ask(client, world, "b_clerk", READS))["recognitionReads"]["reads"]
    assert listing == [
        {
            "readerDepartmentName": "姚安县工业信息化商务科技局",
            "readerName": "A-reviewer",
            "query": "entityRecord",
            "subject": f"Entity:{world.e2.id}",
            # In the order shown: the joint task (B on R-B), then B's single-department task.
            "resultIds": [to_base64("InspectionResult", world.ids[k]) for k in ("e2_b", "e2_single")],
        }
    ]


async def test_task_overlaps_over_http_and_bad_arguments(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_recognition_world(session)
    answer = (await _ask(client, world, "b_clerk", BY_TASK, task=to_base64("Task", world.planned.id)))[
        "recognitionByTask"
    ]
    assert (answer["drawn"], answer["entityCount"]) == (False, 2)
    assert {e["creditCode"]: [r["departmentName"] for r in e["results"]] for e in answer["entities"]} == {
        world.e1.credit_code: ["姚安县工业信息化商务科技局"],
        world.e2.credit_code: ["姚安县工业信息化商务科技局"],
    }
    wrong_type = await _ask(client, world, "b_clerk", BY_TASK, task=to_base64("Entity", world.e1.id))
    assert wrong_type["recognitionByTask"] == {"__typename": "InvalidInputError", "code": "ID_INVALID"}
    bad_code = await _ask(client, world, "a_clerk", BY_ENTITY, code="不是代码", year=2021)
    assert bad_code["recognitionByEntity"]["code"] == "CREDIT_CODE_LENGTH"
