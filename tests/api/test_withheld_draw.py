"""不宜告知: a task's drawn list stays from the public until its inspections end (issue 14 point 11).

Seed 001 art.20(2) (不宜告知的，不得向检查对象透露情况，不发放部门联合检查告知书) and 002 art.13(2).
The initiating department flags the task at creation; the draw is committed and revealed as usual
through the API. Before the last inspection ends, no anonymous read names a drawn entity (GraphQL,
the task page, the candidate download, search, the public log), while the commitment's hashes are
public; once it ends, everything is, and the draw checks out against the commitment.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import from_base64

from schema.models import Draw, LogLeaf
from tests.api.conftest import app_client
from tests.api.roles import gid
from tests.api.world import build_world, graphql_data
from workdays import CHINA_TZ

SEED = "withheld-seed-2022-0123456789"
CREATE = """mutation($input: CreateTaskInput!) { createTask(input: $input) {
  __typename ... on Task { id drawnListWithheld } ... on UserError { errorCode } } }"""
COMMIT = """mutation($t: ID!, $h: String!) { commitDraw(taskId: $t, seedSha256: $h) { __typename } }"""
REVEAL = """mutation($t: ID!, $s: String!) { revealDraw(taskId: $t, seed: $s) { __typename } }"""
TEAMS = """mutation($t: ID!) { drawInspectors(taskId: $t) { __typename } }"""
INSPECTIONS = """query($t: ID!) { taskInspections(taskId: $t) { ... on TaskInspectionPage { items {
  id noticeUrl entity { creditCode } } } } }"""
RECORD = """mutation($i: ID!, $d: Date!, $e: Date!) { recordInspection(inspectionId: $i, inspectedOn: $d, endedOn: $e) {
  __typename } }"""
ENTER = """mutation($i: ID!, $item: ID!) { enterResult(inspectionId: $i, itemId: $item, categoryCodes: ["NO_PROBLEM"],
  description: "未发现问题") { __typename ... on DepartmentResult { id } } }"""
SUBMIT = """mutation($r: ID!) { submitResult(resultId: $r) { __typename } }"""
APPROVE = """mutation($r: ID!) { approveResult(resultId: $r) { __typename ... on DepartmentResult { status }
  ... on UserError { errorCode message } } }"""
PUBLIC = """query($t: ID!) {
  node(id: $t) { ... on Task { name drawnListWithheld drawnListDisclosedOn
    draw { seedSha256 platformNonceSha256 candidatesSha256 candidateCount seed platformNonce locked }
    drawnEntities { creditCode } resultSummary { published } } }
  results(taskId: $t) { totalCount }
  search(query: "二手车交易", taskId: $t) { totalCount }
}"""


async def test_withheld_list_is_public_only_after_the_inspections(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    codes = sorted(e.credit_code for e in world.entities)

    def today(*_: Any) -> datetime:
        return datetime(2022, 11, 20, 10, tzinfo=CHINA_TZ)

    async with app_client(session, engine, clock=today) as client:
        task_input = {
            "name": "2022年度二手车市场专项检查（不宜告知）",
            "participatingDepartmentIds": [gid("Department", world.b.id)],
            "items": [
                {
                    "itemId": gid("InspectionItem", world.item_a.id),
                    "departmentId": gid("Department", world.a.id),
                },
                {
                    "itemId": gid("InspectionItem", world.item_b.id),
                    "departmentId": gid("Department", world.b.id),
                },
            ],
            "strata": [{"name": "二手车经营主体", "ratioPercent": "100", "industry": "二手车交易-world"}],
            "periodStart": "2022-11-01",
            "periodEnd": "2022-11-30",
            "level": "COUNTY",
            "method": "ON_SITE",
            "regionCode": "532325",
            "withholdDrawnList": True,
        }
        created = (await graphql_data(client, world, "a_clerk", CREATE, input=task_input))["createTask"]
        assert created["__typename"] == "Task" and created["drawnListWithheld"] is True
        task = created["id"]
        pk = int(from_base64(task)[1])
        seed_hash = hashlib.sha256(SEED.encode()).hexdigest()
        assert (await graphql_data(client, world, "a_clerk", COMMIT, t=task, h=seed_hash))["commitDraw"][
            "__typename"
        ] == "DrawCommitment"
        assert (await graphql_data(client, world, "a_clerk", REVEAL, t=task, s=SEED))["revealDraw"][
            "__typename"
        ] == "Task"
        assert (await graphql_data(client, world, "a_clerk", TEAMS, t=task))["drawInspectors"][
            "__typename"
        ] == "TeamList"

        # The departments see their list; the notice is not given (不发放告知书).
        items = (await graphql_data(client, world, "a_clerk", INSPECTIONS, t=task))["taskInspections"][
            "items"
        ]
        assert sorted(i["entity"]["creditCode"] for i in items) == codes
        refused = await client.post(items[0]["noticeUrl"], headers=world.auth("a_clerk"))
        assert (refused.status_code, refused.json()["code"]) == (409, "NOTICE_WITHHELD")

        # Every inspection but the last ends; a result is entered, submitted and approved.
        for item in items[:-1]:
            done = await graphql_data(
                client, world, "a_clerk", RECORD, i=item["id"], d="2022-11-14", e="2022-11-15"
            )
            assert done["recordInspection"]["__typename"] == "InspectionRecord"
        entered = await graphql_data(
            client, world, "a_clerk", ENTER, i=items[0]["id"], item=gid("InspectionItem", world.item_a.id)
        )
        result = entered["enterResult"]["id"]
        assert (await graphql_data(client, world, "a_clerk", SUBMIT, r=result))["submitResult"][
            "__typename"
        ] == "DepartmentResult"
        refused_publication = (await graphql_data(client, world, "a_reviewer", APPROVE, r=result))[
            "approveResult"
        ]
        assert (refused_publication["__typename"], refused_publication["errorCode"]) == (
            "ConflictError",
            "DRAWN_LIST_WITHHELD",
        )
        assert "不宜告知" in refused_publication["message"]

        # The public, before: the commitment, nothing that names an entity.
        before = await graphql_data(client, world, "public", PUBLIC, t=task)
        node = before["node"]
        draw_row = await session.scalar(select(Draw).where(Draw.task_id == pk))
        assert draw_row is not None and draw_row.platform_nonce is not None
        assert node["drawnListWithheld"] is True and node["drawnListDisclosedOn"] is None
        assert node["draw"] == {
            "seedSha256": seed_hash,
            "platformNonceSha256": draw_row.platform_nonce_sha256,
            "candidatesSha256": draw_row.candidates_sha256,
            "candidateCount": 5,
            "seed": None,
            "platformNonce": None,
            "locked": True,
        }
        assert node["drawnEntities"] == [] and node["resultSummary"] == {"published": 0}
        assert before["results"] == {"totalCount": 0} and before["search"] == {"totalCount": 0}
        page = await client.get(f"/tasks/{pk}")
        assert page.status_code == 200
        assert "不宜告知" in page.text and not any(code in page.text for code in codes)
        assert draw_row.platform_nonce not in page.text and SEED not in page.text
        candidates = await client.get(f"/tasks/{pk}/draw/candidates.txt")
        assert candidates.status_code == 404 and not any(code in candidates.text for code in codes)
        reveals = select(LogLeaf).where(LogLeaf.kind == "draw.revealed", LogLeaf.ref_id == draw_row.id)
        assert list(await session.scalars(reveals)) == []
        committed = select(LogLeaf).where(LogLeaf.kind == "draw.committed", LogLeaf.ref_id == draw_row.id)
        assert len(list(await session.scalars(committed))) == 1

        # The last inspection ends: the list is public, and the draw checks out.
        done = await graphql_data(
            client, world, "a_clerk", RECORD, i=items[-1]["id"], d="2022-11-18", e="2022-11-19"
        )
        assert done["recordInspection"]["__typename"] == "InspectionRecord"
        published = (await graphql_data(client, world, "a_reviewer", APPROVE, r=result))["approveResult"]
        assert published == {"__typename": "DepartmentResult", "status": "PUBLISHED"}
        after = await graphql_data(client, world, "public", PUBLIC, t=task)
        node = after["node"]
        assert node["drawnListWithheld"] is False and node["drawnListDisclosedOn"] == "2022-11-20"
        assert node["draw"]["seed"] == SEED and node["draw"]["platformNonce"] == draw_row.platform_nonce
        assert (
            hashlib.sha256(node["draw"]["platformNonce"].encode()).hexdigest()
            == node["draw"]["platformNonceSha256"]
        )
        assert sorted(e["creditCode"] for e in node["drawnEntities"]) == codes
        assert after["results"] == {"totalCount": 1} and after["search"] == {"totalCount": 1}
        candidates = await client.get(f"/tasks/{pk}/draw/candidates.txt")
        assert candidates.status_code == 200
        assert hashlib.sha256(candidates.content).hexdigest() == node["draw"]["candidatesSha256"]
        page = await client.get(f"/tasks/{pk}")
        assert all(code in page.text for code in codes) and "2022-11-20" in page.text
        assert len(list(await session.scalars(reveals))) == 1
