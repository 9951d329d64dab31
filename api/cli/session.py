"""The one way a command reaches the database: migrate when asked, one engine, disposed on the way out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.settings import Settings
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade


@contextlib.asynccontextmanager
async def open_sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on the configured database; the engine is disposed when the block ends."""
    engine = make_engine(settings.database_url)
    if settings.redis_url:  # servers on other hosts watch the Redis counter (api/http/hits.py)
        from api.http.hits import redis_generation_bump
        from schema.generation import add_after_commit_listener

        add_after_commit_listener(redis_generation_bump(settings))
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


def run_with_sessions(
    settings: Settings,
    work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[int]],
    *,
    migrate: bool = False,
) -> int:
    """Run ``work`` with a session factory and return its exit status (migrating first if asked)."""
    if migrate:
        upgrade(settings.database_url)

    async def main() -> int:
        async with open_sessions(settings) as sessions:
            return await work(sessions)

    return asyncio.run(main())


def run_with_session(
    settings: Settings,
    work: Callable[[AsyncSession], Awaitable[int]],
    *,
    migrate: bool = False,
    transaction: bool = False,
) -> int:
    """Run ``work`` in one session, inside one transaction when asked (committed if it returns)."""

    async def in_session(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session:
            if not transaction:
                return await work(session)
            async with session.begin():
                return await work(session)

    return run_with_sessions(settings, in_session, migrate=migrate)
