"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

import aiosqlite
import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, PoolResetState

from schema.generation import install as install_publication_generation
from schema.versions import tested

try:  # SQLAlchemy 2.1 names it await_; await_only, its 2.0 name, is deprecated from 2.2
    from sqlalchemy.util import await_
except ImportError:  # pragma: no cover - SQLAlchemy 2.0
    from sqlalchemy.util import await_only as await_

# The read transactions' one-hand-off BEGIN calls the driver under SQLAlchemy's adapter with
# SQLAlchemy's internal await_: only on the releases it was tested with (pinned in pyproject.toml).
FAST_BEGIN = tested("SQLAlchemy", ("2.0", "2.1"), purpose="the SQLite one-hand-off BEGIN") and tested(
    "aiosqlite", ("0.20", "0.21", "0.22"), purpose="the SQLite one-hand-off BEGIN"
)


# Every session, however made, bumps the publication generation with a public change (issue 13).
install_publication_generation()


def async_url(url: str) -> str:
    """Accept the usual spellings of a database URL and pick the async driver."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


# SQLite's compile-time ceiling by default (SQLITE_MAX_MMAP_SIZE, 2 GiB less 64 KiB).
MMAP_BYTES = 0x7FFF0000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 driver's own transaction handling breaks SAVEPOINT (SQLAlchemy's pysqlite notes):
    # turn it off and let SQLAlchemy emit BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    # Foreign keys are off by default in SQLite; WAL lets readers run beside the one writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Reads through a memory map of the file rather than read() into each connection's own 8 MB
    # page cache: a search's random reads of a thousand rows hit pages every connection shares
    # (the join of 1,300 candidates to their rows: 2.7 -> 0.5 ms at a million results). Writes
    # still go through write(); the map covers the first MMAP_BYTES of the file.
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writers ask for "IMMEDIATE" (api.graphql.core.transaction): the write lock is taken up front, so two
    # concurrent writers queue on busy_timeout instead of one failing after it has read.
    mode = connection.get_execution_options().get("sqlite_begin", "")
    driver = connection.connection.driver_connection
    if FAST_BEGIN and not mode and isinstance(driver, aiosqlite.Connection):
        # Every read request begins here. Through the adapter a statement is four hand-offs to
        # aiosqlite's thread (~0.13 ms each on this machine); aiosqlite's own execute is one.
        # A deferred BEGIN takes no lock and so cannot fail on a busy database; IMMEDIATE can,
        # and keeps the adapter, which turns that failure into SQLAlchemy's OperationalError.
        await_(driver.execute("BEGIN"))
        return
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


def _sqlite_reset(dbapi_connection: Any, record: ConnectionPoolEntry, state: PoolResetState) -> None:
    # The pool's reset on return, minus the rollback of a connection with no transaction open:
    # closing a session has rolled back already, and each rollback is a hand-off to the driver's
    # thread. A connection still in a transaction (whatever the reason) is rolled back as before.
    if state.terminate_only:
        return
    if getattr(record.driver_connection, "in_transaction", True):
        dbapi_connection.rollback()


# Connections one worker keeps to PostgreSQL (the most it opens).
POOL_SIZE = 15


def make_engine(url: str, *, pool: bool = True, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``, with SQLite made safe for concurrent readers."""
    url = async_url(url)
    # orjson reads the JSON columns (a page's entities' former names, its versions' category
    # codes) several times faster than the json module, to the same values.
    kwargs: dict[str, Any] = {"echo": echo, "json_deserializer": orjson.loads}
    if not pool:
        kwargs["poolclass"] = NullPool
    if url.startswith("sqlite"):
        kwargs["pool_reset_on_return"] = None  # _sqlite_reset does it
    elif pool:
        # Every connection a worker may open (SQLAlchemy's default ceiling, 5 kept + 10 more) is
        # kept: a request holds one throughout, and with more than 5 in flight the extra ones were
        # opened and closed per request, each paying the connect (asyncpg tries TLS first),
        # asyncpg's type introspection and statement preparation again: ~8 % of a worker's
        # samples at 8 concurrent page requests (py-spy; BENCHMARKS.md, "third pass").
        kwargs.update(pool_size=POOL_SIZE, max_overflow=0)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        event.listen(engine.sync_engine.pool, "reset", _sqlite_reset)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (the edge commits, then renders)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
