"""The public response cache (issue 13 part 3): fresh on the very next request after a publication,
in one app and in two sharing Redis; never for token holders; 304s; failing open without Redis."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests import factories
from tests.api.conftest import app_client
from tests.api.world import CALLERS, build_world

REDIS_URL = os.environ.get("GONGSHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
RESULTS = """{ results(first: 50, regionCode: "532325") {
  totalCount edges { node { publishedOn entity { name } department { name } } } } }"""


def names(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(entity, department) of every result on the page, asserting the page is complete."""
    page = body["data"]["results"]
    edges = page["edges"]
    assert page["totalCount"] == len(edges)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", edge["node"]["publishedOn"]) for edge in edges)
    return sorted((edge["node"]["entity"]["name"], edge["node"]["department"]["name"]) for edge in edges)


def counter(metrics: str, name: str) -> float:
    """A counter's value in /metrics' text."""
    found = re.search(rf"^{name}_total (\S+)$", metrics, re.MULTILINE)
    assert found is not None, name
    return float(found.group(1))


async def rename_department_behind_the_cache(session: AsyncSession, old: str, new: str) -> None:
    """A change no use case would make (plain SQL, no hook): only an uncached answer can show it."""
    connection = await session.connection()
    await connection.execute(
        sa.text("UPDATE departments SET name = :new WHERE name = :old"), {"new": new, "old": old}
    )


async def redis_reachable() -> bool:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        await client.flushdb()
        return True
    except (OSError, aioredis.RedisError):
        return False
    finally:
        await client.aclose()


