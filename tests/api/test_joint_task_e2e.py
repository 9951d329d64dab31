"""One whole joint task through HTTP with real tokens, from item list to a corrected public result.

seed 001 art.15-22, seed 002 art.8-17: items, plan, task, a verifiable draw, inspectors, results of
two departments, review with one return, publication, a correction signed by the head.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import from_base64, to_base64

from inspections.principals import Role
from inspections.tokens import issue_token
from tests import factories
from tests.api.test_inspection_forms import text_of
from workdays import china_today


class Caller:
    """A token holder talking to the API."""

    def __init__(self, client: httpx.AsyncClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


def ok(payload: dict[str, Any], typename: str) -> dict[str, Any]:
    assert payload["__typename"] == typename, payload
    return payload


ERR = "... on UserError { code message }"


async def test_joint_task_end_to_end(client: httpx.AsyncClient, session: AsyncSession) -> None:
    today = china_today()
    # The inspections end three days ago; the plan is that year's (a task lies within its plan's year).
    ended = today - timedelta(days=3)
    year = ended.year
    commerce = await factories.department(session, "姚安县工业信息化商务科技局")
    market = await factories.department(session, "姚安县市场监督管理局")
    industry = "二手车交易-e2e"
    for n in range(5):  # the directory the draw starts from
        await factories.entity(session, f"姚安县鑫达{n}号二手车交易有限公司", industry=industry)
    tokens = {}
    for key, department in (("c", commerce), ("m", market)):
        for role in Role:
            issued = await issue_token(
                session,
                actor="test",
                holder_name=f"{key}-{role.value}",
                department_code=department.code,
                role=role,
            )
            tokens[f"{key}_{role.value}"] = issued.secret
    await session.flush()
    call = {k: Caller(client, v) for k, v in tokens.items()}
    public = Caller(client, None)

    # Inspectors (admins) and item lists (clerks), each department its own.
    for key, badges in (("c", ("GX-1", "GX-2")), ("m", ("SJ-1", "SJ-2"))):
        for badge in badges:
            data = await call[f"{key}_admin"](
                f'mutation {{ registerInspector(badgeNumber: "{badge}-{commerce.id}", name: "{badge}") {{ __typename {ERR} }} }}'
            )
            ok(data["registerInspector"], "InspectorRecord")
    item_query = (
        'mutation($code: String!, $name: String!) { createInspectionItem(code: $code, name: $name, category: "二手车流通",'
        ' legalBasis: "《二手车流通管理办法》", method: ON_SITE, effectiveFrom: "2021-01-01") {'
        f" __typename ... on InspectionItem {{ id }} {ERR} }} }}"
    )
    item_c = ok(
        (await call["c_clerk"](item_query, code="E2E-GX", name="二手车经营备案检查"))["createInspectionItem"],
        "InspectionItem",
    )
    item_m = ok(
        (await call["m_clerk"](item_query, code="E2E-SJ", name="二手车销售合同行为检查"))[
            "createInspectionItem"
        ],
        "InspectionItem",
    )

    # Plan: drafted by a clerk, published by a reviewer before the jurisdiction's deadline.
    plan = ok(
        (
            await call["c_clerk"](
                f'mutation {{ createPlan(year: {year}, title: "联合抽查计划") {{ __typename ... on PlanRecord {{ id }} {ERR} }} }}'
            )
        )["createPlan"],
        "PlanRecord",
    )
    published = ok(
        (
            await call["c_reviewer"](
                "mutation($id: ID!) { publishPlan(planId: $id) { __typename ... on PlanRecord { status publishedLate publicationDeadline } "
                f"{ERR} }} }}",
                id=plan["id"],
            )
        )["publishPlan"],
        "PlanRecord",
    )
    # 云南: the end of March (seed 002 art.6); a plan published after it is marked late.
    assert published["status"] == "PUBLISHED"
    assert published["publicationDeadline"] == f"{year}-03-31"
    assert published["publishedLate"] is (today > date(year, 3, 31))

    # Task: the commerce bureau initiates, the market bureau joins; 40% of 5 rounds up to 2.
    task = ok(
        (
            await call["c_clerk"](
                "mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename ... on Task { id } "
                f"{ERR} }} }}",
                input={
                    "name": "二手车市场监管联合抽查",
                    "planId": plan["id"],
                    "participatingDepartmentIds": [to_base64("Department", market.id)],
                    "items": [
                        {"itemId": item_c["id"], "departmentId": to_base64("Department", commerce.id)},
                        {"itemId": item_m["id"], "departmentId": to_base64("Department", market.id)},
                    ],
                    "strata": [{"name": "二手车经营主体", "ratioPercent": "40", "industry": industry}],
                    "periodStart": max(today - timedelta(days=30), date(year, 1, 1)).isoformat(),
                    "periodEnd": min(today, date(year, 12, 31)).isoformat(),
                    "level": "COUNTY",
                    "method": "ON_SITE",
                    "regionCode": "532325",
                },
            )
        )["createTask"],
        "Task",
    )

    # Draw, step 1: commit to a secret seed; the public sees the hashes, not the seed.
    seed = "姚安县二手车联合抽查-公开种子-2026"
    commitment = ok(
        (
            await call["c_clerk"](
                "mutation($t: ID!, $h: String!) { commitDraw(taskId: $t, seedSha256: $h) { __typename "
                f"... on DrawCommitment {{ candidatesSha256 candidateCount locked platformNonceSha256 }} {ERR} }} }}",
                t=task["id"],
                h=hashlib.sha256(seed.encode()).hexdigest(),
            )
        )["commitDraw"],
        "DrawCommitment",
    )
    assert commitment["candidateCount"] == 5 and commitment["locked"] is False
    # The download address uses the task's reference number, which the task itself shows.
    shown = await public(
        "query($id: ID!) { node(id: $id) { ... on Task { referenceNumber } } }", id=task["id"]
    )
    task_pk = shown["node"]["referenceNumber"]
    assert task_pk == int(from_base64(task["id"])[1])
    listing = await client.get(f"/tasks/{task_pk}/draw/candidates.txt")
    assert hashlib.sha256(listing.content).hexdigest() == commitment["candidatesSha256"]
    seen = await public(
        "query($id: ID!) { node(id: $id) { ... on Task { draw { seed locked seedSha256 platformNonce } } } }",
        id=task["id"],
    )
    assert seen["node"]["draw"] == {
        "seed": None,
        "locked": False,
        "seedSha256": hashlib.sha256(seed.encode()).hexdigest(),
        "platformNonce": None,
    }

    # Step 2: reveal; anyone re-runs gongshi-draw-v2 from the published list, seed and platform nonce.
    revealed = ok(
        (
            await call["c_clerk"](
                "mutation($t: ID!, $s: String!) { revealDraw(taskId: $t, seed: $s) { __typename ... on Task { drawnEntities { creditCode } draw { seed locked platformNonce platformNonceSha256 } } "
                f"{ERR} }} }}",
                t=task["id"],
                s=seed,
            )
        )["revealDraw"],
        "Task",
    )
    lines = [line.split("\t") for line in listing.text.split("\n")]
    k = math.ceil(len(lines) * 4000 / 10000)
    nonce = revealed["draw"]["platformNonce"]
    assert hashlib.sha256(nonce.encode()).hexdigest() == revealed["draw"]["platformNonceSha256"]
    assert revealed["draw"]["platformNonceSha256"] == commitment["platformNonceSha256"]
    combined = hashlib.sha256(f"{seed}\n{nonce}".encode()).hexdigest()
    expected = sorted(
        lines, key=lambda line: hashlib.sha256(f"{combined}\n{line[0]}\n{line[1]}".encode()).hexdigest()
    )[:k]
    assert [e["creditCode"] for e in revealed["drawnEntities"]] == [code for _, code in expected]
    assert (revealed["draw"]["seed"], revealed["draw"]["locked"]) == (seed, True)
    again = (
        await call["c_clerk"](
            f'mutation($t: ID!) {{ revealDraw(taskId: $t, seed: "{seed}") {{ __typename {ERR} }} }}',
            t=task["id"],
        )
    )["revealDraw"]
    assert again == {
        "__typename": "ConflictError",
        "code": "DRAW_LOCKED",
        "message": "该任务的检查对象名单已抽取并锁定，不得更改",
    }

    # Inspectors: a leader of the initiating department and a member of the participant per entity.
    team = ok(
        (
            await call["c_clerk"](
                "mutation($t: ID!) { drawInspectors(taskId: $t) { __typename ... on TeamList { members { inspectionId role departmentId } } "
                f"{ERR} }} }}",
                t=task["id"],
            )
        )["drawInspectors"],
        "TeamList",
    )
    inspections = sorted({m["inspectionId"] for m in team["members"]})
    assert len(inspections) == 2 and len(team["members"]) == 4
    for inspection in inspections:
        roles = {(m["role"], m["departmentId"]) for m in team["members"] if m["inspectionId"] == inspection}
        assert roles == {
            ("LEADER", to_base64("Department", commerce.id)),
            ("MEMBER", to_base64("Department", market.id)),
        }

    for inspection in inspections:
        ok(
            (
                await call["c_clerk"](
                    "mutation($i: ID!, $a: Date!, $b: Date!) { recordInspection(inspectionId: $i, inspectedOn: $a, endedOn: $b) "
                    f"{{ __typename {ERR} }} }}",
                    i=inspection,
                    a=max(ended - timedelta(days=1), date(year, 1, 1)).isoformat(),
                    b=ended.isoformat(),
                )
            )["recordInspection"],
            "InspectionRecord",
        )

    # The 记录表 of each entity (seed 002 art.13, 一企一表), printed by the initiating clerk: the whole
    # team on it, from the team drawn above (issue 14 point 11).
    for inspection in inspections:
        pk = from_base64(inspection)[1]
        form = await client.get(f"/inspections/{pk}/record-form.pdf", headers=call["c_clerk"].headers)
        assert form.status_code == 200 and form.headers["content-type"] == "application/pdf"
        text = text_of(form.content)
        assert "随机抽查联合检查记录表" in text and commerce.name in text and market.name in text
        assert text.count("组长") == 1 and text.count("组员") == 1

    # Results: each department enters its own item (谁检查、谁录入) and submits.
    enter = (
        "mutation($i: ID!, $item: ID!, $codes: [String!]!) { enterResult(inspectionId: $i, itemId: $item, "
        'categoryCodes: $codes, description: "现场检查") { __typename ... on DepartmentResult { id status } '
        f"{ERR} }} }}"
    )
    submit = f"mutation($r: ID!) {{ submitResult(resultId: $r) {{ __typename ... on DepartmentResult {{ status }} {ERR} }} }}"
    made = {}
    for n, inspection in enumerate(inspections):
        c = ok(
            (await call["c_clerk"](enter, i=inspection, item=item_c["id"], codes=["NO_PROBLEM"]))[
                "enterResult"
            ],
            "DepartmentResult",
        )
        m = ok(
            (
                await call["m_clerk"](
                    enter,
                    i=inspection,
                    item=item_m["id"],
                    codes=["UNREACHABLE"] if n == 0 else ["NO_PROBLEM"],
                )
            )["enterResult"],
            "DepartmentResult",
        )
        made[(n, "c")], made[(n, "m")] = c["id"], m["id"]
        assert (
            ok((await call["c_clerk"](submit, r=c["id"]))["submitResult"], "DepartmentResult")["status"]
            == "UNDER_REVIEW"
        )
        ok((await call["m_clerk"](submit, r=m["id"]))["submitResult"], "DepartmentResult")

    # Review: the initiating department's reviewer returns one of the participant's results.
    returned = ok(
        (
            await call["c_reviewer"](
                'mutation($r: ID!) { returnResult(resultId: $r, reason: "缺少当事人签字") { __typename ... on DepartmentResult { status internalNote } '
                f"{ERR} }} }}",
                r=made[(1, "m")],
            )
        )["returnResult"],
        "DepartmentResult",
    )
    assert returned == {
        "__typename": "DepartmentResult",
        "status": "RETURNED",
        "internalNote": "缺少当事人签字",
    }
    # The team revises what was returned (seed 002 art.16: 重新核实…再次上报审核), then submits again.
    revise = (
        'mutation($r: ID!) { reviseResult(resultId: $r, categoryCodes: ["ORDERED_TO_CORRECT"], '
        'description: "补充当事人签字后复核") { __typename ... on DepartmentResult { status categoryCodes description } '
        f"{ERR} }} }}"
    )
    assert ok((await call["m_clerk"](revise, r=made[(1, "m")]))["reviseResult"], "DepartmentResult") == {
        "__typename": "DepartmentResult",
        "status": "RETURNED",
        "categoryCodes": ["ORDERED_TO_CORRECT"],
        "description": "补充当事人签字后复核",
    }
    ok((await call["m_clerk"](submit, r=made[(1, "m")]))["submitResult"], "DepartmentResult")
    approve = (
        "mutation($r: ID!) { approveResult(resultId: $r) { __typename ... on DepartmentResult { status publishedOn "
        f"approvedByOwnDepartment approvedByInitiatingDepartment }} {ERR} }} }}"
    )
    published = {"__typename": "DepartmentResult", "status": "PUBLISHED", "publishedOn": today.isoformat()}
    for (_, key), result_id in made.items():
        if key == "c":
            # The initiating department's own part: one review is both of seed 002 art.16's.
            done = ok((await call["c_reviewer"](approve, r=result_id))["approveResult"], "DepartmentResult")
            assert done == {
                **published,
                "approvedByOwnDepartment": "c-reviewer",
                "approvedByInitiatingDepartment": "c-reviewer",
            }
            continue
        # The market bureau's part: its own review first, then the initiating department's publishes it.
        first = ok((await call["m_reviewer"](approve, r=result_id))["approveResult"], "DepartmentResult")
        assert first == {
            "__typename": "DepartmentResult",
            "status": "UNDER_REVIEW",
            "publishedOn": None,
            "approvedByOwnDepartment": "m-reviewer",
            "approvedByInitiatingDepartment": None,
        }
        done = ok((await call["c_reviewer"](approve, r=result_id))["approveResult"], "DepartmentResult")
        assert done == {
            **published,
            "approvedByOwnDepartment": "m-reviewer",
            "approvedByInitiatingDepartment": "c-reviewer",
        }

    listed = await public("query($t: ID) { results(taskId: $t) { totalCount } }", t=task["id"])
    assert listed["results"]["totalCount"] == 4

    # Correction: only the market bureau's principal head may change its published result.
    correct = (
        'mutation($r: ID!) { correctResult(resultId: $r, categoryCodes: ["NO_PROBLEM"], description: "复查正常经营", '
        f'reason: "经复查，该主体在登记住所正常经营") {{ __typename ... on InspectionResult {{ id version }} {ERR} }} }}'
    )
    refused = (await call["m_clerk"](correct, r=made[(0, "m")]))["correctResult"]
    assert refused["__typename"] == "PermissionDeniedError" and refused["code"] == "ROLE_REQUIRED"
    refused = (await call["c_head"](correct, r=made[(0, "m")]))["correctResult"]
    assert refused["__typename"] == "PermissionDeniedError" and refused["code"] == "OTHER_PART"
    corrected = ok((await call["m_head"](correct, r=made[(0, "m")]))["correctResult"], "InspectionResult")
    # The department's ID (DepartmentResult) and the public one name the same result.
    assert corrected == {
        "__typename": "InspectionResult",
        "id": to_base64("InspectionResult", from_base64(made[(0, "m")])[1]),
        "version": 2,
    }

    history = await public(
        "query($id: ID!) { result(id: $id) { version categories { code } history { version changeReason categories { code } } } }",
        id=corrected["id"],
    )
    assert history["result"] == {
        "version": 2,
        "categories": [{"code": "NO_PROBLEM"}],
        "history": [
            {"version": 1, "changeReason": None, "categories": [{"code": "UNREACHABLE"}]},
            {
                "version": 2,
                "changeReason": "经复查，该主体在登记住所正常经营",
                "categories": [{"code": "NO_PROBLEM"}],
            },
        ],
    }
