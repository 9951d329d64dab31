"""Access without a shell (issue 14, seed 004 四(二)) against every caller, and the entity's journey.

A department prints an activation code on the 告知书; the entity turns it into a token of its own
through the API, sees its tokens and revokes one; nobody else's token is anyone's to see or revoke.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from inspections import activation
from inspections.errors import InvalidInput, PermissionDenied
from inspections.principals import Role, department_user
from schema.models import AuditEvent
from tests.api.roles import DENIED, MISSING, Case, check_case, mutation
from tests.api.world import CALLERS, World, build_world

ISSUED: dict[str, str] = {}  # the activation code of the world's first entity, set before each case runs
CLERKS_AND_ADMINS = ("a_clerk", "a_admin", "b_clerk", "b_admin", "c_clerk", "c_admin")

CASES = [
    Case(
        "issueActivationCode",
        mutation("$c: String!", "issueActivationCode(creditCode: $c)"),
        lambda w: {"c": w.entities[1].credit_code},
        "ActivationCodeRecord",
        CLERKS_AND_ADMINS,  # the directory is shared (两库): any department may print a 告知书
    ),
    Case(
        "redeemActivationCode",
        mutation(
            "$c: String!, $k: String!", 'redeemActivationCode(creditCode: $c, code: $k, holderName: "经办人")'
        ),
        lambda w: {"c": w.entities[0].credit_code, "k": ISSUED["code"]},
        "IssuedTokenRecord",
        CALLERS,  # the code is the proof; no token is needed, and one held changes nothing
    ),
    Case(
        "revokeMyToken",
        mutation("$p: String!", "revokeMyToken(prefix: $p)"),
        lambda w: {"p": w.tokens["entity"][:10]},
        "TokenRecord",
        ("entity",),
        # An admin lists only its department's tokens: the entity's is one it cannot know of.
        others={"a_admin": MISSING, "b_admin": MISSING, "c_admin": MISSING},
        default=DENIED,
    ),
]


async def _world_with_code(session: AsyncSession) -> World:
    world = await build_world(session)
    made = await activation.issue_activation_code(
        session,
        by=department_user(world.a.id, Role.CLERK, "录入员"),
        entity_credit_code=world.entities[0].credit_code,
        valid_days=60,
        now=datetime.now(UTC),
    )
    ISSUED["code"] = made.code
    await session.flush()
    return world


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_mutation_for_every_caller(
    client: httpx.AsyncClient, session: AsyncSession, case: Case
) -> None:
    await check_case(client, session, await _world_with_code(session), case)


async def _call(client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response


ISSUE = """mutation($c: String!) { issueActivationCode(creditCode: $c, validDays: 30) { __typename
  ... on ActivationCodeRecord { code creditCode entityName expiresAt } ... on UserError { errorCode } } }"""
REDEEM = """mutation($c: String!, $k: String!) { redeemActivationCode(creditCode: $c, code: $k, holderName: "王会计") {
  __typename ... on IssuedTokenRecord { token record { prefix holderName kind role revokedAt } }
  ... on UserError { errorCode field } } }"""
MINE = "{ myTokens { __typename ... on TokenList { tokens { prefix holderName kind revokedAt } } ... on UserError { errorCode } } }"
REVOKE = """mutation($p: String!) { revokeMyToken(prefix: $p) { __typename ... on TokenRecord { prefix revokedAt }
  ... on UserError { errorCode } } }"""


async def test_an_entity_from_its_notice_to_its_own_token(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await build_world(session)
    # The clerk finds the entity where it sees it: among the task's drawn entities.
    task = await _call(
        client,
        "query($id: ID!) { node(id: $id) { ... on Task { drawnEntities { creditCode name } } } }",
        id=to_base64("Task", world.task.id),
    )
    drawn = task.json()["data"]["node"]["drawnEntities"]
    # Not the world's first entity, which already holds a token.
    shop, other = [d for d in drawn if d["creditCode"] != world.entities[0].credit_code][:2]
    issued = (await _call(client, ISSUE, world.tokens["b_clerk"], c=shop["creditCode"])).json()["data"][
        "issueActivationCode"
    ]
    assert issued["__typename"] == "ActivationCodeRecord"
    assert (issued["creditCode"], issued["entityName"]) == (shop["creditCode"], shop["name"])
    assert len(issued["code"]) == 19 and issued["code"].count("-") == 3
    expires = datetime.fromisoformat(issued["expiresAt"])
    assert timedelta(days=29, hours=23) < expires - datetime.now(UTC) <= timedelta(days=30)

    # The shop types the code as printed, in lower case and with spaces: it still reads.
    typed = issued["code"].lower().replace("-", " ")
    wrong_entity = await _call(client, REDEEM, c=other["creditCode"], k=typed)
    assert wrong_entity.json()["data"]["redeemActivationCode"] == {
        "__typename": "InvalidInputError",
        "errorCode": "ACTIVATION_CODE_INVALID",
        "field": "code",
    }
    redeemed = (await _call(client, REDEEM, c=shop["creditCode"], k=typed)).json()["data"][
        "redeemActivationCode"
    ]
    assert redeemed["__typename"] == "IssuedTokenRecord"
    token = redeemed["token"]
    assert redeemed["record"] == {
        "prefix": token[:10],
        "holderName": "王会计",
        "kind": "entity",
        "role": None,
        "revokedAt": None,
    }
    # Used once: the same code again is refused exactly as a wrong one.
    again = (await _call(client, REDEEM, c=shop["creditCode"], k=issued["code"])).json()["data"]
    assert again["redeemActivationCode"]["errorCode"] == "ACTIVATION_CODE_INVALID"

    # The token is the entity's own: its objections list answers, and it lists and revokes itself.
    objections = await _call(client, "{ myObjections { __typename } }", token)
    assert objections.json()["data"]["myObjections"]["__typename"] == "ObjectionList"
    listed = (await _call(client, MINE, token)).json()["data"]["myTokens"]
    assert listed == {
        "__typename": "TokenList",
        "tokens": [{"prefix": token[:10], "holderName": "王会计", "kind": "entity", "revokedAt": None}],
    }
    # Department B's admin sees B's tokens, not the shop's, and cannot revoke the shop's.
    admin = (await _call(client, MINE, world.tokens["b_admin"])).json()["data"]["myTokens"]
    assert token[:10] not in {t["prefix"] for t in admin["tokens"]} and len(admin["tokens"]) == 4
    foreign = (await _call(client, REVOKE, world.tokens["b_admin"], p=token[:10])).json()["data"][
        "revokeMyToken"
    ]
    assert foreign == {"__typename": "NotFoundError", "errorCode": "TOKEN_NOT_FOUND"}
    revoked = (await _call(client, REVOKE, token, p=token[:10])).json()["data"]["revokeMyToken"]
    assert revoked["__typename"] == "TokenRecord" and revoked["revokedAt"] is not None
    refused = await _call(client, MINE, token)
    assert refused.status_code == 401 and refused.json()["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"

    actions = list(
        await session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.action.in_(["activation.issue", "activation.redeem", "token.revoke"])
            )
        )
    )
    assert sorted(actions) == ["activation.issue", "activation.redeem", "token.revoke"]


async def test_an_expired_code_is_refused_as_a_wrong_one(session: AsyncSession) -> None:
    world = await build_world(session)
    issued_at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    made = await activation.issue_activation_code(
        session,
        by=department_user(world.a.id, Role.ADMIN, "管理员"),
        entity_credit_code=world.entities[1].credit_code,
        valid_days=1,
        now=issued_at,
    )
    with pytest.raises(InvalidInput) as expired:
        await activation.redeem_activation_code(
            session,
            entity_credit_code=world.entities[1].credit_code,
            code=made.code,
            holder_name="经办人",
            now=issued_at + timedelta(days=1),
        )
    assert expired.value.code == "ACTIVATION_CODE_INVALID"
    for days in (0, 181):
        with pytest.raises(InvalidInput) as out_of_range:
            await activation.issue_activation_code(
                session,
                by=department_user(world.a.id, Role.CLERK, "录入员"),
                entity_credit_code=world.entities[1].credit_code,
                valid_days=days,
                now=issued_at,
            )
        assert out_of_range.value.code == "VALIDITY_OUT_OF_RANGE"
    # A reviewer prints no notices.
    with pytest.raises(PermissionDenied):
        await activation.issue_activation_code(
            session,
            by=department_user(world.a.id, Role.REVIEWER, "审核员"),
            entity_credit_code=world.entities[1].credit_code,
            valid_days=30,
            now=issued_at,
        )
