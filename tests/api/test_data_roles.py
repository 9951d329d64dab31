"""Issue 6's mutation (importFile) against every caller, and imports over the API end to end."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from schema import credit_code
from schema.models import InspectionResult
from tests.api.roles import Case, check_case, mutation
from tests.api.world import World, build_world

NEW_CODE = credit_code.make_code("9", "1", "532325", "RL000001")
ENTITY_FILE = (
    f"统一社会信用代码,名称,市场主体类型,行政区划代码\r\n{NEW_CODE},姚安县新登记车行,企业,532325\r\n"
)
IMPORT = mutation(
    "$kind: ImportKind!, $file: String!", 'importFile(kind: $kind, filename: "x.csv", contentBase64: $file)'
)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


CASES = [
    Case(
        "importFile",
        IMPORT,
        lambda w: {"kind": "ENTITIES", "file": _b64(ENTITY_FILE)},
        "ImportAccepted",
        # A clerk or admin registers entities of its own area (the directory is shared, 两库): C is
        # 新平县 (530427), the file's entities are 姚安县's, so each row is refused (issue 14 point 7).
        ("a_clerk", "a_admin", "b_clerk", "b_admin"),
        others={"c_clerk": "ImportRefusal", "c_admin": "ImportRefusal"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_mutation_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession, case: Case
) -> None:
    await check_case(client, session, await build_world(session), case)


async def _import(client: httpx.AsyncClient, world: World, who: str, kind: str, text: str) -> dict[str, Any]:
    query = (
        'mutation($kind: ImportKind!, $file: String!) { importFile(kind: $kind, filename: "结果.csv", contentBase64: $file) {'
        " __typename ... on ImportAccepted { written } ... on ImportRefusal { problems { row column code message } }"
        " ... on UserError { code } } }"
    )
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"kind": kind, "file": _b64(text)}},
        headers=world.auth(who),
    )
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["importFile"]
    return payload


async def test_results_import_follows_who_checks_who_enters(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_world(session)
    # The world's fifth inspection is drawn, has its dates, and no result yet.
    free = next(e.credit_code for e in world.entities if e.id == world.inspections[4].entity_id)
    text = f"任务ID,统一社会信用代码,抽查事项编码,检查结果\r\n{world.task.id},{free},W-B,未发现问题\r\n"
    count = select(func.count()).select_from(InspectionResult)
    before = await session.scalar(count)
    # A is in the task but W-B is B's item; C has no part: the same answer as a missing task.
    a = await _import(client, world, "a_clerk", "RESULTS", text)
    assert [(p["row"], p["column"], p["code"]) for p in a["problems"]] == [
        (2, "抽查事项编码", "ITEM_NOT_IN_TASK")
    ]
    c = await _import(client, world, "c_clerk", "RESULTS", text)
    stranger = await _import(
        client, world, "c_clerk", "RESULTS", text.replace(f"\n{world.task.id},", "\n99999999,")
    )
    assert c == stranger and c["problems"][0]["code"] == "INSPECTION_NOT_FOUND"
    assert await session.scalar(count) == before
    b = await _import(client, world, "b_clerk", "RESULTS", text)
    assert b == {"__typename": "ImportAccepted", "written": 1}
    assert await session.scalar(count) == (before or 0) + 1


async def test_bad_base64_and_reviewers_get_typed_errors(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_world(session)
    response = await client.post(
        "/graphql",
        json={"query": IMPORT, "variables": {"kind": "ENTITIES", "file": "不是base64"}},
        headers=world.auth("a_clerk"),
    )
    assert response.json()["data"]["importFile"]["code"] == "BASE64_INVALID"
    refused = await _import(client, world, "a_reviewer", "ENTITIES", ENTITY_FILE)
    assert refused == {"__typename": "PermissionDeniedError", "code": "ROLE_REQUIRED"}
