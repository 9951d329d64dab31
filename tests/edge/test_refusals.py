"""The three documents that used to stall the server are refused with a code (timed in bench/).

Also the limits themselves: depth, aliases and cost answer 400 with their code and the figures, and
a query within them reports its cost in ``extensions.cost``.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.graphql.schema import MAX_ALIASES, MAX_COST, MAX_DEPTH, MAX_QUERY_LENGTH, MAX_TOKENS
from inspections.principals import Role
from inspections.tokens import issue_token
from tests import factories
from tests.api.conftest import app_client


def fragment_chain(links: int, leaf: str = "x: __typename") -> str:
    """``{ ...F<links> }`` where each fragment spreads the previous one twice (2**links leaves)."""
    fragments = [f"fragment F0 on Query {{ {leaf} }}"]
    fragments += [f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, links + 1)]
    return f"{{ ...F{links} }}\n" + "\n".join(fragments)


def many_aliases(count: int) -> str:
    return "{ " + " ".join(f"a{n}: __typename" for n in range(count)) + " }"


def duplicate_fields(size: int) -> str:
    return "{ " + "__typename " * ((size - 3) // len("__typename ")) + "}"


def refused(response: httpx.Response, code: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text[:500]
    body: dict[str, Any] = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    return body


async def test_the_three_stalling_documents_are_refused_with_a_code(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    department = await factories.department(session, "姚安县公安局")
    issued = await issue_token(
        session, actor="test", holder_name="李四", department_code=department.code, role=Role.CLERK
    )
    token = issued.secret
    await session.flush()
    async with app_client(session, engine) as client:
        chain = await client.post("/graphql", json={"query": fragment_chain(24)})
        body = refused(chain, "TOO_MANY_ALIASES")
        assert body["errors"][0]["message"] == f"别名数 {2**24} 超过上限 {MAX_ALIASES}"

        document = duplicate_fields(1_000_000)
        assert 1_000_000 - 20 < len(document) <= 1_000_000
        body = refused(await client.post("/graphql", json={"query": document}), "QUERY_TOO_LONG")
        assert (
            body["errors"][0]["message"]
            == f"查询文本过长（{len(document)}个字符），不能超过{MAX_QUERY_LENGTH}个字符"
        )
        # Over the token cap though under the length cap: refused by the lexer.
        under = await client.post("/graphql", json={"query": duplicate_fields(MAX_QUERY_LENGTH)})
        refused(under, "TOO_MANY_TOKENS")
        over = "{ " + "a " * MAX_TOKENS + "}"
        body = refused(await client.post("/graphql", json={"query": over}), "TOO_MANY_TOKENS")
        assert body["errors"][0]["message"].endswith(
            f"Document contains more than {MAX_TOKENS} tokens. Parsing aborted."
        )

        aliases = many_aliases(100_000)
        assert len(aliases) > 1_048_576  # over the anonymous cap: refused before it is read
        anonymous = await client.post("/graphql", json={"query": aliases})
        assert anonymous.status_code == 413
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
        headers = {"authorization": f"Bearer {token}"}
        with_token = await client.post("/graphql", json={"query": aliases}, headers=headers)
        refused(with_token, "QUERY_TOO_LONG")


async def test_a_chain_without_aliases_is_answered_once(session: AsyncSession, engine: AsyncEngine) -> None:
    async with app_client(session, engine) as client:
        response = await client.post("/graphql", json={"query": fragment_chain(24, leaf="__typename")})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"__typename": "Query"}
        assert response.json()["extensions"] == {
            "cost": {"requestedQueryCost": 1, "maximumAvailable": MAX_COST}
        }


async def test_depth_aliases_and_cost_each_have_a_code(session: AsyncSession, engine: AsyncEngine) -> None:
    # Limits off: the costly documents below would spend the anonymous budget (cost is charged).
    async with app_client(session, engine, rate_limits_enabled=False) as client:
        deep = "{ __typename " + "departments(first: 1) { edges { node { __typename " * 4 + "}}}" * 4 + "}"
        body = refused(await client.post("/graphql", json={"query": deep}), "QUERY_TOO_DEEP")
        assert body["errors"][0]["message"] == f"查询深度 12 超过上限 {MAX_DEPTH}"

        aliased = many_aliases(MAX_ALIASES + 1)
        refused(await client.post("/graphql", json={"query": aliased}), "TOO_MANY_ALIASES")
        within = await client.post("/graphql", json={"query": many_aliases(MAX_ALIASES)})
        assert within.status_code == 200 and len(within.json()["data"]) == MAX_ALIASES

        # first multiplies nested connections: 1 (the request) + 1 (results) + n x 10 (each
        # result's entity's results, ten times).
        costly = (
            "query($n: Int) { results(first: $n) { edges { node { entity { "
            + " ".join(f"r{k}: results(first: 100) {{ totalCount }}" for k in range(10))
            + " } } } } }"
        )
        body = refused(
            await client.post("/graphql", json={"query": costly, "variables": {"n": 100}}), "QUERY_TOO_COSTLY"
        )
        assert body["errors"][0]["extensions"] == {
            "code": "QUERY_TOO_COSTLY",
            "cost": 1002,
            "maxCost": MAX_COST,
        }
        cheap = await client.post("/graphql", json={"query": costly, "variables": {"n": 5}})
        assert cheap.status_code == 200, cheap.text
        assert cheap.json()["extensions"]["cost"] == {"requestedQueryCost": 52, "maximumAvailable": MAX_COST}
