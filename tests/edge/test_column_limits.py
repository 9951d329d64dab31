"""Text longer than its column answers a code, not the mask (PostgreSQL enforces VARCHAR lengths)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.conftest import app_client
from tests.api.world import build_world

CREATE = (
    "mutation($code: String!, $basis: String!) { createInspectionItem(code: $code, name: $code, "
    'category: "532325", legalBasis: $basis, method: ON_SITE, effectiveFrom: "2024-01-01", '
    'subject: "主体", content: "内容") { __typename ... on UserError { code } } }'
)


async def test_text_over_a_column_answers_a_code(session: AsyncSession, engine: AsyncEngine) -> None:
    world = await build_world(session)
    async with app_client(session, engine) as client:
        variables = {"code": "X" * 300, "basis": "a" * 300}
        response = await client.post(
            "/graphql", json={"query": CREATE, "variables": variables}, headers=world.auth("a_clerk")
        )
    assert response.status_code == 200
    body = response.json()
    if engine.dialect.name == "sqlite":  # SQLite stores any length
        assert (
            body["data"] == {"createInspectionItem": {"__typename": "InspectionItem"}}
            and "errors" not in body
        )
    else:
        assert body["data"] is None
        assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
            ("输入超出字段允许的长度或格式", {"code": "ARGUMENT_INVALID"})
        ]
