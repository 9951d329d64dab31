"""Directory upkeep by import (issue 14 point 5; seed 001 art.11, 004 三(一)): update, not only add.

A department's clerk re-imports the registration authority's list with ``update: true``: new
entities are created, changed ones updated field by field (a new name kept as a former name, a
status change in the history with the file as its source), the rest reported unchanged; one bad
row refuses the whole file with its row and reason, and says what the good rows would have done.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from schema import credit_code
from schema.enums import EntityStatus
from schema.models import AuditEvent, Entity, EntityContact, EntityStatusChange
from tests.api.conftest import app_client
from tests.api.roles import Case, check_case, mutation
from tests.api.world import World, build_world
from workdays import CHINA_TZ

HEADER = "统一社会信用代码,名称,市场主体类型,行政区划代码,住所,登记状态,曾用名,联系电话\r\n"
NEW_CODE = credit_code.make_code("9", "1", "532325", "UP000001")
IMPORT = """mutation($file: String!) { importFile(kind: ENTITIES, filename: "名录更新.csv", contentBase64: $file, update: true) {
  __typename
  ... on ImportAccepted { rows written changes { row creditCode outcome columns } }
  ... on ImportRefusal { problems { row column code message } changes { row creditCode outcome columns } }
  ... on UserError { errorCode } } }"""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


def _file(world: World) -> str:
    renamed, same = world.entities[0], world.entities[1]
    return HEADER + "".join(
        (
            f"{renamed.credit_code},姚安县鑫达汽车服务有限公司,企业,532325,姚安县栋川镇西街8号,已注销,,0878-5720000\r\n",
            f"{same.credit_code},{same.name},企业,532325,,,,\r\n",
            f"{NEW_CODE},姚安县新登记车行,个体工商户,532325,,,,\r\n",
        )
    )


CASES = [
    Case(
        "importFile",
        mutation(
            "$file: String!",
            'importFile(kind: ENTITIES, filename: "u.csv", contentBase64: $file, update: true)',
        ),
        lambda w: {"file": _b64(_file(w))},
        "ImportAccepted",
        # C (新平县) may not touch 姚安县's entities: each row is refused (issue 14 point 7).
        ("a_clerk", "a_admin", "b_clerk", "b_admin"),
        others={"c_clerk": "ImportRefusal", "c_admin": "ImportRefusal"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_mutation_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession, case: Case
) -> None:
    await check_case(client, session, await build_world(session), case)


async def _import(client: httpx.AsyncClient, world: World, text: str) -> Any:
    response = await client.post(
        "/graphql", json={"query": IMPORT, "variables": {"file": _b64(text)}}, headers=world.auth("b_clerk")
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["importFile"]


async def test_update_import_reports_each_row(session: AsyncSession, engine: AsyncEngine) -> None:
    world = await build_world(session)
    renamed, same = world.entities[0], world.entities[1]
    old_name = renamed.name

    def today(*_: Any) -> datetime:
        return datetime(2022, 3, 1, 10, tzinfo=CHINA_TZ)

    expected_changes = [
        {
            "row": 2,
            "creditCode": renamed.credit_code,
            "outcome": "CHANGED",
            "columns": ["名称", "住所", "登记状态", "联系电话"],
        },
        {"row": 3, "creditCode": same.credit_code, "outcome": "UNCHANGED", "columns": []},
        {"row": 4, "creditCode": NEW_CODE, "outcome": "CREATED", "columns": []},
    ]
    async with app_client(session, engine, clock=today) as client:
        # A bad row refuses the file: its row and reason, and what the others would have done.
        bad = _file(world) + "91532325MA6N4B2X30,姚安县错误代码车行,企业,532325,,,,\r\n"
        refused = await _import(client, world, bad)
        assert refused["__typename"] == "ImportRefusal"
        assert [(p["row"], p["column"]) for p in refused["problems"]] == [(5, "统一社会信用代码")]
        assert refused["problems"][0]["code"] and refused["problems"][0]["message"]
        assert refused["changes"] == expected_changes
        await session.refresh(renamed)
        assert renamed.name == old_name and renamed.status == EntityStatus.ACTIVE

        accepted = await _import(client, world, _file(world))
        assert accepted == {
            "__typename": "ImportAccepted",
            "rows": 3,
            "written": 3,
            "changes": expected_changes,
        }

        # Imported again: nothing left to change.
        again = await _import(client, world, _file(world))
        assert [c["outcome"] for c in again["changes"]] == ["UNCHANGED", "UNCHANGED", "UNCHANGED"]

    await session.refresh(renamed)
    assert renamed.name == "姚安县鑫达汽车服务有限公司" and old_name in renamed.former_names
    assert renamed.address == "姚安县栋川镇西街8号" and renamed.status == EntityStatus.DEREGISTERED
    contact = await session.get(EntityContact, renamed.id)
    assert contact is not None and contact.phone == "0878-5720000"
    [history] = list(
        await session.scalars(select(EntityStatusChange).where(EntityStatusChange.entity_id == renamed.id))
    )
    assert (history.status_before, history.status, history.changed_on.isoformat(), history.source) == (
        EntityStatus.ACTIVE,
        EntityStatus.DEREGISTERED,
        "2022-03-01",
        "名录更新导入：名录更新.csv",
    )
    created = await session.scalar(select(Entity).where(Entity.credit_code == NEW_CODE))
    assert created is not None and created.name == "姚安县新登记车行"
    [update] = list(
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "entity.update", AuditEvent.object_id == str(renamed.id)
            )
        )
    )
    assert update.before is not None and update.before["name"] == old_name
    assert update.after is not None and update.after["phone"] == "***"  # contacts stay out of the trail
