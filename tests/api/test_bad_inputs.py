"""Bad input through HTTP: a clear Chinese message, a stable code, and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from tests.api.world import World, build_world
from tests.conftest import table_counts

ERR = "__typename ... on UserError { code errorCode message field }"


def task_input(world: World, **changes: Any) -> dict[str, Any]:
    base = {
        "name": "新任务",
        "participatingDepartmentIds": [to_base64("Department", world.b.id)],
        "items": [
            {
                "itemId": to_base64("InspectionItem", world.item_a.id),
                "departmentId": to_base64("Department", world.a.id),
            }
        ],
        "strata": [{"name": "全部", "ratioPercent": "10"}],
        "periodStart": "2022-05-01",
        "periodEnd": "2022-06-30",
        "level": "COUNTY",
        "method": "ON_SITE",
        "regionCode": "532325",
    }
    return {**base, **changes}


def cases(world: World) -> list[tuple[str, str, str, dict[str, Any], str, str]]:
    """(caller, mutation name, text, variables, expected code, a word the message must contain)."""
    create_task = f"mutation($input: CreateTaskInput!) {{ createTask(input: $input) {{ {ERR} }} }}"
    result = to_base64("InspectionResult", world.ids["rA_pub"])
    main_task = to_base64("Task", world.task.id)
    return [
        (
            "a_clerk",
            "createTask",
            create_task,
            {"input": task_input(world, strata=[{"name": "x", "ratioPercent": "0"}])},
            "RATIO_OUT_OF_RANGE",
            "0%",
        ),
        (
            "a_clerk",
            "createTask",
            create_task,
            {"input": task_input(world, strata=[{"name": "x", "ratioPercent": "150"}])},
            "RATIO_OUT_OF_RANGE",
            "150",
        ),
        (
            "a_clerk",
            "createTask",
            create_task,
            {"input": task_input(world, strata=[{"name": "x", "ratioPercent": "0.001"}])},
            "RATIO_OUT_OF_RANGE",
            "两位小数",
        ),
        (
            "a_clerk",
            "createTask",
            create_task,
            {"input": task_input(world, periodEnd="2022-04-30")},
            "PERIOD_ORDER",
            "结束日期",
        ),
        (
            # item_a's version is in force from 2021-01-01: not for a task of 2020.
            "a_clerk",
            "createTask",
            create_task,
            {"input": task_input(world, periodStart="2020-12-01", periodEnd="2021-01-31")},
            "ITEM_NOT_IN_FORCE",
            "有效期为2021-01-01至今，未覆盖任务期间2020-12-01至2021-01-31",
        ),
        (
            "a_clerk",
            "createTask",
            create_task,
            {"input": task_input(world, regionCode="53232")},
            "REGION_CODE_INVALID",
            "6位",
        ),
        (
            "a_clerk",
            "addRecusal",
            f'mutation($i: ID!) {{ addRecusal(inspectorId: $i, creditCode: "91532325MA6K3P1W9X", reason: "亲属") {{ {ERR} }} }}',
            {"i": to_base64("Inspector", world.ids["inspector_a"])},
            "CREDIT_CODE_CHECK",
            "校验位",
        ),
        (
            "a_clerk",
            "enterResult",
            f'mutation($i: ID!, $t: ID!) {{ enterResult(inspectionId: $i, itemId: $t, categoryCodes: ["MADE_UP"], description: "") {{ {ERR} }} }}',
            {
                "i": to_base64("Inspection", world.ids["inspection_free"]),
                "t": to_base64("InspectionItem", world.item_a.id),
            },
            "CATEGORY_UNKNOWN",
            "MADE_UP",
        ),
        (
            "a_clerk",
            "enterResult",
            f'mutation($i: ID!, $t: ID!) {{ enterResult(inspectionId: $i, itemId: $t, categoryCodes: ["NO_PROBLEM", "UNREACHABLE"], description: "") {{ {ERR} }} }}',
            {
                "i": to_base64("Inspection", world.ids["inspection_free"]),
                "t": to_base64("InspectionItem", world.item_a.id),
            },
            "CATEGORY_EXCLUSIVE",
            "未发现问题",
        ),
        (
            "a_clerk",
            "recordInspection",
            f'mutation($i: ID!) {{ recordInspection(inspectionId: $i, inspectedOn: "2021-11-20", endedOn: "2021-11-19") {{ {ERR} }} }}',
            {"i": to_base64("Inspection", world.ids["inspection_0"])},
            "DATES_ORDER",
            "早于",
        ),
        (
            "a_clerk",
            "commitDraw",
            f'mutation($t: ID!) {{ commitDraw(taskId: $t, seedSha256: "{"0" * 64}") {{ {ERR} }} }}',
            {"t": main_task},
            "DRAW_LOCKED",
            "锁定",
        ),
        (
            "a_clerk",
            "revealDraw",
            f'mutation($t: ID!) {{ revealDraw(taskId: $t, seed: "another-seed-0000000") {{ {ERR} }} }}',
            {"t": main_task},
            "DRAW_LOCKED",
            "不得更改",
        ),
        (
            "a_clerk",
            "commitDraw",
            f'mutation($t: ID!) {{ commitDraw(taskId: $t, seedSha256: "not-a-hash") {{ {ERR} }} }}',
            {"t": to_base64("Task", world.ids["task_fresh"])},
            "SEED_HASH_INVALID",
            "SHA-256",
        ),
        (
            "a_clerk",
            "revealDraw",
            f'mutation($t: ID!) {{ revealDraw(taskId: $t, seed: "the-wrong-seed-00000") {{ {ERR} }} }}',
            {"t": to_base64("Task", world.ids["task_committed"])},
            "SEED_MISMATCH",
            "哈希不符",
        ),
        (
            "a_clerk",
            "submitResult",
            f"mutation($r: ID!) {{ submitResult(resultId: $r) {{ {ERR} }} }}",
            {"r": result},
            "RESULT_STATE",
            "不能执行",
        ),
        (
            "a_clerk",
            "enterResult",
            f'mutation($i: ID!, $t: ID!) {{ enterResult(inspectionId: $i, itemId: $t, categoryCodes: ["NO_PROBLEM"], description: "") {{ {ERR} }} }}',
            {
                "i": to_base64("Inspection", world.ids["inspection_0"]),
                "t": to_base64("InspectionItem", world.item_a.id),
            },
            "RESULT_EXISTS",
            "已录入",
        ),
        (
            "a_clerk",
            "submitResult",
            f"mutation($r: ID!) {{ submitResult(resultId: $r) {{ {ERR} }} }}",
            {"r": to_base64("Task", world.task.id)},
            "ID_INVALID",
            "InspectionResult",
        ),
        (
            "a_head",
            "correctResult",
            f'mutation($r: ID!) {{ correctResult(resultId: $r, categoryCodes: ["NO_PROBLEM"], description: "", reason: " ") {{ {ERR} }} }}',
            {"r": result},
            "REASON_REQUIRED",
            "理由",
        ),
    ]


CASE_COUNT = 18


@pytest.mark.parametrize("number", range(CASE_COUNT))
async def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, number: int
) -> None:
    world = await build_world(session)
    every = cases(world)
    assert len(every) == CASE_COUNT
    caller, name, text, variables, code, word = every[number]
    before = await table_counts(session)
    response = await client.post(
        "/graphql", json={"query": text, "variables": variables}, headers=world.auth(caller)
    )
    assert response.status_code == 200
    payload = response.json()["data"][name]
    assert payload["code"] == code, payload
    assert payload["errorCode"] == code, payload  # the enum answers the same value as the deprecated string
    assert word in payload["message"], payload
    assert await table_counts(session) == before
