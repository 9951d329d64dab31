"""The conventions integrators expect: ETag/304, Cache-Control by caller, gzip, CORS, request ids,
a JSON access log and /metrics."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inspections.principals import Role
from inspections.tokens import issue_token
from tests import factories
from tests.api.conftest import app_client

QUERY = "{ resultCategories { code label } }"


async def test_an_unchanged_query_answers_304_and_tokens_are_never_public(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    department = await factories.department(session, "姚安县市场监督管理局")
    token = (
        await issue_token(
            session, actor="test", holder_name="张三", department_code=department.code, role=Role.CLERK
        )
    ).secret
    await session.flush()
    async with app_client(session, engine) as client:
        first = await client.get("/graphql", params={"query": QUERY})
        assert first.status_code == 200 and first.json()["data"]["resultCategories"]
        assert first.headers["Cache-Control"] == "public, no-cache"
        etag = first.headers["ETag"]
        again = await client.get("/graphql", params={"query": QUERY}, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
        posted = await client.post("/graphql", json={"query": QUERY}, headers={"If-None-Match": etag})
        assert posted.status_code == 304
        other = await client.get("/graphql", params={"query": QUERY}, headers={"If-None-Match": '"other"'})
        assert other.status_code == 200 and other.json() == first.json()

        mine = await client.post(
            "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
        )
        assert mine.status_code == 200 and mine.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in mine.headers
        refused = await client.post("/graphql", json={"query": "{ nothing }"})
        assert refused.status_code == 400 and refused.headers["Cache-Control"] == "no-store"


async def test_gzip_cors_request_id_access_log_and_metrics(
    session: AsyncSession, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    async with app_client(session, engine) as client:
        big = "{ " + " ".join(f"c{n}: resultCategories {{ code label }}" for n in range(20)) + " }"
        zipped = await client.post("/graphql", json={"query": big}, headers={"Accept-Encoding": "gzip"})
        assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
        assert len(zipped.json()["data"]) == 20  # httpx decompressed it
        small = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Accept-Encoding": "gzip"}
        )
        assert "Content-Encoding" not in small.headers

        preflight = await client.options(
            "/graphql",
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in preflight.headers
        cross = await client.post(
            "/graphql", json={"query": QUERY}, headers={"Origin": "https://example.org"}
        )
        assert cross.headers["Access-Control-Allow-Origin"] == "*"

        with caplog.at_level(logging.INFO, logger="gongshi.access"):
            mine = await client.post("/graphql", json={"query": QUERY}, headers={"X-Request-ID": "abc-123"})
            fresh = await client.post("/graphql", json={"query": QUERY}, headers={"X-Request-ID": "bad id\n"})
        assert mine.headers["X-Request-ID"] == "abc-123"
        assert fresh.headers["X-Request-ID"] != "bad id\n" and len(fresh.headers["X-Request-ID"]) == 32
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gongshi.access"]
        assert (
            lines[0]["requestId"] == "abc-123"
            and lines[0]["status"] == 200
            and lines[0]["path"] == "/graphql"
        )
        assert (
            lines[0]["method"] == "POST" and lines[0]["cost"] == 1 and lines[0]["bytes"] == len(mine.content)
        )
        assert lines[1]["requestId"] == fresh.headers["X-Request-ID"]

        metrics = await client.get("/metrics")
        assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
        text = metrics.text
        assert 'gongshi_http_requests_total{method="POST",route="/graphql",status="200"} 5.0' in text
        assert "gongshi_graphql_query_cost_count 5.0" in text
        assert "gongshi_http_request_duration_seconds_bucket" in text


async def test_the_bulk_download_answers_304_to_its_etag(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    await factories.joint_task(session, entities=1)
    await session.flush()
    async with app_client(session, engine, snapshot_dir=str(tmp_path)) as client:
        first = await client.get("/downloads/published-results.ndjson")
        assert first.status_code == 200 and first.content
        etag = first.headers["ETag"]
        again = await client.get("/downloads/published-results.ndjson", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
        other = await client.get("/downloads/published-results.ndjson", headers={"If-None-Match": '"x"'})
        assert other.status_code == 200 and other.content == first.content
