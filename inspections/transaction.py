"""One write transaction around one use case, shared by both edges (api/ and web/).

The edges open transactions; the use cases below them only flush. Both edges need the same
begin-immediate, commit-or-roll-back and lost-race translation, so it lives here, below both.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from inspections.errors import Conflict, DomainError
from schema.errors import CommonErrorCode


async def begin_write(session: AsyncSession) -> None:
    """A fresh transaction that takes SQLite's write lock at once (BEGIN IMMEDIATE).

    A deferred one that read before another writer committed could not write afterwards
    ("database is locked"); PostgreSQL ignores the option.
    """
    await session.rollback()
    await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


@contextlib.asynccontextmanager
async def write_transaction(session: AsyncSession) -> AsyncIterator[None]:
    """One write transaction: begun IMMEDIATE, committed if the block returns, rolled back otherwise.

    A row another request changed first (a stale version, a unique key, SQLite's lock) becomes the
    domain's ``CONCURRENT_UPDATE`` conflict, which the caller may retry. After a refusal the session
    holds a fresh connection again, so the answer can still be rendered with loaders.
    """
    await begin_write(session)
    try:
        try:
            yield
            await session.commit()
        except (StaleDataError, IntegrityError, OperationalError) as exc:
            raise lost_race(exc) from exc
    except Exception:
        await session.rollback()
        await session.connection()
        raise
    except BaseException:
        await session.rollback()
        raise


def lost_race(exc: Exception) -> DomainError:
    """Another request changed the same rows first; the caller may retry. Other errors stay errors."""
    if isinstance(exc, OperationalError) and "locked" not in str(exc.orig):
        raise exc
    return Conflict("该记录刚被其他请求修改，请刷新后重试", code=CommonErrorCode.CONCURRENT_UPDATE)
