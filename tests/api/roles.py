"""Shared machinery of the role matrices: one mutation against every caller, with a leak check.

Each module ``tests/api/test_*_roles.py`` defines ``CASES``; together they must cover every mutation
(``test_mutation_roles.test_every_mutation_is_covered``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import from_base64, to_base64

from tests.api.world import CALLERS, World

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


def gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def mutation(signature: str, call: str) -> str:
    head = f"mutation({signature})" if signature else "mutation"
    return f"{head} {{ {call} {{ __typename ... on UserError {{ code message field }} }} }}"


async def attempt(
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


async def check_case(client: httpx.AsyncClient, session: AsyncSession, world: World, case: Case) -> None:
    """Run ``case`` for every caller: each gets what the case expects, and a 404 leaks nothing."""
    variables = case.variables(world)
    outcomes, payloads = {}, {}
    for caller in CALLERS:
        payload = await attempt(client, session, world, case, caller, variables)
        payloads[caller] = payload
        outcomes[caller] = payload["__typename"]
        if (
            case.id_variable
            and caller not in case.allowed
            and (outcomes[caller] == MISSING or caller in OUTSIDERS)
        ):
            # 404 before 403: whoever has no part gets the same answer as for an object that does
            # not exist at all, whatever kind of refusal that is.
            type_name, _ = from_base64(variables[case.id_variable])
            bogus = {**variables, case.id_variable: to_base64(type_name, 10**8)}
            assert await attempt(client, session, world, case, caller, bogus) == payload, (case.name, caller)
    assert outcomes == {caller: case.expected(caller) for caller in CALLERS}, payloads
