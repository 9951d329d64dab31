"""Run one use case in its own transaction: every mutation and import goes through :func:`execute`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from api.error_codes import ApiErrorCode as Code
from api.graphql.context import Info
from api.graphql.core.errors import as_error
from inspections.errors import Conflict, DomainError
from inspections.principals import Principal

T = TypeVar("T")


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


async def execute(
    info: Info,
    action: Callable[[AsyncSession, Principal], Awaitable[T]],
    render: Callable[[T], Any],
) -> Any:
    """Run one use case in its own transaction; a domain error rolls everything back."""
    session = info.context.session
    try:
        async with write_transaction(session):
            value = await action(session, info.context.principal)
    except DomainError as exc:
        return as_error(exc)
    # Rendering may fan out into concurrent loaders: hold a connection for them first.
    await session.connection()
    return render(value)


def lost_race(exc: Exception) -> DomainError:
    """Another request changed the same rows first; the caller may retry. Other errors stay errors."""
    if isinstance(exc, OperationalError) and "locked" not in str(exc.orig):
        raise exc
    return Conflict("该记录刚被其他请求修改，请刷新后重试", code=Code.CONCURRENT_UPDATE)
