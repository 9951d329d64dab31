"""An HTTP client on the real application, inside the test's rolled-back transaction."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.settings import Settings
from schema.base import utcnow


@contextlib.asynccontextmanager
async def app_client(
    session: AsyncSession, engine: AsyncEngine, clock: Callable[[], datetime] | None = None, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a fresh app whose requests join the test's transaction."""
    connection = await session.connection()
    sessions = async_sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )
    app = create_app(
        Settings(database_url=str(engine.url), **settings),
        engine=engine,
        sessions=sessions,
        clock=clock or utcnow,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def client(session: AsyncSession, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """Requests run the whole ASGI stack; their sessions join the test's transaction."""
    async with app_client(session, engine) as http:
        yield http


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST a query; the HTTP layer must answer 200 with JSON."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    """The stable codes of a response's errors."""
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
