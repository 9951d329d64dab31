"""The hit layer (api/http/hits.py): anonymous reads answered at the top of the stack.

What a caller sees: a repeat is the same answer with the same headers, a revalidation is a 304, a
commit anywhere on the host (another worker, a command in another process) shows on the very
next request, the rate budget is spent by hits too, and a page is kept per 适老化 setting but
never for a signed-in browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import re
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import create_app
from api.settings import Settings
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from tests import factories
from tests.api.conftest import app_client

REDIS_URL = os.environ.get("GONGSHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

ROOT = Path(__file__).resolve().parents[2]
RESULTS = """{ results(first: 50, regionCode: "532325") {
  totalCount edges { node { publishedOn entity { name } department { name } } } } }"""


def entity_names(body: dict[str, Any]) -> set[str]:
    """The entities on a complete results page."""
    page = body["data"]["results"]
    assert page["totalCount"] == len(page["edges"])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", edge["node"]["publishedOn"]) for edge in page["edges"])
    assert all(edge["node"]["department"]["name"] for edge in page["edges"])
    return {edge["node"]["entity"]["name"] for edge in page["edges"]}


def hits(metrics: str) -> float:
    found = re.search(r"^gongshi_response_cache_hits_total (\S+)$", metrics, re.MULTILINE)
    assert found is not None
    return float(found.group(1))


@contextlib.asynccontextmanager
async def worker(url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An app with its own engine on ``url``, as one ``gongshi serve`` worker would have."""
    engine = make_engine(url)
    app = create_app(Settings(database_url=url, **settings), engine=engine)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w") as client:
            yield client
    finally:
        await engine.dispose()


