"""Every mutation against every caller: who may, who is refused, and that refusals leak nothing.

Callers: the public (no token), an inspected entity, and each role of department A (initiating),
B (participating) and C (no part in the task). Each attempt runs in a savepoint rolled back
afterwards, so every caller meets the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import from_base64, to_base64

from api.graphql import build_schema
from tests.api.world import CALLERS, World, build_world

OUTSIDERS = ("public", "entity", "c_clerk", "c_reviewer", "c_head", "c_admin")
DENIED, MISSING, INVALID = "PermissionDeniedError", "NotFoundError", "InvalidInputError"


@dataclass
class Case:
    """One mutation: its text, variables, who succeeds, and what the others get."""

    name: str
    text: str
    variables: Any
    success: str
    allowed: tuple[str, ...]
    others: dict[str, str] = field(default_factory=dict)
    default: str = DENIED
    id_variable: str | None = None  # the variable that names the object, for the leak check

    def expected(self, caller: str) -> str:
        if caller in self.allowed:
            return self.success
        return self.others.get(caller, self.default)


def task_scoped(allowed: tuple[str, ...]) -> dict[str, str]:
    """Objects of a task: strangers get 404, the task's departments 403."""
    return dict.fromkeys(OUTSIDERS, MISSING)


def g(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def _m(signature: str, call: str) -> str:
    head = f"mutation({signature})" if signature else "mutation"
    return f"{head} {{ {call} {{ __typename ... on UserError {{ code message field }} }} }}"


CASES = [
    Case(
        "createInspectionItem",
        _m(
            "$m: InspectionMethod!",
            'createInspectionItem(code: "N-1", name: "新事项", category: "测试", '
            'legalBasis: "《条例》", method: $m, effectiveFrom: "2022-01-01")',
        ),
        lambda w: {"m": "ON_SITE"},
        "InspectionItem",
        ("a_clerk", "a_admin", "b_clerk", "b_admin", "c_clerk", "c_admin"),
    ),
    Case(
        "retireInspectionItem",
        _m("$id: ID!", 'retireInspectionItem(itemId: $id, effectiveTo: "2022-12-31")'),
        lambda w: {"id": g("InspectionItem", w.item_a.id)},
        "InspectionItem",
        ("a_clerk", "a_admin"),
    ),
    Case(
        "createPlan",
        _m("", 'createPlan(year: 2027, title: "2027年度新计划")'),
        lambda w: {},
        "PlanRecord",
        ("a_clerk", "a_admin", "b_clerk", "b_admin", "c_clerk", "c_admin"),
    ),
    Case(
        "publishPlan",
        _m("$id: ID!", "publishPlan(planId: $id)"),
        lambda w: {"id": g("AnnualPlan", w.ids["plan_draft"])},
        "PlanRecord",
        ("a_reviewer", "a_head", "a_admin"),
        others=dict.fromkeys(("b_reviewer", "b_head", "b_admin", "c_reviewer", "c_head", "c_admin"), MISSING),
        id_variable="id",
    ),
    Case(
        "createTask",
        _m("$input: CreateTaskInput!", "createTask(input: $input)"),
        lambda w: {
            "input": {
                "name": "新任务",
                "participatingDepartmentIds": [g("Department", w.b.id)],
                "items": [
                    {"itemId": g("InspectionItem", w.item_a.id), "departmentId": g("Department", w.a.id)}
                ],
                "strata": [{"name": "全部", "ratioPercent": "10"}],
                "periodStart": "2022-05-01",
                "periodEnd": "2022-06-30",
                "level": "COUNTY",
                "method": "ON_SITE",
                "regionCode": "532325",
            }
        },
        "Task",
        ("a_clerk", "a_admin"),
        # B would be both initiating and participating; C's task would have nobody to check A's item.
        others=dict.fromkeys(("b_clerk", "b_admin", "c_clerk", "c_admin"), INVALID),
    ),
    Case(
        "commitDraw",
        _m("$id: ID!", 'commitDraw(taskId: $id, seedSha256: "' + "ab" * 32 + '")'),
        lambda w: {"id": g("Task", w.ids["task_fresh"])},
        "DrawCommitment",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "revealDraw",
        _m("$id: ID!", 'revealDraw(taskId: $id, seed: "committed-seed-0123456789")'),
        lambda w: {"id": g("Task", w.ids["task_committed"])},
        "Task",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "drawInspectors",
        _m("$id: ID!", "drawInspectors(taskId: $id)"),
        lambda w: {"id": g("Task", w.ids["task_teamless"])},
        "TeamList",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "replaceInspector",
        _m(
            "$id: ID!, $by: ID!",
            "replaceInspector(teamMemberId: $id, replacementInspectorId: $by, reason: HEALTH, "
            'approvedBy: "分管副局长")',
        ),
        lambda w: {"id": g("TeamMember", w.ids["member_b"]), "by": g("Inspector", w.ids["spare_b"])},
        "TeamMemberRecord",
        ("b_clerk", "b_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "registerInspector",
        _m("", 'registerInspector(badgeNumber: "NEW-001", name: "新检查员")'),
        lambda w: {},
        "InspectorRecord",
        ("a_admin", "b_admin", "c_admin"),
    ),
    Case(
        "addRecusal",
        _m("$id: ID!, $code: String!", 'addRecusal(inspectorId: $id, creditCode: $code, reason: "亲属关系")'),
        lambda w: {"id": g("Inspector", w.ids["inspector_a"]), "code": w.entities[0].credit_code},
        "RecusalRecord",
        ("a_clerk", "a_admin"),
        others=dict.fromkeys(("b_clerk", "b_admin", "c_clerk", "c_admin"), MISSING),
        id_variable="id",
    ),
    Case(
        "recordInspection",
        _m(
            "$id: ID!",
            'recordInspection(inspectionId: $id, inspectedOn: "2021-11-17", endedOn: "2021-11-18")',
        ),
        lambda w: {"id": g("Inspection", w.ids["inspection_0"])},
        "InspectionRecord",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "enterResult",
        _m(
            "$id: ID!, $item: ID!",
            'enterResult(inspectionId: $id, itemId: $item, categoryCodes: ["NO_PROBLEM"], '
            'description: "未发现问题")',
        ),
        lambda w: {"id": g("Inspection", w.ids["inspection_free"]), "item": g("InspectionItem", w.item_a.id)},
        "DepartmentResult",
        ("a_clerk", "a_admin"),
        # B enters only its own items (谁检查、谁录入); C has no part in the task.
        others={"b_clerk": INVALID, "b_admin": INVALID, "c_clerk": MISSING, "c_admin": MISSING},
    ),
    Case(
        "submitResult",
        _m("$id: ID!", "submitResult(resultId: $id)"),
        lambda w: {"id": g("InspectionResult", w.ids["rA_draft"])},
        "DepartmentResult",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "approveResult",
        _m("$id: ID!", "approveResult(resultId: $id)"),
        lambda w: {"id": g("InspectionResult", w.ids["rB_review"])},
        "DepartmentResult",
        ("a_reviewer", "b_reviewer"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "returnResult",
        _m("$id: ID!", 'returnResult(resultId: $id, reason: "缺少当事人签字")'),
        lambda w: {"id": g("InspectionResult", w.ids["rB_review"])},
        "DepartmentResult",
        ("a_reviewer", "b_reviewer"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "correctResult",
        _m(
            "$id: ID!",
            'correctResult(resultId: $id, categoryCodes: ["NO_PROBLEM"], description: "复查正常", '
            'reason: "经复查原结果有误")',
        ),
        lambda w: {"id": g("InspectionResult", w.ids["rB_pub"])},
        "InspectionResult",
        ("b_head",),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "recordTransfer",
        _m(
            "$id: ID!",
            'recordTransfer(resultId: $id, authority: "姚安县公安局", transferredOn: "2021-11-20")',
        ),
        lambda w: {"id": g("InspectionResult", w.ids["rA_pub2"])},
        "FollowUpRecord",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "recordFollowUpOutcome",
        _m("$id: ID!", 'recordFollowUpOutcome(followUpId: $id, outcome: "已立案查处", on: "2021-12-10")'),
        lambda w: {"id": g("FollowUp", w.ids["follow_up"])},
        "FollowUpRecord",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
]


async def _attempt(
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    case: Case,
    caller: str,
    variables: dict[str, Any],
) -> dict[str, Any]:
    savepoint = await session.begin_nested()
    await session.connection()  # the SAVEPOINT is only emitted once the session uses its connection
    try:
        response = await client.post(
            "/graphql", json={"query": case.text, "variables": variables}, headers=world.auth(caller)
        )
    finally:
        await savepoint.rollback()
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, (case.name, caller, body)
    payload: dict[str, Any] = body["data"][case.name]
    return payload


def test_every_mutation_is_covered() -> None:
    mutation_type = build_schema()._schema.mutation_type
    assert mutation_type is not None
    assert set(mutation_type.fields) == {case.name for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_mutation_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession, case: Case
) -> None:
    world = await build_world(session)
    variables = case.variables(world)
    outcomes, payloads = {}, {}
    for caller in CALLERS:
        payload = await _attempt(client, session, world, case, caller, variables)
        payloads[caller] = payload
        outcomes[caller] = payload["__typename"]
        if outcomes[caller] == MISSING and case.id_variable:
            # 404 before 403: the same answer as for an object that does not exist at all.
            type_name, _ = from_base64(variables[case.id_variable])
            bogus = {**variables, case.id_variable: to_base64(type_name, 10**8)}
            assert await _attempt(client, session, world, case, caller, bogus) == payload, (case.name, caller)
    assert outcomes == {caller: case.expected(caller) for caller in CALLERS}, payloads
