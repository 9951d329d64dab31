"""The SQLite search path's reads, each in one hand-off to the driver's thread.

Why: aiosqlite runs every call on its own thread, and SQLAlchemy's adapter awaits cursor(),
execute(), fetchall() and close() one after the other: four hand-offs (~0.1 ms each on this
two-core machine, more when the client shares the cores) for every statement. A search on
SQLite makes three or four of its own; aiosqlite's execute_fetchall does the same work in one.

The statements run on the very connection, and so in the very transaction, of the session;
they are plain driver SQL with named parameters, as exec_driver_sql would send. They do not pass
through SQLAlchemy's execution events (echo, before_cursor_execute).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def fetch_rows(
    connection: AsyncConnection, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
) -> list[tuple[Any, ...]]:
    """Every row of one read statement, as tuples."""
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, aiosqlite.Connection), "the SQLite search path runs on aiosqlite"
    return [tuple(row) for row in await driver.execute_fetchall(sql, params)]


async def fetch_value(
    connection: AsyncConnection, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
) -> Any:
    """The first column of the first row of one read statement (None without a row)."""
    rows = await fetch_rows(connection, sql, params)
    return rows[0][0] if rows else None