async def publish(url: str, name: str) -> None:
    """Publish a task's results for one entity named ``name``, committed, from this process."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            await factories.joint_task(session, entities=1, names=[name])
            await session.commit()
    finally:
        await engine.dispose()


def publish_in_another_process(url: str, name: str) -> None:
    """The same, from a separate Python process (a command run beside the server)."""
    script = textwrap.dedent(
        f"""
        import asyncio, itertools
        from tests import factories
        from tests.edge.test_hits import publish
        factories._serial = itertools.count(10_000)  # codes apart from this process's rows
        factories._badges = itertools.count(10_000)
        asyncio.run(publish({url!r}, {name!r}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A migrated SQLite file of this test's own: its commits are real and are not rolled back."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'hits.db'}"
    upgrade(url)
    return url


async def test_a_commit_in_another_process_shows_on_the_very_next_request_of_every_worker(
    database: str,
) -> None:
    await publish(database, "姚安县甲商行")
    # Re-reading the database on a timer would hide a missing signal: here it never comes.
    async with (
        worker(database, generation_recheck_ms=3_600_000) as one,
        worker(database, generation_recheck_ms=3_600_000) as two,
    ):
        for client in (one, two):
            first = await client.post("/graphql", json={"query": RESULTS})
            again = await client.post("/graphql", json={"query": RESULTS})
            assert entity_names(first.json()) == {"姚安县甲商行"} and again.content == first.content
            assert again.headers["ETag"] == first.headers["ETag"]
            assert hits((await client.get("/metrics")).text) == 1

        await asyncio.to_thread(publish_in_another_process, database, "姚安县乙商行")
        for client in (two, one):
            fresh = await client.post("/graphql", json={"query": RESULTS})
            assert entity_names(fresh.json()) == {"姚安县甲商行", "姚安县乙商行"}

        # A commit by another worker of this process (its own engine) too.
        await publish(database, "姚安县丙商行")
        for client in (one, two):
            fresh = await client.get("/graphql", params={"query": RESULTS})
            assert entity_names(fresh.json()) == {"姚安县甲商行", "姚安县乙商行", "姚安县丙商行"}


async def test_a_writer_that_never_signals_is_seen_after_the_recheck_interval(database: str) -> None:
    await publish(database, "姚安县甲商行")
    async with worker(database, generation_recheck_ms=300) as client:
        first = (await client.post("/graphql", json={"query": RESULTS})).json()
        assert entity_names(first) == {"姚安县甲商行"}
        # A writer dying between its commit and the signal: the generation moved, the signal did not.
        engine = make_engine(database)
        try:
            async with engine.begin() as connection:
                await connection.execute(sa.text("UPDATE entities SET name = '姚安县甲商行（更名）'"))
                await connection.execute(sa.text("UPDATE publication_generation SET n = n + 1"))
        finally:
            await engine.dispose()
        await asyncio.sleep(0.35)
        later = (await client.post("/graphql", json={"query": RESULTS})).json()
        assert entity_names(later) == {"姚安县甲商行（更名）"}


async def test_while_one_request_rechecks_an_old_generation_the_others_are_still_answered(
    database: str,
) -> None:
    """Only the age of the reading says to read it again: one request goes down, not all in flight."""
    await publish(database, "姚安县甲商行")
    async with worker(database, generation_recheck_ms=200) as client:
        first = await client.get("/graphql", params={"query": RESULTS})
        kept = await client.get("/graphql", params={"query": RESULTS})
        assert kept.content == first.content and hits((await client.get("/metrics")).text) == 1
        await asyncio.sleep(0.25)
        # Three at once after the interval: the first reads the generation down the stack, the two
        # others are answered from memory meanwhile (before: all three ran the query).
        answers = await asyncio.gather(*(client.get("/graphql", params={"query": RESULTS}) for _ in range(3)))
        assert [a.content for a in answers] == [first.content] * 3
        assert hits((await client.get("/metrics")).text) == 3
        # The recheck reported back: the next request is a hit again, without another read.
        again = await client.get("/graphql", params={"query": RESULTS})
        assert again.content == first.content and hits((await client.get("/metrics")).text) == 4


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_hits_spend_the_rate_budget_and_then_the_stack_refuses(
    session: AsyncSession, engine: AsyncEngine, store: str
) -> None:
    await factories.joint_task(session, entities=1, names=["姚安县甲商行"])
    # With Redis, a hit reads the generation's marks and is charged in one worker-thread call.
    shared: dict[str, Any] = {}
    if store == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError:
            pytest.skip(f"no Redis at {REDIS_URL}")
        shared = {"redis_url": REDIS_URL, "rate_limit_prefix": f"test-hits-{uuid.uuid4().hex}"}
    # The page costs 2 (the request and one connection, README "Limits"): three of them spend 6.
    async with app_client(session, engine, anonymous_rate_limit="6/minute", **shared) as client:
        remaining = []
        for _ in range(3):
            answer = await client.get("/graphql", params={"query": RESULTS})
            assert answer.status_code == 200 and entity_names(answer.json()) == {"姚安县甲商行"}
            assert answer.json()["extensions"]["cost"]["requestedQueryCost"] == 2
            assert answer.headers["RateLimit-Policy"] == '"default";q=6;w=60'
            remaining.append(re.fullmatch(r'"default";r=(\d+);t=\d+', answer.headers["RateLimit"]))
        assert [int(found.group(1)) for found in remaining if found] == [4, 2, 0]
        assert hits((await client.get("/metrics")).text) == 2
        refused = await client.get("/graphql", params={"query": RESULTS})
        assert refused.status_code == 429
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert int(refused.headers["Retry-After"]) >= 1


async def test_a_hit_carries_the_headers_of_the_first_answer(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await factories.joint_task(session, entities=3)
    async with app_client(session, engine) as client:
        headers = {"Origin": "https://example.org", "Accept-Encoding": "gzip", "X-Request-ID": "trace-1"}
        first = await client.post("/graphql", json={"query": RESULTS}, headers=headers)
        hit = await client.post(
            "/graphql", json={"query": RESULTS}, headers={**headers, "X-Request-ID": "trace-2"}
        )
        for answer, request_id in ((first, "trace-1"), (hit, "trace-2")):
            assert answer.status_code == 200
            assert answer.headers["Content-Encoding"] == "gzip"  # 3 results and more: over 1 KB
            assert answer.headers["Access-Control-Allow-Origin"] == "*"
            assert "RateLimit" in answer.headers["Access-Control-Expose-Headers"]
            assert answer.headers["Cache-Control"] == "public, no-cache"
            assert answer.headers["Vary"] == "Authorization, Accept-Encoding, Origin"
            assert answer.headers["X-Request-ID"] == request_id
            assert answer.headers["X-RateLimit-Limit"] == "120"
        assert hit.content == first.content and hit.headers["ETag"] == first.headers["ETag"]
        plain = await client.post(
            "/graphql", json={"query": RESULTS}, headers={"Accept-Encoding": "identity"}
        )
        assert "Content-Encoding" not in plain.headers and "Access-Control-Allow-Origin" not in plain.headers
        assert gzip.decompress(gzip.compress(plain.content)) == first.content and plain.json() == first.json()
        assert re.fullmatch(r"[0-9a-f]{32}", plain.headers["X-Request-ID"])
        assert hits((await client.get("/metrics")).text) == 2


async def test_pages_are_kept_per_setting_revalidated_and_never_for_a_signed_in_browser(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await factories.joint_task(session, entities=1, names=["姚安县甲商行"])
    async with app_client(session, engine) as client:
        search = {"q": "姚安县"}
        page = await client.get("/search", params=search, headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and "姚安县甲商行" in page.text
        assert (
            page.headers["Content-Encoding"] == "gzip" and page.headers["Cache-Control"] == "public, no-cache"
        )
        assert page.headers["Vary"] == "Cookie, Accept-Encoding, Origin"
        again = await client.get("/search", params=search, headers={"If-None-Match": page.headers["ETag"]})
        assert again.status_code == 304 and again.content == b""
        assert hits((await client.get("/metrics")).text) == 1

        client.cookies.set("gongshi_elder", "1")
        elder = await client.get("/search", params=search)
        assert elder.status_code == 200 and elder.headers["ETag"] != page.headers["ETag"]
        assert hits((await client.get("/metrics")).text) == 1  # another setting: not the kept page
        assert (await client.get("/search", params=search)).content == elder.content
        assert hits((await client.get("/metrics")).text) == 2

        # A publication shows on the next page view.
        await factories.joint_task(session, entities=1, names=["姚安县乙商行"])
        fresh = await client.get("/search", params=search)
        assert "姚安县甲商行" in fresh.text and "姚安县乙商行" in fresh.text

        # A browser with a session cookie (even a stale one) is never answered by the layer.
        client.cookies.set("gongshi_session", "not-a-session")
        for _ in range(2):
            signed = await client.get("/search", params=search)
            assert signed.status_code == 200 and "ETag" not in signed.headers
        assert hits((await client.get("/metrics")).text) == 2


def test_kept_answer_holds_its_size_not_orjsons_buffer() -> None:
    """orjson's output keeps the 4 KB (at least) buffer it wrote into: a kept answer copies its
    body to its own size, so the answers' memory is what the budget counts (issue 13)."""
    import tracemalloc

    import orjson

    from api.http.hits import Kept

    def answer(n: int) -> bytes:
        return orjson.dumps({"data": {"resultCategories": [{"code": f"C{n}"}]}})

    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        bodies = [answer(n) for n in range(200)]
        assert tracemalloc.get_traced_memory()[0] - start > 200 * 4000  # orjson's buffers
        kept = [Kept(body, [(b"etag", b'"x"')], b'"x"', 1, 7, "2026-12-03") for body in bodies]
        del bodies  # only what the kept answers hold remains
        retained = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert retained < 200 * 1024  # ~0.4 KB each (the Kept, its headers, its body); 4 KB before
    assert [k.body for k in kept] == [answer(n) for n in range(200)]
    assert all(len(k.body) < 100 and k.gzipped is None for k in kept)
    assert all(k.generation == 7 and k.day == "2026-12-03" and k.cost == 1 for k in kept)
    length = str(len(kept[0].body)).encode()
    assert kept[0].plain_headers == [(b"etag", b'"x"'), (b"content-length", length)]
