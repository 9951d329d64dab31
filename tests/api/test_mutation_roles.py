"""Every mutation of departments' publishing work against every caller (issue 3).

Callers: the public (no token), an inspected entity, and each role of department A (initiating),
B (participating) and C (no part in the task). Each attempt runs in a savepoint rolled back
afterwards, so every caller meets the same state.
"""

from __future__ import annotations

import importlib
import pkgutil

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

import tests.api
from api.graphql.schema import build_schema
from tests.api.roles import DENIED, INVALID, MISSING, Case, check_case, gid, mutation, task_scoped
from tests.api.world import build_world

CASES = [
    Case(
        "createInspectionItem",
        mutation(
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
        mutation("$id: ID!", 'retireInspectionItem(itemId: $id, effectiveTo: "2022-12-31")'),
        lambda w: {"id": gid("InspectionItem", w.item_a.id)},
        "InspectionItem",
        ("a_clerk", "a_admin"),
    ),
    Case(
        "createPlan",
        mutation("", 'createPlan(year: 2027, title: "2027年度新计划")'),
        lambda w: {},
        "PlanRecord",
        ("a_clerk", "a_admin", "b_clerk", "b_admin", "c_clerk", "c_admin"),
    ),
    Case(
        "publishPlan",
        mutation("$id: ID!", "publishPlan(planId: $id)"),
        lambda w: {"id": gid("AnnualPlan", w.ids["plan_draft"])},
        "PlanRecord",
        ("a_reviewer", "a_head", "a_admin"),
        others=dict.fromkeys(
            ("public", "entity", *(f"{d}_{r}" for d in "bc" for r in ("clerk", "reviewer", "head", "admin"))),
            MISSING,
        ),
        id_variable="id",
    ),
    Case(
        "createTask",
        mutation("$input: CreateTaskInput!", "createTask(input: $input)"),
        lambda w: {
            "input": {
                "name": "新任务",
                "participatingDepartmentIds": [gid("Department", w.b.id)],
                "items": [
                    {"itemId": gid("InspectionItem", w.item_a.id), "departmentId": gid("Department", w.a.id)}
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
        # B would be both initiating and participating; C (新平县, 530427) may not set a task in
        # 姚安县 (532325): outside its jurisdiction (issue 14 point 7).
        others={
            **dict.fromkeys(("b_clerk", "b_admin"), INVALID),
            **dict.fromkeys(("c_clerk", "c_admin"), DENIED),
        },
    ),
    Case(
        "commitDraw",
        mutation("$id: ID!", 'commitDraw(taskId: $id, seedSha256: "' + "ab" * 32 + '")'),
        lambda w: {"id": gid("Task", w.ids["task_fresh"])},
        "DrawCommitment",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "revealDraw",
        mutation("$id: ID!", 'revealDraw(taskId: $id, seed: "committed-seed-0123456789")'),
        lambda w: {"id": gid("Task", w.ids["task_committed"])},
        "Task",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "drawInspectors",
        mutation("$id: ID!", "drawInspectors(taskId: $id)"),
        lambda w: {"id": gid("Task", w.ids["task_teamless"])},
        "TeamList",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "replaceInspector",
        mutation(
            "$id: ID!, $by: ID!",
            "replaceInspector(teamMemberId: $id, replacementInspectorId: $by, reason: HEALTH, "
            'approvedBy: "分管副局长")',
        ),
        lambda w: {"id": gid("TeamMember", w.ids["member_b"]), "by": gid("Inspector", w.ids["spare_b"])},
        "TeamMemberRecord",
        ("b_clerk", "b_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "registerInspector",
        mutation("", 'registerInspector(badgeNumber: "NEW-001", name: "新检查员")'),
        lambda w: {},
        "InspectorRecord",
        ("a_admin", "b_admin", "c_admin"),
    ),
    Case(
        "setInspectorActive",
        mutation("$id: ID!", 'setInspectorActive(inspectorId: $id, active: false, reason: "调离执法岗位")'),
        lambda w: {"id": gid("Inspector", w.ids["inspector_a"])},
        "InspectorRecord",
        ("a_admin",),
        # Inspectors are known only to their own department (seed 001 art.25).
        others=dict.fromkeys(
            ("public", "entity", *(f"{d}_{r}" for d in "bc" for r in ("clerk", "reviewer", "head", "admin"))),
            MISSING,
        ),
        id_variable="id",
    ),
    Case(
        "changeEntityStatus",
        mutation(
            "$code: String!",
            'changeEntityStatus(creditCode: $code, status: DEREGISTERED, changedOn: "2021-11-01", '
            'source: "姚安县市场监督管理局注销登记公告")',
        ),
        lambda w: {"code": w.entities[0].credit_code},
        "EntityStatusChangeRecord",
        # C (新平县) keeps its own area's directory, not 姚安县's (issue 14 point 7).
        tuple(f"{d}_{r}" for d in "ab" for r in ("clerk", "admin")),
    ),
    Case(
        "addRecusal",
        mutation(
            "$id: ID!, $code: String!", 'addRecusal(inspectorId: $id, creditCode: $code, reason: "亲属关系")'
        ),
        lambda w: {"id": gid("Inspector", w.ids["inspector_a"]), "code": w.entities[0].credit_code},
        "RecusalRecord",
        ("a_clerk", "a_admin"),
        others=dict.fromkeys(
            ("public", "entity", *(f"{d}_{r}" for d in "bc" for r in ("clerk", "reviewer", "head", "admin"))),
            MISSING,
        ),
        id_variable="id",
    ),
    Case(
        "recordInspection",
        mutation(
            "$id: ID!",
            'recordInspection(inspectionId: $id, inspectedOn: "2021-11-17", endedOn: "2021-11-18")',
        ),
        lambda w: {"id": gid("Inspection", w.ids["inspection_free"])},
        "InspectionRecord",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "enterResult",
        mutation(
            "$id: ID!, $item: ID!",
            'enterResult(inspectionId: $id, itemId: $item, categoryCodes: ["NO_PROBLEM"], '
            'description: "未发现问题")',
        ),
        lambda w: {
            "id": gid("Inspection", w.ids["inspection_free"]),
            "item": gid("InspectionItem", w.item_a.id),
        },
        "DepartmentResult",
        ("a_clerk", "a_admin"),
        # B enters only its own items (谁检查、谁录入); C has no part in the task.
        others={"b_clerk": INVALID, "b_admin": INVALID, "c_clerk": MISSING, "c_admin": MISSING},
    ),
    Case(
        "submitResult",
        mutation("$id: ID!", "submitResult(resultId: $id)"),
        lambda w: {"id": gid("InspectionResult", w.ids["rA_draft"])},
        "DepartmentResult",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "approveResult",
        mutation("$id: ID!", "approveResult(resultId: $id)"),
        lambda w: {"id": gid("InspectionResult", w.ids["rB_review"])},
        "DepartmentResult",
        ("a_reviewer", "b_reviewer"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "reviseResult",
        mutation(
            "$id: ID!",
            'reviseResult(resultId: $id, categoryCodes: ["NO_PROBLEM"], description: "复核后未发现问题")',
        ),
        lambda w: {"id": gid("InspectionResult", w.ids["rB_returned"])},
        "DepartmentResult",
        ("b_clerk", "b_admin"),  # the team of the result's own department (谁检查、谁录入)
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "returnResult",
        mutation("$id: ID!", 'returnResult(resultId: $id, reason: "缺少当事人签字")'),
        lambda w: {"id": gid("InspectionResult", w.ids["rB_review"])},
        "DepartmentResult",
        ("a_reviewer", "b_reviewer"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "correctResult",
        mutation(
            "$id: ID!",
            'correctResult(resultId: $id, categoryCodes: ["NO_PROBLEM"], description: "复查正常", '
            'reason: "经复查原结果有误")',
        ),
        lambda w: {"id": gid("InspectionResult", w.ids["rB_pub"])},
        "InspectionResult",
        ("b_head",),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "recordTransfer",
        mutation(
            "$id: ID!",
            'recordTransfer(resultId: $id, authority: "姚安县公安局", transferredOn: "2021-11-20")',
        ),
        lambda w: {"id": gid("InspectionResult", w.ids["rA_pub2"])},
        "FollowUpRecord",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
    Case(
        "recordFollowUpOutcome",
        mutation(
            "$id: ID!", 'recordFollowUpOutcome(followUpId: $id, outcome: "已立案查处", on: "2021-12-10")'
        ),
        lambda w: {"id": gid("FollowUp", w.ids["follow_up"])},
        "FollowUpRecord",
        ("a_clerk", "a_admin"),
        others=task_scoped(()),
        id_variable="id",
    ),
]


def test_every_mutation_is_covered() -> None:
    covered = set()
    for module in pkgutil.iter_modules(tests.api.__path__):
        if module.name.startswith("test_") and module.name.endswith("_roles"):
            covered |= {case.name for case in importlib.import_module(f"tests.api.{module.name}").CASES}
    mutation_type = build_schema()._schema.mutation_type
    assert mutation_type is not None
    assert set(mutation_type.fields) == covered


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_mutation_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession, case: Case
) -> None:
    await check_case(client, session, await build_world(session), case)
