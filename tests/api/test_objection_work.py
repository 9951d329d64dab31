"""An objection worked from the lists, evidence seen and downloaded by both departments (issue 14
points 4-5; seed 002 art.17, 001 art.22).

Every ID comes from a work list or a queue, never from the previous mutation's answer. The result
under objection is the participating department's (the owning department, whose head corrects it);
the objection goes to the initiating department. Dates are worked out by hand from the 2026 notice
(国办发明电〔2025〕7号): 中秋 Fri Sep 25 - Sun Sep 27 and 国庆 Oct 1-7 off, make-up working days
Sun Sep 20 and Sat Oct 10.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from inspections.principals import Role
from inspections.tokens import issue_token
from schema.models import AuditEvent, Department, InspectionResult
from tests import factories
from tests.api.conftest import app_client
from workdays import CHINA_TZ

KNOWN_YEARS = frozenset(range(2004, 2027))
PDF = b"%PDF-1.7 house lease 2026"
PNG = b"\x89PNG\r\n\x1a\n photo of the registered address"
ERR = "... on UserError { code message }"
EVIDENCE = "evidence { id fileName contentType size sha256 uploadedAt downloadUrl }"
WORK = (
    "query($after: String) { objectionWorkList(first: 10, after: $after) { __typename ... on ObjectionWorkList { "
    "totalCount hasNextPage endCursor entries { action due dueProvisional remainingWorkingDays overdue cursor "
    f"objection {{ id state resultId {EVIDENCE} }} }} }} {ERR} }} }}"
)


@dataclass
class Clock:
    now: datetime = datetime(2026, 9, 18, 10, 0, tzinfo=CHINA_TZ)

    def set(self, y: int, m: int, d: int) -> None:
        self.now = datetime(y, m, d, 10, 0, tzinfo=CHINA_TZ)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Scene:
    client: httpx.AsyncClient
    clock: Clock
    tokens: dict[str, str]
    departments: dict[str, Department]
    result_id: int

    def auth(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    async def call(self, who: str | None, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.auth(who)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def work(self, who: str) -> list[dict[str, Any]]:
        payload = (await self.call(who, WORK))["objectionWorkList"]
        assert payload["__typename"] == "ObjectionWorkList", payload
        assert payload["totalCount"] == len(payload["entries"]) and payload["hasNextPage"] is False
        entries: list[dict[str, Any]] = payload["entries"]
        assert payload["endCursor"] == (entries[-1]["cursor"] if entries else None)
        return entries

    async def mutate(self, who: str, call: str, objection_id: str) -> dict[str, Any]:
        name = call.split("(", 1)[0]
        query = (
            f"mutation($o: ID!) {{ {call} {{ __typename ... on ObjectionRecord {{ state }} {ERR} }} }}"
        ).replace("$OID", "$o")
        payload: dict[str, Any] = (await self.call(who, query, o=objection_id))[name]
        return payload


@pytest.fixture
async def scene(session: AsyncSession, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Scene]:
    joint = await factories.joint_task(
        session,
        entities=2,
        categories=("UNREACHABLE",),
        ended_on=date(2026, 8, 25),
        published_on=date(2026, 9, 1),
    )
    owned = next(r for r in joint.results if r.department_id == joint.participating.id)
    other = await factories.department(session, "新平县自然资源局", region="530427")
    departments = {"init": joint.initiating, "part": joint.participating, "other": other}
    tokens = {}
    for key, department in departments.items():
        for role in Role:
            tokens[f"{key}_{role.value}"] = (
                await issue_token(
                    session,
                    actor="test",
                    holder_name=f"{key}{role.value}",
                    department_code=department.code,
                    role=role,
                )
            ).secret
    codes = {e.id: e.credit_code for e in joint.entities}
    stranger = next(e for e in joint.entities if e.id != owned.entity_id)
    tokens["entity"] = (
        await issue_token(
            session, actor="test", holder_name="经办人", entity_credit_code=codes[owned.entity_id]
        )
    ).secret
    tokens["stranger"] = (
        await issue_token(session, actor="test", holder_name="他人", entity_credit_code=stranger.credit_code)
    ).secret
    await session.flush()
    clock = Clock()
    async with app_client(
        session, engine, clock=clock, calendar_builtin_years=KNOWN_YEARS, evidence_dir=str(tmp_path)
    ) as client:
        yield Scene(client, clock, tokens, departments, owned.id)


async def _file_two(scene: Scene) -> dict[str, Any]:
    query = (
        (
            "mutation($r: ID!, $files: [Upload!]) { fileObjection(resultId: $r, grounds: $g, idempotencyKey: $k, "
            "evidence: $files) { __typename ... on ObjectionRecord { state evidenceCount } } }"
        )
        .replace("$g", '"登记住所可以联系，附租赁合同和现场照片"')
        .replace("$k", '"work-list-0001"')
    )
    operations = {
        "query": query,
        "variables": {"r": to_base64("InspectionResult", scene.result_id), "files": [None, None]},
    }
    response = await scene.client.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.files.0"], "1": ["variables.files.1"]}),
        },
        files={"0": ("租赁合同.pdf", PDF, "application/pdf"), "1": ("现场照片.png", PNG, "image/png")},
        headers=scene.auth("entity"),
    )
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["fileObjection"]
    return payload


async def test_objection_worked_from_the_lists_with_evidence_for_both_departments(
    scene: Scene, session: AsyncSession
) -> None:
    assert await _file_two(scene) == {"__typename": "ObjectionRecord", "state": "FILED", "evidenceCount": 2}

    # The initiating department's clerk finds it on its list: receive, review due Thu 2026-10-22
    # (from Fri Sep 18: Sun 20 make-up 1, 21-24 5, 28-30 8, Oct 8-9 10, Sat 10 11, 12-16 16, 19-22 20).
    [entry] = await scene.work("init_clerk")
    assert {k: entry[k] for k in ("action", "due", "dueProvisional", "remainingWorkingDays", "overdue")} == {
        "action": "RECEIVE",
        "due": "2026-10-22",
        "dueProvisional": False,
        "remainingWorkingDays": 20,
        "overdue": False,
    }
    objection = entry["objection"]
    assert objection["state"] == "FILED"
    assert objection["resultId"] == to_base64("InspectionResult", scene.result_id)
    files = objection["evidence"]
    assert [(f["fileName"], f["contentType"], f["size"], f["sha256"]) for f in files] == [
        ("租赁合同.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
        ("现场照片.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest()),
    ]
    assert all(f["uploadedAt"] and f["id"] for f in files)
    urls = [f["downloadUrl"] for f in files]
    assert len(set(urls)) == 2 and all(u.startswith("/objections/evidence/") for u in urls)
    # The owning department's clerk and head have nothing to do yet; its reviewer sees it queued.
    assert await scene.work("part_clerk") == [] and await scene.work("part_head") == []
    queue = (
        "{ objectionQueue { ... on ObjectionQueue { entries { clock asInitiatingDepartment asOwningDepartment "
        f"objection {{ id {EVIDENCE} }} }} }} }} }}"
    )
    [queued] = (await scene.call("part_reviewer", queue))["objectionQueue"]["entries"]
    assert (queued["clock"], queued["asInitiatingDepartment"], queued["asOwningDepartment"]) == (
        "review",
        False,
        True,
    )
    assert queued["objection"]["id"] == objection["id"] and queued["objection"]["evidence"] == files
    assert (await scene.call("other_reviewer", queue))["objectionQueue"]["entries"] == []

    # Both departments and the entity download both files, byte for byte; each download audited.
    for who, url in [("init_clerk", urls[0]), ("init_clerk", urls[1]), ("part_reviewer", urls[0]),
                     ("part_reviewer", urls[1]), ("entity", urls[1])]:  # fmt: skip
        response = await scene.client.get(url, headers=scene.auth(who))
        assert response.status_code == 200, (who, response.text)
        expected = PDF if url == urls[0] else PNG
        assert response.content == expected
        assert response.headers["x-content-sha256"] == hashlib.sha256(expected).hexdigest()
        assert response.headers["content-type"] == ("application/pdf" if url == urls[0] else "image/png")
        assert response.headers["cache-control"] == "private, no-store"
        assert "filename*=UTF-8''" in response.headers["content-disposition"]
    # Anyone else gets what an invented ID gets, body for body, and no audit row.
    invented = await scene.client.get("/objections/evidence/99999999", headers=scene.auth("init_clerk"))
    assert invented.status_code == 404
    assert invented.json() == {"code": "EVIDENCE_NOT_FOUND", "message": "未找到该证明材料", "field": None}
    outsiders: tuple[str | None, ...] = ("stranger", "other_clerk", "other_head", None)
    for outsider in outsiders:
        refused = await scene.client.get(urls[0], headers=scene.auth(outsider))
        assert (refused.status_code, refused.content) == (404, invented.content), outsider
    rows = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "objection.evidence.download")
            .order_by(AuditEvent.id)
        )
    ).all()
    init, part = scene.departments["init"].id, scene.departments["part"].id
    evidence_ids = [u.rsplit("/", 1)[1] for u in urls]
    assert [(r.actor, r.object_type, r.object_id) for r in rows] == [
        (f"department:{init}:clerk:initclerk", "ObjectionEvidence", evidence_ids[0]),
        (f"department:{init}:clerk:initclerk", "ObjectionEvidence", evidence_ids[1]),
        (f"department:{part}:reviewer:partreviewer", "ObjectionEvidence", evidence_ids[0]),
        (f"department:{part}:reviewer:partreviewer", "ObjectionEvidence", evidence_ids[1]),
        (rows[4].actor, "ObjectionEvidence", evidence_ids[1]),
    ]
    assert rows[4].actor.startswith("entity:") and rows[4].actor.endswith(":经办人")
    assert all(r.occurred_at is not None for r in rows)
    assert [r.after["filename"] for r in rows if r.after] == ["租赁合同.pdf", "现场照片.png"] * 2 + [
        "现场照片.png"
    ]

    # Received from the clerk's list; the participating department may not receive it.
    assert (await scene.mutate("part_clerk", "receiveObjection(objectionId: $o)", objection["id"]))[
        "code"
    ] == "INITIATING_DEPARTMENT_ONLY"
    assert (await scene.mutate("init_clerk", "receiveObjection(objectionId: $o)", objection["id"]))[
        "state"
    ] == "RECEIVED"
    assert await scene.work("init_clerk") == []

    # Mon Sep 21: the reviewer's list says review (18 working days left: Sep 22-24 3, 28-30 6,
    # Oct 8-10 9, 12-16 14, 19-22 18).
    scene.clock.set(2026, 9, 21)
    [entry] = await scene.work("init_reviewer")
    assert (entry["action"], entry["remainingWorkingDays"]) == ("REVIEW", 18)
    oid = entry["objection"]["id"]
    assert (await scene.mutate("init_reviewer", "startObjectionReview(objectionId: $o)", oid))[
        "state"
    ] == "UNDER_REVIEW"

    # Wed Sep 30: decide from the list, review due in 12 working days (Oct 8-9 2, Sat 10 3, 12-16 8,
    # 19-22 12). Correction due Tue Oct 13 (Oct 8 1, 9 2, Sat 10 3, 12 4,
    # 13 5); answer due Tue Oct 27 (14-16 8, 19-23 13, 26 14, 27 15).
    scene.clock.set(2026, 9, 30)
    [entry] = await scene.work("init_reviewer")
    assert (entry["action"], entry["due"], entry["remainingWorkingDays"]) == ("DECIDE", "2026-10-22", 12)
    decide = 'decideObjection(objectionId: $o, decision: UPHELD, reasons: "租赁合同和照片证明住所可以联系")'
    assert (await scene.mutate("init_reviewer", decide, entry["objection"]["id"]))["state"] == "UPHELD"
    assert await scene.work("init_reviewer") == [] and await scene.work("init_head") == []

    # Fri Oct 9: the owning department's head finds the correction on its list, 3 working days
    # left (Sat Oct 10 make-up 1, 12 2, 13 3), and corrects from it.
    scene.clock.set(2026, 10, 9)
    [entry] = await scene.work("part_head")
    assert {k: entry[k] for k in ("action", "due", "dueProvisional", "remainingWorkingDays", "overdue")} == {
        "action": "CORRECT",
        "due": "2026-10-13",
        "dueProvisional": False,
        "remainingWorkingDays": 3,
        "overdue": False,
    }
    assert entry["objection"]["evidence"] == files
    correct = 'applyObjectionCorrection(objectionId: $o, categoryCodes: ["NO_PROBLEM"], description: "经复查，住所可以联系")'
    assert (await scene.mutate("part_head", correct, entry["objection"]["id"]))["state"] == "CORRECTED"
    assert await scene.work("part_head") == []

    # Mon Oct 12: the initiating department answers from its list (Oct 13-16 4, 19-23 9, 26 10, 27 11).
    scene.clock.set(2026, 10, 12)
    [entry] = await scene.work("init_head")
    assert (entry["action"], entry["due"], entry["remainingWorkingDays"], entry["overdue"]) == (
        "ANSWER",
        "2026-10-27",
        11,
        False,
    )
    answer = 'answerObjection(objectionId: $o, text: "经复查，原结果有误，已更正。")'
    assert (await scene.mutate("init_head", answer, entry["objection"]["id"]))["state"] == "ANSWERED"
    for who in ("init_clerk", "init_reviewer", "init_head", "part_head", "part_reviewer"):
        assert await scene.work(who) == [], who
    # The entity still sees its files after the answer.
    mine = await scene.call(
        "entity", f"{{ myObjections {{ ... on ObjectionList {{ objections {{ state {EVIDENCE} }} }} }} }}"
    )
    assert mine["myObjections"]["objections"] == [{"state": "ANSWERED", "evidence": files}]


async def test_the_work_list_pages_by_due_date_and_refuses_outsiders(
    scene: Scene, session: AsyncSession
) -> None:
    # Two objections on the owning department's results: both go to the initiating clerk's list.
    assert (await _file_two(scene))["state"] == "FILED"
    scene.clock.set(2026, 9, 21)
    # The other entity objects to its own result of the participating department.
    stranger_result = await session.scalar(
        select(InspectionResult.id).where(
            InspectionResult.department_id == scene.departments["part"].id,
            InspectionResult.id != scene.result_id,
        )
    )
    filed = await scene.call(
        "stranger",
        'mutation($r: ID!) { fileObjection(resultId: $r, grounds: "住所可以联系", idempotencyKey: "second-0001") { __typename } }',
        r=to_base64("InspectionResult", stranger_result),
    )
    assert filed["fileObjection"]["__typename"] == "ObjectionRecord"
    first = (await scene.call("init_clerk", WORK.replace("first: 10", "first: 1")))["objectionWorkList"]
    assert (first["totalCount"], first["hasNextPage"], len(first["entries"])) == (2, True, 1)
    # Filed Fri Sep 18 -> due Oct 22; filed Mon Sep 21 -> Sep 22-24 3, 28-30 6, Oct 8-10 9, 12-16 14,
    # 19-23 19, 26 20 -> Mon Oct 26.
    assert first["entries"][0]["due"] == "2026-10-22"
    second = (
        await scene.call("init_clerk", WORK.replace("first: 10", "first: 1"), after=first["endCursor"])
    )["objectionWorkList"]
    assert (second["totalCount"], second["hasNextPage"], [e["due"] for e in second["entries"]]) == (
        2,
        False,
        ["2026-10-26"],
    )
    assert second["entries"][0]["objection"]["id"] != first["entries"][0]["objection"]["id"]
    for who, code in (("entity", "DEPARTMENT_ONLY"), (None, "DEPARTMENT_ONLY")):
        refused = (await scene.call(who, WORK))["objectionWorkList"]
        assert (refused["__typename"], refused["code"]) == ("PermissionDeniedError", code)
