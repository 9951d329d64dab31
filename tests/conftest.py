"""Test databases: SQLite always, PostgreSQL when reachable (required when CI=true).

Each database is built with ``alembic upgrade head``, exactly as in production.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade

POSTGRES_URL = os.environ.get("GONGSHI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = (
    os.environ.get("CI", "").lower() == "true" or os.environ.get("GONGSHI_REQUIRE_POSTGRES") == "1"
)
BACKENDS = [b for b in os.environ.get("GONGSHI_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


async def _postgres_reachable(url: str) -> str | None:
    try:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await connection.close()
    return None


def fresh_database_url(backend: str, tmp_dir: Path) -> str:
    """A new, empty database of ``backend`` (PostgreSQL: the ``test`` database wiped)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_dir / 'gongshi-test.db'}"
    problem = asyncio.run(_postgres_reachable(POSTGRES_URL))
    if problem is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (CI=true) but unreachable at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}: {problem}")
    return POSTGRES_URL


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database per backend, shared by the session's tests of that backend."""
    url = fresh_database_url(request.param, tmp_path_factory.mktemp(request.param))
    upgrade(url)
    yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the migrated test database."""
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test (nothing leaks)."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        maker = make_sessionmaker(engine)
        async with maker(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        await transaction.rollback()


async def table_counts(session: AsyncSession) -> dict[str, int]:
    """Row count of every table: to prove a refused request wrote nothing."""
    from schema.base import Base

    counts = {}
    for name, table in Base.metadata.tables.items():
        counts[name] = int(await session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
    return counts
