"""Run one use case in its own transaction: every mutation and import goes through :func:`execute`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from api.graphql.context import Info
from api.graphql.core.errors import as_error
from inspections.errors import DomainError
from inspections.principals import Principal
from inspections.transaction import begin_write, lost_race, write_transaction

__all__ = ["begin_write", "execute", "lost_race", "write_transaction"]

T = TypeVar("T")


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
