"""Operations generated from the live schema: never a 500, never a masked error.

tests/edge/fuzz_operations.py writes queries and mutations with arbitrary arguments (IDs that are
not IDs, huge numbers, odd strings); each is sent through the whole HTTP stack, anonymously and
with tokens of a clerk, a head and an entity. Every error must carry a code and none may be the
mask. The generator is seeded, so a failure reproduces on the next run.
"""

from __future__ import annotations

import json
import os

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from api.graphql.core.errors import MASKED_MESSAGE
from api.graphql.schema import build_schema
from tests.api.conftest import app_client
from tests.api.world import build_world
from tests.edge.fuzz_operations import Writer

# 5,000 on SQLite; a smaller mix again on PostgreSQL (each costs ~30 ms through the whole stack in
# the test's transaction, so the pair stays near three minutes of CI).
OPERATIONS = int(os.environ.get("GONGSHI_FUZZ_OPERATIONS", "5000"))
POSTGRES_SHARE = 0.3
CALLERS = ("public", "public", "a_clerk", "a_head", "entity")


def problems(response: httpx.Response) -> list[str]:
    """What is wrong with an answer: a 5xx, an error without a code, or a masked error."""
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:300]}"]
    body = response.json()
    found = []
    for error in body.get("errors") or []:
        if error.get("message") == MASKED_MESSAGE:
            found.append(f"masked error at {error.get('path')}")
        elif not (error.get("extensions") or {}).get("code"):
            found.append(f"no code: {error.get('message')}")
    return found


async def test_generated_operations_never_fail_on_the_server(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    ids = [to_base64("Task", world.task.id), to_base64("Department", world.a.id)]
    ids += [to_base64("InspectionResult", pk) for pk in world.ids.values()]
    writer = Writer(build_schema()._schema, ids, seed=13)
    count = OPERATIONS if engine.dialect.name == "sqlite" else int(OPERATIONS * POSTGRES_SHARE)
    operations = [writer.operation("mutation" if n % 10 < 3 else "query") for n in range(count)]
    failures: dict[str, str] = {}
    statuses: dict[int, int] = {}
    previous = ""
    async with app_client(session, engine, rate_limits_enabled=False) as client:
        for number, (document, variables) in enumerate(operations):
            who = CALLERS[number % len(CALLERS)]
            body = {"query": document, "variables": variables}
            try:
                # json.dumps escapes a lone surrogate as \\ud800, as a browser's JSON.stringify does.
                content = json.dumps(body).encode()
                headers = {"content-type": "application/json", **world.auth(who)}
                response = await client.post("/graphql", content=content, headers=headers)
            except Exception as exc:  # the app raised instead of answering: a 500 on a server
                failures[f"raised {type(exc).__name__}: {exc}"[:300]] = (
                    f"{who}: {document[:400]} {variables}"[:900]
                )
                failures["the request before"] = previous
                break
            previous = f"{who}: {document[:600]} {variables}"[:1200]
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            for problem in problems(response):
                failures.setdefault(problem, f"{who}: {document[:400]} {str(variables)[:300]}")
    assert not failures, "\n".join(f"{p}\n    {d}" for p, d in list(failures.items())[:20])
    assert statuses.get(200, 0) > len(operations) // 2, statuses
