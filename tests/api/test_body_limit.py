"""Request bodies are capped while they arrive: a 413 with a stable code, and nothing written."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.relay import to_base64

from inspections.tokens import issue_token
from schema.models import Objection
from tests import factories
from tests.api.conftest import app_client
from workdays import CHINA_TZ

SMALL = "{ departments(first: 1) { totalCount } }"


def _refused(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 413, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert error["message"] == f"请求内容过大，不能超过{limit}"


async def test_a_body_over_the_cap_is_refused_and_one_under_it_served(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    async with app_client(session, engine, max_body_bytes=4096) as client:
        padding = " " * 5000
        _refused(await client.post("/graphql", json={"query": SMALL + padding}), "4KB")
        fits = await client.post("/graphql", json={"query": SMALL})
        assert fits.status_code == 200 and "errors" not in fits.json()


async def test_a_streamed_body_is_counted_and_cut_off(session: AsyncSession, engine: AsyncEngine) -> None:
    sent: list[int] = []

    async def chunks(count: int) -> AsyncIterator[bytes]:
        body = json.dumps({"query": SMALL + " " * 10_000}).encode()
        for start in range(0, len(body), 1000):
            sent.append(start)
            yield body[start : start + 1000]
        for _ in range(count):
            sent.append(-1)
            yield b" " * 1000

    async with app_client(session, engine, max_body_bytes=4096) as client:
        # No Content-Length: httpx sends a generator chunked.
        response = await client.post(
            "/graphql", content=chunks(1000), headers={"content-type": "application/json"}
        )
    _refused(response, "4KB")
    # The server stopped reading a little past the cap, not after the 1 MB of padding.
    assert len(sent) < 10


async def test_an_upload_over_the_cap_files_no_objection_and_writes_no_file(
    session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    joint = await factories.joint_task(
        session,
        entities=1,
        categories=("UNREACHABLE",),
        ended_on=date(2026, 8, 25),
        published_on=date(2026, 9, 1),
    )
    result = joint.results[0]
    code = next(e.credit_code for e in joint.entities if e.id == result.entity_id)
    token = (await issue_token(session, actor="test", holder_name="企业", entity_credit_code=code)).secret
    await session.flush()
    query = (
        "mutation($r: ID!, $g: String!, $k: String!, $files: [Upload!]) { fileObjection(resultId: $r, "
        "grounds: $g, idempotencyKey: $k, evidence: $files) { __typename ... on UserError { code message } } }"
    )

    async def file(client: httpx.AsyncClient, pdf: bytes, key: str) -> httpx.Response:
        operations = {
            "query": query,
            "variables": {
                "r": to_base64("InspectionResult", result.id),
                "g": "可以联系",
                "k": key,
                "files": [None],
            },
        }
        return await client.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.files.0"]})},
            files={"0": ("合同.pdf", pdf, "application/pdf")},
            headers={"Authorization": f"Bearer {token}"},
        )

    # One file of at most 2,000 bytes: uploads may be 2,000 bytes plus 1 MB for the form.
    settings = {"evidence_dir": str(tmp_path), "evidence_max_bytes": 2000, "evidence_max_files": 1}
    # Within the 60-day window of a result published on 2026-09-01.
    clock = lambda: datetime(2026, 9, 18, 10, 0, tzinfo=CHINA_TZ)  # noqa: E731
    async with app_client(session, engine, clock=clock, **settings) as client:
        _refused(await file(client, b"%PDF-1.7 " + b"x" * (2 * 1024 * 1024), "big-upload-1"), "1.002MB")
        assert await session.scalar(sa.select(sa.func.count()).select_from(Objection)) == 0
        assert os.listdir(tmp_path) == []
        fits = await file(client, b"%PDF-1.7 lease", "small-upload-1")
        assert fits.json()["data"]["fileObjection"]["__typename"] == "ObjectionRecord", fits.text
    assert await session.scalar(sa.select(sa.func.count()).select_from(Objection)) == 1
