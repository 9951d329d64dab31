"""Objections through HTTP with real tokens and a pinned clock (seed 002 art.17).

Dates are worked out by hand from the 2026 notice (国办发明电〔2025〕7号): 中秋 Fri Sep 25 - Sun Sep 27,
国庆 Oct 1-7 off, make-up working days Sun Sep 20 and Sat Oct 10. The app trusts packaged holiday
data only up to 2026, so 2027 is a year whose schedule is not loaded.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from inspections.calendar import load_calendar, store_schedule
from inspections.principals import Role
from inspections.tokens import issue_token
from objections.deadlines import recompute_provisional
from tests import factories
from tests.api.conftest import app_client
from tests.factories import TEST
from workdays import CHINA_TZ, YearSchedule

ERR = "... on UserError { code message }"
RECORD = (
    "__typename ... on ObjectionRecord { id state windowEnds receivedOn reviewDue reviewDueProvisional decidedOn "
    "correctionDue answerDue answerDueProvisional answeredOn answer evidenceCount steps { toState on } } "
    + ERR
)
KNOWN_YEARS = frozenset(range(2004, 2027))


@dataclass
class Clock:
    """The pinned 'now' of the app under test."""

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
    result_id: str
    other_result_id: str

    async def call(self, who: str | None, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def file(
        self, who: str, result_id: str, key: str, pdf: bytes = b"%PDF-1.7 lease"
    ) -> dict[str, Any]:
        query = (
            "mutation($r: ID!, $g: String!, $k: String!, $files: [Upload!]) { fileObjection(resultId: $r, grounds: $g, "
            f"idempotencyKey: $k, evidence: $files) {{ {RECORD} }} }}"
        )
        operations = {
            "query": query,
            "variables": {"r": result_id, "g": "登记住所可以联系，附房屋租赁合同", "k": key, "files": [None]},
        }
        response = await self.client.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.files.0"]})},
            files={"0": ("租赁合同.pdf", pdf, "application/pdf")},
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
        )
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()["data"]["fileObjection"]
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
    # The participating department's result on each entity: that department's head corrects it.
    mine = next(r for r in joint.results if r.department_id == joint.participating.id)
    theirs = next(
        r
        for r in joint.results
        if r.department_id == joint.participating.id and r.entity_id != mine.entity_id
    )
    tokens = {}
    for key, department in (("init", joint.initiating), ("part", joint.participating)):
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
    for key, entity_id in (("entity_a", mine.entity_id), ("entity_b", theirs.entity_id)):
        code = next(e.credit_code for e in joint.entities if e.id == entity_id)
        tokens[key] = (
            await issue_token(session, actor="test", holder_name=key, entity_credit_code=code)
        ).secret
    await session.flush()
    clock = Clock()
    async with app_client(
        session, engine, clock=clock, calendar_builtin_years=KNOWN_YEARS, evidence_dir=str(tmp_path)
    ) as client:
        yield Scene(
            client,
            clock,
            tokens,
            to_base64("InspectionResult", mine.id),
            to_base64("InspectionResult", theirs.id),
        )


async def test_upheld_corrected_and_answered(scene: Scene) -> None:
    filed = await scene.file("entity_a", scene.result_id, "double-submit-0001")
    assert filed["state"] == "FILED" and filed["evidenceCount"] == 1
    # Published Tue 2026-09-01: Sep 1 + 60 = Sat Oct 31 (rest day) -> Mon 2026-11-02.
    assert filed["windowEnds"] == "2026-11-02"
    assert (await scene.file("entity_a", scene.result_id, "double-submit-0001"))["id"] == filed[
        "id"
    ]  # filed once
    oid = filed["id"]

    # Entity B learns nothing about A's result or objection.
    refused = await scene.file("entity_b", scene.result_id, "someone-else-001")
    assert refused == {
        "__typename": "NotFoundError",
        "code": "RESULT_NOT_FOUND",
        "message": "未找到该检查结果",
    }
    mine_b = await scene.call("entity_b", "{ myObjections { ... on ObjectionList { objections { id } } } }")
    assert mine_b["myObjections"]["objections"] == []
    withdraw = f"mutation($o: ID!) {{ withdrawObjection(objectionId: $o) {{ {RECORD} }} }}"
    assert (await scene.call("entity_b", withdraw, o=oid))["withdrawObjection"][
        "code"
    ] == "OBJECTION_NOT_FOUND"

    # The public sees that an objection is under way, nothing more.
    public = await scene.call(
        None, "query($id: ID!) { result(id: $id) { underObjection version } }", id=scene.result_id
    )
    assert public["result"] == {"underObjection": True, "version": 1}

    # It goes to the initiating department; the participating one, whose result it is, sees it
    # (its queue, the evidence) but cannot receive it.
    receive = (
        f'mutation($o: ID!) {{ receiveObjection(objectionId: $o, receivedOn: "2026-09-18") {{ {RECORD} }} }}'
    )
    assert (await scene.call("part_clerk", receive, o=oid))["receiveObjection"][
        "code"
    ] == "INITIATING_DEPARTMENT_ONLY"
    received = (await scene.call("init_clerk", receive, o=oid))["receiveObjection"]
    # From Fri Sep 18: Sun 20 (make-up) 1, 21-24 5, [25-27 中秋], 28-30 8, [国庆], Oct 8-9 10, Sat 10 11,
    # 12-16 16, 19-22 20 -> Thu 2026-10-22.
    assert (received["state"], received["reviewDue"], received["reviewDueProvisional"]) == (
        "RECEIVED",
        "2026-10-22",
        False,
    )

    scene.clock.set(2026, 9, 21)
    start = f"mutation($o: ID!) {{ startObjectionReview(objectionId: $o) {{ {RECORD} }} }}"
    assert (await scene.call("init_clerk", start, o=oid))["startObjectionReview"]["code"] == "ROLE_REQUIRED"
    assert (await scene.call("init_reviewer", start, o=oid))["startObjectionReview"][
        "state"
    ] == "UNDER_REVIEW"
    queue = (
        "{ objectionQueue(dueWithin: 20) { ... on ObjectionQueue { entries { clock due remainingWorkingDays objection { id } } } "
        + ERR
        + " } }"
    )
    entries = (await scene.call("init_reviewer", queue))["objectionQueue"]["entries"]
    # From Mon Sep 21 to Thu Oct 22: Sep 22-24 3, 28-30 6, Oct 8-10 9, 12-16 14, 19-22 18.
    assert [(e["clock"], e["due"], e["remainingWorkingDays"]) for e in entries] == [
        ("review", "2026-10-22", 18)
    ]
    # The owning department (participating here) has it in its queue too, marked as its result's.
    owning = (
        "{ objectionQueue { ... on ObjectionQueue { entries { clock due asInitiatingDepartment "
        "asOwningDepartment objection { id } } } } }"
    )
    assert (await scene.call("part_reviewer", owning))["objectionQueue"]["entries"] == [
        {
            "clock": "review",
            "due": "2026-10-22",
            "asInitiatingDepartment": False,
            "asOwningDepartment": True,
            "objection": {"id": oid},
        }
    ]
    assert (await scene.call("init_reviewer", owning))["objectionQueue"]["entries"] == [
        {
            "clock": "review",
            "due": "2026-10-22",
            "asInitiatingDepartment": True,
            "asOwningDepartment": False,
            "objection": {"id": oid},
        }
    ]
    assert (await scene.call("entity_a", queue))["objectionQueue"]["code"] == "DEPARTMENT_ONLY"

    scene.clock.set(2026, 9, 30)
    decide = f'mutation($o: ID!) {{ decideObjection(objectionId: $o, decision: UPHELD, reasons: "租赁合同证明住所可以联系") {{ {RECORD} }} }}'
    decided = (await scene.call("init_reviewer", decide, o=oid))["decideObjection"]
    # From Wed Sep 30: Oct 8 1, 9 2, Sat 10 3, 12 4, 13 5 -> Tue 2026-10-13; then 14-16 8, 19-23 13,
    # 26 14, 27 15 -> answer due Tue 2026-10-27.
    assert (decided["state"], decided["decidedOn"], decided["correctionDue"], decided["answerDue"]) == (
        "UPHELD",
        "2026-09-30",
        "2026-10-13",
        "2026-10-27",
    )
    assert (await scene.call("init_reviewer", decide, o=oid))["decideObjection"]["code"] == "OBJECTION_STATE"

    scene.clock.set(2026, 10, 9)
    correct = f'mutation($o: ID!) {{ applyObjectionCorrection(objectionId: $o, categoryCodes: ["NO_PROBLEM"], description: "经复查，住所可以联系") {{ {RECORD} }} }}'
    assert (await scene.call("init_head", correct, o=oid))["applyObjectionCorrection"]["code"] == "OTHER_PART"
    assert (await scene.call("part_head", correct, o=oid))["applyObjectionCorrection"]["state"] == "CORRECTED"

    scene.clock.set(2026, 10, 12)
    answer = f'mutation($o: ID!) {{ answerObjection(objectionId: $o, text: "经复查，原结果有误，已更正。") {{ {RECORD} }} }}'
    answered = (await scene.call("init_reviewer", answer, o=oid))["answerObjection"]
    assert (
        answered["state"] == "ANSWERED"
        and "行政复议" in answered["answer"]
        and "行政诉讼" in answered["answer"]
    )

    mine = await scene.call(
        "entity_a",
        "{ myObjections { ... on ObjectionList { objections { "
        + RECORD.split("... on UserError")[0].split("ObjectionRecord", 1)[1].strip()[1:-1]
        + " } } } }",
    )
    record = mine["myObjections"]["objections"][0]
    assert [(s["toState"], s["on"]) for s in record["steps"]] == [
        ("FILED", "2026-09-18"),
        ("RECEIVED", "2026-09-18"),
        ("UNDER_REVIEW", "2026-09-21"),
        ("UPHELD", "2026-09-30"),
        ("CORRECTED", "2026-10-09"),
        ("ANSWERED", "2026-10-12"),
    ]
    # The file counts wherever the record is read, not only in the filing answer (it read 0 here).
    assert record["evidenceCount"] == 1 and answered["evidenceCount"] == 1 and decided["evidenceCount"] == 1
    history = await scene.call(
        None,
        "query($id: ID!) { result(id: $id) { underObjection version history { changeReason } } }",
        id=scene.result_id,
    )
    assert history["result"]["underObjection"] is False and history["result"]["version"] == 2
    assert (
        history["result"]["history"][1]["changeReason"] == "经异议复查，原检查结果确有错误，予以更正"
    )  # no grounds, no reasons


async def test_maintained_into_2027_then_exact_and_a_withdrawal(scene: Scene, session: AsyncSession) -> None:
    scene.clock.set(2026, 10, 30)
    filed = await scene.file("entity_a", scene.result_id, "maintained-00001")
    oid = filed["id"]
    # Received when filed: from Fri Oct 30: Nov 2-6 5, 9-13 10, 16-20 15, 23-27 20 -> Fri 2026-11-27.
    assert (filed["state"], filed["receivedOn"], filed["reviewDue"]) == ("FILED", "2026-10-30", "2026-11-27")
    scene.clock.set(2026, 11, 2)
    later = (
        f'mutation($o: ID!) {{ receiveObjection(objectionId: $o, receivedOn: "2026-11-02") {{ {RECORD} }} }}'
    )
    refused = (await scene.call("init_clerk", later, o=oid))["receiveObjection"]
    assert (refused["__typename"], refused["code"]) == ("InvalidInputError", "RECEIPT_DATE_FIXED")
    assert "2026-10-30" in refused["message"]
    receive = f"mutation($o: ID!) {{ receiveObjection(objectionId: $o) {{ {RECORD} }} }}"
    received = (await scene.call("init_clerk", receive, o=oid))["receiveObjection"]
    assert (received["state"], received["receivedOn"], received["reviewDue"]) == (
        "RECEIVED",
        "2026-10-30",
        "2026-11-27",
    )
    assert received["steps"][-1] == {"toState": "RECEIVED", "on": "2026-11-02"}
    scene.clock.set(2026, 12, 22)
    decide = f'mutation($o: ID!) {{ decideObjection(objectionId: $o, decision: MAINTAINED, reasons: "现场记录清楚") {{ {RECORD} }} }}'
    decided = (await scene.call("init_reviewer", decide, o=oid))["decideObjection"]
    # From Tue Dec 22: Dec 23-25 3, 28-31 7, then 2027 unknown (weekdays): Jan 1 8, Jan 4-8 13, 11 14,
    # 12 15 -> Tue 2027-01-12, provisional.
    assert (
        decided["state"],
        decided["correctionDue"],
        decided["answerDue"],
        decided["answerDueProvisional"],
    ) == ("MAINTAINED", None, "2027-01-12", True)

    # `gongshi calendar load 2027.json` stores the schedule and recomputes provisional clocks
    # (the steps below are the ones that command runs). Made up for the test: Jan 1-3 off.
    schedule = YearSchedule(
        2027,
        frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}),
        frozenset(),
        "测试用2027年安排",
    )
    await store_schedule(session, by=TEST, schedule=schedule)
    assert await recompute_provisional(session, await load_calendar(session, builtin_years=KNOWN_YEARS)) == 1
    await session.flush()
    mine = await scene.call(
        "entity_a",
        "{ myObjections { ... on ObjectionList { objections { state answerDue answerDueProvisional } } } }",
    )
    # Dec 23-31 7, Jan 4-8 12, Jan 11-13 15 -> Wed 2027-01-13, exact.
    assert mine["myObjections"]["objections"][0] == {
        "state": "MAINTAINED",
        "answerDue": "2027-01-13",
        "answerDueProvisional": False,
    }

    # Entity B files on its own result, then withdraws before any decision.
    scene.clock.set(2026, 10, 20)
    other = await scene.file("entity_b", scene.other_result_id, "withdrawn-000001")
    withdraw = f"mutation($o: ID!) {{ withdrawObjection(objectionId: $o) {{ {RECORD} }} }}"
    scene.clock.set(2026, 10, 21)
    gone = (await scene.call("entity_b", withdraw, o=other["id"]))["withdrawObjection"]
    assert gone["state"] == "WITHDRAWN" and [s["toState"] for s in gone["steps"]] == ["FILED", "WITHDRAWN"]
    assert (await scene.call("entity_b", withdraw, o=other["id"]))["withdrawObjection"][
        "code"
    ] == "OBJECTION_STATE"


async def test_late_and_invalid_filings_through_http(scene: Scene) -> None:
    scene.clock.now = datetime(2026, 11, 3, 0, 0, tzinfo=CHINA_TZ)  # the window ended at 24:00 on Nov 2
    late = await scene.file("entity_a", scene.result_id, "too-late-000001")
    assert (
        late["__typename"] == "ConflictError"
        and late["code"] == "OBJECTION_WINDOW_CLOSED"
        and "2026-11-02" in late["message"]
    )
    scene.clock.set(2026, 10, 1)
    wrong = await scene.file("entity_a", scene.result_id, "wrong-type-0001", pdf=b"GIF89a not a pdf")
    assert wrong["code"] == "EVIDENCE_TYPE" and "租赁合同.pdf" in wrong["message"]
    by_department = await scene.file("init_clerk", scene.result_id, "department-0001")
    assert by_department["code"] == "ENTITY_ONLY"
