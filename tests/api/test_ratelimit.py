"""Rate limits through the real /graphql route: per IP, per token, in memory and shared in Redis."""

from __future__ import annotations

import os
import uuid
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inspections.principals import Role
from inspections.tokens import issue_token
from tests import factories
from tests.api.conftest import app_client

QUERY = {"query": "{ resultCategories { code } }"}
REDIS_URL = os.environ.get("GONGSHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("CI", "").lower() == "true"


def _assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 61
    body = response.json()
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED" and error["extensions"]["retryAfter"] == retry_after
    assert "请求过于频繁" in error["message"]


async def test_anonymous_and_token_budgets(session: AsyncSession, engine: AsyncEngine) -> None:
    department = await factories.department(session, "姚安县市场监督管理局")
    token = (
        await issue_token(
            session, actor="test", holder_name="张三", department_code=department.code, role=Role.CLERK
        )
    ).secret
    await session.flush()
    async with app_client(
        session,
        engine,
        anonymous_rate_limit="3/minute",
        token_rate_limit="5/minute",
        rate_limit_prefix=uuid.uuid4().hex,
    ) as client:
        for n in range(3):
            ok = await client.post("/graphql", json=QUERY)
            assert ok.status_code == 200
            assert ok.headers["X-RateLimit-Limit"] == "3" and ok.headers["X-RateLimit-Remaining"] == str(
                2 - n
            )
        _assert_limited(await client.post("/graphql", json=QUERY))
        # A token holder draws on its own budget, not the IP's.
        authorized = {"Authorization": f"Bearer {token}"}
        for _ in range(5):
            assert (await client.post("/graphql", json=QUERY, headers=authorized)).status_code == 200
        _assert_limited(await client.post("/graphql", json=QUERY, headers=authorized))
        # An invented token gets no budget of its own: it spends the IP's, already used up.
        bogus = await client.post("/graphql", json=QUERY, headers={"Authorization": "Bearer gs_invented"})
        _assert_limited(bogus)


async def test_invented_tokens_and_downloads_spend_the_ip_budget(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    async with app_client(
        session, engine, anonymous_rate_limit="3/minute", rate_limit_prefix=uuid.uuid4().hex
    ) as client:
        first = await client.post("/graphql", json=QUERY, headers={"Authorization": "Bearer gs_invented-1"})
        assert first.status_code == 401 and first.headers["X-RateLimit-Remaining"] == "2"
        assert (await client.get("/tasks/999999/draw/candidates.txt")).status_code == 404
        assert (await client.post("/graphql", json=QUERY)).status_code == 200
        _assert_limited(
            await client.post("/graphql", json=QUERY, headers={"Authorization": "Bearer gs_invented-2"})
        )
        _assert_limited(await client.get("/tasks/999999/draw/candidates.txt"))


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis is required (CI=true) but unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")


async def test_workers_share_one_budget_in_redis(session: AsyncSession, engine: AsyncEngine) -> None:
    _redis_or_skip()
    prefix = f"gongshi-test-{uuid.uuid4().hex}"
    settings: dict[str, Any] = {
        "anonymous_rate_limit": "4/minute",
        "redis_url": REDIS_URL,
        "rate_limit_prefix": prefix,
    }
    try:
        async with (
            app_client(session, engine, **settings) as first,
            app_client(session, engine, **settings) as second,
        ):
            for client in (first, second, first, second):
                assert (await client.post("/graphql", json=QUERY)).status_code == 200
            _assert_limited(await second.post("/graphql", json=QUERY))
            _assert_limited(await first.post("/graphql", json=QUERY))
        keys = redis.Redis.from_url(REDIS_URL, decode_responses=True).keys(f"*{prefix}*")
        assert keys, "the budget must live in Redis"
    finally:
        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)


def test_the_anonymous_limit_is_one_limit_and_the_token_limit_may_be_several() -> None:
    from api.settings import Settings

    # The hit layer and the stack charge anonymous callers one limit directly: several would
    # leave all but the first unenforced, so the setting refuses them at start-up, clearly.
    assert Settings.from_env({}).anonymous_rate_limit == "120/minute"
    for bad in ("10/second;500/hour", "many", ""):
        env = {"GONGSHI_ANONYMOUS_RATE_LIMIT": bad} if bad else {"GONGSHI_TOKEN_RATE_LIMIT": "often"}
        with pytest.raises(SystemExit, match="RATE_LIMIT 应为"):
            Settings.from_env(env)
    assert Settings.from_env({"GONGSHI_TOKEN_RATE_LIMIT": "10/second;500/hour"}).token_rate_limit == (
        "10/second;500/hour"
    )
