"""The entity's whole journey through HTTP with real tokens (issue 14 point 7; seed 004 四(二), 002 art.17).

From the 告知书 a department prints before the visit (its activation code) to the answer: the entity
redeems the code for its own token, finds its published result, objects with a PDF as evidence;
the initiating department receives and reviews it, both it and the department whose result it is
see and download the evidence, the review upholds the objection, the owning department's head
corrects the result, the initiating department answers, and the entity reads the answer with its
remedies. The department's side of the task itself (two-level review, return and revision,
publication) is tests/api/test_joint_task_e2e.py.

The world's result rB_pub: 姚安县市场监督管理局's (B, participating) result on a joint task led by
姚安县工业信息化商务科技局 (A), published Wed 2021-12-01; the clock reads Mon 2021-12-06.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from schema.models import AuditEvent
from tests.api.conftest import app_client
from tests.api.roles import gid
from tests.api.test_inspection_forms import text_of
from tests.api.world import World, build_world
from workdays import CHINA_TZ

PDF = b"%PDF-1.7 \xe7\xa7\x9f\xe8\xb5\x81\xe5\x90\x88\xe5\x90\x8c lease contract"
RECORD = """__typename ... on ObjectionRecord { id state evidenceCount answer
  evidence { fileName sha256 downloadUrl } } ... on UserError { errorCode message }"""
INSPECTIONS = """query($t: ID!) { taskInspections(taskId: $t) { ... on TaskInspectionPage { items {
  id noticeUrl entity { creditCode } results { id } } } } }"""
REDEEM = """mutation($c: String!, $k: String!) { redeemActivationCode(creditCode: $c, code: $k, holderName: "李四") {
  __typename ... on IssuedTokenRecord { token } ... on UserError { errorCode } } }"""
MINE = """query($c: String!) { entity(creditCode: $c) { name results(first: 20) { edges { node { id version
  department { name } categories { code } } } } } }"""
WORK = """{ objectionWorkList { ... on ObjectionWorkList { entries { action objection { id state
  evidence { fileName downloadUrl } } } } } }"""


class Session:
    """A token holder's HTTP calls."""

    def __init__(self, client: httpx.AsyncClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def __call__(self, query: str, **variables: Any) -> Any:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


async def _work(caller: Session) -> list[tuple[str, str, str]]:
    entries = (await caller(WORK))["objectionWorkList"]["entries"]
    return [(e["action"], e["objection"]["id"], e["objection"]["state"]) for e in entries]


async def test_from_the_notice_to_the_answer(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Any
) -> None:
    world: World = await build_world(session)
    result_b = gid("InspectionResult", world.ids["rB_pub"])

    def monday(*_: Any) -> datetime:
        return datetime(2021, 12, 6, 10, tzinfo=CHINA_TZ)

    async with app_client(session, engine, clock=monday, evidence_dir=str(tmp_path)) as client:
        dept = {who: Session(client, world.tokens[who]) for who in world.tokens if who != "entity"}

        # 1. Before the visit, A's clerk prints the 告知书 of the inspection, with a fresh code.
        items = (await dept["a_clerk"](INSPECTIONS, t=gid("Task", world.task.id)))["taskInspections"]["items"]
        # The department's list shows the department view of the same result (DepartmentResult).
        view_b = gid("DepartmentResult", world.ids["rB_pub"])
        [visit] = [i for i in items if view_b in [r["id"] for r in i["results"]]]
        pdf = await client.post(visit["noticeUrl"], headers=dept["a_clerk"].headers)
        assert pdf.status_code == 200
        text = text_of(pdf.content)
        code = re.search(r"激活码：([0-9A-Z-]{19})", text)
        assert code is not None and visit["entity"]["creditCode"] in text
        credit_code = visit["entity"]["creditCode"]

        # 2. The entity types the code from the paper: a token of its own.
        public = Session(client, None)
        issued = (await public(REDEEM, c=credit_code, k=code.group(1).lower()))["redeemActivationCode"]
        assert issued["__typename"] == "IssuedTokenRecord"
        me = Session(client, issued["token"])

        # 3. It finds its published results and B's among them.
        mine = (await me(MINE, c=credit_code))["entity"]
        by_department = {e["node"]["department"]["name"]: e["node"] for e in mine["results"]["edges"]}
        assert by_department[world.b.name]["id"] == result_b
        assert by_department[world.b.name]["categories"] == [{"code": "UNREACHABLE"}]

        # 4. It objects, with a PDF as evidence (written application and materials, 002 art.17).
        operations = {
            "query": 'mutation($r: ID!, $f: [Upload!]) { fileObjection(resultId: $r, grounds: "住所可以联系，附租赁合同",'
            f' idempotencyKey: "entity-e2e-0001", evidence: $f) {{ {RECORD} }} }}',
            "variables": {"r": result_b, "f": [None]},
        }
        filed = await client.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f.0"]})},
            files={"0": ("租赁合同.pdf", PDF, "application/pdf")},
            headers=me.headers,
        )
        record = filed.json()["data"]["fileObjection"]
        assert (record["__typename"], record["state"], record["evidenceCount"]) == (
            "ObjectionRecord",
            "FILED",
            1,
        )
        objection = record["id"]

        # 5. The initiating department finds it on its list, receives it and starts the review.
        assert await _work(dept["a_clerk"]) == [("RECEIVE", objection, "FILED")]
        receive = f"mutation($o: ID!) {{ receiveObjection(objectionId: $o) {{ {RECORD} }} }}"
        assert (await dept["a_clerk"](receive, o=objection))["receiveObjection"]["state"] == "RECEIVED"
        start = f"mutation($o: ID!) {{ startObjectionReview(objectionId: $o) {{ {RECORD} }} }}"
        assert (await dept["a_reviewer"](start, o=objection))["startObjectionReview"][
            "state"
        ] == "UNDER_REVIEW"

        # 6. Upheld: the correction goes to B, the department whose result it is.
        decide = f'mutation($o: ID!) {{ decideObjection(objectionId: $o, decision: UPHELD, reasons: "租赁合同证明住所可以联系") {{ {RECORD} }} }}'
        decided = (await dept["a_reviewer"](decide, o=objection))["decideObjection"]
        assert decided["state"] == "UPHELD"
        assert ("CORRECT", objection, "UPHELD") in await _work(dept["b_head"])

        # Both departments see the evidence and download it (each download audited); others cannot.
        for who, listed in (
            ("a_reviewer", decided["evidence"]),
            ("b_head", await _evidence_of(dept["b_head"], objection)),
        ):
            [file] = listed
            assert file["fileName"] == "租赁合同.pdf"
            got = await client.get(file["downloadUrl"], headers=dept[who].headers)
            assert got.status_code == 200 and got.content == PDF, who
        stranger = await client.get(decided["evidence"][0]["downloadUrl"], headers=dept["c_head"].headers)
        assert stranger.status_code == 404
        downloads = list(
            await session.scalars(
                select(AuditEvent.actor).where(AuditEvent.action == "objection.evidence.download")
            )
        )
        assert len(downloads) == 2 and len(set(downloads)) == 2

        # 7. B's head corrects the result (001 art.22); A's head may not (谁检查、谁公开).
        correct = (
            'mutation($o: ID!) { applyObjectionCorrection(objectionId: $o, categoryCodes: ["NO_PROBLEM"],'
            f' description: "经复查，住所可以联系") {{ {RECORD} }} }}'
        )
        assert (await dept["a_head"](correct, o=objection))["applyObjectionCorrection"][
            "errorCode"
        ] == "OTHER_PART"
        assert (await dept["b_head"](correct, o=objection))["applyObjectionCorrection"][
            "state"
        ] == "CORRECTED"

        # 8. A answers; the entity reads the answer, with its remedies, and its corrected result.
        answer = f'mutation($o: ID!) {{ answerObjection(objectionId: $o, text: "经复查，原结果有误，已更正。") {{ {RECORD} }} }}'
        assert (await dept["a_reviewer"](answer, o=objection))["answerObjection"]["state"] == "ANSWERED"
        own = (await me("{ myObjections { ... on ObjectionList { objections { id state answer } } } }"))[
            "myObjections"
        ]["objections"]
        [mine_now] = [o for o in own if o["id"] == objection]
        assert mine_now["state"] == "ANSWERED"
        assert (
            "已更正" in mine_now["answer"]
            and "行政复议" in mine_now["answer"]
            and "行政诉讼" in mine_now["answer"]
        )
        corrected = {
            e["node"]["department"]["name"]: e["node"]
            for e in (await public(MINE, c=credit_code))["entity"]["results"]["edges"]
        }
        assert corrected[world.b.name]["version"] == 2
        assert corrected[world.b.name]["categories"] == [{"code": "NO_PROBLEM"}]


async def _evidence_of(caller: Session, objection: str) -> list[dict[str, Any]]:
    """The evidence as the caller's objection work list shows it."""
    entries = (await caller(WORK))["objectionWorkList"]["entries"]
    [entry] = [e for e in entries if e["objection"]["id"] == objection]
    return list(entry["objection"]["evidence"])
