"""Rate limits fail open on a dead or hung Redis, speak the IETF fields, and charge query cost."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.http.hits import redis_generation_bump
from api.settings import Settings
from tests.api.conftest import app_client

QUERY = {"query": "{ resultCategories { code } }"}
REDIS_URL = os.environ.get("GONGSHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@dataclass
class HungRedis:
    url: str
    accepted: list[socket.socket]


@pytest.fixture
def hung_redis() -> Iterator[HungRedis]:
    """A server that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield HungRedis(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", accepted)
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.mark.parametrize("kind", ["refused", "hung"])
async def test_an_unreachable_redis_lets_requests_through_and_readyz_says_degraded(
    session: AsyncSession, engine: AsyncEngine, hung_redis: HungRedis, kind: str
) -> None:
    url = "redis://127.0.0.1:1/0" if kind == "refused" else hung_redis.url
    async with app_client(session, engine, redis_url=url, rate_limit_timeout_ms=50) as client:
        for _ in range(20):
            response = await client.post("/graphql", json=QUERY)
            assert response.status_code == 200, response.text
            assert response.json()["data"]["resultCategories"]
            assert "Retry-After" not in response.headers
        if kind == "hung":
            # Each call to a hung Redis waits out the timeout on a new connection. After the first
            # failure each client pauses (STORE_PAUSE_SECONDS): a few calls in all, not several
            # per request (before: 80 connections for these 20 requests, each holding the event loop 50 ms).
            assert len(hung_redis.accepted) <= 6, len(hung_redis.accepted)
        ready = await client.get("/readyz")
        assert ready.json()["rateLimits"] == "degraded"


async def test_ietf_fields_no_retry_after_on_a_200_and_cost_is_charged(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    async with app_client(
        session,
        engine,
        redis_url=REDIS_URL,
        anonymous_rate_limit="100/minute",
        rate_limit_prefix=uuid.uuid4().hex,
    ) as client:
        first = await client.post("/graphql", json=QUERY)
        assert first.status_code == 200
        assert first.headers["RateLimit-Policy"] == '"default";q=100;w=60'
        remaining, reset = first.headers["RateLimit"].removeprefix('"default";').split(";")
        assert remaining == "r=99" and 1 <= int(reset.removeprefix("t=")) <= 61
        assert "Retry-After" not in first.headers
        # cost 1 + 1 + 5 x 10 = 52 (see test_refusals): 52 units of the budget, 47 left.
        costly = (
            "{ results(first: 5) { edges { node { entity { "
            + " ".join(f"r{k}: results(first: 100) {{ totalCount }}" for k in range(10))
            + " } } } } }"
        )
        second = await client.post("/graphql", json={"query": costly})
        assert second.status_code == 200 and second.json()["extensions"]["cost"]["requestedQueryCost"] == 52
        assert second.headers["RateLimit"].startswith('"default";r=47;')
        # The X-RateLimit-* fields say the same, the cost included, and the reset is whole seconds.
        assert second.headers["X-RateLimit-Limit"] == "100"
        assert second.headers["X-RateLimit-Remaining"] == "47"
        reset_at = second.headers["X-RateLimit-Reset"]
        assert reset_at.isdigit() and 0 < int(reset_at) - time.time() <= 61
        third = await client.post("/graphql", json=QUERY)
        assert third.headers["RateLimit"].startswith('"default";r=46;')
        assert third.headers["X-RateLimit-Remaining"] == "46"


async def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    # httpx's ASGI transport connects from 127.0.0.1.
    for trusted, spoofers_share in (((), True), (("127.0.0.1",), False)):
        async with app_client(
            session,
            engine,
            anonymous_rate_limit="2/minute",
            rate_limit_prefix=uuid.uuid4().hex,
            trusted_proxies=trusted,
        ) as client:
            statuses = []
            for n in range(3):
                # The left-most address is the caller's claim; the proxy appends the real one.
                forwarded = {"X-Forwarded-For": f"6.6.6.6, 10.0.0.{n}"}
                statuses.append((await client.post("/graphql", json=QUERY, headers=forwarded)).status_code)
            # Untrusted: all three share 127.0.0.1's budget of 2. Trusted: three callers, one each.
            assert statuses == ([200, 200, 429] if spoofers_share else [200, 200, 200])


def _client_gave_up(connection: socket.socket) -> bool:
    """Whether the client closed this connection to the hung Redis (what it sent is read and
    dropped: the hung server never answers it)."""
    connection.setblocking(False)
    try:
        while True:
            if not connection.recv(65536):
                return True
    except BlockingIOError:
        return False


@pytest.mark.parametrize("hit_layer", [True, False], ids=["hit-layer", "stack"])
async def test_a_request_waiting_on_a_hung_redis_does_not_hold_the_event_loop(
    session: AsyncSession, engine: AsyncEngine, hung_redis: HungRedis, hit_layer: bool
) -> None:
    # The clients are synchronous and wait up to the timeout; a long one here, so that the first
    # request is still waiting when the second is answered, unless the wait holds the event loop
    # (then nothing else runs until the client gives up and closes its connection).
    settings: dict[str, Any] = {"redis_url": hung_redis.url, "rate_limit_timeout_ms": 20_000}
    if not hit_layer:
        settings["response_cache_bytes"] = 0  # the hit layer off: the stack's rate limit waits
    async with app_client(session, engine, **settings) as client:
        first = asyncio.ensure_future(client.post("/graphql", json=QUERY))
        while not hung_redis.accepted:  # noqa: ASYNC110 - accepted by a thread: polled
            await asyncio.sleep(0.01)
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert not first.done()
        assert not _client_gave_up(hung_redis.accepted[0])
        # Redis goes away (each client that connects next finds it closed): the waiting request
        # is served without it (fails open).
        while not first.done():
            for connection in list(hung_redis.accepted):
                connection.close()
            await asyncio.wait({first}, timeout=0.01)
        response = first.result()
        assert response.status_code == 200, response.text
        assert response.json()["data"]["resultCategories"]


def test_the_commit_counter_leaves_a_hung_redis_alone_after_one_timeout(hung_redis: HungRedis) -> None:
    # A publishing commit moves the Redis generation counter synchronously (before its answer
    # goes out). With Redis hung, the first commit waits out the timeout; the next ones within
    # the pause skip Redis instead of each waiting (before: one connection and timeout each).
    bump = redis_generation_bump(Settings(redis_url=hung_redis.url, rate_limit_timeout_ms=50))
    for _ in range(3):
        bump("sqlite:///x.db")
    # The connections were made during the calls; the fixture's thread accepts them from the
    # backlog within its 0.1 s poll: give it time to take every one there is.
    deadline = time.monotonic() + 2
    while not hung_redis.accepted and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)
    assert len(hung_redis.accepted) == 1, len(hung_redis.accepted)