async def test_the_next_anonymous_request_after_a_publication_sees_it(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    first_task = await factories.joint_task(session, entities=2, names=["姚安县甲商行", "姚安县乙商行"])
    async with app_client(session, engine) as client:
        before = (await client.post("/graphql", json={"query": RESULTS})).json()
        again = (await client.post("/graphql", json={"query": RESULTS})).json()
        assert again == before
        assert names(before) == sorted(
            (entity.name, department)
            for entity in first_task.entities
            for department in (first_task.initiating.name, first_task.participating.name)
        )
        metrics = (await client.get("/metrics")).text
        assert counter(metrics, "gongshi_response_cache_hits") == 1
        assert counter(metrics, "gongshi_response_cache_misses") == 1

        await factories.joint_task(
            session, entities=1, names=["姚安县丙商行"]
        )  # flushed: committed for the app
        after = (await client.post("/graphql", json={"query": RESULTS})).json()
        assert len(names(after)) == len(names(before)) + 2
        assert {entity for entity, _ in names(after)} == {"姚安县甲商行", "姚安县乙商行", "姚安县丙商行"}


async def test_the_cache_answers_a_repeat_and_token_holders_never_read_it(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    world = await build_world(session)
    async with app_client(session, engine) as client:
        cached = (await client.post("/graphql", json={"query": RESULTS})).json()
        listed = names(cached)
        assert {department for _, department in listed} == {world.a.name, world.b.name}
        renamed = "姚安县工信商务科技局（更名）"
        fresh = sorted(
            (entity, renamed if department == world.a.name else department) for entity, department in listed
        )
        await rename_department_behind_the_cache(session, world.a.name, renamed)

        # The anonymous repeat is the cached answer (no hook saw the rename); every token holder
        # runs the query and sees the new name, and their answers are not kept for the public.
        for caller in CALLERS:
            answer = await client.post("/graphql", json={"query": RESULTS}, headers=world.auth(caller))
            assert answer.status_code == 200, caller
            if caller == "public":
                assert answer.json() == cached
                assert answer.headers["Cache-Control"] == "public, no-cache"
            else:
                assert names(answer.json()) == fresh, caller
                assert answer.headers["Cache-Control"] == "private, no-store", caller
                assert "ETag" not in answer.headers
        assert (await client.post("/graphql", json={"query": RESULTS})).json() == cached


async def test_a_cached_answer_revalidates_to_304_and_errors_are_not_kept(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await factories.joint_task(session, entities=1)
    async with app_client(session, engine) as client:
        first = await client.get("/graphql", params={"query": RESULTS})
        etag = first.headers["ETag"]
        hit = await client.get("/graphql", params={"query": RESULTS})
        assert hit.status_code == 200 and hit.content == first.content and hit.headers["ETag"] == etag
        assert hit.headers["RateLimit"].startswith('"default";r=')  # the budget is spent on a hit too
        unchanged = await client.get("/graphql", params={"query": RESULTS}, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["ETag"] == etag

        await factories.joint_task(session, entities=1)
        changed = await client.get("/graphql", params={"query": RESULTS}, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["ETag"] != etag

        bad = {"query": '{ result(id: "1") { publishedOn } }'}
        for _ in range(2):
            answer = await client.post("/graphql", json=bad)
            assert answer.json()["errors"][0]["extensions"]["code"] == "ID_INVALID"
        metrics = (await client.get("/metrics")).text
        # first, changed and both errors missed; hit and the 304 were answered from the cache
        assert counter(metrics, "gongshi_response_cache_misses") == 4
        assert counter(metrics, "gongshi_response_cache_hits") == 2


async def test_variables_and_operation_names_are_part_of_the_key(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await factories.joint_task(session, entities=1, region="532325")
    await factories.joint_task(session, entities=2, region="530427", place="新平县")
    query = "query Page($region: String!) { results(first: 20, regionCode: $region) { totalCount } }"
    async with app_client(session, engine) as client:
        for region, count in (("532325", 2), ("530427", 4), ("532325", 2), ("530427", 4)):
            body = (
                await client.post("/graphql", json={"query": query, "variables": {"region": region}})
            ).json()
            assert body == {"data": {"results": {"totalCount": count}}, "extensions": body["extensions"]}


async def test_automatic_persisted_queries(session: AsyncSession, engine: AsyncEngine) -> None:
    """The Apollo journey: hash alone (unknown), then hash and query, then hash alone, also by GET."""
    await factories.joint_task(session, entities=1)
    digest = hashlib.sha256(RESULTS.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with app_client(session, engine) as client:
        unknown = await client.post("/graphql", json={"extensions": persisted})
        assert unknown.status_code == 404
        error = unknown.json()["errors"][0]
        assert error["message"] == "PersistedQueryNotFound"
        assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

        full = await client.post("/graphql", json={"query": RESULTS, "extensions": persisted})
        assert full.status_code == 200 and len(names(full.json())) == 2
        by_hash = await client.post("/graphql", json={"extensions": persisted})
        assert by_hash.status_code == 200 and by_hash.json() == full.json()
        by_get = await client.get("/graphql", params={"extensions": json.dumps(persisted)})
        assert by_get.status_code == 200 and by_get.json() == full.json()
        assert by_get.headers["ETag"] == full.headers["ETag"]

        # Uncached (a token holder) the document comes from the persisted store, not the cache.
        department = await factories.department(session, "姚安县商务局")
        from inspections.principals import Role
        from inspections.tokens import issue_token

        token = await issue_token(
            session, actor="test", holder_name="张三", department_code=department.code, role=Role.CLERK
        )
        mine = await client.post(
            "/graphql", json={"extensions": persisted}, headers={"Authorization": f"Bearer {token.secret}"}
        )
        assert mine.status_code == 200 and names(mine.json()) == names(full.json())

        wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
        mismatch = await client.post("/graphql", json={"query": RESULTS, "extensions": wrong})
        assert mismatch.status_code == 400
        assert mismatch.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
        for invalid in ({"version": 2, "sha256Hash": digest}, {"version": 1, "sha256Hash": "abc"}, "x"):
            refused = await client.post("/graphql", json={"extensions": {"persistedQuery": invalid}})
            assert refused.status_code == 400
            assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_INVALID"


@contextlib.asynccontextmanager
async def redis_client(
    session: AsyncSession, engine: AsyncEngine, redis_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """app_client with Redis, closing the caches' connections as the app's lifespan would."""
    async with app_client(session, engine, redis_url=redis_url, rate_limit_prefix="gs-cache-test") as client:
        try:
            yield client
        finally:
            state = client._transport.app.state  # type: ignore[attr-defined]
            await state.response_cache.store.close()
            await state.persisted_queries.store.close()


@contextlib.asynccontextmanager
async def two_workers(
    session: AsyncSession, engine: AsyncEngine
) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    async with (
        redis_client(session, engine, REDIS_URL) as one,
        redis_client(session, engine, REDIS_URL) as two,
    ):
        yield one, two


async def test_two_app_instances_sharing_redis(session: AsyncSession, engine: AsyncEngine) -> None:
    if not await redis_reachable():
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    await factories.joint_task(session, entities=1, names=["姚安县甲商行"])
    async with two_workers(session, engine) as (one, two):
        filled = (await one.post("/graphql", json={"query": RESULTS})).json()
        shared = (await two.post("/graphql", json={"query": RESULTS})).json()
        assert shared == filled
        # The second instance never ran it: its first request was a hit, filled by the first's.
        assert counter((await two.get("/metrics")).text, "gongshi_response_cache_hits") == 1

        await factories.joint_task(session, entities=1, names=["姚安县乙商行"])
        for client in (two, one):
            fresh = (await client.post("/graphql", json={"query": RESULTS})).json()
            assert {entity for entity, _ in names(fresh)} == {"姚安县甲商行", "姚安县乙商行"}


async def test_an_unreachable_redis_still_answers_200(
    session: AsyncSession, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await factories.joint_task(session, entities=1, names=["姚安县甲商行"])
    digest = hashlib.sha256(RESULTS.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    # Port 1 refuses at once; the rate limits and both caches fail open.
    async with redis_client(session, engine, "redis://127.0.0.1:1/0") as client:
        for _ in range(3):
            answer = await client.post("/graphql", json={"query": RESULTS, "extensions": persisted})
            assert answer.status_code == 200 and {e for e, _ in names(answer.json())} == {"姚安县甲商行"}
        await factories.joint_task(session, entities=1, names=["姚安县乙商行"])
        answer = await client.post("/graphql", json={"extensions": persisted})
        assert answer.status_code == 200
        assert {entity for entity, _ in names(answer.json())} == {"姚安县甲商行", "姚安县乙商行"}
    assert any("Redis unavailable" in record.message for record in caplog.records)


async def test_the_home_page_shows_a_publication_on_the_next_request_and_repeats_from_the_cache(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    first = await factories.joint_task(session, entities=1, names=["姚安县甲商行"])
    async with app_client(session, engine) as client:
        home = (await client.get("/")).text
        assert "姚安县甲商行" in home and "姚安县乙商行" not in home and first.initiating.name in home
        # The page's reads are cached: a department renamed behind the hooks stays as it was.
        await rename_department_behind_the_cache(session, first.initiating.name, "姚安县某局（更名）")
        assert (await client.get("/")).text == home

        await factories.joint_task(session, entities=1, names=["姚安县乙商行"])
        fresh = (await client.get("/")).text
        assert "姚安县甲商行" in fresh and "姚安县乙商行" in fresh


async def test_metrics_report_the_search_outbox_depth(session: AsyncSession, engine: AsyncEngine) -> None:
    from schema.models import SearchOutbox

    joint = await factories.joint_task(session, entities=1)
    async with app_client(session, engine) as client:
        assert re.search(
            r"^gongshi_search_outbox_depth 0\.0$", (await client.get("/metrics")).text, re.MULTILINE
        )
        # Two results waiting for Elasticsearch (written as the search backend's outbox would).
        session.add_all(SearchOutbox(result_id=result.id) for result in joint.results[:2])
        await session.flush()
        metrics = (await client.get("/metrics")).text
        assert re.search(r"^gongshi_search_outbox_depth 2\.0$", metrics, re.MULTILINE), metrics
